/** RedisStateStore against the StateStore contract, on a private redis-server, and what is particular to it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisStateStore, type RedisStateOptions } from '../../src/state/redis.js';
import { StateUnavailableError, type StateStore } from '../../src/state/types.js';
import { freePort, PrivateRedis, requireRedis } from '../helpers/redis.js';
import { stateStoreContract } from './state-store.contract.js';

describe.skipIf(!requireRedis())('RedisStateStore', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  // each store made gets its own key prefix; a shared handle reuses it
  const made = new WeakMap<StateStore, Omit<RedisStateOptions, 'url'>>();
  let next = 0;
  const open = async (options: Omit<RedisStateOptions, 'url'>) => {
    const store = await openRedisStateStore({ url: redis.url, ...options });
    made.set(store, options);
    return store;
  };
  stateStoreContract('RedisStateStore', {
    make: ({ maxKeys }) => open({ keyPrefix: `t${++next}:`, ...(maxKeys === undefined ? {} : { maxKeys }) }),
    share: (store) => open(made.get(store)!),
  });

  it('a claim: a write that lost reserves its keys, others fail until the claimant writes, then they are free', async () => {
    const a = await open({ keyPrefix: `claim${++next}:` });
    const b = await open(made.get(a)!);
    const T = 1000;
    const read = [{ kind: 'count' as const, key: 'count:hot' }, { kind: 'count' as const, key: 'count:cold' }];
    const hot = [{ op: 'count' as const, key: 'count:hot' }];
    try {
      const stale = (await a.read(read, T)).versions;
      await b.write(hot, T);
      // the claimant loses (count:hot changed) and so reserves both keys it read
      expect(await a.write(hot, T, stale, 'loser')).toBe(false);
      // another instance, though its versions are current, cannot write them meanwhile; a key not claimed stays free
      expect(await b.write(hot, T, (await b.read(read, T)).versions)).toBe(false);
      expect(await b.write(hot, T, (await b.read([read[0]!], T)).versions, 'other')).toBe(false);
      expect(await b.write([{ op: 'count', key: 'count:free' }], T, (await b.read([{ kind: 'count', key: 'count:free' }], T)).versions)).toBe(true);
      // the claimant, reading afresh, writes; its claim goes with the write
      expect(await a.write(hot, T, (await a.read(read, T)).versions, 'loser')).toBe(true);
      expect(await b.write(hot, T, (await b.read(read, T)).versions)).toBe(true);
      expect((await a.read(read, T)).values.get('count count:hot')).toBe(3);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('unreachable at start: rejects with a clear StateUnavailableError naming the URL, without the password', async () => {
    const port = await freePort();
    const err = await openRedisStateStore({ url: `redis://:secret@127.0.0.1:${port}/0`, timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateUnavailableError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0: .*ECONNREFUSED`));
  });

  it('lost mid-run: calls reject at once with StateUnavailableError; once Redis is back, it reconnects by itself', async () => {
    const own = await PrivateRedis.start();
    const status: string[] = [];
    const store = await openRedisStateStore({ url: own.url, timeoutMs: 1000, onStatus: (s) => status.push(s) });
    try {
      await store.write([{ op: 'count', key: 'count:r' }], 1000);
      await own.stop();
      await expect(store.read([{ kind: 'count', key: 'count:r' }], 1000)).rejects.toBeInstanceOf(StateUnavailableError);
      await expect(store.write([{ op: 'count', key: 'count:r' }], 1000)).rejects.toBeInstanceOf(StateUnavailableError);
      expect(status).toContain('lost');
      await own.restart();
      // reconnecting is the client's own doing: poll until a call succeeds (no persistence: the state is gone)
      const deadline = Date.now() + 10_000;
      for (;;) {
        const ok = await store.read([{ kind: 'count', key: 'count:r' }], 1000).then(
          (s) => s,
          () => undefined,
        );
        if (ok) {
          expect(ok.values.get('count count:r')).toBe(0);
          break;
        }
        if (Date.now() > deadline) throw new Error('did not reconnect within 10 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(status.at(-1)).toBe('back');
    } finally {
      await store.close();
      await own.stop();
    }
  });
});
