/**
 * MaildirMessageStore against the MessageStore contract (as it is, with no raw cache, and with a
 * restart before every call), and what is particular to it: the Maildir on disk, crashes,
 * restarts, eviction, files dropped in by hand; and TranscriptLog, the sessions.jsonl beside it.
 */
import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { MAILDIR_INDEX_FILE, MaildirMessageStore } from '../../src/store/maildir.js';
import { maildirName } from '../../src/store/maildir-files.js';
import { SessionStore, type SessionEvents, type SessionRecord } from '../../src/store/sessions.js';
import { restoreSessions, TRANSCRIPT_LOG_FILE, TranscriptLog } from '../../src/store/transcript-log.js';
import type { MessageStore, NewMessage, StoredMessage } from '../../src/store/types.js';
import type { SessionInfo } from '../../src/smtp/runtime.js';
import { TRANSCRIPT_FORMAT, type TranscriptEntry } from '../../src/transcript/record.js';
import { command, note, reply } from '../helpers/records.js';
import { messageStoreContract, newMessage, rawMessage } from './message-store.contract.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mockmx-maildir-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A MessageStore that opens the Maildir afresh for every call: the contract, across restarts. */
function reopening(dir: string, maxMessages: number): MessageStore {
  const open = () => MaildirMessageStore.open(dir, { maxMessages });
  return {
    add: async (m) => (await open()).add(m),
    get: async (id) => (await open()).get(id),
    list: async () => (await open()).list(),
    delete: async (id) => (await open()).delete(id),
    clear: async () => (await open()).clear(),
    count: async () => (await open()).count(),
  };
}

messageStoreContract('MaildirMessageStore', async ({ maxMessages }) => MaildirMessageStore.open(await tempDir(), { maxMessages }));
messageStoreContract('MaildirMessageStore without a raw cache', async ({ maxMessages }) =>
  MaildirMessageStore.open(await tempDir(), { maxMessages, cacheMessages: 0 }),
);
messageStoreContract('MaildirMessageStore reopened for every call', async ({ maxMessages }) => {
  const dir = await tempDir();
  await MaildirMessageStore.open(dir, { maxMessages });
  return reopening(dir, maxMessages);
});

const files = async (dir: string, sub: 'tmp' | 'new' | 'cur') => (await readdir(join(dir, sub))).sort();
const indexLines = async (dir: string) =>
  (await readFile(join(dir, MAILDIR_INDEX_FILE), 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const subjectOf = (m: StoredMessage) => /Subject: (.*)\r\n/.exec(m.raw.toString())?.[1];
/** What a restart must give back, raw bytes included. */
const snapshot = (list: readonly StoredMessage[]) =>
  list.map((m) => ({
    id: m.id,
    sessionId: m.sessionId,
    envelope: m.envelope,
    rule: m.rule,
    authenticationResults: m.authenticationResults,
    receivedAt: m.receivedAt,
    size: m.size,
    raw: m.raw.toString('base64'),
  }));

/** A message as an MDA would have delivered it, for dropping into the Maildir by hand. */
const delivered = (headers: string, subject: string) =>
  Buffer.from(`${headers}From: Dana <dana@elsewhere.test>\r\nTo: erin@example.test\r\nCc: Fay <fay@example.org>\r\nSubject: ${subject}\r\n\r\nDropped in.\r\n`);

describe('MaildirMessageStore on disk', () => {
  it('refuses a bound that is not a positive integer, and a bad cache size', async () => {
    const dir = await tempDir();
    for (const maxMessages of [0, -1, 1.5, Number.NaN]) await expect(MaildirMessageStore.open(dir, { maxMessages })).rejects.toThrow(RangeError);
    await expect(MaildirMessageStore.open(dir, { maxMessages: 1, cacheMessages: -1 })).rejects.toThrow(RangeError);
  });

  it('creates tmp/, new/ and cur/, and writes each message into new/ byte for byte, with a sidecar index line', async () => {
    const dir = join(await tempDir(), 'deeper', 'Maildir');
    let t = 1_700_000_000_000;
    const store = await MaildirMessageStore.open(dir, { maxMessages: 10, now: () => t });
    // bytes a text-mode writer would mangle: bare LF, CR alone, 8-bit, NUL, no final newline
    const odd = Buffer.concat([Buffer.from('Subject: odd\r\nX-Bare: lf\nX-Cr: a\rb\r\n\r\n'), Buffer.from([0xe9, 0x00, 0xff, 0x0d]), Buffer.from('end')]);
    const a = await store.add(newMessage(1, { rule: 'accept-all', authenticationResults: 'Authentication-Results: mockmx; spf=pass' }));
    t += 5;
    const b = await store.add({ sessionId: 's000009', envelope: { mailFrom: '', rcptTo: ['postmaster@example.test'] }, raw: odd });

    expect(await files(dir, 'tmp')).toEqual([]);
    expect(await files(dir, 'cur')).toEqual([]);
    const inNew = await files(dir, 'new');
    expect(inNew).toHaveLength(2);
    for (const name of inNew) expect(name).toMatch(/^\d+\.M\d+P\d+Q\d+R[0-9a-f]{8}\.[^/:]+$/);
    expect(store.fileOf(a.id)).toBe(join(dir, 'new', basename(store.fileOf(a.id)!)));
    expect(inNew).toEqual([basename(store.fileOf(a.id)!), basename(store.fileOf(b.id)!)].sort());
    expect(Buffer.compare(await readFile(store.fileOf(a.id)!), newMessage(1).raw)).toBe(0);
    expect(Buffer.compare(await readFile(store.fileOf(b.id)!), odd)).toBe(0);
    expect(Buffer.compare(b.raw, odd)).toBe(0);

    const index = await indexLines(dir);
    expect(index).toEqual([
      {
        type: 'message',
        id: a.id,
        file: basename(store.fileOf(a.id)!),
        receivedAt: 1_700_000_000_000,
        size: a.size,
        sessionId: 's-1',
        envelope: { mailFrom: 'sender1@client.test', rcptTo: ['rcpt1@example.test', 'other1@example.org'] },
        rule: 'accept-all',
        authenticationResults: 'Authentication-Results: mockmx; spf=pass',
      },
      {
        type: 'message',
        id: b.id,
        file: basename(store.fileOf(b.id)!),
        receivedAt: 1_700_000_000_005,
        size: odd.length,
        sessionId: 's000009',
        envelope: { mailFrom: '', rcptTo: ['postmaster@example.test'] },
      },
    ]);
    expect([a.id, b.id]).toEqual(['m000001', 'm000002']);
  });

  it('reads as a standard Maildir: every file in new/ is a complete RFC 5322 message', async () => {
    const dir = await tempDir();
    const store = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    for (let i = 1; i <= 4; i++) await store.add(newMessage(i, { raw: rawMessage(`reader ${i}`, `Body ${i}.\r\n`) }));
    const names = await files(dir, 'new');
    expect(names).toHaveLength(4);
    const seen: string[] = [];
    for (const name of names) {
      const bytes = await readFile(join(dir, 'new', name));
      const text = bytes.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      expect(split).toBeGreaterThan(0);
      // a header section of field lines (or folded continuations), then the body, ending in CRLF
      for (const line of text.slice(0, split).split('\r\n')) expect(line).toMatch(/^([\x21-\x39\x3b-\x7e]+:|[ \t])/);
      expect(text.endsWith('\r\n')).toBe(true);
      const parsed = await simpleParser(bytes);
      expect(parsed.from?.value[0]?.address).toBe('alice@client.test');
      expect(parsed.messageId).toMatch(/^<reader-\d@client\.test>$/);
      seen.push(`${parsed.subject} / ${parsed.text?.trim()}`);
    }
    expect(seen.sort()).toEqual(['reader 1 / Body 1.', 'reader 2 / Body 2.', 'reader 3 / Body 3.', 'reader 4 / Body 4.']);
  });

  it('never shows half a message in new/: a reader polling it sees only complete files', async () => {
    const dir = await tempDir();
    const store = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    const big = (n: number) => rawMessage(`big ${n}`, `${'x'.repeat(998)}\r\n`.repeat(4 * 1024));
    const expected = big(0).length;
    let adding = true;
    const observed: number[] = [];
    const poll = (async () => {
      while (adding) {
        for (const name of await readdir(join(dir, 'new'))) {
          try {
            observed.push((await stat(join(dir, 'new', name))).size);
          } catch {
            // evicted between readdir and stat
          }
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 1; i <= 6; i++) await store.add(newMessage(i, { raw: big(i) }));
    adding = false;
    await poll;
    expect(observed.length).toBeGreaterThan(0);
    expect(observed.every((size) => size === expected)).toBe(true);
  });

  it('a crash before the rename leaves nothing visible: the tmp/ leftover and its index line are dropped on open', async () => {
    const dir = await tempDir();
    const first = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    await first.add(newMessage(1));
    await first.add(newMessage(2));
    // what add() does up to the crash: the file in tmp/ (complete or not), its index line appended
    const name = maildirName();
    await writeFile(join(dir, 'tmp', name), rawMessage('crashed').subarray(0, 40));
    const orphan = { type: 'message', id: 'm000003', file: name, receivedAt: Date.now(), size: 999, sessionId: 's-3', envelope: { mailFrom: 'c@client.test', rcptTo: ['x@example.test'] } };
    await appendFile(join(dir, MAILDIR_INDEX_FILE), `${JSON.stringify(orphan)}\n`);
    // …and a stale file of someone else's crash
    await writeFile(join(dir, 'tmp', '1.stale.host'), 'Subject: half');

    const second = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    expect(await files(dir, 'tmp')).toEqual([]);
    expect(await files(dir, 'new')).toHaveLength(2);
    expect((await second.list()).map(subjectOf)).toEqual(['message 2', 'message 1']);
    expect(await second.get('m000003')).toBeUndefined();
    // the id the crashed delivery took is not given again
    expect((await second.add(newMessage(4))).id).toBe('m000004');
  });

  it('an add that fails part way leaves no file anywhere, and the store keeps working', async () => {
    const dir = await tempDir();
    const store = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    await rm(join(dir, 'new'), { recursive: true }); // the rename into new/ will fail
    await expect(store.add(newMessage(1))).rejects.toThrow(/ENOENT/);
    expect(await files(dir, 'tmp')).toEqual([]);
    expect(await store.count()).toBe(0);
    await mkdir(join(dir, 'new'));
    const ok = await store.add(newMessage(2));
    expect(ok.id).toBe('m000002');
    const reopened = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    expect((await reopened.list()).map((m) => m.id)).toEqual(['m000002']);
  });

  it('a torn last index line (a crash mid-append) is skipped and the index rewritten', async () => {
    const dir = await tempDir();
    const first = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    await first.add(newMessage(1));
    await appendFile(join(dir, MAILDIR_INDEX_FILE), '{"type":"message","id":"m000002","fi');
    const second = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    expect(await second.count()).toBe(1);
    const text = await readFile(join(dir, MAILDIR_INDEX_FILE), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string })).toMatchObject([{ type: 'sequence', last: 1 }, { type: 'message', id: 'm000001' }]);
    // the next append starts on a line of its own
    await second.add(newMessage(2));
    expect((await MaildirMessageStore.open(dir, { maxMessages: 10 }).then((s) => s.list())).map(subjectOf)).toEqual(['message 2', 'message 1']);
  });

  it('a restart gives back the same messages, ids, envelopes, times and raw bytes in the same order; new ids continue', async () => {
    const dir = await tempDir();
    let t = 1_000;
    const first = await MaildirMessageStore.open(dir, { maxMessages: 10, now: () => (t += 7) });
    await first.add(newMessage(1, { rule: 'r1', authenticationResults: 'Received-SPF: pass\r\nAuthentication-Results: mx; dkim=none' }));
    await first.add(newMessage(2, { envelope: { mailFrom: '', rcptTo: ['a@example.test'] } }));
    const gone = await first.add(newMessage(3));
    await first.add(newMessage(4, { raw: Buffer.from([0x00, 0xff, 0x0a, 0x0d, 0x80]) }));
    await first.delete(gone.id);
    const before = snapshot(await first.list());

    const second = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    const after = await second.list();
    expect(snapshot(after)).toEqual(before);
    expect(after.map((m) => m.id)).toEqual(['m000004', 'm000002', 'm000001']);
    expect(after.every((m) => Object.isFrozen(m) && Object.isFrozen(m.envelope) && Object.isFrozen(m.envelope.rcptTo))).toBe(true);
    expect((await (await second.get('m000001'))!.parsed()).subject).toBe('message 1');
    expect(await second.get(gone.id)).toBeUndefined();
    expect((await second.add(newMessage(5))).id).toBe('m000005');

    // ids stay unused across a clear and a restart too
    await second.clear();
    expect(await files(dir, 'new')).toEqual([]);
    const third = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    expect(await third.count()).toBe(0);
    expect((await third.add(newMessage(6))).id).toBe('m000006');
  });

  it('keeps fields it does not know (a later NewMessage field) across a restart', async () => {
    const dir = await tempDir();
    const outbound = { kind: 'auto-reply', about: 'm000001', delivery: 'kept' };
    const input = { ...newMessage(1), outbound } as NewMessage;
    const first = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    const stored = await first.add(input);
    expect((stored as unknown as { outbound: unknown }).outbound).toEqual(outbound);
    const again = await (await MaildirMessageStore.open(dir, { maxMessages: 10 })).get(stored.id);
    expect((again as unknown as { outbound: unknown }).outbound).toEqual(outbound);
  });

  it('eviction deletes the oldest files, and the index is compacted as it grows', async () => {
    const dir = await tempDir();
    const store = await MaildirMessageStore.open(dir, { maxMessages: 3 });
    const added: StoredMessage[] = [];
    for (let i = 1; i <= 5; i++) added.push(await store.add(newMessage(i)));
    const evicted = [...added.slice(0, 2)].map((m) => m.id);
    expect(await files(dir, 'new')).toHaveLength(3);
    for (const id of evicted) expect(store.fileOf(id)).toBeUndefined();
    const kept = added.slice(2).map((m) => basename(store.fileOf(m.id)!));
    expect(await files(dir, 'new')).toEqual([...kept].sort());

    for (let i = 6; i <= 100; i++) await store.add(newMessage(i));
    expect(await files(dir, 'new')).toHaveLength(3);
    const index = await indexLines(dir);
    expect(index.length).toBeLessThanOrEqual(16 + 1);
    expect((await MaildirMessageStore.open(dir, { maxMessages: 3 }).then((s) => s.list())).map(subjectOf)).toEqual(['message 100', 'message 99', 'message 98']);
  });

  it('opening with a smaller bound evicts the oldest messages and their files', async () => {
    const dir = await tempDir();
    const first = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    for (let i = 1; i <= 6; i++) await first.add(newMessage(i));
    const second = await MaildirMessageStore.open(dir, { maxMessages: 2 });
    expect((await second.list()).map(subjectOf)).toEqual(['message 6', 'message 5']);
    expect(await files(dir, 'new')).toHaveLength(2);
  });

  it('delete and clear remove the files', async () => {
    const dir = await tempDir();
    const store = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    const a = await store.add(newMessage(1));
    await store.add(newMessage(2));
    await store.add(newMessage(3));
    const path = store.fileOf(a.id)!;
    await store.delete(a.id);
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
    expect(await files(dir, 'new')).toHaveLength(2);
    await store.clear();
    expect(await files(dir, 'new')).toEqual([]);
    expect((await indexLines(dir)).map((l) => l.type)).toEqual(['sequence']);
  });

  it('loads messages dropped into new/ or cur/ by hand, envelope from Return-Path and Delivered-To, and keeps their ids', async () => {
    const dir = await tempDir();
    const first = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    await first.add(newMessage(1));

    const byMda = delivered('Return-Path: <bounce@sender.test>\r\nDelivered-To: erin@example.test\r\nDelivered-To: gus@example.test\r\n', 'by an MDA');
    const nullSender = delivered('Return-Path: <>\r\nX-Original-To: hal@example.test\r\n', 'bounce');
    const plain = delivered('', 'plain');
    await writeFile(join(dir, 'new', '1700000001.hand1.host'), byMda);
    await writeFile(join(dir, 'new', '1700000002.hand2.host'), nullSender);
    await writeFile(join(dir, 'cur', '1700000003.hand3.host:2,S'), plain);
    await writeFile(join(dir, 'new', '.hidden'), 'not a message');
    await utimes(join(dir, 'new', '1700000001.hand1.host'), 1_700_000_001, 1_700_000_001);
    await utimes(join(dir, 'new', '1700000002.hand2.host'), 1_700_000_002, 1_700_000_002);
    await utimes(join(dir, 'cur', '1700000003.hand3.host:2,S'), 1_700_000_003, 1_700_000_003);

    const second = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    const list = await second.list();
    expect(list.map((m) => [m.id, subjectOf(m)])).toEqual([
      ['m000004', 'plain'],
      ['m000003', 'bounce'],
      ['m000002', 'by an MDA'],
      ['m000001', 'message 1'],
    ]);
    const [plainM, bounceM, mdaM] = list;
    expect(mdaM!.envelope).toEqual({ mailFrom: 'bounce@sender.test', rcptTo: ['erin@example.test', 'gus@example.test'] });
    expect(bounceM!.envelope).toEqual({ mailFrom: '', rcptTo: ['hal@example.test'] });
    expect(plainM!.envelope).toEqual({ mailFrom: 'dana@elsewhere.test', rcptTo: ['erin@example.test', 'fay@example.org'] });
    expect(mdaM!.receivedAt).toBe(1_700_000_001_000);
    expect(mdaM!.sessionId).toBe('');
    expect(mdaM!.rule).toBeUndefined();
    expect(Buffer.compare(mdaM!.raw, byMda)).toBe(0);
    expect(mdaM!.size).toBe(byMda.length);
    expect((await plainM!.parsed()).subject).toBe('plain');

    // adopted once: a further restart keeps their ids, and new ones continue after them
    const third = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    expect(snapshot(await third.list())).toEqual(snapshot(list));
    expect((await third.add(newMessage(5))).id).toBe('m000005');
  });

  it('rescan() adopts files dropped in while open and forgets files removed behind its back', async () => {
    const dir = await tempDir();
    const store = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    const a = await store.add(newMessage(1));
    await store.add(newMessage(2));
    await writeFile(join(dir, 'new', '1700000009.late.host'), delivered('Delivered-To: late@example.test\r\n', 'late'));
    await rm(store.fileOf(a.id)!);
    expect(await store.rescan()).toEqual({ adopted: 1, removed: 1 });
    expect((await store.list()).map(subjectOf)).toEqual(['late', 'message 2']);
  });

  it('follows a file a reader moved to cur/ and flagged', async () => {
    const dir = await tempDir();
    const store = await MaildirMessageStore.open(dir, { maxMessages: 10, cacheMessages: 0 });
    const a = await store.add(newMessage(1));
    const b = await store.add(newMessage(2));
    for (const m of [a, b]) {
      const name = basename(store.fileOf(m.id)!);
      await rename(join(dir, 'new', name), join(dir, 'cur', `${name}:2,S`));
    }
    expect(subjectOf((await store.get(a.id))!)).toBe('message 1');
    expect(store.fileOf(a.id)).toMatch(/\/cur\/[^/]+:2,S$/);
    expect((await store.list()).map(subjectOf)).toEqual(['message 2', 'message 1']);
    expect(await store.delete(b.id)).toBe(true);
    expect(await files(dir, 'cur')).toHaveLength(1);
    const reopened = await MaildirMessageStore.open(dir, { maxMessages: 10 });
    expect((await reopened.list()).map((m) => m.id)).toEqual([a.id]);
  });

  it('keeps only a bounded cache of raw bytes: recent messages whole, older ones read on demand', async () => {
    const dir = await tempDir();
    const store = await MaildirMessageStore.open(dir, { maxMessages: 10, cacheMessages: 2 });
    const added: StoredMessage[] = [];
    for (let i = 1; i <= 5; i++) added.push(await store.add(newMessage(i)));
    const list = await store.list();
    // the two most recent are the very objects add() returned; the rest are read from disk
    expect(list[0]).toBe(added[4]);
    expect(list[1]).toBe(added[3]);
    expect(list[4] === added[0]).toBe(false);
    expect(list.map(subjectOf)).toEqual(['message 5', 'message 4', 'message 3', 'message 2', 'message 1']);
    expect(list[4]!.raw).toBe(list[4]!.raw); // read once, then kept by that object
    expect(Object.isFrozen(list[4])).toBe(true);
    expect((await list[3]!.parsed()).subject).toBe('message 2');
    // a get() caches what it read: the same object until something newer pushes it out
    const got = await store.get(added[0]!.id);
    expect(await store.get(added[0]!.id)).toBe(got);
    expect(Buffer.compare(got!.raw, added[0]!.raw)).toBe(0);
    // a listed message whose bytes were never read, deleted meanwhile, cannot produce them
    const stale = (await store.list())[2]!;
    expect(stale === added[2]).toBe(false); // (not .not.toBe: its deep comparison would read the bytes)
    await store.delete(stale.id);
    expect(() => stale.raw).toThrow(/no longer in the Maildir/);
    await expect(stale.parsed()).rejects.toThrow(/no longer in the Maildir/);
    // …but one whose bytes were read keeps them
    await store.delete(list[4]!.id);
    expect(subjectOf(list[4]!)).toBe('message 1');
  });

  it('get() of a message whose file was removed behind its back is undefined', async () => {
    const dir = await tempDir();
    const store = await MaildirMessageStore.open(dir, { maxMessages: 10, cacheMessages: 0 });
    const a = await store.add(newMessage(1));
    await rm(store.fileOf(a.id)!);
    expect(await store.get(a.id)).toBeUndefined();
    expect(await store.count()).toBe(0);
  });

  it('a large message is handed out unread: get() reads its bytes only when asked, and follows a move to cur/', async () => {
    const dir = await tempDir();
    const store = await MaildirMessageStore.open(dir, { maxMessages: 10, cacheMessages: 0 });
    const raw = rawMessage('large', `${'x'.repeat(998)}\r\n`.repeat(1500)); // 1.5 MB
    const a = await store.add(newMessage(1, { raw }));
    const file = store.fileOf(a.id)!;
    await rm(file); // gone before anyone read it: get() must notice without reading it
    expect(await store.get(a.id)).toBeUndefined();

    const b = await store.add(newMessage(2, { raw }));
    const moved = store.fileOf(b.id)!.replace('/new/', '/cur/') + ':2,S';
    await rename(store.fileOf(b.id)!, moved);
    const got = (await store.get(b.id))!;
    expect(got.size).toBe(raw.length);
    // the bytes are read when `raw` is touched, not by get(): a file rewritten in between shows
    const rewritten = rawMessage('large', `${'y'.repeat(998)}\r\n`.repeat(1500));
    await writeFile(moved, rewritten);
    expect(got.raw.equals(rewritten)).toBe(true);
    expect((await got.parsed()).subject).toBe('large');
  });
});

// ---------------------------------------------------------------------------------------------

const info = (port: number, extra: Partial<SessionInfo> = {}): SessionInfo => ({ clientIp: '192.0.2.7', clientPort: port, listener: 'smtp', ...extra });

function runSession(store: SessionStore, port: number, lines: TranscriptEntry[], end = true) {
  const log = store.open(info(port));
  log.update({ heloName: `client${port}.test`, tls: port % 2 === 0 });
  for (const line of lines) log.record(line);
  if (end) log.end();
  return log.id;
}

const readJsonl = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SessionRecord);

describe('TranscriptLog', () => {
  it('appends each finished session as one JSON line, passing every event on', async () => {
    const dir = await tempDir();
    const log = await TranscriptLog.open(dir);
    const seen: string[] = [];
    const next: SessionEvents = {
      sessionStarted: (r) => seen.push(`start ${r.id}`),
      line: (r, l) => seen.push(`line ${r.id} ${l.text}`),
      sessionEnded: (r) => seen.push(`end ${r.id}`),
    };
    let t = 50;
    const store = new SessionStore({ maxSessions: 100, maxLines: 100, now: () => (t += 1) }, log.events(next));
    const a = runSession(store, 1000, [reply(220, undefined, 'mockmx ESMTP'), command('EHLO client1000.test', { stage: 'helo' }), reply(550, '5.7.1', 'no', { stage: 'helo', verb: 'EHLO', rule: 'block-it' })]);
    runSession(store, 1001, [command('QUIT')], false); // still open: not written
    await log.flush();
    expect(seen).toEqual([`start ${a}`, `line ${a} 220 mockmx ESMTP`, `line ${a} EHLO client1000.test`, `line ${a} 550 5.7.1 no`, `end ${a}`, 'start s000002', 'line s000002 QUIT']);
    const written = await readJsonl(join(dir, TRANSCRIPT_LOG_FILE));
    // each session line says the format of its records
    expect(written).toEqual([{ format: TRANSCRIPT_FORMAT, ...JSON.parse(JSON.stringify(store.get(a))) }]);
    expect(written[0]!.transcript[2]).toEqual({ at: 54, session: a, direction: 'out', text: '550 5.7.1 no', stage: 'helo', verb: 'EHLO', code: 550, enhanced: '5.7.1', rule: 'block-it' });
  });

  it('round-trips: a new run loads the sessions back into its SessionStore, and new ids continue', async () => {
    const dir = await tempDir();
    const first = await TranscriptLog.open(dir);
    const before = new SessionStore({ maxSessions: 100, maxLines: 100, now: () => 7 }, first.events());
    for (let i = 0; i < 3; i++) runSession(before, 2000 + i, [command(`HELO c${i}`), reply(250, undefined, 'ok', { verb: 'HELO' }), note('info', 'message accepted', { rule: 'take' })]);
    await first.flush();
    const expected = JSON.parse(JSON.stringify(before.list())) as SessionRecord[];

    const second = await TranscriptLog.open(dir);
    expect(second.loaded.map((r) => r.id)).toEqual(['s000001', 's000002', 's000003']);
    const after = new SessionStore({ maxSessions: 100, maxLines: 100, now: () => 9 }, second.events());
    second.restoreInto(after);
    expect(JSON.parse(JSON.stringify(after.list()))).toEqual(expected);
    expect(after.list()).toEqual(before.list());
    const newId = runSession(after, 3000, [command('QUIT')]);
    expect(newId).toBe('s000004');
    expect(after.list().map((r) => r.id)).toEqual(['s000004', 's000003', 's000002', 's000001']);
    await second.flush();
    const third = await TranscriptLog.open(dir);
    expect(third.loaded.map((r) => r.id)).toEqual(['s000001', 's000002', 's000003', 's000004']);
  });

  it('restores in the order sessions started, whatever order they ended in, within maxSessions', async () => {
    const dir = await tempDir();
    const log = await TranscriptLog.open(dir);
    const store = new SessionStore({ maxSessions: 100, maxLines: 100, now: () => 1 }, log.events());
    const logs = [1, 2, 3].map((p) => store.open(info(p)));
    logs[2]!.end();
    logs[0]!.end();
    logs[1]!.end();
    await log.flush();
    expect((await readJsonl(log.path)).map((r) => r.clientPort)).toEqual([3, 1, 2]);
    const small = new SessionStore({ maxSessions: 2, maxLines: 100, now: () => 1 });
    restoreSessions(small, (await TranscriptLog.open(dir)).loaded);
    expect(small.list().map((r) => r.clientPort)).toEqual([3, 2]);
  });

  it('keeps the file bounded: beyond twice maxSessions lines it keeps the latest maxSessions', async () => {
    const dir = await tempDir();
    const log = await TranscriptLog.open(dir, { maxSessions: 3 });
    const store = new SessionStore({ maxSessions: 100, maxLines: 10, now: () => 1 }, log.events());
    for (let i = 1; i <= 10; i++) runSession(store, i, [command(`NOOP ${i}`)]);
    await log.flush();
    const lines = await readJsonl(log.path);
    expect(lines.length).toBeLessThanOrEqual(6);
    expect((await TranscriptLog.open(dir, { maxSessions: 3 })).loaded.map((r) => r.clientPort)).toEqual([8, 9, 10]);
  });

  it('skips a torn last line and lines that are not sessions, and rewrites the file', async () => {
    const dir = await tempDir();
    const log = await TranscriptLog.open(dir);
    const store = new SessionStore({ maxSessions: 100, maxLines: 10, now: () => 1 }, log.events());
    runSession(store, 1, [command('QUIT')]);
    await log.flush();
    await appendFile(log.path, '{"nope":true}\n{"id":"s000002","startedAt":1,"transcr');
    const again = await TranscriptLog.open(dir);
    expect(again.loaded.map((r) => r.clientPort)).toEqual([1]);
    const text = await readFile(log.path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('an unwritable file is reported to onError, never thrown into the session', async () => {
    const dir = await tempDir();
    const errors: unknown[] = [];
    const log = await TranscriptLog.open(dir, { onError: (e) => errors.push(e) });
    await mkdir(log.path); // a directory where the file should be: every append fails
    const store = new SessionStore({ maxSessions: 10, maxLines: 10, now: () => 1 }, log.events());
    expect(() => runSession(store, 1, [command('QUIT')])).not.toThrow();
    await log.flush();
    await new Promise((r) => setImmediate(r));
    expect(errors).toHaveLength(1);
  });
});
