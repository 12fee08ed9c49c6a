import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { messageWireNow, readMessageWire } from '../../src/smtp/message-wire.js';
import { fileBody, memoryBody } from '../../src/spool/body.js';

const dir = mkdtempSync(join(tmpdir(), 'mockmx-wire-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Envelope = Parameters<typeof readMessageWire>[1];
const envelope = (extra: Partial<Envelope> = {}): Envelope =>
  ({ mailFrom: { address: 'A@client.test', args: false }, rcptTo: [{ address: 'b@example.com', args: false }], ...extra }) as Envelope;

let files = 0;

/** The same octets as a body in memory and as a spool file. */
function bothBodies(text: string) {
  const raw = Buffer.from(text);
  const path = join(dir, `m${++files}.eml`);
  writeFileSync(path, raw);
  return { raw, memory: memoryBody(raw), spooled: fileBody(path, raw.length) };
}

describe('message wire: a body in memory is read at once, a spooled one the same way through its file', () => {
  const cases = [
    ['Message-ID, folded', 'Subject: x\r\nMessage-ID:\r\n <folded@client.test>\r\n\r\nbody\r\n'],
    ['no Message-ID (digest of envelope and body)', 'Subject: no id\r\n\r\nbody\r\n'],
    ['8-bit header without SMTPUTF8', 'Subject: h\u00e9\r\n\r\nbody\r\n'],
    ['no header section end', 'Subject: only a header\r\n'],
  ] as const;
  it.each(cases)('%s: the same key and findings both ways', async (_name, text) => {
    const { raw, memory, spooled } = bothBodies(text);
    const now = messageWireNow(memory, envelope(), raw.length);
    expect(now).toBeDefined();
    expect(await readMessageWire(memory, envelope(), raw.length)).toEqual(now);
    expect(await readMessageWire(spooled, envelope(), raw.length)).toEqual(now);
  });

  it('a spooled body is not read at once', () => {
    const { raw, spooled } = bothBodies('Subject: x\r\n\r\nbody\r\n');
    expect(messageWireNow(spooled, envelope(), raw.length)).toBeUndefined();
  });

  it('the digest depends on the envelope (recipients in any order, addresses in any case) and the body', () => {
    const { raw, memory } = bothBodies('Subject: no id\r\n\r\nbody\r\n');
    const two = (a: string, b: string) => envelope({ rcptTo: [{ address: a, args: false }, { address: b, args: false }] } as Partial<Envelope>);
    const key = messageWireNow(memory, two('x@example.com', 'Y@example.com'), raw.length)!.messageKey;
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(messageWireNow(memory, two('y@example.com', 'x@example.com'), raw.length)!.messageKey).toBe(key);
    expect(messageWireNow(memory, two('x@example.com', 'z@example.com'), raw.length)!.messageKey).not.toBe(key);
    expect(messageWireNow(memoryBody(Buffer.from('Subject: no id\r\n\r\nbody!\r\n')), two('x@example.com', 'Y@example.com'), raw.length)!.messageKey).not.toBe(key);
  });

  it('a Message-ID is taken as written, whitespace of folding collapsed', () => {
    const { raw, memory } = bothBodies('Message-Id: <a@b>\r\n\r\n');
    expect(messageWireNow(memory, envelope(), raw.length)!.messageKey).toBe('<a@b>');
  });
});
