/**
 * One decision against a store that is not in this process. The engine is pure and
 * synchronous, and does not say in advance which keys it will read, so the decision runs
 * against a snapshot: every read the snapshot cannot answer is noted, fetched, and the
 * decision runs again (it is pure, and its random draws are replayed), until it reads
 * nothing new. Its updates are then written only if no key it read was written meanwhile
 * (by another session or another instance); on such a conflict it reads afresh and decides
 * again. A decision is thus as if it ran alone, as it does in memory.
 */
import { readId, StateUnavailableError, type StateRead, type StateSnapshot, type StateStore, type StateUpdate, type StateView } from './types.js';

/** A decision reads a few keys per rule; a loop past this many rounds is a bug, not a need. */
const MAX_READ_ROUNDS = 32;
/** Conflicts mean other instances write the same keys right now; past this many, the session is told to retry. */
const MAX_ATTEMPTS = 32;
/**
 * From this attempt on, a decision claims its keys (StateStore.write): the instance whose write
 * beat it has its next decision under way before the loser has read again, so without a claim
 * the loser could stay one step behind until MAX_ATTEMPTS.
 */
const CLAIM_FROM = 3;
let claims = 0;
const CLAIM_PREFIX = `${process.pid.toString(36)}.${Date.now().toString(36)}.`;

/**
 * After a first conflict a decision waits its turn behind the others of this process that
 * conflicted, and while any wait, new decisions wait too: on a hot key (one rate window every
 * message hits) sessions of one instance then take turns instead of invalidating each other,
 * and only other instances can still conflict.
 */
const turns = new WeakMap<StateStore, Turns>();
class Turns {
  private tail: Promise<void> = Promise.resolve();
  /** Decisions holding or waiting for a turn. */
  queued = 0;
  take(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const before = this.tail;
    this.tail = before.then(() => mine);
    this.queued++;
    return before.then(() => () => {
      this.queued--;
      release();
    });
  }
}

/** A short pause after the n-th conflict, with jitter so two instances stop colliding (not the decision's random source). */
let jitterState = 0x9e3779b9;
function pause(attempt: number): Promise<void> {
  jitterState ^= jitterState << 13;
  jitterState ^= jitterState >>> 17;
  jitterState ^= jitterState << 5;
  const jitter = (jitterState >>> 0) / 2 ** 32;
  return new Promise((r) => setTimeout(r, Math.min(attempt, 8) * jitter));
}

export const EMPTY_SNAPSHOT: StateSnapshot = Object.freeze({ values: new Map(), versions: new Map() });

/** The engine's view of a snapshot; what it lacks reads as absent and is noted in `missing`. */
export class SnapshotView implements StateView {
  readonly missing = new Map<string, StateRead>();

  constructor(private readonly snapshot: StateSnapshot) {}

  count(key: string): number {
    return this.look({ kind: 'count', key }) ?? 0;
  }

  windowCount(key: string, windowMs: number): number {
    return this.look({ kind: 'window', key, windowMs }) ?? 0;
  }

  entry(key: string): number | undefined {
    return this.look({ kind: 'entry', key });
  }

  private look(read: StateRead): number | undefined {
    const id = readId(read);
    if (!this.snapshot.values.has(id)) this.missing.set(id, read);
    return this.snapshot.values.get(id);
  }
}

/** A random source whose draws a re-run replays, so a decision made twice draws the same numbers. */
function replayable(random: () => number): { random: () => number; rewind(): void } {
  const drawn: number[] = [];
  let next = 0;
  return {
    random: () => {
      if (next === drawn.length) drawn.push(random());
      return drawn[next++]!;
    },
    rewind: () => void (next = 0),
  };
}

/**
 * Runs `decide` until it has read everything it needs, then writes its updates atomically
 * if what it read is unchanged. Rejects with StateUnavailableError when the store cannot be
 * reached or the keys stay contended.
 */
export async function transact<T extends { readonly updates: readonly StateUpdate[] }>(
  store: StateStore,
  now: number,
  random: () => number,
  decide: (view: StateView, random: () => number) => T,
): Promise<T> {
  const reads = new Map<string, StateRead>();
  const draws = replayable(random);
  let snapshot = EMPTY_SNAPSHOT;
  let release: (() => void) | undefined;
  let claim: string | undefined;
  try {
    // while decisions of this process queue for the store, a new one queues behind them: trying
    // first, it would win the write the queued one read for (and could starve it past MAX_ATTEMPTS)
    if (turnsOf(store).queued > 0) release = await turnsOf(store).take();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt === 1 && !release) release = await turnsOf(store).take();
      if (attempt > 1) await pause(attempt);
      if (attempt === CLAIM_FROM) claim = CLAIM_PREFIX + (claims++).toString(36);
      for (let round = 0; ; round++) {
        const view = new SnapshotView(snapshot);
        draws.rewind();
        const result = decide(view, draws.random);
        if (view.missing.size === 0) {
          if (result.updates.length === 0 || (await guarded(() => store.write(result.updates, now, snapshot.versions, claim)))) return result;
          break; // written meanwhile: read again and decide again
        }
        if (round >= MAX_READ_ROUNDS) throw new Error(`a decision kept reading new state keys after ${MAX_READ_ROUNDS} rounds`);
        for (const [id, read] of view.missing) reads.set(id, read);
        snapshot = await guarded(() => store.read([...reads.values()], now));
      }
      snapshot = await guarded(() => store.read([...reads.values()], now));
    }
    throw new StateUnavailableError(`rule state stayed contended after ${MAX_ATTEMPTS} attempts`);
  } finally {
    release?.();
  }
}

function turnsOf(store: StateStore): Turns {
  let queue = turns.get(store);
  if (!queue) turns.set(store, (queue = new Turns()));
  return queue;
}

/** Store failures become StateUnavailableError (the caller answers them with a 4xx). */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StateUnavailableError) throw err;
    throw new StateUnavailableError(`rule state store: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}
