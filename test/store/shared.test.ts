/**
 * The several-instances message view (--redis): SharedMessageStore passes the MessageStore
 * contract around a memory store, and holds the others' announcements within the same bound,
 * merged with its own by arrival. Bodies come from `fetchBody` (the owner's API in the app).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryMessageStore } from '../../src/store/memory.js';
import { SharedMessageStore, type MessageEntry, type MessageNotice } from '../../src/store/shared.js';
import { SessionStore } from '../../src/store/sessions.js';
import { messageStoreContract, newMessage, rawMessage } from './message-store.contract.js';

const notice = (n: number, receivedAt: number): MessageNotice => ({
  id: `m${n}`,
  sessionId: `s${n}`,
  envelope: { mailFrom: 'alice@client.test', rcptTo: [`r${n}@example.test`] },
  size: rawMessage(`remote ${n}`).length,
  receivedAt,
});

/** Stream positions in order: what this instance announces and what it hears share one sequence, as in Redis. */
function positions() {
  let seq = 0;
  return () => `${1_700_000_000_000 + ++seq}-0`;
}

function make(maxMessages: number, now = Date.now, options: { hold?: boolean } = {}) {
  const added: string[] = [];
  const fetched: string[] = [];
  const announced: MessageEntry[] = [];
  const removed: string[] = [];
  const next = positions();
  /** With `hold`, announcements wait here until the test places them (an XADD on its way). */
  const held: ((at: string | undefined) => void)[] = [];
  const store = new SharedMessageStore(new MemoryMessageStore({ maxMessages, now }), {
    maxMessages,
    fetchBody: async (owner, id) => {
      fetched.push(`${owner}/${id}`);
      if (owner === 'gone00') throw new Error('instance gone00 has stopped');
      return Readable.from([rawMessage(`remote ${id.slice(1)}`)]);
    },
    announce: (entry) => {
      announced.push(entry);
      if ('id' in entry) added.push(entry.id);
      if (options.hold) return new Promise((resolve) => held.push(resolve));
      return Promise.resolve(next());
    },
    removed: (id) => removed.push(id),
    clearWaitMs: 50,
  });
  return { store, added, fetched, announced, removed, next, held };
}

messageStoreContract('SharedMessageStore (own messages)', ({ maxMessages }) => make(maxMessages).store);

describe('SharedMessageStore: the others\' messages', () => {
  it('announces each message it keeps, and lists the others\' among its own by arrival, newest first', async () => {
    let t = 1000;
    const { store, added, next } = make(10, () => t);
    const own1 = await store.add(newMessage(1));
    expect(added).toEqual([own1.id]);
    store.heard('abc123', notice(1, 1500), next());
    t = 2000;
    const own2 = await store.add(newMessage(2));
    store.heard('abc123', notice(2, 2500), next());
    expect((await store.list()).map((m) => m.id)).toEqual(['abc123-m2', own2.id, 'abc123-m1', own1.id]);
    expect(await store.count()).toBe(4);
    // heard twice (a stream read again): kept once
    expect(store.heard('abc123', notice(2, 2500), next())).toBeUndefined();
    expect(await store.count()).toBe(4);
  });

  it('keeps at most maxMessages of the others\', the oldest going first', async () => {
    const { store, next } = make(3);
    for (let n = 1; n <= 5; n++) store.heard('abc123', notice(n, 1000 + n), next());
    expect((await store.list()).map((m) => m.id)).toEqual(['abc123-m5', 'abc123-m4', 'abc123-m3']);
    expect(await store.get('abc123-m1')).toBeUndefined();
  });

  it('reads a body from its owner, names the owner\'s session, and cannot hand out bytes synchronously', async () => {
    const { store, fetched, next } = make(10);
    const m = store.heard('abc123', notice(7, 1000), next())!;
    expect(m.sessionId).toBe('abc123-s7');
    expect((await m.parsed()).subject).toBe('remote 7');
    expect(fetched).toEqual(['abc123/m7']);
    expect(() => m.raw).toThrow('message abc123-m7 is kept by instance abc123: read it with rawStream() or parsed()');
    const chunks: Buffer[] = [];
    for await (const c of m.rawStream()) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(rawMessage('remote 7'))).toBe(true);
  });

  it('an owner that cannot be reached: openRaw rejects with why, parsed says so and tries again next time', async () => {
    const { store, fetched, next } = make(10);
    const m = store.heard('gone00', notice(1, 1000), next())!;
    await expect(m.openRaw!()).rejects.toThrow('instance gone00 has stopped');
    expect((await m.parsed()).text).toBe('[mockmx: the body is unavailable here: instance gone00 has stopped]');
    await m.parsed();
    expect(fetched.filter((f) => f === 'gone00/m1')).toHaveLength(3);
  });

  it('a delete leaves this view and is announced for the others: its own as itself, another\'s naming the owner', async () => {
    const { store, next, announced, removed } = make(10);
    const own = await store.add(newMessage(1));
    store.heard('abc123', notice(1, 1000), next());
    store.heard('abc123', notice(2, 1000), next());
    announced.length = 0;
    expect(await store.delete('abc123-m1')).toBe(true);
    expect(await store.delete('abc123-m1')).toBe(false);
    expect(await store.delete(own.id)).toBe(true);
    expect(await store.delete('nope')).toBe(false);
    expect(announced).toEqual([{ delete: 'm1', owner: 'abc123' }, { delete: own.id }]);
    expect(removed).toEqual(['abc123-m1', own.id]);
    expect((await store.list()).map((m) => m.id)).toEqual(['abc123-m2']);
  });

  it('forget (a delete heard from another instance) drops its own message, body and all, or another\'s from the view, announcing nothing', async () => {
    const { store, next, announced, removed } = make(10);
    const own = await store.add(newMessage(1));
    store.heard('abc123', notice(2, 1000), next());
    announced.length = 0;
    expect(await store.forget(own.id)).toBe(true);
    expect(await store.forget('abc123-m2')).toBe(true);
    expect(await store.forget('abc123-m2')).toBe(false);
    expect(await store.count()).toBe(0);
    expect(announced).toEqual([]);
    expect(removed).toEqual([own.id, 'abc123-m2']);
  });

  it('a clear takes what was announced before it, its own and the others\', and nothing announced after', async () => {
    const { store, next, removed } = make(10);
    const own1 = await store.add(newMessage(1));
    store.heard('abc123', notice(1, 1000), next());
    const lagging = next(); // another instance's notice this one has not read yet
    const clear = next();
    const own2 = await store.add(newMessage(2));
    store.heard('abc123', notice(3, 1000), next());
    await store.clearedAt(clear);
    expect((await store.list()).map((m) => m.id).sort()).toEqual(['abc123-m3', own2.id].sort());
    expect(removed.sort()).toEqual(['abc123-m1', own1.id].sort());
    // read after the clear, announced before it: it stays gone
    expect(store.heard('abc123', notice(2, 1000), lagging)).toBeUndefined();
    expect(await store.count()).toBe(2);
  });

  it('its own message whose notice is on its way when a clear comes: the position it gets decides', async () => {
    const { store, next, held } = make(10, Date.now, { hold: true });
    const before = await store.add(newMessage(1));
    const after = await store.add(newMessage(2));
    const [placeBefore, placeAfter] = held;
    const beforeAt = next();
    const clear = next();
    await store.clearedAt(clear);
    expect(await store.count()).toBe(2);
    placeBefore!(beforeAt);
    placeAfter!(next());
    await expect.poll(async () => (await store.list()).map((m) => m.id)).toEqual([after.id]);
    expect(await store.get(before.id)).toBeUndefined();
  });

  it('clear() here: waits for its position, then clears by it; Redis away: clears everything here, by its position once placed', async () => {
    const live = make(10);
    const own = await live.store.add(newMessage(1));
    live.store.heard('abc123', notice(1, 1000), live.next());
    await live.store.clear();
    expect(await live.store.count()).toBe(0);
    expect(live.announced.at(-1)).toEqual({ clear: true });
    expect(live.removed.sort()).toEqual(['abc123-m1', own.id].sort());

    const away = make(10, Date.now, { hold: true });
    await away.store.add(newMessage(1));
    away.store.heard('abc123', notice(1, 1000), away.next());
    await away.store.clear();
    expect(await away.store.count()).toBe(0);
    // back: the clear is placed after a message the others announced meanwhile, which it takes when read late
    const meanwhile = away.next();
    away.held.at(-1)!(away.next());
    // the placement's promise chain runs before the next turn of the event loop
    await new Promise((r) => setImmediate(r));
    expect(away.store.heard('abc123', notice(2, 1000), meanwhile)).toBeUndefined();
    expect(await away.store.count()).toBe(0);
  });
});

describe('SessionStore.follow: another instance\'s sessions', () => {
  it('are kept within the same bound as its own, with their times and instance, and told to the same events', () => {
    const told: string[] = [];
    const sessions = new SessionStore(
      { maxSessions: 2, maxLines: 100, now: () => 5000 },
      { sessionStarted: (r) => told.push(`start ${r.id}`), line: (r, l) => told.push(`${r.id}: ${l.text}`), sessionEnded: (r) => told.push(`end ${r.id} at ${r.endedAt}`) },
    );
    const info = { clientIp: '192.0.2.1', clientPort: 4000, listener: 'smtp' as const };
    const log = sessions.follow('abc123-s1', 'abc123', info, 1000)!;
    expect(sessions.follow('abc123-s1', 'abc123', info, 1000)).toBeUndefined();
    const own = sessions.open(info);
    own.end();
    expect(sessions.get('abc123-s1')).toMatchObject({ instance: 'abc123', startedAt: 1000 });
    log.end(1200, { ...info, heloName: 'client.test' });
    expect(sessions.get('abc123-s1')).toMatchObject({ endedAt: 1200, heloName: 'client.test' });
    sessions.follow('abc123-s2', 'abc123', info, 1300)!.end(1400);
    expect(sessions.list().map((r) => r.id)).toEqual(['abc123-s2', own.id]);
    expect(told).toEqual(['start abc123-s1', `start ${own.id}`, `end ${own.id} at 5000`, 'end abc123-s1 at 1200', 'start abc123-s2', 'end abc123-s2 at 1400']);
  });
});
