/**
 * Rule state: counters, sliding windows and expiring entries, keyed by strings the engine
 * builds (`count:rule|ip=…`, `rate:…`, `grey:…`, `flag:…`). The engine reads through a
 * StateView and returns StateUpdates; the adapter applies them. Every implementation passes
 * test/state/state-store.contract.ts.
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

export interface StateStore extends StateView {
  apply(updates: readonly StateUpdate[], now: number): void;
  /** Live entries, optionally only those whose key starts with `prefix`. */
  list(now: number, prefix?: string): StateEntry[];
  /** Forgets everything, or the keys that start with `prefix`; returns how many went. */
  reset(prefix?: string): number;
}
