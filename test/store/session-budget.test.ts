/**
 * SessionStore's line budget: transcripts held in memory stay within it however many messages
 * long-lived sessions carry, read sensibly when cut (first lines, a note, the latest lines),
 * keep whole outcomes; and TranscriptLog still writes every line to disk.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomeOf, refusalsOf, transactionOf } from '../../src/store/transcript-outcome.js';
import type { SessionInfo } from '../../src/smtp/runtime.js';
type SessionLog = ReturnType<SessionStore['open']>;
import { SessionStore, transactionsOf, type SessionRecord, type TranscriptLine } from '../../src/store/sessions.js';
import type { StoredMessage } from '../../src/store/types.js';
import { TRANSCRIPT_LOG_FILE, TRANSCRIPT_SPOOL_DIR, TranscriptLog } from '../../src/store/transcript-log.js';
import { command, messageData, reply } from '../helpers/records.js';

const info = (port: number): SessionInfo => ({ clientIp: '192.0.2.1', clientPort: port, listener: 'smtp' });

const GREETING = ['220 mx.test ESMTP', 'EHLO client.test', '250-mx.test', '250-PIPELINING', '250-8BITMIME', '250 SIZE 10240000'];

function greet(log: SessionLog): void {
  log.record(reply(220, undefined, 'mx.test ESMTP'));
  log.record(command('EHLO client.test', { stage: 'helo' }));
  const caps = ['mx.test', 'PIPELINING', '8BITMIME', 'SIZE 10240000'];
  caps.forEach((text, i) => log.record(reply(250, undefined, text, { stage: 'helo', verb: 'EHLO', more: i < caps.length - 1 })));
}

function mail(log: SessionLog, sender: string): void {
  log.record(command(`MAIL FROM:<${sender}>`, { stage: 'mail', sender }));
  log.record(reply(250, '2.1.0', 'OK', { stage: 'mail', verb: 'MAIL', sender }));
}

/** One accepted message: 8 lines. */
function deliver(log: SessionLog, n: number, size = 100 + n): void {
  const sender = 'a@example.com';
  const rcpts = [`bob${n}@example.com`];
  mail(log, sender);
  log.record(command(`RCPT TO:<bob${n}@example.com>`, { stage: 'rcpt', rcpts, sender }));
  log.record(reply(250, '2.1.5', 'OK', { stage: 'rcpt', verb: 'RCPT', rcpts, sender }));
  log.record(command('DATA', { stage: 'data', rcpts, sender }));
  log.record(reply(354, undefined, 'go ahead', { stage: 'data', verb: 'DATA', rcpts, sender }));
  log.record(messageData(size, { rcpts, sender }));
  log.record(reply(250, '2.0.0', `queued as m${n}`, { stage: 'message', rcpts, sender }));
}

function refuse(log: SessionLog, who: string, sender = 'a@example.com'): void {
  log.record(command(`RCPT TO:<${who}>`, { stage: 'rcpt', rcpts: [who], sender }));
  log.record(reply(550, '5.1.1', 'no such user', { stage: 'rcpt', verb: 'RCPT', rcpts: [who], sender, rule: 'no-user' }));
}

function quit(log: SessionLog): void {
  log.record(command('QUIT', { stage: 'quit' }));
  log.record(reply(221, '2.0.0', 'bye', { stage: 'quit', verb: 'QUIT' }));
  log.end();
}

/** The lines the store's sessions hold, counted afresh. */
const held = (store: SessionStore) => store.list().reduce((n, r) => n + r.transcript.length, 0);
const texts = (r: SessionRecord) => r.transcript.map((l) => l.text);
const NOTE = /^(\d+) lines not kept in memory\b/;
const DATA = /^<\d+ bytes of message data>$/;

describe('SessionStore line budget', () => {
  it('keeps many long open sessions within the budget, each with its first lines, a note and its latest', () => {
    const budget = 8_000;
    const store = new SessionStore({ maxSessions: 1000, maxLines: 10_000, lineBudget: budget, now: () => 1 });
    const logs = Array.from({ length: 20 }, (_, i) => store.open(info(i)));
    logs.forEach(greet);
    let peak = 0;
    // 20 reused connections, 300 messages each, interleaved as a sender's pool sends them
    for (let n = 0; n < 300; n++)
      for (const log of logs) {
        deliver(log, n);
        peak = Math.max(peak, store.lines());
      }
    expect(store.lines()).toBe(held(store));
    expect(peak).toBeLessThanOrEqual(budget / 2); // open sessions share half the budget
    for (const r of store.list()) {
      const t = texts(r);
      expect(t.length).toBeLessThanOrEqual(budget / 2 / 20);
      expect(t.slice(0, GREETING.length)).toEqual(GREETING);
      const note = r.transcript.find((l) => l.direction === 'note')!;
      const dropped = Number(NOTE.exec(note.text)?.[1]);
      // every line is either kept or counted by the note; the kept part starts at a command
      expect(dropped + r.transcript.length - 1).toBe(GREETING.length + 300 * 8);
      expect(r.elided).toEqual({ after: GREETING.length + 14, count: dropped });
      expect(r.transcript[r.elided!.after + 1]!.direction).toBe('in');
      expect(t.at(-1)).toBe('250 2.0.0 queued as m299');
      // the outcome still counts every message
      expect(outcomeOf(r)).toMatchObject({ status: 'open', messages: 300, refusals: 0 });
    }
    logs.forEach(quit);
    expect(store.list().map((r) => outcomeOf(r).status)).toEqual(Array(20).fill('delivered'));
  });

  it('past the budget the oldest ended sessions lose their transcripts first; records and outcomes stay', () => {
    const budget = 300;
    const store = new SessionStore({ maxSessions: 1000, maxLines: 10_000, lineBudget: budget, now: () => 1 });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const log = store.open(info(i));
      ids.push(log.id);
      greet(log);
      deliver(log, i);
      quit(log); // 16 lines
      expect(store.lines()).toBeLessThanOrEqual(budget);
      expect(store.lines()).toBe(held(store));
    }
    const records = ids.map((id) => store.get(id)!);
    expect(records).toHaveLength(40);
    const gone = records.filter((r) => r.elided);
    expect(gone.length).toBeGreaterThan(0);
    // the oldest went, the newest are whole
    expect(records.slice(0, gone.length)).toEqual(gone);
    expect(texts(records.at(-1)!)).toHaveLength(16);
    for (const r of gone) {
      expect(texts(r)).toEqual(['16 lines not kept in memory (over the line budget, the oldest ended sessions go first)']);
      expect(r.elided).toEqual({ after: 0, count: 16 });
    }
    for (const r of records) expect(outcomeOf(r)).toMatchObject({ status: 'delivered', messages: 1, refusals: 0 });
  });

  it('an ended session goes before open ones are cut, and an idle one is cut when more open', () => {
    const budget = 1_200;
    const store = new SessionStore({ maxSessions: 1000, maxLines: 10_000, lineBudget: budget, now: () => 1 });
    const finished = store.open(info(0));
    greet(finished);
    quit(finished);
    // each grows to its share while alone in growing; together they would pass the budget
    const logs: SessionLog[] = [];
    let firstPeak = 0;
    for (let i = 1; i <= 6; i++) {
      const log = store.open(info(i));
      logs.push(log);
      greet(log);
      for (let n = 0; n < 100; n++) {
        deliver(log, n);
        expect(store.lines()).toBeLessThanOrEqual(budget);
        firstPeak = Math.max(firstPeak, store.get(logs[0]!.id)!.transcript.length);
      }
      expect(store.lines()).toBe(held(store));
    }
    expect(store.get(finished.id)!.elided).toBeDefined();
    // the first grew to half the budget while alone; when the budget was passed it was cut to the share of the five then open
    expect(firstPeak).toBeGreaterThan(budget / 2 - 10);
    for (const log of logs) expect(store.get(log.id)!.transcript.length).toBeLessThanOrEqual(budget / 2 / 5);
  });

  it('refusal ids and the outcome stay whole when the lines they came from leave memory', () => {
    const store = new SessionStore({ maxSessions: 10, maxLines: 100, now: () => 1 });
    const log = store.open(info(1));
    greet(log);
    for (let n = 0; n < 3; n++) deliver(log, n);
    mail(log, 'a@example.com');
    refuse(log, 'early@example.com');
    const record = store.get(log.id)!;
    const early = refusalsOf(record)[0]!;
    expect(early).toMatchObject({ id: `${log.id}:${6 + 3 * 8 + 3}`, command: 'RCPT TO:<early@example.com>', sender: 'a@example.com' });
    for (let n = 3; n < 33; n++) deliver(log, n);
    expect(record.elided).toBeDefined();
    expect(refusalsOf(record)).toEqual([]); // its lines are no longer kept…
    expect(outcomeOf(record)).toMatchObject({ messages: 33, refusals: 1, lastRefusal: early }); // …the outcome still has it
    mail(log, 'b@example.com');
    refuse(log, 'late@example.com', 'b@example.com');
    // a refusal still kept has the same id from the transcript as from the outcome: its line number
    const late = refusalsOf(record).at(-1)!;
    expect(late.id).toBe(`${log.id}:${6 + 33 * 8 + 4 + 3}`);
    expect(outcomeOf(record).lastRefusal).toEqual(late);
    quit(log);
    expect(outcomeOf(record)).toMatchObject({ status: 'delivered', messages: 33, refusals: 2 });
  });

  it("a message whose lines left memory keeps its transaction while the store keeps maxSessions of them; past that none, never another message's", () => {
    let t = 0;
    const received: number[] = [];
    const store = new SessionStore({ maxSessions: 10, maxLines: 60, now: () => ++t }, { sessionStarted() {}, line: (_, l) => DATA.test(l.text) && received.push(l.at), sessionEnded() {} });
    const log = store.open(info(1));
    greet(log);
    for (let n = 1; n <= 20; n++) deliver(log, n, 500);
    const record = store.get(log.id)!;
    const message = (n: number) => ({ sessionId: log.id, size: 500, receivedAt: received[n - 1]! }) as StoredMessage;
    const recipientsOf = (n: number) => transactionOf(message(n), record)?.reply?.recipients;
    expect(record.elided!.after).toBeGreaterThan(GREETING.length + 8); // the first message is in the head
    expect(recipientsOf(1)).toEqual(['bob1@example.com']); // in the head
    expect(recipientsOf(2)).toBeUndefined(); // its lines and its kept transaction are gone (10 kept)
    expect(record.transcript.some((l) => l.text === 'RCPT TO:<bob12@example.com>')).toBe(false);
    for (let n = 11; n <= 20; n++) expect(recipientsOf(n), `message ${n}`).toEqual([`bob${n}@example.com`]);
    // a kept transaction begins at its MAIL, never before the note
    expect(transactionOf(message(20), record)!.replies.map((r) => r.command)).toEqual(['MAIL FROM:<a@example.com>', 'RCPT TO:<bob20@example.com>', 'DATA', '<500 bytes of message data>']);
  });

  it('a transaction whose MAIL is followed by endless chatter is not kept (bounded), and an RSET drops the one under way', () => {
    let t = 0;
    const store = new SessionStore({ maxSessions: 10, maxLines: 100_000, lineBudget: 100_000, now: () => ++t });
    const log = store.open(info(1));
    greet(log);
    mail(log, 'a@example.com');
    for (let i = 0; i < 600; i++) {
      log.record(command('NOOP', { stage: 'noop' }));
      log.record(reply(250, '2.0.0', 'OK', { stage: 'noop', verb: 'NOOP' }));
    }
    const rcpts = ['bob@example.com'];
    log.record(command('RCPT TO:<bob@example.com>', { stage: 'rcpt', rcpts }));
    log.record(reply(250, '2.1.5', 'OK', { stage: 'rcpt', verb: 'RCPT', rcpts }));
    log.record(command('DATA', { stage: 'data', rcpts }));
    log.record(reply(354, undefined, 'go ahead', { stage: 'data', verb: 'DATA', rcpts }));
    log.record(messageData(77, { rcpts }));
    log.record(reply(250, '2.0.0', 'queued as m1', { stage: 'message', rcpts }));
    expect(transactionsOf(store.get(log.id)!)).toEqual([]);
    mail(log, 'a@example.com');
    log.record(command('RSET', { stage: 'rset' }));
    log.record(reply(250, '2.0.0', 'OK', { stage: 'rset', verb: 'RSET' }));
    deliver(log, 2);
    expect(transactionsOf(store.get(log.id)!).map((lines) => lines.map((l) => l.text))).toEqual([
      ['MAIL FROM:<a@example.com>', '250 2.1.0 OK', 'RCPT TO:<bob2@example.com>', '250 2.1.5 OK', 'DATA', '354 go ahead', '<102 bytes of message data>', '250 2.0.0 queued as m2'],
    ]);
  });

  it('a restored long session is cut to maxLines, its outcome read from all of it; the given record stays whole', () => {
    const source = new SessionStore({ maxSessions: 10, maxLines: 100_000, lineBudget: 100_000, now: () => 1 });
    const log = source.open(info(1));
    greet(log);
    for (let n = 0; n < 50; n++) deliver(log, n);
    quit(log);
    const record = source.get(log.id)!;
    const store = new SessionStore({ maxSessions: 10, maxLines: 100, now: () => 1 });
    store.restore([record]);
    const restored = store.get(log.id)!;
    expect(restored.transcript.length).toBeLessThanOrEqual(100);
    expect(texts(restored).slice(0, GREETING.length)).toEqual(GREETING);
    expect(texts(restored).at(-1)).toBe('221 2.0.0 bye');
    expect(outcomeOf(restored)).toMatchObject({ status: 'delivered', messages: 50 });
    expect(record.transcript).toHaveLength(GREETING.length + 50 * 8 + 2);
    expect(store.lines()).toBe(held(store));
  });
});

describe('TranscriptLog with the line budget', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('writes every line of a session whose middle left memory, in order, and reloads it cut', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mockmx-budget-'));
    dirs.push(dir);
    const log = await TranscriptLog.open(dir);
    const logged: TranscriptLine[] = [];
    let t = 0;
    const store = new SessionStore({ maxSessions: 100, maxLines: 60, now: () => ++t }, log.events({ sessionStarted() {}, line: (r, l) => r.clientPort === 1 && logged.push(l), sessionEnded() {} }));
    const session = store.open(info(1));
    greet(session);
    for (let n = 0; n < 40; n++) deliver(session, n);
    const other = store.open(info(2)); // short, written as it was
    greet(other);
    quit(other);
    quit(session);
    await log.flush();

    const kept = store.get(session.id)!;
    expect(kept.transcript.length).toBeLessThanOrEqual(60);
    expect(kept.elided).toBeDefined();
    const written = (await readFile(join(dir, TRANSCRIPT_LOG_FILE), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as SessionRecord);
    expect(written.map((r) => r.id)).toEqual([other.id, session.id]);
    const long = written[1]!;
    expect(long.transcript).toHaveLength(GREETING.length + 40 * 8 + 2);
    // written whole: every record with all its fields
    const json = (lines: readonly TranscriptLine[]) => JSON.parse(JSON.stringify(lines)) as unknown;
    expect(long.transcript).toEqual(json(logged));
    expect(long).not.toHaveProperty('elided');
    expect(long).toMatchObject({ id: session.id, endedAt: kept.endedAt, clientPort: 1 });
    expect(written[0]!.transcript).toEqual(json(store.get(other.id)!.transcript));
    // the spooled lines are gone once written
    expect(await readdir(join(dir, TRANSCRIPT_SPOOL_DIR))).toEqual([]);

    const again = await TranscriptLog.open(dir);
    const next = new SessionStore({ maxSessions: 100, maxLines: 60, now: () => 1 });
    again.restoreInto(next);
    const restored = next.get(session.id)!;
    expect(restored.transcript.length).toBeLessThanOrEqual(60);
    expect(outcomeOf(restored)).toMatchObject({ status: 'delivered', messages: 40 });
  });
});
