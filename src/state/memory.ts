/**
 * State in this process's memory. Bounded: beyond `maxKeys` the least recently written keys
 * are forgotten, so a flood of distinct senders cannot grow it without limit.
 */
import { readId, type LocalStateStore, type StateEntry, type StateRead, type StateSnapshot, type StateStore, type StateUpdate } from './types.js';

type Slot =
  | { kind: 'counter'; value: number; expiresAt?: number }
  /** Hits in time order; `head` skips those already out of the window, so a hit costs O(1) and a count O(log n). */
  | { kind: 'window'; hits: number[]; head: number; windowMs: number }
  | { kind: 'entry'; value: number; expiresAt: number };

export class MemoryStateStore implements LocalStateStore, StateStore {
  private readonly slots = new Map<string, Slot>();
  /** Write order for eviction, without moving Map entries (see WriteOrder); its stamps are the keys' versions. */
  private readonly order = new WriteOrder();
  readonly local: LocalStateStore = this;

  constructor(private readonly maxKeys = 100_000) {}

  // --- the StateStore (asynchronous) face: the same state, for code written for any store ---

  async read(reads: readonly StateRead[], now: number): Promise<StateSnapshot> {
    const values = new Map<string, number | undefined>();
    const versions = new Map<string, number>();
    for (const r of reads) {
      values.set(readId(r), r.kind === 'window' ? this.windowCount(r.key, r.windowMs, now) : r.kind === 'count' ? this.count(r.key, now) : this.entry(r.key, now));
      versions.set(r.key, this.order.version(r.key));
    }
    return { values, versions };
  }

  /** A claim needs no reservation here: in one process the turns of transact.ts are already fair. */
  async write(updates: readonly StateUpdate[], now: number, expected?: ReadonlyMap<string, number>): Promise<boolean> {
    for (const [key, version] of expected ?? []) if (this.order.version(key) !== version) return false;
    this.apply(updates, now);
    return true;
  }

  async entries(now: number, prefix?: string): Promise<StateEntry[]> {
    return this.list(now, prefix);
  }

  async clear(prefix?: string): Promise<number> {
    return this.reset(prefix);
  }

  async close(): Promise<void> {}

  // --- the LocalStateStore (synchronous) face, which the engine reads ---

  count(key: string, now: number): number {
    const slot = this.live(key, now);
    return slot?.kind === 'counter' ? slot.value : 0;
  }

  windowCount(key: string, windowMs: number, now: number): number {
    const slot = this.slots.get(key);
    if (slot?.kind !== 'window') return 0;
    return firstAfter(slot.hits, now, slot.head) - firstAfter(slot.hits, now - windowMs, slot.head);
  }

  entry(key: string, now: number): number | undefined {
    const slot = this.live(key, now);
    return slot?.kind === 'entry' ? slot.value : undefined;
  }

  apply(updates: readonly StateUpdate[], now: number): void {
    for (const u of updates) {
      switch (u.op) {
        case 'count': {
          const slot = this.live(u.key, now);
          const value = (slot?.kind === 'counter' ? slot.value : 0) + (u.by ?? 1);
          this.put(u.key, { kind: 'counter', value, ...(u.ttlMs === undefined ? {} : { expiresAt: now + u.ttlMs }) });
          break;
        }
        case 'hit': {
          const slot = this.slots.get(u.key);
          if (slot?.kind === 'window' && (slot.hits.length === 0 || slot.hits[slot.hits.length - 1]! <= now)) {
            // the clock only moves forward: drop expired hits from the front, append at the back
            slot.head = firstAfter(slot.hits, now - u.windowMs, slot.head);
            if (slot.head > 64 && slot.head * 2 > slot.hits.length) {
              slot.hits = slot.hits.slice(slot.head);
              slot.head = 0;
            }
            slot.hits.push(now);
            slot.windowMs = u.windowMs;
            this.put(u.key, slot);
          } else {
            const hits = slot?.kind === 'window' ? slot.hits.slice(slot.head).filter((at) => at > now - u.windowMs) : [];
            hits.push(now);
            hits.sort((a, b) => a - b);
            this.put(u.key, { kind: 'window', hits, head: 0, windowMs: u.windowMs });
          }
          break;
        }
        case 'set':
          this.put(u.key, { kind: 'entry', value: u.value, expiresAt: u.expiresAt });
          break;
        case 'delete':
          this.forget(u.key);
          break;
      }
    }
  }

  list(now: number, prefix = ''): StateEntry[] {
    const out: StateEntry[] = [];
    for (const [key, slot] of this.slots) {
      if (!key.startsWith(prefix)) continue;
      if (slot.kind === 'window') {
        const live = slot.hits.slice(slot.head).filter((at) => at > now - slot.windowMs);
        if (live.length) out.push({ key, kind: 'window', value: live.length, expiresAt: Math.max(...live) + slot.windowMs });
      } else if (slot.expiresAt === undefined || slot.expiresAt > now) {
        out.push({ key, kind: slot.kind, value: slot.value, ...(slot.expiresAt === undefined ? {} : { expiresAt: slot.expiresAt }) });
      }
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  reset(prefix?: string): number {
    if (prefix === undefined) {
      const n = this.slots.size;
      this.slots.clear();
      this.order.clear();
      return n;
    }
    let n = 0;
    for (const key of [...this.slots.keys()]) {
      if (key.startsWith(prefix)) {
        this.forget(key);
        n++;
      }
    }
    return n;
  }

  private live(key: string, now: number): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot && slot.kind !== 'window' && slot.expiresAt !== undefined && slot.expiresAt <= now) {
      this.forget(key);
      return undefined;
    }
    return slot;
  }

  private put(key: string, slot: Slot): void {
    this.slots.set(key, slot);
    this.order.touch(key);
    if (this.slots.size > this.maxKeys) this.forget(this.order.stalest()!);
  }

  private forget(key: string): void {
    this.slots.delete(key);
    this.order.remove(key);
  }
}

/**
 * Least-recently-written order. The obvious way, deleting and re-inserting a Map key on every
 * write, is slow when a few hot keys (a per-IP rate) are rewritten all the time: V8 keeps a
 * tombstone per delete and rehashes the whole table as they pile up (4 µs per write at 100,000
 * keys). Here a write appends (key, stamp) to a queue and records the key's latest stamp; queue
 * entries whose stamp is no longer the key's latest are stale and skipped, and the queue is
 * compacted once stale entries outnumber live ones.
 */
class WriteOrder {
  private readonly latest = new Map<string, number>();
  private keys: string[] = [];
  private stamps: number[] = [];
  private head = 0;
  private stamp = 0;

  touch(key: string): void {
    this.latest.set(key, ++this.stamp);
    this.keys.push(key);
    this.stamps.push(this.stamp);
    if (this.keys.length - this.head > 2 * this.latest.size + 1024) this.compact();
  }

  remove(key: string): void {
    this.latest.delete(key);
  }

  /** The key's last write stamp; 0 when it is not held. Stamps only grow, so a rewritten key never shows an old version. */
  version(key: string): number {
    return this.latest.get(key) ?? 0;
  }

  /** The least recently written key still held. */
  stalest(): string | undefined {
    for (; this.head < this.keys.length; this.head++) {
      const key = this.keys[this.head]!;
      if (this.latest.get(key) === this.stamps[this.head]) return key;
    }
    return undefined;
  }

  clear(): void {
    this.latest.clear();
    this.keys = [];
    this.stamps = [];
    this.head = 0;
  }

  private compact(): void {
    const keys: string[] = [];
    const stamps: number[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (this.latest.get(key) === this.stamps[i]) {
        keys.push(key);
        stamps.push(this.stamps[i]!);
      }
    }
    this.keys = keys;
    this.stamps = stamps;
    this.head = 0;
  }
}

/** The index of the first hit later than `t` (hits are in time order), searching from `from`. */
function firstAfter(hits: readonly number[], t: number, from: number): number {
  let lo = from;
  let hi = hits.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (hits[mid]! > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
