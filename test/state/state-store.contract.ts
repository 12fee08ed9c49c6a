/**
 * The contract every StateStore implementation passes, memory and Redis alike. An
 * implementation's test file calls `stateStoreContract(name, { make, share })`: `make` builds a
 * fresh, empty store, bounded by `maxKeys` when given (and by the implementation's own default
 * otherwise); `share` opens another handle on the same state (another instance's connection).
 * Every store made is closed after its test.
 *
 * Time is only ever the `now` the caller passes: nothing here reads a real clock or waits.
 * Conventions the contract pins down (see src/state/types.ts):
 * - a counter with a TTL, and an entry, are gone AT their expiry instant (`expiresAt <= now`);
 * - a window hit recorded at `t` counts while `t > now - windowMs`, i.e. up to `t + windowMs`
 *   exclusive, and a window is forgotten when its newest hit leaves it;
 * - `list` is sorted by key in code-unit order (what `Array.prototype.sort()` gives): the same
 *   on every machine, whatever the locale, and total (distinct keys never compare equal);
 * - a write with expected versions applies nothing when any of those keys was written since.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readId, type StateEntry, type StateRead, type StateStore, type StateUpdate, type StateView } from '../../src/state/types.js';
import { transact } from '../../src/state/transact.js';
import { seededRandom } from '../../src/engine/random.js';

export interface StateStoreMaker {
  make(opts: { maxKeys?: number }): Promise<StateStore>;
  /** Another handle on the state `store` holds. */
  share(store: StateStore): Promise<StateStore>;
}

/** An arbitrary epoch (2024-01-01T00:00:00Z) so that nothing depends on time 0 being special. */
const T0 = 1_704_067_200_000;
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

const keysOf = (list: readonly StateEntry[]) => list.map((e) => e.key);

/** The StateView calls and the rest, one read or write at a time, as the tests below use them. */
class Facade {
  constructor(readonly store: StateStore) {}
  private async one(read: StateRead, now: number) {
    return (await this.store.read([read], now)).values.get(readId(read));
  }
  count = async (key: string, now: number) => (await this.one({ kind: 'count', key }, now)) ?? 0;
  windowCount = async (key: string, windowMs: number, now: number) => (await this.one({ kind: 'window', key, windowMs }, now)) ?? 0;
  entry = (key: string, now: number) => this.one({ kind: 'entry', key }, now);
  apply = async (updates: readonly StateUpdate[], now: number) => void (await this.store.write(updates, now));
  list = (now: number, prefix?: string) => this.store.entries(now, prefix);
  reset = (prefix?: string) => this.store.clear(prefix);
}

export function stateStoreContract(name: string, maker: StateStoreMaker): void {
  const open: StateStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  const fresh = async (opts: { maxKeys?: number } = {}) => {
    const store = await maker.make(opts);
    open.push(store);
    return new Facade(store);
  };
  const share = async (s: Facade) => {
    const store = await maker.share(s.store);
    open.push(store);
    return new Facade(store);
  };

  describe(`${name} (StateStore contract)`, () => {
    // ---------------------------------------------------------------------------------------
    describe('absent keys', () => {
      it('read as 0 / 0 hits / undefined, and a fresh store lists nothing', async () => {
        const s = await fresh();
        expect(await s.count('count:r', T0)).toBe(0);
        expect(await s.windowCount('rate:r', HOUR, T0)).toBe(0);
        expect(await s.entry('flag:f|ip=192.0.2.1', T0)).toBeUndefined();
        expect(await s.list(T0)).toEqual([]);
        expect(await s.list(T0, 'count:')).toEqual([]);
        expect(await s.reset()).toBe(0);
        expect(await s.reset('count:')).toBe(0);
      });

      it('deleting an absent key and applying no updates are harmless', async () => {
        const s = await fresh();
        await s.apply([], T0);
        await s.apply([{ op: 'delete', key: 'greylist:g|ip=1' }], T0);
        expect(await s.list(T0)).toEqual([]);
        expect(await s.entry('greylist:g|ip=1', T0)).toBeUndefined();
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('counters', () => {
      it('count increments by 1 by default, and by `by` when given', async () => {
        const s = await fresh();
        await s.apply([{ op: 'count', key: 'count:r' }], T0);
        expect(await s.count('count:r', T0)).toBe(1);
        await s.apply([{ op: 'count', key: 'count:r' }], T0 + SEC);
        expect(await s.count('count:r', T0 + SEC)).toBe(2);
        await s.apply([{ op: 'count', key: 'count:r', by: 5 }], T0 + 2 * SEC);
        expect(await s.count('count:r', T0 + 2 * SEC)).toBe(7);
        await s.apply([{ op: 'count', key: 'count:r', by: 1024 }], T0 + 3 * SEC);
        expect(await s.count('count:r', T0 + 3 * SEC)).toBe(1031);
      });

      it('a counter without a TTL never expires', async () => {
        const s = await fresh();
        await s.apply([{ op: 'count', key: 'mailbox:bob@x.test', by: 3000 }], T0);
        const muchLater = T0 + 365 * 24 * HOUR;
        expect(await s.count('mailbox:bob@x.test', muchLater)).toBe(3000);
        expect(await s.list(muchLater)).toEqual([{ key: 'mailbox:bob@x.test', kind: 'counter', value: 3000 }]);
        // no expiresAt key at all, not `expiresAt: undefined`
        expect(Object.keys((await s.list(muchLater))[0]!)).not.toContain('expiresAt');
      });

      it('a counter with a TTL expires ttlMs after its last update, on the caller\'s clock', async () => {
        const s = await fresh();
        await s.apply([{ op: 'count', key: 'count:r', ttlMs: 10 * SEC }], T0);
        expect(await s.count('count:r', T0 + 10 * SEC - 1)).toBe(1);
        expect(await s.list(T0 + 10 * SEC - 1)).toEqual([{ key: 'count:r', kind: 'counter', value: 1, expiresAt: T0 + 10 * SEC }]);
        // exactly at expiry it is gone
        expect(await s.count('count:r', T0 + 10 * SEC)).toBe(0);
        expect(await s.count('count:r', T0 + 11 * SEC)).toBe(0);
        expect(await s.list(T0 + 10 * SEC)).toEqual([]);
      });

      it('each update pushes the expiry out; after expiry the count starts over from 0', async () => {
        const s = await fresh();
        await s.apply([{ op: 'count', key: 'count:r', ttlMs: 10 * SEC }], T0);
        await s.apply([{ op: 'count', key: 'count:r', ttlMs: 10 * SEC }], T0 + 8 * SEC);
        // the first update alone would have expired at T0+10s
        expect(await s.count('count:r', T0 + 15 * SEC)).toBe(2);
        expect((await s.list(T0 + 15 * SEC))[0]?.expiresAt).toBe(T0 + 18 * SEC);
        expect(await s.count('count:r', T0 + 18 * SEC)).toBe(0);
        await s.apply([{ op: 'count', key: 'count:r', by: 4, ttlMs: 10 * SEC }], T0 + 20 * SEC);
        expect(await s.count('count:r', T0 + 20 * SEC)).toBe(4);
      });

      it('reading does not depend on a previous read: reading an expired counter early or late agrees', async () => {
        const s = await fresh();
        await s.apply([{ op: 'count', key: 'count:a', ttlMs: MIN }], T0);
        await s.apply([{ op: 'count', key: 'count:b', ttlMs: MIN }], T0);
        expect(await s.count('count:a', T0 + 30 * SEC)).toBe(1);
        expect(await s.count('count:a', T0 + 2 * MIN)).toBe(0);
        // b was never read in between
        expect(await s.count('count:b', T0 + 2 * MIN)).toBe(0);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('sliding windows', () => {
      it('counts hits inside the window and not those outside it', async () => {
        const s = await fresh();
        const w = 10 * SEC;
        await s.apply([{ op: 'hit', key: 'rate:r', windowMs: w }], T0);
        await s.apply([{ op: 'hit', key: 'rate:r', windowMs: w }], T0 + 4 * SEC);
        await s.apply([{ op: 'hit', key: 'rate:r', windowMs: w }], T0 + 8 * SEC);
        expect(await s.windowCount('rate:r', w, T0 + 8 * SEC)).toBe(3);
        expect(await s.windowCount('rate:r', w, T0 + 10 * SEC - 1)).toBe(3);
        // a hit at t leaves the window at t + windowMs
        expect(await s.windowCount('rate:r', w, T0 + 10 * SEC)).toBe(2);
        expect(await s.windowCount('rate:r', w, T0 + 14 * SEC)).toBe(1);
        expect(await s.windowCount('rate:r', w, T0 + 18 * SEC)).toBe(0);
      });

      it('slides as now advances: old hits leave, new hits count', async () => {
        const s = await fresh();
        const w = MIN;
        const counts: number[] = [];
        // one hit every 20 s for 3 minutes; at each hit, count what the window holds
        for (let i = 0; i < 10; i++) {
          const now = T0 + i * 20 * SEC;
          await s.apply([{ op: 'hit', key: 'rate:r', windowMs: w }], now);
          counts.push(await s.windowCount('rate:r', w, now));
        }
        expect(counts).toEqual([1, 2, 3, 3, 3, 3, 3, 3, 3, 3]);
        // the last hit was at T0+180s; the window empties at T0+240s
        expect(await s.windowCount('rate:r', w, T0 + 239 * SEC)).toBe(1);
        expect(await s.windowCount('rate:r', w, T0 + 240 * SEC)).toBe(0);
        // and fills again
        await s.apply([{ op: 'hit', key: 'rate:r', windowMs: w }], T0 + 300 * SEC);
        expect(await s.windowCount('rate:r', w, T0 + 300 * SEC)).toBe(1);
      });

      it('can be read with a different (shorter) window length than it was written with', async () => {
        const s = await fresh();
        const written = HOUR;
        for (const m of [0, 10, 20, 30, 40, 50]) await s.apply([{ op: 'hit', key: 'rate:r', windowMs: written }], T0 + m * MIN);
        const now = T0 + 55 * MIN;
        expect(await s.windowCount('rate:r', HOUR, now)).toBe(6);
        expect(await s.windowCount('rate:r', 30 * MIN, now)).toBe(3); // 30, 40, 50
        expect(await s.windowCount('rate:r', 10 * MIN, now)).toBe(1); // 50
        expect(await s.windowCount('rate:r', 5 * MIN, now)).toBe(0); // 50 is exactly 5 min old
        expect(await s.windowCount('rate:r', 5 * MIN + 1, now)).toBe(1);
      });

      it('several hits at the same instant all count', async () => {
        const s = await fresh();
        await s.apply(Array.from({ length: 4 }, (): StateUpdate => ({ op: 'hit', key: 'rate:r', windowMs: MIN })), T0);
        await s.apply([{ op: 'hit', key: 'rate:r', windowMs: MIN }], T0);
        expect(await s.windowCount('rate:r', MIN, T0)).toBe(5);
        expect(await s.list(T0)).toEqual([{ key: 'rate:r', kind: 'window', value: 5, expiresAt: T0 + MIN }]);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('expiring entries', () => {
      it('set, then read before, at and after expiresAt', async () => {
        const s = await fresh();
        await s.apply([{ op: 'set', key: 'greylist:g|ip=192.0.2.1', value: T0, expiresAt: T0 + 4 * HOUR }], T0);
        expect(await s.entry('greylist:g|ip=192.0.2.1', T0)).toBe(T0);
        expect(await s.entry('greylist:g|ip=192.0.2.1', T0 + 4 * HOUR - 1)).toBe(T0);
        expect(await s.entry('greylist:g|ip=192.0.2.1', T0 + 4 * HOUR)).toBeUndefined();
        expect(await s.entry('greylist:g|ip=192.0.2.1', T0 + 5 * HOUR)).toBeUndefined();
      });

      it('keeps any number as its value (0 included) and a set replaces value and expiry', async () => {
        const s = await fresh();
        await s.apply([{ op: 'set', key: 'flag:f|ip=1', value: 0, expiresAt: T0 + MIN }], T0);
        expect(await s.entry('flag:f|ip=1', T0)).toBe(0);
        await s.apply([{ op: 'set', key: 'flag:f|ip=1', value: 42, expiresAt: T0 + 2 * MIN }], T0 + 30 * SEC);
        expect(await s.entry('flag:f|ip=1', T0 + MIN + 1)).toBe(42);
        expect(await s.entry('flag:f|ip=1', T0 + 2 * MIN)).toBeUndefined();
        // a set can also shorten the expiry
        await s.apply([{ op: 'set', key: 'flag:f|ip=2', value: 1, expiresAt: T0 + HOUR }], T0);
        await s.apply([{ op: 'set', key: 'flag:f|ip=2', value: 2, expiresAt: T0 + MIN }], T0);
        expect(await s.entry('flag:f|ip=2', T0 + 2 * MIN)).toBeUndefined();
      });

      it('an entry whose expiresAt is already past when set is never seen', async () => {
        const s = await fresh();
        await s.apply([{ op: 'set', key: 'flag:f|ip=1', value: 1, expiresAt: T0 - 1 }], T0);
        expect(await s.entry('flag:f|ip=1', T0)).toBeUndefined();
        expect(await s.list(T0)).toEqual([]);
      });

      it('delete forgets an entry at once', async () => {
        const s = await fresh();
        await s.apply([{ op: 'set', key: 'greylist:g|ip=1', value: T0, expiresAt: T0 + HOUR }], T0);
        await s.apply([{ op: 'delete', key: 'greylist:g|ip=1' }], T0 + SEC);
        expect(await s.entry('greylist:g|ip=1', T0 + SEC)).toBeUndefined();
        expect(await s.list(T0 + SEC)).toEqual([]);
      });

      it('delete works on counters and windows too', async () => {
        const s = await fresh();
        await s.apply([{ op: 'count', key: 'count:r', by: 3 }, { op: 'hit', key: 'rate:r', windowMs: MIN }], T0);
        await s.apply([{ op: 'delete', key: 'count:r' }, { op: 'delete', key: 'rate:r' }], T0);
        expect(await s.count('count:r', T0)).toBe(0);
        expect(await s.windowCount('rate:r', MIN, T0)).toBe(0);
        expect(await s.list(T0)).toEqual([]);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('list', () => {
      it('shows only live entries, sorted by key, with their kind, value and expiresAt', async () => {
        const s = await fresh();
        await s.apply(
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
        await s.apply([{ op: 'hit', key: 'rate:per-rcpt|rcpt=bob@x.test', windowMs: HOUR }], T0 + 10 * MIN);

        const now = T0 + 30 * MIN; // count:short, rate:short and flag:gone have expired
        expect(await s.list(now)).toEqual([
          { key: 'count:r|rcpt=bob@x.test', kind: 'counter', value: 2 },
          { key: 'flag:spam-block|ip=192.0.2.9', kind: 'entry', value: T0, expiresAt: T0 + HOUR },
          { key: 'greylist:g|ip=192.0.2.1|sender=a@x|rcpt=b@y', kind: 'entry', value: T0, expiresAt: T0 + 4 * HOUR },
          // a window is forgotten when its newest hit leaves it
          { key: 'rate:per-rcpt|rcpt=bob@x.test', kind: 'window', value: 2, expiresAt: T0 + 10 * MIN + HOUR },
        ]);
        // a window's value is the hits still inside it
        expect(await s.list(T0 + HOUR + 5 * MIN)).toContainEqual({ key: 'rate:per-rcpt|rcpt=bob@x.test', kind: 'window', value: 1, expiresAt: T0 + 10 * MIN + HOUR });
      });

      it('filters by key prefix', async () => {
        const s = await fresh();
        await s.apply(
          [
            { op: 'hit', key: 'rate:per-rcpt|rcpt=bob@x.test', windowMs: HOUR },
            { op: 'hit', key: 'rate:per-rcpt|rcpt=carol@x.test', windowMs: HOUR },
            { op: 'hit', key: 'rate:other', windowMs: HOUR },
            { op: 'count', key: 'count:per-rcpt|rcpt=bob@x.test' },
            { op: 'count', key: 'mailbox:bob@x.test', by: 1000 },
          ],
          T0,
        );
        expect(keysOf(await s.list(T0, 'rate:'))).toEqual(['rate:other', 'rate:per-rcpt|rcpt=bob@x.test', 'rate:per-rcpt|rcpt=carol@x.test']);
        expect(keysOf(await s.list(T0, 'rate:per-rcpt|'))).toEqual(['rate:per-rcpt|rcpt=bob@x.test', 'rate:per-rcpt|rcpt=carol@x.test']);
        expect(keysOf(await s.list(T0, 'rate:per-rcpt|rcpt=bob'))).toEqual(['rate:per-rcpt|rcpt=bob@x.test']);
        expect(await s.list(T0, 'mailbox:')).toEqual([{ key: 'mailbox:bob@x.test', kind: 'counter', value: 1000 }]);
        expect(await s.list(T0, 'greylist:')).toEqual([]);
        // a prefix is a prefix, not a pattern
        expect(await s.list(T0, 'rate:.*')).toEqual([]);
        expect(await s.list(T0, 'per-rcpt')).toEqual([]);
        expect(await s.list(T0, '')).toHaveLength(5);
      });

      it('sorts in code-unit order, independent of write order and locale', async () => {
        const s = await fresh();
        // written in an order that is neither sorted nor reverse-sorted; upper case, `|` and `-`
        // sort differently under localeCompare than under plain string comparison, and the two
        // last keys are canonically equivalent (é precomposed vs e + combining accent) but distinct
        const keys = ['count:ra', 'count:r|ip=1', 'count:rB', 'count:r-x', 'count:R', 'count:r|ip=10', 'count:r|ip=9', 'rcpt=\u00e9@x', 'rcpt=e\u0301@x'];
        for (const [i, key] of keys.entries()) await s.apply([{ op: 'count', key, by: i + 1 }], T0);
        const expected = [...keys].sort();
        expect(keysOf(await s.list(T0))).toEqual(expected);
        // and the same order whatever order the keys were written in
        const t = await fresh();
        for (const key of [...keys].reverse()) await t.apply([{ op: 'count', key }], T0);
        expect(keysOf(await t.list(T0))).toEqual(expected);
      });

      it('does not change what it lists (reading is not writing)', async () => {
        const s = await fresh();
        await s.apply([{ op: 'count', key: 'count:r', by: 2, ttlMs: HOUR }, { op: 'hit', key: 'rate:r', windowMs: HOUR }], T0);
        const first = await s.list(T0 + MIN);
        expect(await s.list(T0 + MIN)).toEqual(first);
        expect(await s.count('count:r', T0 + MIN)).toBe(2);
        expect(await s.windowCount('rate:r', HOUR, T0 + MIN)).toBe(1);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('reset', () => {
      const fill = async (s: Facade) =>
        await s.apply(
          [
            { op: 'count', key: 'count:r|rcpt=bob@x.test' },
            { op: 'hit', key: 'rate:per-rcpt|rcpt=bob@x.test', windowMs: HOUR },
            { op: 'hit', key: 'rate:per-rcpt|rcpt=carol@x.test', windowMs: HOUR },
            { op: 'set', key: 'greylist:g|ip=1|sender=a@x|rcpt=b@y', value: T0, expiresAt: T0 + HOUR },
            { op: 'count', key: 'mailbox:bob@x.test', by: 1000 },
          ],
          T0,
        );

      it('reset() forgets everything and says how many keys went', async () => {
        const s = await fresh();
        await fill(s);
        expect(await s.reset()).toBe(5);
        expect(await s.list(T0)).toEqual([]);
        expect(await s.count('count:r|rcpt=bob@x.test', T0)).toBe(0);
        expect(await s.windowCount('rate:per-rcpt|rcpt=bob@x.test', HOUR, T0)).toBe(0);
        expect(await s.entry('greylist:g|ip=1|sender=a@x|rcpt=b@y', T0)).toBeUndefined();
        expect(await s.count('mailbox:bob@x.test', T0)).toBe(0);
        expect(await s.reset()).toBe(0);
      });

      it('reset(prefix) forgets only the keys starting with it and says how many', async () => {
        const s = await fresh();
        await fill(s);
        expect(await s.reset('rate:per-rcpt|rcpt=bob')).toBe(1);
        expect(await s.windowCount('rate:per-rcpt|rcpt=bob@x.test', HOUR, T0)).toBe(0);
        expect(await s.windowCount('rate:per-rcpt|rcpt=carol@x.test', HOUR, T0)).toBe(1);
        expect(await s.reset('rate:')).toBe(1);
        expect(await s.reset('rate:')).toBe(0);
        expect(await s.reset('nothing-like-it:')).toBe(0);
        expect(keysOf(await s.list(T0))).toEqual(['count:r|rcpt=bob@x.test', 'greylist:g|ip=1|sender=a@x|rcpt=b@y', 'mailbox:bob@x.test']);
        expect(await s.reset('mailbox:')).toBe(1);
        expect(await s.count('mailbox:bob@x.test', T0)).toBe(0);
        expect(keysOf(await s.list(T0))).toEqual(['count:r|rcpt=bob@x.test', 'greylist:g|ip=1|sender=a@x|rcpt=b@y']);
      });

      it('after a reset, keys start over from nothing', async () => {
        const s = await fresh();
        await fill(s);
        await s.reset('count:');
        await s.apply([{ op: 'count', key: 'count:r|rcpt=bob@x.test' }], T0 + SEC);
        expect(await s.count('count:r|rcpt=bob@x.test', T0 + SEC)).toBe(1);
        await s.reset();
        await s.apply([{ op: 'hit', key: 'rate:per-rcpt|rcpt=bob@x.test', windowMs: HOUR }], T0 + SEC);
        expect(await s.windowCount('rate:per-rcpt|rcpt=bob@x.test', HOUR, T0 + SEC)).toBe(1);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('keys', () => {
      it('are independent, even when one key is a prefix of another', async () => {
        const s = await fresh();
        await s.apply(
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
        expect(await s.count('count:r', T0)).toBe(1);
        expect(await s.count('count:r|rcpt=bob@x.test', T0)).toBe(10);
        expect(await s.count('count:r|rcpt=bob@x.test.evil', T0)).toBe(100);
        expect(await s.count('count:r|rcpt=BOB@x.test', T0)).toBe(0); // keys are exact; the engine lowercases
        expect(await s.windowCount('rate:r', MIN, T0)).toBe(1);
        expect(await s.windowCount('rate:r|ip=1', MIN, T0)).toBe(2);
        expect(await s.entry('flag:f|ip=1', T0)).toBe(7);
        expect(await s.entry('flag:f|ip=10', T0)).toBe(8);
        // one expiring does not take the other with it
        expect(await s.entry('flag:f|ip=1', T0 + MIN)).toBeUndefined();
        expect(await s.entry('flag:f|ip=10', T0 + MIN)).toBe(8);
        // deleting one leaves its neighbours
        await s.apply([{ op: 'delete', key: 'count:r' }], T0);
        expect(await s.count('count:r|rcpt=bob@x.test', T0)).toBe(10);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('apply', () => {
      it('applies the updates of one call in order', async () => {
        const s = await fresh();
        await s.apply(
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
        expect(await s.entry('a', T0)).toBeUndefined();
        expect(await s.entry('b', T0)).toBe(2);
        expect(await s.entry('c', T0)).toBe(3);
        expect(await s.count('d', T0)).toBe(5);
      });

      it('the greylist pass the engine writes: delete the pending entry, set the passed one', async () => {
        const s = await fresh();
        const pending = 'greylist:g|ip=192.0.2.1|sender=a@x|rcpt=b@y';
        const passed = 'greylist-passed:g|ip=192.0.2.1|sender=a@x|rcpt=b@y';
        await s.apply([{ op: 'set', key: pending, value: T0, expiresAt: T0 + 4 * HOUR }], T0);
        const now = T0 + 6 * MIN;
        await s.apply([{ op: 'delete', key: pending }, { op: 'set', key: passed, value: now, expiresAt: now + 35 * 24 * HOUR }], now);
        expect(await s.entry(pending, now)).toBeUndefined();
        expect(await s.entry(passed, now)).toBe(now);
        expect(await s.list(now)).toEqual([{ key: passed, kind: 'entry', value: now, expiresAt: now + 35 * 24 * HOUR }]);
      });

      it('uses the `now` of each call, not a clock of its own', async () => {
        const s = await fresh();
        // times far from the real clock, in both directions
        const past = 1_000_000;
        const future = Date.now() + 10 * 365 * 24 * HOUR;
        await s.apply([{ op: 'count', key: 'count:p', ttlMs: MIN }, { op: 'hit', key: 'rate:p', windowMs: MIN }], past);
        await s.apply([{ op: 'count', key: 'count:f', ttlMs: MIN }, { op: 'hit', key: 'rate:f', windowMs: MIN }], future);
        expect(await s.count('count:p', past + MIN - 1)).toBe(1);
        expect(await s.windowCount('rate:p', MIN, past + MIN - 1)).toBe(1);
        expect(await s.count('count:f', future)).toBe(1);
        expect(await s.windowCount('rate:f', MIN, future)).toBe(1);
        expect(await s.list(future + MIN)).toEqual([]);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('bounded size', () => {
      it('with maxKeys 3, writing a 4th key forgets the least recently written one', async () => {
        const s = await fresh({ maxKeys: 3 });
        await s.apply([{ op: 'count', key: 'k1' }], T0);
        await s.apply([{ op: 'hit', key: 'k2', windowMs: HOUR }], T0 + 1);
        await s.apply([{ op: 'set', key: 'k3', value: 3, expiresAt: T0 + HOUR }], T0 + 2);
        expect(keysOf(await s.list(T0 + 2))).toEqual(['k1', 'k2', 'k3']);
        await s.apply([{ op: 'count', key: 'k4' }], T0 + 3);
        expect(keysOf(await s.list(T0 + 3))).toEqual(['k2', 'k3', 'k4']);
        expect(await s.count('k1', T0 + 3)).toBe(0);
      });

      it('writing an existing key makes it the most recently written', async () => {
        const s = await fresh({ maxKeys: 3 });
        await s.apply([{ op: 'count', key: 'k1' }], T0);
        await s.apply([{ op: 'count', key: 'k2' }], T0 + 1);
        await s.apply([{ op: 'count', key: 'k3' }], T0 + 2);
        await s.apply([{ op: 'count', key: 'k1' }], T0 + 3); // k1 is now the newest, k2 the stalest
        await s.apply([{ op: 'count', key: 'k4' }], T0 + 4);
        expect(keysOf(await s.list(T0 + 4))).toEqual(['k1', 'k3', 'k4']);
        expect(await s.count('k1', T0 + 4)).toBe(2);
        await s.apply([{ op: 'hit', key: 'k3', windowMs: HOUR }], T0 + 5); // k3 newest, k1 stalest
        await s.apply([{ op: 'count', key: 'k5' }], T0 + 6);
        expect(keysOf(await s.list(T0 + 6))).toEqual(['k3', 'k4', 'k5']);
      });

      it('rewriting keys already held forgets nothing', async () => {
        const s = await fresh({ maxKeys: 3 });
        for (let i = 0; i < 30; i++) await s.apply([{ op: 'count', key: `k${i % 3}` }], T0 + i);
        expect(await s.list(T0 + 30)).toEqual([
          { key: 'k0', kind: 'counter', value: 10 },
          { key: 'k1', kind: 'counter', value: 10 },
          { key: 'k2', kind: 'counter', value: 10 },
        ]);
      });

      it('under random churn (rewrites, deletes, resets) always forgets exactly the least recently written key', async () => {
        const max = 40;
        const s = await fresh({ maxKeys: max });
        const model: string[] = []; // write order, stalest first
        const random = seededRandom(9);
        const pick = () => `k${Math.floor(random() * 100)}`;
        for (let i = 0; i < 4000; i++) {
          const key = pick();
          const r = random();
          if (r < 0.1) {
            await s.apply([{ op: 'delete', key }], T0 + i);
            if (model.includes(key)) model.splice(model.indexOf(key), 1);
          } else if (r < 0.102) {
            await s.reset();
            model.length = 0;
          } else if (r < 0.11) {
            await s.reset('k1');
            for (let j = model.length - 1; j >= 0; j--) if (model[j]!.startsWith('k1')) model.splice(j, 1);
          } else {
            await s.apply([{ op: 'count', key }], T0 + i);
            if (model.includes(key)) model.splice(model.indexOf(key), 1);
            model.push(key);
            if (model.length > max) model.shift();
          }
          expect(keysOf(await s.list(T0 + i)), `after step ${i}`).toEqual([...model].sort());
        }
      });

      it('stays within the bound over a flood of distinct keys, keeping the newest', async () => {
        const s = await fresh({ maxKeys: 3 });
        for (let i = 0; i < 200; i++) await s.apply([{ op: 'hit', key: `rate:r|ip=192.0.2.${i}`, windowMs: HOUR }], T0 + i);
        expect(keysOf(await s.list(T0 + 200))).toEqual(['rate:r|ip=192.0.2.197', 'rate:r|ip=192.0.2.198', 'rate:r|ip=192.0.2.199']);
        expect(await s.reset()).toBe(3);
      });

      it('within one apply call too', async () => {
        const s = await fresh({ maxKeys: 3 });
        await s.apply(
          ['a', 'b', 'c', 'd', 'e'].map((key): StateUpdate => ({ op: 'count', key })),
          T0,
        );
        expect(keysOf(await s.list(T0))).toEqual(['c', 'd', 'e']);
      });
    });
    // ---------------------------------------------------------------------------------------
    describe('versions and transactions (what several instances rely on)', () => {
      it('read gives every key a version; any write to the key changes it, and reads never do', async () => {
        const s = await fresh();
        const reads: StateRead[] = [{ kind: 'count', key: 'count:r' }, { kind: 'window', key: 'rate:r', windowMs: MIN }];
        const v0 = (await s.store.read(reads, T0)).versions;
        expect([...v0.entries()]).toEqual([['count:r', 0], ['rate:r', 0]]);
        await s.apply([{ op: 'count', key: 'count:r' }], T0);
        const v1 = (await s.store.read(reads, T0)).versions;
        expect(v1.get('count:r')).not.toBe(0);
        expect(v1.get('rate:r')).toBe(0);
        expect((await s.store.read(reads, T0)).versions).toEqual(v1);
        await s.apply([{ op: 'count', key: 'count:r' }], T0);
        expect((await s.store.read(reads, T0)).versions.get('count:r')).not.toBe(v1.get('count:r'));
      });

      it('a write whose expected versions still hold applies; one whose keys changed applies nothing', async () => {
        const s = await fresh();
        const snap = await s.store.read([{ kind: 'count', key: 'count:r' }], T0);
        expect(await s.store.write([{ op: 'count', key: 'count:r' }], T0, snap.versions)).toBe(true);
        // the same snapshot again: count:r was written since
        expect(await s.store.write([{ op: 'count', key: 'count:r' }, { op: 'count', key: 'count:other' }], T0, snap.versions)).toBe(false);
        expect(await s.count('count:r', T0)).toBe(1);
        expect(await s.count('count:other', T0)).toBe(0);
        // a deleted then re-created key does not come back at an old version
        const before = await s.store.read([{ kind: 'count', key: 'count:r' }], T0);
        await s.apply([{ op: 'delete', key: 'count:r' }], T0);
        await s.apply([{ op: 'count', key: 'count:r' }], T0);
        expect(await s.store.write([{ op: 'count', key: 'count:r' }], T0, before.versions)).toBe(false);
      });

      it('a second handle sees the first one\'s writes at once', async () => {
        const a = await fresh();
        const b = await share(a);
        await a.apply([{ op: 'set', key: 'greylist:g|ip=1', value: T0, expiresAt: T0 + HOUR }, { op: 'hit', key: 'rate:r', windowMs: HOUR }], T0);
        expect(await b.entry('greylist:g|ip=1', T0 + MIN)).toBe(T0);
        expect(await b.windowCount('rate:r', HOUR, T0 + MIN)).toBe(1);
        expect(keysOf(await b.list(T0 + MIN))).toEqual(['greylist:g|ip=1', 'rate:r']);
        expect(await b.reset('rate:')).toBe(1);
        expect(await a.windowCount('rate:r', HOUR, T0 + MIN)).toBe(0);
      });

      it('decisions racing on two handles count exactly: a limit of 5 lets 5 through, never more', async () => {
        const a = await fresh();
        const b = await share(a);
        // what the engine does for `rate: 5 per hour`: read the window, hit it while under the limit
        const decide = (view: StateView) => {
          const under = view.windowCount('rate:r', HOUR, T0) < 5;
          return { passed: under, updates: under ? [{ op: 'hit' as const, key: 'rate:r', windowMs: HOUR }] : [] };
        };
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => transact((i % 2 ? a : b).store, T0, seededRandom(i), decide)));
        expect(results.filter((r) => r.passed)).toHaveLength(5);
        expect(await a.windowCount('rate:r', HOUR, T0)).toBe(5);
      });

      it('sessions that decide back to back on one hot key all get through: none is starved by newcomers', async () => {
        const a = await fresh();
        const b = await share(a);
        // what every message does under `rate:` on one recipient; 16 sessions per handle, each deciding as soon as its last decision returned
        const decide = (view: StateView) => ({ seen: view.windowCount('rate:hot', HOUR, T0), updates: [{ op: 'hit' as const, key: 'rate:hot', windowMs: HOUR }] });
        const session = async (store: StateStore, seed: number) => {
          for (let i = 0; i < 12; i++) await transact(store, T0, seededRandom(seed * 100 + i), decide);
        };
        await Promise.all(Array.from({ length: 32 }, (_, i) => session((i % 2 ? a : b).store, i)));
        expect(await a.windowCount('rate:hot', HOUR, T0)).toBe(32 * 12);
      });

      it('a transaction reads what its decision needs, however many rounds that takes, and replays its random draws', async () => {
        const s = await fresh();
        await s.apply([{ op: 'set', key: 'flag:a', value: 1, expiresAt: T0 + HOUR }, { op: 'set', key: 'flag:b', value: 2, expiresAt: T0 + HOUR }, { op: 'count', key: 'count:c', by: 3 }], T0);
        let runs = 0;
        const random = seededRandom(4);
        const result = await transact(s.store, T0, random, (view, r) => {
          runs++;
          const draw = r();
          // each read depends on the one before: three rounds of reading
          const a = view.entry('flag:a', T0);
          const b = a === 1 ? view.entry('flag:b', T0) : undefined;
          const c = b === 2 ? view.count('count:c', T0) : 0;
          return { draw, c, updates: [{ op: 'count' as const, key: 'count:c' }] };
        });
        expect(runs).toBe(4);
        expect(result.c).toBe(3);
        expect(result.draw).toBe(seededRandom(4)());
        expect(await s.count('count:c', T0)).toBe(4);
      });
    });
  });
}
