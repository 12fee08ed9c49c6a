/**
 * State in this process's memory. Bounded: beyond `maxKeys` the least recently written keys
 * are forgotten, so a flood of distinct senders cannot grow it without limit.
 */
import type { StateEntry, StateStore, StateUpdate } from './types.js';

type Slot =
  | { kind: 'counter'; value: number; expiresAt?: number }
  | { kind: 'window'; hits: number[]; windowMs: number }
  | { kind: 'entry'; value: number; expiresAt: number };

export class MemoryStateStore implements StateStore {
  // Map order is write order (keys are re-inserted on write), so the first key is the stalest
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly maxKeys = 100_000) {}

  count(key: string, now: number): number {
    const slot = this.live(key, now);
    return slot?.kind === 'counter' ? slot.value : 0;
  }

  windowCount(key: string, windowMs: number, now: number): number {
    const slot = this.slots.get(key);
    if (slot?.kind !== 'window') return 0;
    let n = 0;
    for (const at of slot.hits) if (at > now - windowMs && at <= now) n++;
    return n;
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
          this.write(u.key, { kind: 'counter', value, ...(u.ttlMs === undefined ? {} : { expiresAt: now + u.ttlMs }) });
          break;
        }
        case 'hit': {
          const slot = this.slots.get(u.key);
          const hits = slot?.kind === 'window' ? slot.hits.filter((at) => at > now - u.windowMs) : [];
          hits.push(now);
          this.write(u.key, { kind: 'window', hits, windowMs: u.windowMs });
          break;
        }
        case 'set':
          this.write(u.key, { kind: 'entry', value: u.value, expiresAt: u.expiresAt });
          break;
        case 'delete':
          this.slots.delete(u.key);
          break;
      }
    }
  }

  list(now: number, prefix = ''): StateEntry[] {
    const out: StateEntry[] = [];
    for (const [key, slot] of this.slots) {
      if (!key.startsWith(prefix)) continue;
      if (slot.kind === 'window') {
        const live = slot.hits.filter((at) => at > now - slot.windowMs);
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
      return n;
    }
    let n = 0;
    for (const key of [...this.slots.keys()]) {
      if (key.startsWith(prefix)) {
        this.slots.delete(key);
        n++;
      }
    }
    return n;
  }

  private live(key: string, now: number): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot && slot.kind !== 'window' && slot.expiresAt !== undefined && slot.expiresAt <= now) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }

  private write(key: string, slot: Slot): void {
    this.slots.delete(key);
    this.slots.set(key, slot);
    if (this.slots.size > this.maxKeys) this.slots.delete(this.slots.keys().next().value!);
  }
}
