/**
 * MIME bombs through the `gmail` scenario, which analyses every message: thousands of nesting
 * levels, 10,000 parts, 100,000 header fields, a header section of many megabytes of long
 * folded lines. Each gets its answer (accepted, or refused with a 5xx) within a bound, an
 * accepted one is stored byte for byte, and while the bombs are being read a bystander
 * session on the same server completes.
 */
import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/server.js';
import { storedFor } from '../helpers/stored.js';
import { normalSession, note, REPLY_TIMEOUT_MS, unexpectedErrors } from './harness.js';
import { brief, dataBytes, Wire } from './wire.js';

/** Headers Gmail accepts, so only the bomb itself can be the reason for a refusal. */
function head(name: string, extra: string[] = []): string {
  return [
    'From: Bomber <bomber@client.example>',
    'To: target@example.org',
    `Subject: ${name}`,
    'Date: Mon, 1 Jan 2024 00:00:00 +0000',
    `Message-ID: <${name.replace(/\W+/g, '-')}.${Date.now()}@client.example>`,
    'MIME-Version: 1.0',
    ...extra,
  ].join('\r\n');
}

function deepNesting(levels: number): Buffer {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < levels; i++) {
    open.push(`--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`);
    close.push(`\r\n--b${i}--\r\n`);
  }
  const inner = `--b${levels}\r\nContent-Type: text/plain\r\n\r\nthe bottom\r\n--b${levels}--\r\n`;
  return Buffer.from(`${head(`nested ${levels} deep`, ['Content-Type: multipart/mixed; boundary="b0"'])}\r\n\r\n${open.join('')}${inner}${close.reverse().join('')}`);
}

function manyParts(parts: number): Buffer {
  const body: string[] = [];
  for (let i = 0; i < parts; i++) {
    body.push(
      i % 2
        ? `--p\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`
        : `--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}.dat"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n`,
    );
  }
  return Buffer.from(`${head(`${parts} parts`, ['Content-Type: multipart/mixed; boundary="p"'])}\r\n\r\n${body.join('')}--p--\r\n`);
}

function manyHeaders(count: number): Buffer {
  const fields: string[] = [];
  for (let i = 0; i < count; i++) fields.push(`X-Header-${i}: value ${i}`);
  return Buffer.from(`${head(`${count} headers`)}\r\n${fields.join('\r\n')}\r\n\r\nbody\r\n`);
}

function foldedHeaderSection(megabytes: number): Buffer {
  const line = ` ${'f'.repeat(990)}`;
  const lines = Math.ceil((megabytes * 1024 * 1024) / (line.length + 2));
  return Buffer.from(`${head(`${megabytes} MB of folded header`)}\r\nX-Folded: start\r\n${Array.from({ length: lines }, () => line).join('\r\n')}\r\nX-Long-Unfolded: ${'u'.repeat(2 * 1024 * 1024)}\r\n\r\nbody\r\n`);
}

function nestedMessages(levels: number): Buffer {
  let inner = `${head('the innermost')}\r\n\r\nbottom\r\n`;
  for (let i = 0; i < levels; i++) inner = `Content-Type: message/rfc822\r\n\r\n${inner}`;
  return Buffer.from(`${head(`message/rfc822 ${levels} deep`, ['Content-Type: multipart/mixed; boundary="r"'])}\r\n\r\n--r\r\n${inner}\r\n--r--\r\n`);
}

function encodedWords(count: number): Buffer {
  const words = Array.from({ length: count }, (_, i) => (i % 2 ? '=?utf-8?B?w7w=?=' : '=?iso-8859-1?Q?=FC_x?=')).join(' ');
  return Buffer.from(`${head('encoded words', [`X-Encoded: ${words}`, `Comments: ${'=?utf-8?B?'.repeat(count / 10)}`])}\r\n\r\nbody\r\n`);
}

function manyParameters(count: number): Buffer {
  const params = Array.from({ length: count }, (_, i) => `p${i}*${i % 3}*=utf-8''%C3%BC${i}`).join(';\r\n ');
  return Buffer.from(`${head(`${count} Content-Type parameters`, [`Content-Type: multipart/mixed; boundary="q";\r\n ${params}`])}\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nx\r\n--q--\r\n`);
}

function unterminated(parts: number): Buffer {
  // every part opens a new multipart with a boundary that never closes, and long boundaries
  const body: string[] = [];
  for (let i = 0; i < parts; i++) body.push(`--${'B'.repeat(60)}${i}\r\nContent-Type: multipart/alternative; boundary="${'B'.repeat(60)}${i + 1}"\r\n\r\n`);
  return Buffer.from(`${head('unterminated boundaries', [`Content-Type: multipart/mixed; boundary="${'B'.repeat(60)}0"`])}\r\n\r\n${body.join('')}`);
}

function bigAttachment(megabytes: number): Buffer {
  const b64 = Buffer.alloc(megabytes * 1024 * 1024, 0x41).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(`${head(`${megabytes} MB attachment`, ['Content-Type: multipart/mixed; boundary="a"'])}\r\n\r\n--a\r\nContent-Type: application/zip; name="x.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--a--\r\n`);
}

/** Sends one message in its own session; resolves with the reply to the final dot and how long it took. */
async function send(port: number, message: Buffer): Promise<{ code: number; text: string; last: string; ms: number }> {
  const wire = await Wire.open(port);
  try {
    const expect = async (code: number) => {
      const r = await wire.reply(REPLY_TIMEOUT_MS);
      if (r?.code !== code) throw new Error(`expected ${code}, got ${r ? brief(r) : 'a close'}`);
    };
    await expect(220);
    for (const [line, code] of [
      ['EHLO client.example', 250],
      ['MAIL FROM:<bomber@client.example>', 250],
      ['RCPT TO:<target@example.org>', 250],
      ['DATA', 354],
    ] as const) {
      await wire.write(Buffer.from(`${line}\r\n`));
      await expect(code);
    }
    const started = Date.now();
    await wire.write(dataBytes(message).wire);
    const r = await wire.reply(20_000);
    if (!r) throw new Error('closed instead of answering the message');
    return { code: r.code, text: r.lines.join(' | ').slice(0, 200), last: r.lines.at(-1) ?? '', ms: Date.now() - started };
  } finally {
    wire.destroy();
  }
}

const BOMBS: [string, () => Buffer][] = [
  ['5,000 levels of multipart nesting', () => deepNesting(5000)],
  ['10,000 parts, half of them attachments', () => manyParts(10_000)],
  ['100,000 header fields', () => manyHeaders(100_000)],
  ['8 MB header section of long folded lines', () => foldedHeaderSection(8)],
  ['50,000 levels of multipart nesting', () => deepNesting(50_000)],
  ['2,000 nested message/rfc822 parts', () => nestedMessages(2000)],
  ['20,000 encoded-words in one header', () => encodedWords(20_000)],
  ['20,000 RFC 2231 Content-Type parameters', () => manyParameters(20_000)],
  ['5,000 multipart boundaries never closed', () => unterminated(5000)],
  ['a 10 MB base64 attachment', () => bigAttachment(10)],
];

describe('MIME bombs through the gmail scenario', () => {
  it('each is answered within a bound, an accepted one is stored as sent, and a bystander is served meanwhile', async () => {
    const server = await serve('gmail', { maxMessages: 100_000 });
    const results: string[] = [];
    for (const [name, build] of BOMBS) {
      const message = build();
      const sending = send(server.smtp.port, message);
      // a whole ordinary session while the bomb is read and analysed
      const bystander = Date.now();
      await normalSession(server, `bystander during ${name}`);
      const bystanderMs = Date.now() - bystander;
      const r = await sending;
      results.push(`${name} (${(message.length / 1024 / 1024).toFixed(1)} MB): ${r.code} in ${r.ms} ms, bystander ${bystanderMs} ms — ${r.text}`);
      expect(r.code === 250 || (r.code >= 500 && r.code < 600), `${name}: ${r.text}`).toBe(true);
      expect(r.ms, `${name} answered after ${r.ms} ms`).toBeLessThan(5000);
      if (r.code === 250) {
        const stored = await storedFor(server, r.last, message);
        expect(stored?.raw.equals(message), `${name}: stored as sent`).toBe(true);
      }
      server.resetState();
    }
    note(results.join('\n'));
    await normalSession(server, 'after the bombs');
    expect(unexpectedErrors(server.errors, 0)).toEqual([]);
  });
});
