/**
 * A thousand sessions at once. The sockets are opened in batches of 100 (two cores), all
 * held open and greeted, then every one sends its transaction in the same tick: each is
 * answered, each accepted message is stored exactly once with its own envelope and bytes,
 * every session's transcript ends, and nothing is reported as an error. With a connection
 * limit, the sessions over it are refused with 421 and nothing of theirs is stored.
 */
import { describe, expect, it } from 'vitest';
import { eventually, serve } from '../helpers/server.js';
import { queuedId, storedFor } from '../helpers/stored.js';
import { note, REPLY_TIMEOUT_MS } from '../fuzz/harness.js';
import { brief, dataBytes, Wire, type Reply } from '../fuzz/wire.js';

const SESSIONS = 1000;
const BATCH = 100;

async function openAll(port: number): Promise<{ wire: Wire; greeting: Reply }[]> {
  const open: { wire: Wire; greeting: Reply }[] = [];
  for (let at = 0; at < SESSIONS; at += BATCH) {
    open.push(
      ...(await Promise.all(
        Array.from({ length: BATCH }, async () => {
          const wire = await Wire.open(port);
          const greeting = await wire.reply(REPLY_TIMEOUT_MS);
          if (!greeting) throw new Error('closed before its greeting');
          return { wire, greeting };
        }),
      )),
    );
  }
  return open;
}

function messageFor(i: number): { from: string; rcpt: string; raw: Buffer } {
  const from = `sender${i}@load.example`;
  const rcpt = `rcpt${i}@example.org`;
  const raw = Buffer.from(
    `From: <${from}>\r\nTo: <${rcpt}>\r\nSubject: load ${i}\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <load.${i}@load.example>\r\n\r\n${`session ${i} `.repeat(1 + (i % 50))}\r\n.leading dot ${i}\r\n`,
  );
  return { from, rcpt, raw };
}

/**
 * One session's transaction, pipelined up to DATA, then the message and QUIT. With
 * `refusable`, the message may be refused (then a 421 closes the session, a 5xx does not).
 */
async function transact(wire: Wire, i: number, refusable = false): Promise<{ replies: Reply[]; id?: string; code: number; last: string }> {
  const { from, rcpt, raw } = messageFor(i);
  const replies: Reply[] = [];
  const next = async () => {
    const r = await wire.reply(REPLY_TIMEOUT_MS * 2);
    if (!r) throw new Error(`session ${i}: closed after ${replies.map(brief).join(', ')}`);
    replies.push(r);
    return r;
  };
  await wire.write(Buffer.from(`EHLO load${i}.example\r\nMAIL FROM:<${from}>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\n`));
  for (const code of [250, 250, 250, 354]) {
    const r = await next();
    if (r.code !== code) throw new Error(`session ${i}: expected ${code}, got ${brief(r)}`);
  }
  await wire.write(Buffer.concat([dataBytes(raw).wire, Buffer.from('QUIT\r\n')]));
  const done = await next();
  if (refusable && done.code === 421) {
    if (!(await wire.waitClosed(REPLY_TIMEOUT_MS))) throw new Error(`session ${i}: not closed after ${brief(done)}`);
    return { replies, code: done.code, last: done.lines.at(-1) ?? '' };
  }
  const quit = await next();
  if ((done.code !== 250 && !(refusable && done.code >= 500)) || quit.code !== 221) throw new Error(`session ${i}: ${brief(done)} ${brief(quit)}`);
  const id = queuedId(done.lines.at(-1) ?? '');
  return { replies, code: done.code, last: done.lines.at(-1) ?? '', ...(id ? { id } : {}) };
}

describe('1,000 concurrent sessions', () => {
  it('each sends one message at once: all answered, every message stored exactly once, no errors', async () => {
    const server = await serve('default', { maxMessages: 10_000 });
    const started = Date.now();
    const sessions = await openAll(server.smtp.port);
    expect(sessions.every((s) => s.greeting.code === 220)).toBe(true);
    const opened = Date.now();
    // every session's first write goes out in the same tick
    const results = await Promise.all(sessions.map(({ wire }, i) => transact(wire, i).finally(() => wire.destroy())));
    const finished = Date.now();

    const ids = results.map((r) => r.id);
    expect(ids.every((id) => id !== undefined)).toBe(true);
    expect(new Set(ids).size).toBe(SESSIONS);
    const stored = await server.messages.list();
    expect(stored).toHaveLength(SESSIONS);
    for (let i = 0; i < SESSIONS; i++) {
      const m = await server.messages.get(ids[i]!);
      const { from, rcpt, raw } = messageFor(i);
      expect(m, `session ${i}: ${ids[i]} stored`).toBeDefined();
      expect(m!.envelope, `session ${i}`).toEqual({ mailFrom: from, rcptTo: [rcpt] });
      expect(m!.raw.equals(raw), `session ${i}: bytes as sent`).toBe(true);
    }
    // each transcript is complete and closed, and names its message
    await eventually(() => (server.sessions.list().filter((s) => s.endedAt !== undefined).length === SESSIONS ? true : undefined));
    const byId = new Set(stored.map((m) => m.sessionId));
    expect(byId.size).toBe(SESSIONS);
    expect(server.errors).toEqual([]);
    note(`1,000 sessions: opened and greeted in ${opened - started} ms, all transactions done in ${finished - opened} ms`);
  });

  it('through the gmail scenario, which analyses each message and rate-limits: every session answered, each 250 stored once, nothing else', async () => {
    const server = await serve('name: gmail-unlimited\nextends: gmail\nserver:\n  maxConnections: 2000\n', { maxMessages: 10_000 });
    const sessions = await openAll(server.smtp.port);
    expect(sessions.every((s) => s.greeting.code === 220)).toBe(true);
    const results = await Promise.all(sessions.map(({ wire }, i) => transact(wire, i, true).finally(() => wire.destroy())));
    const accepted = results.filter((r) => r.code === 250);
    // Gmail takes 100 messages an hour over plain text from one IP, then 421 4.7.29
    expect(accepted.length).toBe(100);
    expect(results.filter((r) => r.code !== 250).every((r) => /^421[ -]4\.7\.29/.test(r.replies.at(-1)!.raw))).toBe(true);
    expect(await server.messages.count()).toBe(accepted.length);
    // Gmail's 250 names no stored id: each accepted message is found, once, by its bytes
    for (const [i, r] of results.entries()) if (r.code === 250) expect((await storedFor(server, r.last, messageFor(i).raw))?.raw.equals(messageFor(i).raw), `session ${i}`).toBe(true);
    await eventually(() => (server.sessions.list().filter((s) => s.endedAt !== undefined).length === SESSIONS ? true : undefined));
    expect(server.errors).toEqual([]);
  });

  it('over maxConnections: the sessions past the limit get 421, the rest deliver, nothing is lost', async () => {
    const server = await serve('name: capped\nserver:\n  maxConnections: 500\n', { maxMessages: 10_000 });
    const sessions = await openAll(server.smtp.port);
    const accepted = sessions.filter((s) => s.greeting.code === 220);
    const refused = sessions.filter((s) => s.greeting.code !== 220);
    expect(accepted).toHaveLength(500);
    expect(refused.every((s) => /^421 .*Too many connected clients/.test(s.greeting.raw)), refused.map((s) => brief(s.greeting)).slice(0, 3).join(' ')).toBe(true);
    // the refused ones are closed by the server
    expect((await Promise.all(refused.map((s) => s.wire.waitClosed(REPLY_TIMEOUT_MS)))).every(Boolean)).toBe(true);
    const results = await Promise.all(accepted.map(({ wire }, i) => transact(wire, i).finally(() => wire.destroy())));
    expect(new Set(results.map((r) => r.id)).size).toBe(500);
    expect(await server.messages.count()).toBe(500);
    for (let i = 0; i < 500; i++) expect((await server.messages.get(results[i]!.id!))!.raw.equals(messageFor(i).raw)).toBe(true);
    await eventually(() => (server.sessions.list().every((s) => s.endedAt !== undefined) ? true : undefined));
    expect(server.errors).toEqual([]);
  });
});
