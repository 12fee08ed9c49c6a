/** The in-memory stores: MemoryMessageStore against the MessageStore contract, and SessionStore. */
import { describe, expect, it } from 'vitest';
import { MemoryMessageStore } from '../../src/store/memory.js';
import { SessionStore, type SessionEvents, type SessionRecord, type TranscriptLine } from '../../src/store/sessions.js';
import type { SessionInfo } from '../../src/smtp/runtime.js';
import { messageStoreContract, newMessage } from './message-store.contract.js';

messageStoreContract('MemoryMessageStore', ({ maxMessages }) => new MemoryMessageStore({ maxMessages }));

describe('MemoryMessageStore', () => {
  it('refuses a bound that is not a positive integer', () => {
    expect(() => new MemoryMessageStore({ maxMessages: 0 })).toThrow(RangeError);
    expect(() => new MemoryMessageStore({ maxMessages: -1 })).toThrow(RangeError);
    expect(() => new MemoryMessageStore({ maxMessages: 1.5 })).toThrow(RangeError);
    expect(() => new MemoryMessageStore({ maxMessages: Number.NaN })).toThrow(RangeError);
    expect(() => new MemoryMessageStore({ maxMessages: 1 })).not.toThrow();
  });

  it('stamps receivedAt from the injected clock', async () => {
    let t = 1_000;
    const store = new MemoryMessageStore({ maxMessages: 10, now: () => t });
    const a = await store.add(newMessage(1));
    t = 2_500;
    const b = await store.add(newMessage(2));
    expect(a.receivedAt).toBe(1_000);
    expect(b.receivedAt).toBe(2_500);
  });

  it('a stored message is frozen as a whole', async () => {
    const store = new MemoryMessageStore({ maxMessages: 10 });
    const m = await store.add(newMessage(1));
    expect(Object.isFrozen(m)).toBe(true);
    expect(() => {
      (m as { id: string }).id = 'other';
    }).toThrow(TypeError);
  });

  it('stays within its bound over many adds', async () => {
    const store = new MemoryMessageStore({ maxMessages: 10 });
    for (let i = 0; i < 200; i++) await store.add(newMessage(i));
    expect(await store.count()).toBe(10);
    const list = await store.list();
    expect(list[0]!.sessionId).toBe('s-199');
    expect(list.at(-1)!.sessionId).toBe('s-190');
  });
});

// ---------------------------------------------------------------------------------------------

const info = (port: number, extra: Partial<SessionInfo> = {}): SessionInfo => ({ clientIp: '127.0.0.1', clientPort: port, listener: 'smtp', ...extra });

function recorder() {
  const calls: { started: SessionRecord[]; lines: [SessionRecord, TranscriptLine][]; ended: SessionRecord[] } = { started: [], lines: [], ended: [] };
  const events: SessionEvents = {
    sessionStarted: (r) => calls.started.push(r),
    line: (r, l) => calls.lines.push([r, l]),
    sessionEnded: (r) => calls.ended.push(r),
  };
  return { calls, events };
}

describe('SessionStore', () => {
  it('opens a session record with the connection info and the clock', () => {
    let t = 5_000;
    const { calls, events } = recorder();
    const store = new SessionStore({ maxSessions: 10, maxLines: 100, now: () => t }, events);
    const log = store.open(info(40000, { tls: false }));
    const record = store.get(log.id);
    expect(record).toEqual({ clientIp: '127.0.0.1', clientPort: 40000, listener: 'smtp', tls: false, id: log.id, startedAt: 5_000, transcript: [] });
    expect(record!.endedAt).toBeUndefined();
    expect(calls.started).toEqual([record]);
    expect(calls.started[0]).toBe(record);
    t = 6_000;
    expect(store.get(log.id)!.startedAt).toBe(5_000);
  });

  it('records lines with the time, direction, text and rule, and fires "line" for each', () => {
    let t = 100;
    const { calls, events } = recorder();
    const store = new SessionStore({ maxSessions: 10, maxLines: 100, now: () => t }, events);
    const log = store.open(info(1));
    log.record({ direction: 'out', text: '220 mockmx.test ESMTP', code: 220 });
    t = 150;
    log.record({ direction: 'in', text: 'RCPT TO:<bob@example.test>', stage: 'rcpt', verb: 'RCPT', rcpts: ['bob@example.test'] });
    log.record({ direction: 'out', text: '550 5.1.1 no', stage: 'rcpt', verb: 'RCPT', code: 550, enhanced: '5.1.1', rcpts: ['bob@example.test'], rule: 'reject-bob' });
    t = 175;
    log.record({ direction: 'note', text: 'message discarded', note: 'discarded', rule: 'discard-it' });
    const record = store.get(log.id)!;
    expect(record.transcript).toEqual([
      { at: 100, direction: 'out', text: '220 mockmx.test ESMTP' },
      { at: 150, direction: 'in', text: 'RCPT TO:<bob@example.test>' },
      { at: 150, direction: 'out', text: '550 5.1.1 no', rule: 'reject-bob' },
      { at: 175, direction: 'note', text: 'message discarded', rule: 'discard-it' },
    ]);
    // a line without a rule has no `rule` key (JSON output stays clean)
    expect(Object.keys(record.transcript[0]!)).toEqual(['at', 'direction', 'text']);
    // the record's fields, read through the line, stamped with its session
    expect(record.transcript[2]).toMatchObject({ session: log.id, stage: 'rcpt', verb: 'RCPT', code: 550, enhanced: '5.1.1', rcpts: ['bob@example.test'] });
    expect(record.transcript[3]!.note).toBe('discarded');
    expect(calls.lines.map(([r]) => r)).toEqual([record, record, record, record]);
    expect(calls.lines.map(([, l]) => l)).toEqual(record.transcript);
  });

  it('past maxLines keeps the first lines and the latest, a note between counting the rest', () => {
    const t = 42;
    const { calls, events } = recorder();
    const dropped: string[][] = [];
    const store = new SessionStore({ maxSessions: 10, maxLines: 8, now: () => t }, { ...events, linesDropped: (_, lines) => dropped.push(lines.map((l) => l.text)) });
    const log = store.open(info(1));
    for (let i = 1; i <= 12; i++) log.record({ direction: 'in', text: `NOOP ${i}`, stage: 'noop', verb: 'NOOP' });
    const record = store.get(log.id)!;
    expect(record.transcript.map((l) => l.text)).toEqual(['NOOP 1', 'NOOP 2', '7 lines not kept in memory (the first 2 are above, the latest below)', 'NOOP 10', 'NOOP 11', 'NOOP 12']);
    expect(record.transcript[2]).toEqual({ at: 42, direction: 'note', text: expect.any(String) });
    expect(record.transcript[2]!.note).toBe('elided');
    expect(record.elided).toEqual({ after: 2, count: 7 });
    // listeners see every line as it is logged, and the ones that leave memory, in order
    expect(calls.lines.map(([, l]) => l.text)).toEqual(Array.from({ length: 12 }, (_, i) => `NOOP ${i + 1}`));
    expect(dropped).toEqual([['NOOP 3', 'NOOP 4', 'NOOP 5', 'NOOP 6'], ['NOOP 7', 'NOOP 8', 'NOOP 9']]);
  });

  it('update merges what becomes known; end stamps endedAt and fires "sessionEnd"', () => {
    let t = 10;
    const { calls, events } = recorder();
    const store = new SessionStore({ maxSessions: 10, maxLines: 100, now: () => t }, events);
    const log = store.open(info(1, { tls: false }));
    log.update({ heloName: 'client.test' });
    log.update({ tls: true, tlsVersion: 'TLSv1.3' });
    log.update({ authUser: 'alice@x.test' });
    t = 99;
    log.end();
    const record = store.get(log.id)!;
    expect(record).toMatchObject({ clientPort: 1, heloName: 'client.test', tls: true, tlsVersion: 'TLSv1.3', authUser: 'alice@x.test', startedAt: 10, endedAt: 99 });
    expect(record.id).toBe(log.id);
    expect(calls.ended).toEqual([record]);
  });

  it('keeps the latest maxSessions sessions, newest first', () => {
    const store = new SessionStore({ maxSessions: 3, maxLines: 100, now: () => 0 });
    const logs = Array.from({ length: 5 }, (_, i) => store.open(info(1000 + i)));
    expect(store.list().map((r) => r.clientPort)).toEqual([1004, 1003, 1002]);
    expect(store.get(logs[0]!.id)).toBeUndefined();
    expect(store.get(logs[1]!.id)).toBeUndefined();
    expect(store.get(logs[4]!.id)!.clientPort).toBe(1004);
    // an evicted session's log can still be written to without harm
    expect(() => {
      logs[0]!.record({ direction: 'in', text: 'QUIT', stage: 'quit', verb: 'QUIT' });
      logs[0]!.end();
    }).not.toThrow();
    expect(store.list()).toHaveLength(3);
  });

  it('gives every session a unique id, and clear forgets them all', () => {
    const store = new SessionStore({ maxSessions: 100, maxLines: 10, now: () => 0 });
    const ids = Array.from({ length: 50 }, (_, i) => store.open(info(i)).id);
    expect(new Set(ids).size).toBe(50);
    store.clear();
    expect(store.list()).toEqual([]);
    expect(store.get(ids[0]!)).toBeUndefined();
    const next = store.open(info(99)).id;
    expect(ids).not.toContain(next);
  });

  it('works without event listeners', () => {
    const store = new SessionStore({ maxSessions: 2, maxLines: 2, now: () => 1 });
    const log = store.open(info(1));
    log.record({ direction: 'in', text: 'EHLO a', stage: 'helo', verb: 'EHLO' });
    log.record({ direction: 'out', text: '250 ok', stage: 'helo', verb: 'EHLO', code: 250 });
    log.record({ direction: 'in', text: 'QUIT', stage: 'quit', verb: 'QUIT' });
    log.end();
    expect(store.get(log.id)!.transcript).toHaveLength(2);
    expect(store.get(log.id)!.endedAt).toBe(1);
  });
});
