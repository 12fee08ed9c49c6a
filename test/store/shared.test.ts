/**
 * The several-instances message view (--redis): SharedMessageStore passes the MessageStore
 * contract around a memory store, and holds the others' announcements within the same bound,
 * merged with its own by arrival. Bodies come from `fetchBody` (the owner's API in the app).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryMessageStore } from '../../src/store/memory.js';
import { SharedMessageStore, type MessageNotice } from '../../src/store/shared.js';
import { SessionStore } from '../../src/store/sessions.js';
import { messageStoreContract, newMessage, rawMessage } from './message-store.contract.js';

const notice = (n: number, receivedAt: number): MessageNotice => ({
  id: `m${n}`,
  sessionId: `s${n}`,
  envelope: { mailFrom: 'alice@client.test', rcptTo: [`r${n}@example.test`] },
  size: rawMessage(`remote ${n}`).length,
  receivedAt,
});

function make(maxMessages: number, now = Date.now) {
  const added: string[] = [];
  const fetched: string[] = [];
  const store = new SharedMessageStore(new MemoryMessageStore({ maxMessages, now }), {
    maxMessages,
    fetchBody: async (owner, id) => {
      fetched.push(`${owner}/${id}`);
      if (owner === 'gone00') throw new Error('instance gone00 has stopped');
      return Readable.from([rawMessage(`remote ${id.slice(1)}`)]);
    },
    added: (m) => added.push(m.id),
  });
  return { store, added, fetched };
}

messageStoreContract('SharedMessageStore (own messages)', ({ maxMessages }) => make(maxMessages).store);

describe('SharedMessageStore: the others\' messages', () => {
  it('announces each message it keeps, and lists the others\' among its own by arrival, newest first', async () => {
    let t = 1000;
    const { store, added } = make(10, () => t);
    const own1 = await store.add(newMessage(1));
    expect(added).toEqual([own1.id]);
    store.heard('abc123', notice(1, 1500));
    t = 2000;
    const own2 = await store.add(newMessage(2));
    store.heard('abc123', notice(2, 2500));
    expect((await store.list()).map((m) => m.id)).toEqual(['abc123-m2', own2.id, 'abc123-m1', own1.id]);
    expect(await store.count()).toBe(4);
    // heard twice (a stream read again): kept once
    expect(store.heard('abc123', notice(2, 2500))).toBeUndefined();
    expect(await store.count()).toBe(4);
  });

  it('keeps at most maxMessages of the others\', the oldest going first', async () => {
    const { store } = make(3);
    for (let n = 1; n <= 5; n++) store.heard('abc123', notice(n, 1000 + n));
    expect((await store.list()).map((m) => m.id)).toEqual(['abc123-m5', 'abc123-m4', 'abc123-m3']);
    expect(await store.get('abc123-m1')).toBeUndefined();
  });

  it('reads a body from its owner, names the owner\'s session, and cannot hand out bytes synchronously', async () => {
    const { store, fetched } = make(10);
    const m = store.heard('abc123', notice(7, 1000))!;
    expect(m.sessionId).toBe('abc123-s7');
    expect((await m.parsed()).subject).toBe('remote 7');
    expect(fetched).toEqual(['abc123/m7']);
    expect(() => m.raw).toThrow('message abc123-m7 is kept by instance abc123: read it with rawStream() or parsed()');
    const chunks: Buffer[] = [];
    for await (const c of m.rawStream()) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(rawMessage('remote 7'))).toBe(true);
  });

  it('an owner that cannot be reached: openRaw rejects with why, parsed says so and tries again next time', async () => {
    const { store, fetched } = make(10);
    const m = store.heard('gone00', notice(1, 1000))!;
    await expect(m.openRaw!()).rejects.toThrow('instance gone00 has stopped');
    expect((await m.parsed()).text).toBe('[mockmx: the body is unavailable here: instance gone00 has stopped]');
    await m.parsed();
    expect(fetched.filter((f) => f === 'gone00/m1')).toHaveLength(3);
  });

  it('delete and clear act on this instance\'s view', async () => {
    const { store } = make(10);
    const own = await store.add(newMessage(1));
    store.heard('abc123', notice(1, 1000));
    store.heard('abc123', notice(2, 1000));
    expect(await store.delete('abc123-m1')).toBe(true);
    expect(await store.delete('abc123-m1')).toBe(false);
    expect((await store.list()).map((m) => m.id).sort()).toEqual(['abc123-m2', own.id].sort());
    await store.clear();
    expect(await store.count()).toBe(0);
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
