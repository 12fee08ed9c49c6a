/**
 * The contract every StateStore implementation passes. An implementation's test file calls
 * `stateStoreContract(name, make)`; `make` builds a fresh, empty store, bounded by `maxKeys`
 * when given (and by the implementation's own default otherwise).
 *
 * Time is only ever the `now` the caller passes: nothing here reads a real clock or waits.
 * Conventions the contract pins down (see src/state/types.ts):
 * - a counter with a TTL, and an entry, are gone AT their expiry instant (`expiresAt <= now`);
 * - a window hit recorded at `t` counts while `t > now - windowMs`, i.e. up to `t + windowMs`
 *   exclusive, and a window is forgotten when its newest hit leaves it;
 * - `list` is sorted by key in code-unit order (what `Array.prototype.sort()` gives): the same
 *   on every machine, whatever the locale, and total (distinct keys never compare equal).
 */
import { describe, expect, it } from 'vitest';
import type { StateEntry, StateStore, StateUpdate } from '../../src/state/types.js';
import { seededRandom } from '../../src/engine/random.js';

export type MakeStateStore = (opts: { maxKeys?: number }) => StateStore;

/** An arbitrary epoch (2024-01-01T00:00:00Z) so that nothing depends on time 0 being special. */
const T0 = 1_704_067_200_000;
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

const keysOf = (list: readonly StateEntry[]) => list.map((e) => e.key);

export function stateStoreContract(name: string, make: MakeStateStore): void {
  const fresh = (opts: { maxKeys?: number } = {}) => make(opts);

  describe(`${name} (StateStore contract)`, () => {
    // ---------------------------------------------------------------------------------------
    describe('absent keys', () => {
      it('read as 0 / 0 hits / undefined, and a fresh store lists nothing', () => {
        const s = fresh();
        expect(s.count('count:r', T0)).toBe(0);
        expect(s.windowCount('rate:r', HOUR, T0)).toBe(0);
        expect(s.entry('flag:f|ip=192.0.2.1', T0)).toBeUndefined();
        expect(s.list(T0)).toEqual([]);
        expect(s.list(T0, 'count:')).toEqual([]);
        expect(s.reset()).toBe(0);
        expect(s.reset('count:')).toBe(0);
      });

      it('deleting an absent key and applying no updates are harmless', () => {
        const s = fresh();
        s.apply([], T0);
        s.apply([{ op: 'delete', key: 'greylist:g|ip=1' }], T0);
        expect(s.list(T0)).toEqual([]);
        expect(s.entry('greylist:g|ip=1', T0)).toBeUndefined();
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('counters', () => {
      it('count increments by 1 by default, and by `by` when given', () => {
        const s = fresh();
        s.apply([{ op: 'count', key: 'count:r' }], T0);
        expect(s.count('count:r', T0)).toBe(1);
        s.apply([{ op: 'count', key: 'count:r' }], T0 + SEC);
        expect(s.count('count:r', T0 + SEC)).toBe(2);
        s.apply([{ op: 'count', key: 'count:r', by: 5 }], T0 + 2 * SEC);
        expect(s.count('count:r', T0 + 2 * SEC)).toBe(7);
        s.apply([{ op: 'count', key: 'count:r', by: 1024 }], T0 + 3 * SEC);
        expect(s.count('count:r', T0 + 3 * SEC)).toBe(1031);
      });

      it('a counter without a TTL never expires', () => {
        const s = fresh();
        s.apply([{ op: 'count', key: 'mailbox:bob@x.test', by: 3000 }], T0);
        const muchLater = T0 + 365 * 24 * HOUR;
        expect(s.count('mailbox:bob@x.test', muchLater)).toBe(3000);
        expect(s.list(muchLater)).toEqual([{ key: 'mailbox:bob@x.test', kind: 'counter', value: 3000 }]);
        // no expiresAt key at all, not `expiresAt: undefined`
        expect(Object.keys(s.list(muchLater)[0]!)).not.toContain('expiresAt');
      });

      it('a counter with a TTL expires ttlMs after its last update, on the caller\'s clock', () => {
        const s = fresh();
        s.apply([{ op: 'count', key: 'count:r', ttlMs: 10 * SEC }], T0);
        expect(s.count('count:r', T0 + 10 * SEC - 1)).toBe(1);
        expect(s.list(T0 + 10 * SEC - 1)).toEqual([{ key: 'count:r', kind: 'counter', value: 1, expiresAt: T0 + 10 * SEC }]);
        // exactly at expiry it is gone
        expect(s.count('count:r', T0 + 10 * SEC)).toBe(0);
        expect(s.count('count:r', T0 + 11 * SEC)).toBe(0);
        expect(s.list(T0 + 10 * SEC)).toEqual([]);
      });

      it('each update pushes the expiry out; after expiry the count starts over from 0', () => {
        const s = fresh();
        s.apply([{ op: 'count', key: 'count:r', ttlMs: 10 * SEC }], T0);
        s.apply([{ op: 'count', key: 'count:r', ttlMs: 10 * SEC }], T0 + 8 * SEC);
        // the first update alone would have expired at T0+10s
        expect(s.count('count:r', T0 + 15 * SEC)).toBe(2);
        expect(s.list(T0 + 15 * SEC)[0]?.expiresAt).toBe(T0 + 18 * SEC);
        expect(s.count('count:r', T0 + 18 * SEC)).toBe(0);
        s.apply([{ op: 'count', key: 'count:r', by: 4, ttlMs: 10 * SEC }], T0 + 20 * SEC);
        expect(s.count('count:r', T0 + 20 * SEC)).toBe(4);
      });

      it('reading does not depend on a previous read: reading an expired counter early or late agrees', () => {
        const s = fresh();
        s.apply([{ op: 'count', key: 'count:a', ttlMs: MIN }], T0);
        s.apply([{ op: 'count', key: 'count:b', ttlMs: MIN }], T0);
        expect(s.count('count:a', T0 + 30 * SEC)).toBe(1);
        expect(s.count('count:a', T0 + 2 * MIN)).toBe(0);
        // b was never read in between
        expect(s.count('count:b', T0 + 2 * MIN)).toBe(0);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('sliding windows', () => {
      it('counts hits inside the window and not those outside it', () => {
        const s = fresh();
        const w = 10 * SEC;
        s.apply([{ op: 'hit', key: 'rate:r', windowMs: w }], T0);
        s.apply([{ op: 'hit', key: 'rate:r', windowMs: w }], T0 + 4 * SEC);
        s.apply([{ op: 'hit', key: 'rate:r', windowMs: w }], T0 + 8 * SEC);
        expect(s.windowCount('rate:r', w, T0 + 8 * SEC)).toBe(3);
        expect(s.windowCount('rate:r', w, T0 + 10 * SEC - 1)).toBe(3);
        // a hit at t leaves the window at t + windowMs
        expect(s.windowCount('rate:r', w, T0 + 10 * SEC)).toBe(2);
        expect(s.windowCount('rate:r', w, T0 + 14 * SEC)).toBe(1);
        expect(s.windowCount('rate:r', w, T0 + 18 * SEC)).toBe(0);
      });

      it('slides as now advances: old hits leave, new hits count', () => {
        const s = fresh();
        const w = MIN;
        const counts: number[] = [];
        // one hit every 20 s for 3 minutes; at each hit, count what the window holds
        for (let i = 0; i < 10; i++) {
          const now = T0 + i * 20 * SEC;
          s.apply([{ op: 'hit', key: 'rate:r', windowMs: w }], now);
          counts.push(s.windowCount('rate:r', w, now));
        }
        expect(counts).toEqual([1, 2, 3, 3, 3, 3, 3, 3, 3, 3]);
        // the last hit was at T0+180s; the window empties at T0+240s
        expect(s.windowCount('rate:r', w, T0 + 239 * SEC)).toBe(1);
        expect(s.windowCount('rate:r', w, T0 + 240 * SEC)).toBe(0);
        // and fills again
        s.apply([{ op: 'hit', key: 'rate:r', windowMs: w }], T0 + 300 * SEC);
        expect(s.windowCount('rate:r', w, T0 + 300 * SEC)).toBe(1);
      });

      it('can be read with a different (shorter) window length than it was written with', () => {
        const s = fresh();
        const written = HOUR;
        for (const m of [0, 10, 20, 30, 40, 50]) s.apply([{ op: 'hit', key: 'rate:r', windowMs: written }], T0 + m * MIN);
        const now = T0 + 55 * MIN;
        expect(s.windowCount('rate:r', HOUR, now)).toBe(6);
        expect(s.windowCount('rate:r', 30 * MIN, now)).toBe(3); // 30, 40, 50
        expect(s.windowCount('rate:r', 10 * MIN, now)).toBe(1); // 50
        expect(s.windowCount('rate:r', 5 * MIN, now)).toBe(0); // 50 is exactly 5 min old
        expect(s.windowCount('rate:r', 5 * MIN + 1, now)).toBe(1);
      });

      it('several hits at the same instant all count', () => {
        const s = fresh();
        s.apply(Array.from({ length: 4 }, (): StateUpdate => ({ op: 'hit', key: 'rate:r', windowMs: MIN })), T0);
        s.apply([{ op: 'hit', key: 'rate:r', windowMs: MIN }], T0);
        expect(s.windowCount('rate:r', MIN, T0)).toBe(5);
        expect(s.list(T0)).toEqual([{ key: 'rate:r', kind: 'window', value: 5, expiresAt: T0 + MIN }]);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('expiring entries', () => {
      it('set, then read before, at and after expiresAt', () => {
        const s = fresh();
        s.apply([{ op: 'set', key: 'greylist:g|ip=192.0.2.1', value: T0, expiresAt: T0 + 4 * HOUR }], T0);
        expect(s.entry('greylist:g|ip=192.0.2.1', T0)).toBe(T0);
        expect(s.entry('greylist:g|ip=192.0.2.1', T0 + 4 * HOUR - 1)).toBe(T0);
        expect(s.entry('greylist:g|ip=192.0.2.1', T0 + 4 * HOUR)).toBeUndefined();
        expect(s.entry('greylist:g|ip=192.0.2.1', T0 + 5 * HOUR)).toBeUndefined();
      });

      it('keeps any number as its value (0 included) and a set replaces value and expiry', () => {
        const s = fresh();
        s.apply([{ op: 'set', key: 'flag:f|ip=1', value: 0, expiresAt: T0 + MIN }], T0);
        expect(s.entry('flag:f|ip=1', T0)).toBe(0);
        s.apply([{ op: 'set', key: 'flag:f|ip=1', value: 42, expiresAt: T0 + 2 * MIN }], T0 + 30 * SEC);
        expect(s.entry('flag:f|ip=1', T0 + MIN + 1)).toBe(42);
        expect(s.entry('flag:f|ip=1', T0 + 2 * MIN)).toBeUndefined();
        // a set can also shorten the expiry
        s.apply([{ op: 'set', key: 'flag:f|ip=2', value: 1, expiresAt: T0 + HOUR }], T0);
        s.apply([{ op: 'set', key: 'flag:f|ip=2', value: 2, expiresAt: T0 + MIN }], T0);
        expect(s.entry('flag:f|ip=2', T0 + 2 * MIN)).toBeUndefined();
      });

      it('an entry whose expiresAt is already past when set is never seen', () => {
        const s = fresh();
        s.apply([{ op: 'set', key: 'flag:f|ip=1', value: 1, expiresAt: T0 - 1 }], T0);
        expect(s.entry('flag:f|ip=1', T0)).toBeUndefined();
        expect(s.list(T0)).toEqual([]);
      });

      it('delete forgets an entry at once', () => {
        const s = fresh();
        s.apply([{ op: 'set', key: 'greylist:g|ip=1', value: T0, expiresAt: T0 + HOUR }], T0);
        s.apply([{ op: 'delete', key: 'greylist:g|ip=1' }], T0 + SEC);
        expect(s.entry('greylist:g|ip=1', T0 + SEC)).toBeUndefined();
        expect(s.list(T0 + SEC)).toEqual([]);
      });

      it('delete works on counters and windows too', () => {
        const s = fresh();
        s.apply([{ op: 'count', key: 'count:r', by: 3 }, { op: 'hit', key: 'rate:r', windowMs: MIN }], T0);
        s.apply([{ op: 'delete', key: 'count:r' }, { op: 'delete', key: 'rate:r' }], T0);
        expect(s.count('count:r', T0)).toBe(0);
        expect(s.windowCount('rate:r', MIN, T0)).toBe(0);
        expect(s.list(T0)).toEqual([]);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('list', () => {
      it('shows only live entries, sorted by key, with their kind, value and expiresAt', () => {
        const s = fresh();
        s.apply(
          [
            { op: 'set', key: 'greylist:g|ip=192.0.2.1|sender=a@x|rcpt=b@y', value: T0, expiresAt: T0 + 4 * HOUR },
            { op: 'count', key: 'count:r|rcpt=bob@x.test', by: 2 },
            { op: 'hit', key: 'rate:per-rcpt|rcpt=bob@x.test', windowMs: HOUR },
            { op: 'count', key: 'count:short', ttlMs: MIN },
            { op: 'set', key: 'flag:spam-block|ip=192.0.2.9', value: T0, expiresAt: T0 + HOUR },
            { op: 'hit', key: 'rate:short', windowMs: MIN },
            { op: 'set', key: 'flag:gone|ip=192.0.2.9', value: T0, expiresAt: T0 + MIN },
          ],
          T0,
        );
        s.apply([{ op: 'hit', key: 'rate:per-rcpt|rcpt=bob@x.test', windowMs: HOUR }], T0 + 10 * MIN);

        const now = T0 + 30 * MIN; // count:short, rate:short and flag:gone have expired
        expect(s.list(now)).toEqual([
          { key: 'count:r|rcpt=bob@x.test', kind: 'counter', value: 2 },
          { key: 'flag:spam-block|ip=192.0.2.9', kind: 'entry', value: T0, expiresAt: T0 + HOUR },
          { key: 'greylist:g|ip=192.0.2.1|sender=a@x|rcpt=b@y', kind: 'entry', value: T0, expiresAt: T0 + 4 * HOUR },
          // a window is forgotten when its newest hit leaves it
          { key: 'rate:per-rcpt|rcpt=bob@x.test', kind: 'window', value: 2, expiresAt: T0 + 10 * MIN + HOUR },
        ]);
        // a window's value is the hits still inside it
        expect(s.list(T0 + HOUR + 5 * MIN)).toContainEqual({ key: 'rate:per-rcpt|rcpt=bob@x.test', kind: 'window', value: 1, expiresAt: T0 + 10 * MIN + HOUR });
      });

      it('filters by key prefix', () => {
        const s = fresh();
        s.apply(
          [
            { op: 'hit', key: 'rate:per-rcpt|rcpt=bob@x.test', windowMs: HOUR },
            { op: 'hit', key: 'rate:per-rcpt|rcpt=carol@x.test', windowMs: HOUR },
            { op: 'hit', key: 'rate:other', windowMs: HOUR },
            { op: 'count', key: 'count:per-rcpt|rcpt=bob@x.test' },
            { op: 'count', key: 'mailbox:bob@x.test', by: 1000 },
          ],
          T0,
        );
        expect(keysOf(s.list(T0, 'rate:'))).toEqual(['rate:other', 'rate:per-rcpt|rcpt=bob@x.test', 'rate:per-rcpt|rcpt=carol@x.test']);
        expect(keysOf(s.list(T0, 'rate:per-rcpt|'))).toEqual(['rate:per-rcpt|rcpt=bob@x.test', 'rate:per-rcpt|rcpt=carol@x.test']);
        expect(keysOf(s.list(T0, 'rate:per-rcpt|rcpt=bob'))).toEqual(['rate:per-rcpt|rcpt=bob@x.test']);
        expect(s.list(T0, 'mailbox:')).toEqual([{ key: 'mailbox:bob@x.test', kind: 'counter', value: 1000 }]);
        expect(s.list(T0, 'greylist:')).toEqual([]);
        // a prefix is a prefix, not a pattern
        expect(s.list(T0, 'rate:.*')).toEqual([]);
        expect(s.list(T0, 'per-rcpt')).toEqual([]);
        expect(s.list(T0, '')).toHaveLength(5);
      });

      it('sorts in code-unit order, independent of write order and locale', () => {
        const s = fresh();
        // written in an order that is neither sorted nor reverse-sorted; upper case, `|` and `-`
        // sort differently under localeCompare than under plain string comparison, and the two
        // last keys are canonically equivalent (é precomposed vs e + combining accent) but distinct
        const keys = ['count:ra', 'count:r|ip=1', 'count:rB', 'count:r-x', 'count:R', 'count:r|ip=10', 'count:r|ip=9', 'rcpt=\u00e9@x', 'rcpt=e\u0301@x'];
        keys.forEach((key, i) => s.apply([{ op: 'count', key, by: i + 1 }], T0));
        const expected = [...keys].sort();
        expect(keysOf(s.list(T0))).toEqual(expected);
        // and the same order whatever order the keys were written in
        const t = fresh();
        [...keys].reverse().forEach((key) => t.apply([{ op: 'count', key }], T0));
        expect(keysOf(t.list(T0))).toEqual(expected);
      });

      it('does not change what it lists (reading is not writing)', () => {
        const s = fresh();
        s.apply([{ op: 'count', key: 'count:r', by: 2, ttlMs: HOUR }, { op: 'hit', key: 'rate:r', windowMs: HOUR }], T0);
        const first = s.list(T0 + MIN);
        expect(s.list(T0 + MIN)).toEqual(first);
        expect(s.count('count:r', T0 + MIN)).toBe(2);
        expect(s.windowCount('rate:r', HOUR, T0 + MIN)).toBe(1);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('reset', () => {
      const fill = (s: StateStore) =>
        s.apply(
          [
            { op: 'count', key: 'count:r|rcpt=bob@x.test' },
            { op: 'hit', key: 'rate:per-rcpt|rcpt=bob@x.test', windowMs: HOUR },
            { op: 'hit', key: 'rate:per-rcpt|rcpt=carol@x.test', windowMs: HOUR },
            { op: 'set', key: 'greylist:g|ip=1|sender=a@x|rcpt=b@y', value: T0, expiresAt: T0 + HOUR },
            { op: 'count', key: 'mailbox:bob@x.test', by: 1000 },
          ],
          T0,
        );

      it('reset() forgets everything and says how many keys went', () => {
        const s = fresh();
        fill(s);
        expect(s.reset()).toBe(5);
        expect(s.list(T0)).toEqual([]);
        expect(s.count('count:r|rcpt=bob@x.test', T0)).toBe(0);
        expect(s.windowCount('rate:per-rcpt|rcpt=bob@x.test', HOUR, T0)).toBe(0);
        expect(s.entry('greylist:g|ip=1|sender=a@x|rcpt=b@y', T0)).toBeUndefined();
        expect(s.count('mailbox:bob@x.test', T0)).toBe(0);
        expect(s.reset()).toBe(0);
      });

      it('reset(prefix) forgets only the keys starting with it and says how many', () => {
        const s = fresh();
        fill(s);
        expect(s.reset('rate:per-rcpt|rcpt=bob')).toBe(1);
        expect(s.windowCount('rate:per-rcpt|rcpt=bob@x.test', HOUR, T0)).toBe(0);
        expect(s.windowCount('rate:per-rcpt|rcpt=carol@x.test', HOUR, T0)).toBe(1);
        expect(s.reset('rate:')).toBe(1);
        expect(s.reset('rate:')).toBe(0);
        expect(s.reset('nothing-like-it:')).toBe(0);
        expect(keysOf(s.list(T0))).toEqual(['count:r|rcpt=bob@x.test', 'greylist:g|ip=1|sender=a@x|rcpt=b@y', 'mailbox:bob@x.test']);
        expect(s.reset('mailbox:')).toBe(1);
        expect(s.count('mailbox:bob@x.test', T0)).toBe(0);
        expect(keysOf(s.list(T0))).toEqual(['count:r|rcpt=bob@x.test', 'greylist:g|ip=1|sender=a@x|rcpt=b@y']);
      });

      it('after a reset, keys start over from nothing', () => {
        const s = fresh();
        fill(s);
        s.reset('count:');
        s.apply([{ op: 'count', key: 'count:r|rcpt=bob@x.test' }], T0 + SEC);
        expect(s.count('count:r|rcpt=bob@x.test', T0 + SEC)).toBe(1);
        s.reset();
        s.apply([{ op: 'hit', key: 'rate:per-rcpt|rcpt=bob@x.test', windowMs: HOUR }], T0 + SEC);
        expect(s.windowCount('rate:per-rcpt|rcpt=bob@x.test', HOUR, T0 + SEC)).toBe(1);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('keys', () => {
      it('are independent, even when one key is a prefix of another', () => {
        const s = fresh();
        s.apply(
          [
            { op: 'count', key: 'count:r', by: 1 },
            { op: 'count', key: 'count:r|rcpt=bob@x.test', by: 10 },
            { op: 'count', key: 'count:r|rcpt=bob@x.test.evil', by: 100 },
            { op: 'hit', key: 'rate:r', windowMs: MIN },
            { op: 'hit', key: 'rate:r|ip=1', windowMs: MIN },
            { op: 'hit', key: 'rate:r|ip=1', windowMs: MIN },
            { op: 'set', key: 'flag:f|ip=1', value: 7, expiresAt: T0 + MIN },
            { op: 'set', key: 'flag:f|ip=10', value: 8, expiresAt: T0 + HOUR },
          ],
          T0,
        );
        expect(s.count('count:r', T0)).toBe(1);
        expect(s.count('count:r|rcpt=bob@x.test', T0)).toBe(10);
        expect(s.count('count:r|rcpt=bob@x.test.evil', T0)).toBe(100);
        expect(s.count('count:r|rcpt=BOB@x.test', T0)).toBe(0); // keys are exact; the engine lowercases
        expect(s.windowCount('rate:r', MIN, T0)).toBe(1);
        expect(s.windowCount('rate:r|ip=1', MIN, T0)).toBe(2);
        expect(s.entry('flag:f|ip=1', T0)).toBe(7);
        expect(s.entry('flag:f|ip=10', T0)).toBe(8);
        // one expiring does not take the other with it
        expect(s.entry('flag:f|ip=1', T0 + MIN)).toBeUndefined();
        expect(s.entry('flag:f|ip=10', T0 + MIN)).toBe(8);
        // deleting one leaves its neighbours
        s.apply([{ op: 'delete', key: 'count:r' }], T0);
        expect(s.count('count:r|rcpt=bob@x.test', T0)).toBe(10);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('apply', () => {
      it('applies the updates of one call in order', () => {
        const s = fresh();
        s.apply(
          [
            { op: 'set', key: 'a', value: 1, expiresAt: T0 + HOUR },
            { op: 'delete', key: 'a' },
            { op: 'delete', key: 'b' },
            { op: 'set', key: 'b', value: 2, expiresAt: T0 + HOUR },
            { op: 'set', key: 'c', value: 1, expiresAt: T0 + HOUR },
            { op: 'set', key: 'c', value: 3, expiresAt: T0 + HOUR },
            { op: 'count', key: 'd' },
            { op: 'count', key: 'd', by: 2 },
            { op: 'delete', key: 'd' },
            { op: 'count', key: 'd', by: 5 },
          ],
          T0,
        );
        expect(s.entry('a', T0)).toBeUndefined();
        expect(s.entry('b', T0)).toBe(2);
        expect(s.entry('c', T0)).toBe(3);
        expect(s.count('d', T0)).toBe(5);
      });

      it('the greylist pass the engine writes: delete the pending entry, set the passed one', () => {
        const s = fresh();
        const pending = 'greylist:g|ip=192.0.2.1|sender=a@x|rcpt=b@y';
        const passed = 'greylist-passed:g|ip=192.0.2.1|sender=a@x|rcpt=b@y';
        s.apply([{ op: 'set', key: pending, value: T0, expiresAt: T0 + 4 * HOUR }], T0);
        const now = T0 + 6 * MIN;
        s.apply([{ op: 'delete', key: pending }, { op: 'set', key: passed, value: now, expiresAt: now + 35 * 24 * HOUR }], now);
        expect(s.entry(pending, now)).toBeUndefined();
        expect(s.entry(passed, now)).toBe(now);
        expect(s.list(now)).toEqual([{ key: passed, kind: 'entry', value: now, expiresAt: now + 35 * 24 * HOUR }]);
      });

      it('uses the `now` of each call, not a clock of its own', () => {
        const s = fresh();
        // times far from the real clock, in both directions
        const past = 1_000_000;
        const future = Date.now() + 10 * 365 * 24 * HOUR;
        s.apply([{ op: 'count', key: 'count:p', ttlMs: MIN }, { op: 'hit', key: 'rate:p', windowMs: MIN }], past);
        s.apply([{ op: 'count', key: 'count:f', ttlMs: MIN }, { op: 'hit', key: 'rate:f', windowMs: MIN }], future);
        expect(s.count('count:p', past + MIN - 1)).toBe(1);
        expect(s.windowCount('rate:p', MIN, past + MIN - 1)).toBe(1);
        expect(s.count('count:f', future)).toBe(1);
        expect(s.windowCount('rate:f', MIN, future)).toBe(1);
        expect(s.list(future + MIN)).toEqual([]);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('bounded size', () => {
      it('with maxKeys 3, writing a 4th key forgets the least recently written one', () => {
        const s = fresh({ maxKeys: 3 });
        s.apply([{ op: 'count', key: 'k1' }], T0);
        s.apply([{ op: 'hit', key: 'k2', windowMs: HOUR }], T0 + 1);
        s.apply([{ op: 'set', key: 'k3', value: 3, expiresAt: T0 + HOUR }], T0 + 2);
        expect(keysOf(s.list(T0 + 2))).toEqual(['k1', 'k2', 'k3']);
        s.apply([{ op: 'count', key: 'k4' }], T0 + 3);
        expect(keysOf(s.list(T0 + 3))).toEqual(['k2', 'k3', 'k4']);
        expect(s.count('k1', T0 + 3)).toBe(0);
      });

      it('writing an existing key makes it the most recently written', () => {
        const s = fresh({ maxKeys: 3 });
        s.apply([{ op: 'count', key: 'k1' }], T0);
        s.apply([{ op: 'count', key: 'k2' }], T0 + 1);
        s.apply([{ op: 'count', key: 'k3' }], T0 + 2);
        s.apply([{ op: 'count', key: 'k1' }], T0 + 3); // k1 is now the newest, k2 the stalest
        s.apply([{ op: 'count', key: 'k4' }], T0 + 4);
        expect(keysOf(s.list(T0 + 4))).toEqual(['k1', 'k3', 'k4']);
        expect(s.count('k1', T0 + 4)).toBe(2);
        s.apply([{ op: 'hit', key: 'k3', windowMs: HOUR }], T0 + 5); // k3 newest, k1 stalest
        s.apply([{ op: 'count', key: 'k5' }], T0 + 6);
        expect(keysOf(s.list(T0 + 6))).toEqual(['k3', 'k4', 'k5']);
      });

      it('rewriting keys already held forgets nothing', () => {
        const s = fresh({ maxKeys: 3 });
        for (let i = 0; i < 30; i++) s.apply([{ op: 'count', key: `k${i % 3}` }], T0 + i);
        expect(s.list(T0 + 30)).toEqual([
          { key: 'k0', kind: 'counter', value: 10 },
          { key: 'k1', kind: 'counter', value: 10 },
          { key: 'k2', kind: 'counter', value: 10 },
        ]);
      });

      it('under random churn (rewrites, deletes, resets) always forgets exactly the least recently written key', () => {
        const max = 40;
        const s = fresh({ maxKeys: max });
        const model: string[] = []; // write order, stalest first
        const random = seededRandom(9);
        const pick = () => `k${Math.floor(random() * 100)}`;
        for (let i = 0; i < 4000; i++) {
          const key = pick();
          const r = random();
          if (r < 0.1) {
            s.apply([{ op: 'delete', key }], T0 + i);
            if (model.includes(key)) model.splice(model.indexOf(key), 1);
          } else if (r < 0.102) {
            s.reset();
            model.length = 0;
          } else if (r < 0.11) {
            s.reset('k1');
            for (let j = model.length - 1; j >= 0; j--) if (model[j]!.startsWith('k1')) model.splice(j, 1);
          } else {
            s.apply([{ op: 'count', key }], T0 + i);
            if (model.includes(key)) model.splice(model.indexOf(key), 1);
            model.push(key);
            if (model.length > max) model.shift();
          }
          expect(keysOf(s.list(T0 + i)), `after step ${i}`).toEqual([...model].sort());
        }
      });

      it('stays within the bound over a flood of distinct keys, keeping the newest', () => {
        const s = fresh({ maxKeys: 3 });
        for (let i = 0; i < 200; i++) s.apply([{ op: 'hit', key: `rate:r|ip=192.0.2.${i}`, windowMs: HOUR }], T0 + i);
        expect(keysOf(s.list(T0 + 200))).toEqual(['rate:r|ip=192.0.2.197', 'rate:r|ip=192.0.2.198', 'rate:r|ip=192.0.2.199']);
        expect(s.reset()).toBe(3);
      });

      it('within one apply call too', () => {
        const s = fresh({ maxKeys: 3 });
        s.apply(
          ['a', 'b', 'c', 'd', 'e'].map((key): StateUpdate => ({ op: 'count', key })),
          T0,
        );
        expect(keysOf(s.list(T0))).toEqual(['c', 'd', 'e']);
      });
    });
  });
}
