/**
 * `--store` files written before transcripts were records (format 1: text-only lines) still load:
 * the legacy upgrader turns their text into records once, and every reader then reads them the
 * same as the text readers did (test/fixtures/transcripts-v1/expected.json was produced by them).
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { refusalsOf, repliesOf, transactionOf } from '../../src/store/transcript-outcome.js';
import { sessionJson, transactionJson } from '../../src/http/views.js';
import { SessionStore } from '../../src/store/sessions.js';
import { TRANSCRIPT_LOG_FILE, TranscriptLog } from '../../src/store/transcript-log.js';
import type { StoredMessage } from '../../src/store/types.js';
import { rejectionsOf } from '../../src/testing/index.js';
import { TRANSCRIPT_FORMAT } from '../../src/transcript/record.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/transcripts-v1');
const T = 1704067200000;
const MESSAGES = [
  { id: 'm000001', sessionId: 's000001', size: 321, receivedAt: T + 2040 },
  { id: 'm000002', sessionId: 's000005', size: 99, receivedAt: T + 705 },
] as StoredMessage[];

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function load(): Promise<{ dir: string; store: SessionStore }> {
  const dir = await mkdtemp(join(tmpdir(), 'mockmx-v1-'));
  dirs.push(dir);
  await copyFile(join(FIXTURE, 'sessions.jsonl'), join(dir, TRANSCRIPT_LOG_FILE));
  const log = await TranscriptLog.open(dir);
  const store = new SessionStore({ maxSessions: 100, maxLines: 10_000, now: () => 0 });
  log.restoreInto(store);
  return { dir, store };
}

/** What the readers make of the sessions, as expected.json holds it. */
const readings = (store: SessionStore) =>
  JSON.parse(
    JSON.stringify({
      sessions: store.list().map((s) => ({ json: sessionJson(s, []), refusals: refusalsOf(s), replies: repliesOf(s.transcript) })),
      transactions: MESSAGES.map((m) => transactionJson(transactionOf(m, store.get(m.sessionId)))),
      transactionsFull: MESSAGES.map((m) => transactionOf(m, store.get(m.sessionId))),
      rejections: rejectionsOf(store.list()),
    }),
  ) as unknown;

describe('transcripts of format 1', () => {
  it('load, and read the same as before records: outcomes, refusals, replies, transactions, rejections', async () => {
    const { store } = await load();
    const expected = JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8')) as unknown;
    expect(store.list().map((s) => s.id)).toEqual(['s000005', 's000004', 's000003', 's000002', 's000001']);
    expect(readings(store)).toEqual(expected);
  });

  it('are upgraded into records with their fields', async () => {
    const { store } = await load();
    const first = store.get('s000001')!.transcript;
    const byText = (text: string) => first.find((l) => l.text === text)!;
    expect(byText('MAIL FROM:<alice@example.com> SIZE=321')).toMatchObject({ session: 's000001', verb: 'MAIL' });
    expect(byText('250-PIPELINING')).toMatchObject({ code: 250, more: true, verb: 'EHLO' });
    expect(byText('250 SIZE 10485760').more).toBeUndefined();
    expect(byText('<321 bytes of message data>')).toMatchObject({ bytes: 321, stage: 'message' });
    expect(byText('250 2.0.0 OK: queued as m000001')).toMatchObject({ code: 250, enhanced: '2.0.0', stage: 'message', rcpts: ['bob@mx.test', 'carol@mx.test'], sender: 'alice@example.com' });
    expect(byText('550 5.1.1 <nobody@mx.test>: Recipient address rejected: User unknown')).toMatchObject({ verb: 'RCPT', rcpts: ['nobody@mx.test'], sender: 'alice@example.com' });
    const notes = store.list().flatMap((s) => s.transcript.filter((l) => l.direction === 'note').map((l) => l.note));
    expect(notes.sort()).toEqual(['delay', 'discarded', 'dns', 'dns', 'dropped', 'event', 'notice', 'reset', 'tls']);
    // the greeting name a record lacked is read from its transcript, as the session view did
    expect(store.get('s000002')!.heloName).toBe('old.example');
  });

  it('are written back in format 2 when the file is rewritten, and read the same again', async () => {
    const { dir, store } = await load();
    const before = readings(store);
    const log = await TranscriptLog.open(dir, { maxSessions: 2 }); // more sessions than it keeps: rewritten
    const written = (await readFile(join(dir, TRANSCRIPT_LOG_FILE), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { format?: number });
    expect(written.map((r) => r.format)).toEqual([TRANSCRIPT_FORMAT, TRANSCRIPT_FORMAT]);
    expect(log.loaded.map((r) => r.id)).toEqual(['s000004', 's000005']);
    const again = await TranscriptLog.open(dir);
    const store2 = new SessionStore({ maxSessions: 100, maxLines: 10_000, now: () => 0 });
    again.restoreInto(store2);
    const b = before as { sessions: { json: { id: string } }[] };
    const a = readings(store2) as { sessions: { json: { id: string } }[] };
    expect(a.sessions).toEqual(b.sessions.filter((s) => s.json.id === 's000005' || s.json.id === 's000004'));
  });
});
