/**
 * The contract every MessageStore implementation passes. An implementation's test file calls
 * `messageStoreContract(name, make)`; `make` builds a fresh, empty store holding at most
 * `maxMessages` messages.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MessageMeta, MessageStore, NewMessage, StoredMessage } from '../../src/store/types.js';

export interface MakeStoreOptions {
  readonly maxMessages: number;
}

export type MakeStore = (options: MakeStoreOptions) => Promise<MessageStore> | MessageStore;

const DEFAULT_BOUND = 1000;

export function rawMessage(subject: string, body = 'Hello.\r\n'): Buffer {
  return Buffer.from(
    `From: Alice <alice@client.test>\r\nTo: bob@example.test, carol@example.org\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${subject.replace(/\W+/g, '-')}@client.test>\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );
}

/** A message given in memory (the contract's spooled cases build their own). */
type InMemory = MessageMeta & { readonly raw: Buffer };

export function newMessage(n: number, extra: Partial<InMemory> = {}): InMemory {
  return {
    sessionId: `s-${n}`,
    envelope: { mailFrom: `sender${n}@client.test`, rcptTo: [`rcpt${n}@example.test`, `other${n}@example.org`] },
    raw: rawMessage(`message ${n}`),
    ...extra,
  };
}

export function messageStoreContract(name: string, make: MakeStore): void {
  const fresh = async (maxMessages = DEFAULT_BOUND) => make({ maxMessages });
  const subjects = (list: readonly StoredMessage[]) => list.map((m) => /Subject: (.*)\r\n/.exec(m.raw.toString())?.[1]);

  describe(`${name} (MessageStore contract)`, () => {
    it('starts empty', async () => {
      const store = await fresh();
      expect(await store.count()).toBe(0);
      expect(await store.list()).toEqual([]);
    });

    it('add returns the stored message with id, receivedAt, size and the data given', async () => {
      const store = await fresh();
      const input = newMessage(1, { rule: 'some-rule' });
      const before = Date.now();
      const stored = await store.add(input);
      expect(typeof stored.id).toBe('string');
      expect(stored.id.length).toBeGreaterThan(0);
      expect(Number.isFinite(stored.receivedAt)).toBe(true);
      expect(stored.receivedAt).toBeGreaterThan(0);
      expect(stored.receivedAt).toBeLessThanOrEqual(Date.now() + 1000);
      expect(stored.receivedAt).toBeGreaterThan(before - 24 * 3600 * 1000);
      expect(stored.size).toBe(input.raw.length);
      expect(stored.sessionId).toBe('s-1');
      expect(stored.rule).toBe('some-rule');
      expect(Buffer.compare(stored.raw, input.raw)).toBe(0);
      expect(stored.envelope).toEqual({ mailFrom: 'sender1@client.test', rcptTo: ['rcpt1@example.test', 'other1@example.org'] });
      expect(await store.count()).toBe(1);
    });

    it('a message without a rule has none', async () => {
      const store = await fresh();
      const stored = await store.add(newMessage(1));
      expect(stored.rule).toBeUndefined();
    });

    it('keeps the null sender as ""', async () => {
      const store = await fresh();
      const stored = await store.add(newMessage(1, { envelope: { mailFrom: '', rcptTo: ['postmaster@example.test'] } }));
      expect(stored.envelope.mailFrom).toBe('');
      expect((await store.get(stored.id))!.envelope.mailFrom).toBe('');
    });

    it('freezes the envelope: neither the caller nor a reader can change it', async () => {
      const store = await fresh();
      const rcptTo = ['a@example.test'];
      const input: NewMessage = { sessionId: 's', envelope: { mailFrom: 'x@client.test', rcptTo }, raw: rawMessage('frozen') };
      const stored = await store.add(input);
      rcptTo.push('late@example.test');
      expect(stored.envelope.rcptTo).toEqual(['a@example.test']);
      expect(Object.isFrozen(stored.envelope)).toBe(true);
      expect(Object.isFrozen(stored.envelope.rcptTo)).toBe(true);
      expect(() => (stored.envelope.rcptTo as string[]).push('evil@example.test')).toThrow(TypeError);
      expect(() => {
        (stored.envelope as { mailFrom: string }).mailFrom = 'evil@example.test';
      }).toThrow(TypeError);
      const again = await store.get(stored.id);
      expect(again!.envelope).toEqual({ mailFrom: 'x@client.test', rcptTo: ['a@example.test'] });
    });

    it('get returns the message by id, undefined for an unknown id', async () => {
      const store = await fresh();
      const a = await store.add(newMessage(1));
      const b = await store.add(newMessage(2));
      const got = await store.get(a.id);
      expect(got).toBeDefined();
      expect(got!.id).toBe(a.id);
      expect(got!.envelope).toEqual(a.envelope);
      expect(got!.receivedAt).toBe(a.receivedAt);
      expect(Buffer.compare(got!.raw, a.raw)).toBe(0);
      expect((await store.get(b.id))!.sessionId).toBe('s-2');
      expect(await store.get('no-such-id')).toBeUndefined();
      expect(await store.get('')).toBeUndefined();
    });

    it('list is newest first', async () => {
      const store = await fresh();
      for (let i = 1; i <= 4; i++) await store.add(newMessage(i));
      const list = await store.list();
      expect(subjects(list)).toEqual(['message 4', 'message 3', 'message 2', 'message 1']);
      const times = list.map((m) => m.receivedAt);
      expect(times).toEqual([...times].sort((x, y) => y - x));
    });

    it('list returns a snapshot: changing it changes nothing', async () => {
      const store = await fresh();
      await store.add(newMessage(1));
      const list = await store.list();
      list.pop();
      expect(await store.count()).toBe(1);
      expect(await store.list()).toHaveLength(1);
    });

    it('delete removes one message and says whether it was there', async () => {
      const store = await fresh();
      const a = await store.add(newMessage(1));
      const b = await store.add(newMessage(2));
      expect(await store.delete(a.id)).toBe(true);
      expect(await store.delete(a.id)).toBe(false);
      expect(await store.delete('no-such-id')).toBe(false);
      expect(await store.get(a.id)).toBeUndefined();
      expect(await store.count()).toBe(1);
      expect((await store.list()).map((m) => m.id)).toEqual([b.id]);
    });

    it('clear removes everything, and the store keeps working', async () => {
      const store = await fresh();
      const a = await store.add(newMessage(1));
      await store.add(newMessage(2));
      await store.clear();
      expect(await store.count()).toBe(0);
      expect(await store.list()).toEqual([]);
      expect(await store.get(a.id)).toBeUndefined();
      const c = await store.add(newMessage(3));
      expect(await store.count()).toBe(1);
      expect((await store.get(c.id))!.sessionId).toBe('s-3');
    });

    it('count follows adds and deletes', async () => {
      const store = await fresh();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await store.add(newMessage(i))).id);
        expect(await store.count()).toBe(i + 1);
      }
      for (let i = 0; i < 5; i++) {
        await store.delete(ids[i]!);
        expect(await store.count()).toBe(4 - i);
      }
    });

    it('ids are unique, and not reused after delete or clear', async () => {
      const store = await fresh();
      const seen = new Set<string>();
      const take = (m: StoredMessage) => {
        expect(seen.has(m.id), `id ${m.id} reused`).toBe(false);
        seen.add(m.id);
        return m;
      };
      for (let i = 0; i < 50; i++) take(await store.add(newMessage(i)));
      const last = take(await store.add(newMessage(50)));
      await store.delete(last.id);
      take(await store.add(newMessage(51)));
      await store.clear();
      for (let i = 0; i < 5; i++) take(await store.add(newMessage(100 + i)));
      expect(seen.size).toBe(57);
    });

    it('parsed() parses the raw message', async () => {
      const store = await fresh();
      const stored = await store.add(newMessage(7));
      const parsed = await stored.parsed();
      expect(parsed.subject).toBe('message 7');
      expect(parsed.from).toBe('alice@client.test');
      expect(parsed.to).toEqual(['bob@example.test', 'carol@example.org']);
      expect(parsed.messageId).toBe('<message-7@client.test>');
      expect(parsed.text).toBe('Hello.\n');
      expect(parsed.attachments).toEqual([]);
      expect(parsed.headers.map((h) => h.key)).toEqual(['from', 'to', 'subject', 'message-id', 'mime-version', 'content-type']);
      expect(parsed.headers.find((h) => h.key === 'subject')!.value).toBe('message 7');
    });

    it('parsed() parses once: every call shares the same promise', async () => {
      const store = await fresh();
      const stored = await store.add(newMessage(1));
      const first = stored.parsed();
      const second = stored.parsed();
      expect(second).toBe(first);
      const value = await first;
      expect(await stored.parsed()).toBe(value);
      const got = await store.get(stored.id);
      expect(await got!.parsed()).toEqual(value);
    });

    it('parsed() of a message that is not MIME still resolves', async () => {
      const store = await fresh();
      const stored = await store.add({ sessionId: 's', envelope: { mailFrom: '', rcptTo: ['x@example.test'] }, raw: Buffer.from('no headers at all\r\n') });
      const parsed = await stored.parsed();
      expect(parsed.subject).toBe('');
      expect(parsed.attachments).toEqual([]);
    });

    it('a bounded store evicts the oldest messages beyond its bound', async () => {
      const store = await make({ maxMessages: 3 });
      const added: StoredMessage[] = [];
      for (let i = 1; i <= 5; i++) added.push(await store.add(newMessage(i)));
      expect(await store.count()).toBe(3);
      expect(subjects(await store.list())).toEqual(['message 5', 'message 4', 'message 3']);
      expect(await store.get(added[0]!.id)).toBeUndefined();
      expect(await store.get(added[1]!.id)).toBeUndefined();
      expect(await store.get(added[2]!.id)).toBeDefined();
      // deleting makes room without evicting
      await store.delete(added[3]!.id);
      await store.add(newMessage(6));
      expect(subjects(await store.list())).toEqual(['message 6', 'message 5', 'message 3']);
    });

    it('a store bounded at one keeps the latest message', async () => {
      const store = await make({ maxMessages: 1 });
      await store.add(newMessage(1));
      const b = await store.add(newMessage(2));
      expect((await store.list()).map((m) => m.id)).toEqual([b.id]);
    });

    describe('a spooled message (too large for memory, handed over as a file)', () => {
      it('keeps its bytes, readable as raw and as a stream, with size and parsed view', async () => {
        const store = await fresh();
        const { path, bytes } = await spoolFile(1);
        const stored = await store.add({ sessionId: 's-big', envelope: { mailFrom: 'big@client.test', rcptTo: ['r@example.test'] }, spooled: { path, size: bytes.length } });
        expect(stored.size).toBe(bytes.length);
        expect(stored.raw.equals(bytes)).toBe(true);
        expect((await streamed(stored)).equals(bytes)).toBe(true);
        const again = (await store.get(stored.id))!;
        expect((await streamed(again)).equals(bytes)).toBe(true);
        expect(again.raw.equals(bytes)).toBe(true);
        expect((await store.list()).map((m) => m.id)).toEqual([stored.id]);
        const parsed = await stored.parsed();
        expect(parsed.subject).toBe('spooled 1');
        expect(parsed.from).toBe('alice@client.test');
        expect(parsed.to).toEqual(['bob@example.test']);
        expect(parsed.text.startsWith('Line 0 of a long text.')).toBe(true);
        expect(parsed.attachments).toEqual([{ filename: 'data.bin', contentType: 'application/octet-stream', size: ATTACHMENT_BYTES }]);
      });

      it('owns the file: once the message is deleted the spool file is gone', async () => {
        const store = await fresh();
        const { path, bytes } = await spoolFile(2);
        const stored = await store.add({ sessionId: 's', envelope: { mailFrom: '', rcptTo: ['r@example.test'] }, spooled: { path, size: bytes.length } });
        expect(await store.delete(stored.id)).toBe(true);
        expect(existsSync(path)).toBe(false);
      });

      it('an evicted spooled message leaves no file behind', async () => {
        const store = await make({ maxMessages: 1 });
        const { path, bytes } = await spoolFile(3);
        await store.add({ sessionId: 's', envelope: { mailFrom: '', rcptTo: ['r@example.test'] }, spooled: { path, size: bytes.length } });
        await store.add(newMessage(4));
        expect(existsSync(path)).toBe(false);
        expect(await store.count()).toBe(1);
      });
    });
  });
}

const ATTACHMENT_BYTES = 1_500_000;

/** A 3 MB multipart message (long text, large base64 attachment) written to its own temp file. */
async function spoolFile(n: number): Promise<{ path: string; bytes: Buffer }> {
  const text = Array.from({ length: 20_000 }, (_, i) => `Line ${i} of a long text.`).join('\r\n');
  const attachment = Buffer.alloc(ATTACHMENT_BYTES, n).toString('base64').replace(/.{76}/g, '$&\r\n');
  const bytes = Buffer.from(
    `From: Alice <alice@client.test>\r\nTo: bob@example.test\r\nSubject: spooled ${n}\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n` +
      `--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="data.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--b--\r\n`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'mockmx-contract-spool-'));
  const path = join(dir, `${n}.eml`);
  await writeFile(path, bytes);
  return { path, bytes };
}

async function streamed(m: StoredMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of m.rawStream()) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
