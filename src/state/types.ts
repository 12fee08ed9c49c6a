/**
 * Rule state: counters, sliding windows and expiring entries, keyed by strings the engine
 * builds (`count:rule|ip=…`, `rate:…`, `grey:…`, `flag:…`). The engine reads through a
 * StateView and returns StateUpdates; the adapter applies them. Every StateStore (memory,
 * Redis) passes test/state/state-store.contract.ts.
 */

/** What the engine may read. All time comes from the caller's clock. */
export interface StateView {
  /** A counter's value (0 when absent or expired). */
  count(key: string, now: number): number;
  /** Hits recorded under `key` within the last `windowMs` (a sliding window). */
  windowCount(key: string, windowMs: number, now: number): number;
  /** An expiring entry's value, or undefined when absent or expired. */
  entry(key: string, now: number): number | undefined;
}

export type StateUpdate =
  /** Add `by` (default 1) to a counter; it expires `ttlMs` after this update, if given. */
  | { readonly op: 'count'; readonly key: string; readonly by?: number; readonly ttlMs?: number }
  /** Record a hit in a sliding window (kept `windowMs`). */
  | { readonly op: 'hit'; readonly key: string; readonly windowMs: number }
  /** Set an entry that expires at `expiresAt` (ms since the epoch). */
  | { readonly op: 'set'; readonly key: string; readonly value: number; readonly expiresAt: number }
  | { readonly op: 'delete'; readonly key: string };

/** One key as shown to people: what it holds and until when. */
export interface StateEntry {
  readonly key: string;
  readonly kind: 'counter' | 'window' | 'entry';
  /** Counter value, hits in the window, or the entry's value. */
  readonly value: number;
  /** When it is forgotten (ms since the epoch), if it expires. */
  readonly expiresAt?: number;
}

/** One StateView call, as a request to a store that is not in this process. */
export type StateRead =
  | { readonly kind: 'count' | 'entry'; readonly key: string }
  | { readonly kind: 'window'; readonly key: string; readonly windowMs: number };

/** Identifies a read in a snapshot (the same key read as a window of two widths is two reads). */
export const readId = (r: StateRead): string => (r.kind === 'window' ? `window ${r.windowMs} ${r.key}` : `${r.kind} ${r.key}`);

/** The answers to some reads at one instant, and the version of every key read. */
export interface StateSnapshot {
  /** By readId: a count, a window's hits, or an entry's value (undefined: absent or expired). */
  readonly values: ReadonlyMap<string, number | undefined>;
  /** By key: its version when read, 0 when absent. Any write to a key changes its version. */
  readonly versions: ReadonlyMap<string, number>;
}

/** State held in this process, readable and writable in the caller's tick. */
export interface LocalStateStore extends StateView {
  apply(updates: readonly StateUpdate[], now: number): void;
  /** Live entries, optionally only those whose key starts with `prefix`. */
  list(now: number, prefix?: string): StateEntry[];
  /** Forgets everything, or the keys that start with `prefix`; returns how many went. */
  reset(prefix?: string): number;
}

/**
 * Where rule state lives: this process (memory) or a server several instances share (Redis).
 * Reads and writes are asynchronous; a decision reads a snapshot, decides, and writes its
 * updates only if nothing it read changed meanwhile (optimistic concurrency, see transact.ts).
 * Failures to reach the store reject with StateUnavailableError.
 */
export interface StateStore {
  read(reads: readonly StateRead[], now: number): Promise<StateSnapshot>;
  /**
   * Applies the updates in order, atomically. With `expected` (a snapshot's versions), applies
   * nothing and resolves false when any of those keys was written since; else resolves true.
   * With `claim` (a decision that kept losing to other instances), a failed check also reserves
   * the expected keys for that claim for a moment: other writes to them fail until the claimant
   * has written, so a stream of decisions elsewhere cannot starve it.
   */
  write(updates: readonly StateUpdate[], now: number, expected?: ReadonlyMap<string, number>, claim?: string): Promise<boolean>;
  /** Live entries sorted by key (code-unit order), optionally only keys starting with `prefix`. */
  entries(now: number, prefix?: string): Promise<StateEntry[]>;
  /** Forgets everything, or the keys that start with `prefix`; resolves how many went. */
  clear(prefix?: string): Promise<number>;
  close(): Promise<void>;
  /** The same state for use in the caller's tick, when it lives in this process (no round trip, no conflicts). */
  readonly local?: LocalStateStore;
}

/** The shared store cannot be reached (or stayed contended): the decision is answered with the `state-unavailable` event. */
export class StateUnavailableError extends Error {
  override readonly name = 'StateUnavailableError';
}
