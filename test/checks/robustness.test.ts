/**
 * Nothing breaks the analysis: huge header sections, thousands of MIME parts, deep nesting,
 * random bytes, mutated real messages and inputs built to trip regex backtracking all
 * complete in bounded time with a well-formed result, and never throw.
 */
import { describe, expect, it } from 'vitest';
import { analyzeHeaders, analyzeMessage, EICAR, LIMITS, type HeaderAnalysis, type MessageAnalysis } from '../../src/checks/index.js';
import { BASE_HEADERS, compose, headersWith, input, prng, randomBytes, raw } from './helpers.js';

/** Structural invariants every result must satisfy, whatever the input. */
function sane(a: HeaderAnalysis | MessageAnalysis, message: Buffer): void {
  expect(a.size).toBe(message.length);
  expect(a.headerBytes).toBeGreaterThanOrEqual(0);
  expect(a.headerBytes).toBeLessThanOrEqual(message.length);
  let values = 0;
  for (const [name, list] of a.headers) {
    expect(name).toBe(name.toLowerCase());
    values += list.length;
  }
  expect(values).toBe(a.headerCount);
  for (const list of [a.malformedHeaders, a.encodedWordHeaderNames, a.unicodeInHeaders]) expect(list.length).toBeLessThanOrEqual(LIMITS.listEntries);
  expect(a.from.count).toBe(a.headers.get('from')?.length ?? 0);
  expect(a.receivedCount).toBe(a.headers.get('received')?.length ?? 0);
  if (!a.malformed) expect(a.headerCount).toBeGreaterThan(0);
  if ('attachments' in a) {
    expect(a.attachments.length).toBeLessThanOrEqual(Math.min(a.attachmentCount, LIMITS.attachmentRecords));
    expect(typeof a.text).toBe('string');
  }
}

async function both(message: Buffer): Promise<MessageAnalysis> {
  const head = analyzeHeaders(input(message));
  sane(head, message);
  const full = await analyzeMessage(input(message));
  sane(full, message);
  return full;
}

const timed = async <T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> => {
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t };
};

describe('size', () => {
  it('a 100,000-field header section', async () => {
    const lines = [...BASE_HEADERS];
    for (let i = 0; i < 100_000; i++) lines.push(`X-Filler-${i}: value number ${i}`);
    const message = raw(lines, ['body']);
    const head = await timed(() => analyzeHeaders(input(message)));
    expect(head.value.headerCount).toBe(100_005);
    expect(head.value.headers.size).toBe(100_005);
    expect(head.value.malformed).toBe(false);
    expect(head.ms).toBeLessThan(5_000);
    const full = await timed(() => analyzeMessage(input(message)));
    expect(full.value.headerCount).toBe(100_005);
    expect(full.value.text).toBe('body\n');
    expect(full.ms).toBeLessThan(5_000);
  });

  it('100,000 fields of checked kinds (To, Date, Received, Message-ID)', async () => {
    const lines = [...BASE_HEADERS];
    for (let i = 0; i < 25_000; i++) lines.push(`To: r${i}@example.com`, 'Date: Tue, 14 May 2024 09:30:00 +0000', `Received: from h${i}`, `Message-ID: <${i}@x>`);
    const message = raw(lines);
    const { value, ms } = await timed(() => both(message));
    expect(value.receivedCount).toBe(25_000);
    expect(value.duplicateHeaders).toEqual(['to', 'message-id', 'date']);
    expect(ms).toBeLessThan(10_000);
  });

  it('a 10,000-part MIME message', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      parts.push(`--sep\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="part${i}.${i % 100 === 0 ? 'exe' : 'bin'}"\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJDRA==\r\n`);
    }
    const message = raw(headersWith(['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="sep"']), ['--sep', 'Content-Type: text/plain', '', 'the text', parts.join('') + '--sep--']);
    const { value, ms } = await timed(() => both(message));
    expect(value.attachmentCount).toBe(10_000);
    expect(value.attachments).toHaveLength(LIMITS.attachmentRecords);
    expect(value.attachments[1]).toEqual({ filename: 'part1.bin', contentType: 'application/octet-stream', size: 4 });
    expect(value.blockedAttachments).toHaveLength(LIMITS.listEntries);
    expect(value.text).toBe('the text');
    expect(value.truncated).toBe(false);
    expect(value.malformed).toBe(false);
    expect(ms).toBeLessThan(15_000);
  });

  /** `depth` multiparts, each the first child of the one before, with a text part at the bottom. */
  const nested = (depth: number, type = 'multipart/mixed') => {
    let body = '';
    for (let i = 0; i < depth; i++) body += `--b${i}\r\nContent-Type: ${type}; boundary="b${i + 1}"\r\n\r\n`;
    body += `--b${depth}\r\nContent-Type: text/plain\r\n\r\ndeep\r\n`;
    for (let i = depth; i >= 0; i--) body += `--b${i}--\r\n`;
    return raw(headersWith([`Content-Type: ${type}; boundary="b0"`]), body);
  };

  it('past 20,000 parts the rest is cut', async () => {
    const part = '--sep\r\nContent-Type: application/pdf\r\n\r\nx\r\n';
    const message = raw(headersWith(['Content-Type: multipart/mixed; boundary="sep"']), part.repeat(LIMITS.mimeNodes + 10) + '--sep--\r\n');
    const { value, ms } = await timed(() => analyzeMessage(input(message)));
    expect(value.truncated).toBe(true);
    expect(value.attachmentCount).toBeLessThan(LIMITS.mimeNodes);
    expect(ms).toBeLessThan(15_000);
  });

  it('a 5 MB attachment, EICAR at its very end', async () => {
    const content = Buffer.concat([Buffer.alloc(5 * 1024 * 1024, 0x5a), Buffer.from(EICAR)]);
    const message = await compose({ text: 'x', attachments: [{ filename: 'big.bin', content }] });
    const { value, ms } = await timed(() => both(message));
    expect(value.eicar).toBe(true);
    expect(value.attachments).toEqual([{ filename: 'big.bin', contentType: 'application/octet-stream', size: content.length }]);
    expect(ms).toBeLessThan(5_000);
  });

  it('nesting within the depth cap parses completely', async () => {
    const value = await both(nested(LIMITS.mimeDepth - 2));
    expect(value.truncated).toBe(false);
    expect(value.text).toBe('deep');
  });

  it('nesting past the depth cap is cut, not parsed', async () => {
    const value = await both(nested(LIMITS.mimeDepth + 1));
    expect(value.truncated).toBe(true);
    expect(value.malformed).toBe(false);
  });

  it.each([
    ['plain', 'multipart/mixed'],
    ['an escaped slash', 'multipart\\/mixed'],
    ['quotes inside the type', '"multi"part/mixed'],
    ['upper case', 'MULTIPART/MIXED'],
  ])('20,000 nested multiparts (%s) stop at the depth cap, quickly', async (_name, type) => {
    const { value, ms } = await timed(() => both(nested(20_000, type)));
    expect(value.truncated).toBe(true);
    expect(ms).toBeLessThan(5_000);
  });

  it('a 20,000-deep chain of inline forwarded messages stops at the depth cap', async () => {
    const level = 'Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n';
    const message = raw(headersWith(['Content-Type: message/rfc822', 'Content-Disposition: inline']), level.repeat(20_000) + 'Subject: inner\r\n\r\ninner text\r\n');
    const { value, ms } = await timed(() => both(message));
    expect(value.truncated).toBe(true);
    expect(ms).toBeLessThan(5_000);
  });

  it('a 3,000-deep chain of attached (not inline) forwarded messages is one attachment', async () => {
    const body = 'Content-Type: message/rfc822\r\n\r\n'.repeat(3_000) + 'Subject: inner\r\n\r\ninner text\r\n';
    const message = raw(headersWith(['Content-Type: message/rfc822']), body);
    const { value, ms } = await timed(() => both(message));
    expect(value).toMatchObject({ malformed: false, truncated: false, attachmentCount: 1 });
    expect(ms).toBeLessThan(5_000);
  });
});

describe('garbage', () => {
  it('random bytes: malformed or sane, never a throw', async () => {
    let malformed = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const message = randomBytes(seed, Math.floor(prng(seed * 7919)() * 6_000));
      const a = await both(message);
      if (a.malformed) malformed++;
    }
    expect(malformed).toBeGreaterThan(140);
  });

  it('random header-like text: never a throw', async () => {
    const alphabet = 'abcXYZ:;<>@.,()"[]\\ \t=?-_\r\n\r\n\x00\xff';
    for (let seed = 1; seed <= 150; seed++) {
      const next = prng(seed);
      let s = '';
      const n = Math.floor(next() * 2_000);
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      await both(Buffer.from(s, 'latin1'));
    }
  });

  it('mutated real messages: flipped bytes, cuts, stray CR/LF/NUL', async () => {
    const base = await compose({
      subject: 'Ünïcode subject',
      cc: 'c@example.com',
      text: 'text part',
      html: '<p>html part</p>',
      attachments: [
        { filename: 'a.pdf', content: Buffer.alloc(2_000, 0x25) },
        { filename: 'b.exe', content: 'MZ' },
      ],
    });
    const specials = [0x0d, 0x0a, 0x00, 0x3a, 0x2d, 0x20, 0x3d, 0x22];
    for (let seed = 1; seed <= 200; seed++) {
      const next = prng(seed);
      let message = Buffer.from(base);
      const edits = 1 + Math.floor(next() * 8);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * message.length);
        const kind = Math.floor(next() * 3);
        if (kind === 0) message[at] = Math.floor(next() * 256);
        else if (kind === 1) message[at] = specials[Math.floor(next() * specials.length)]!;
        else message = message.subarray(0, Math.max(at, 1));
      }
      await both(message);
    }
  });

  it.each([
    ['all NUL bytes', Buffer.alloc(10_000, 0)],
    ['only CR LF', Buffer.from('\r\n'.repeat(5_000))],
    ['only LF', Buffer.alloc(10_000, 0x0a)],
    ['only CR', Buffer.alloc(10_000, 0x0d)],
    ['only colons', Buffer.alloc(10_000, 0x3a)],
    ['only spaces', Buffer.alloc(10_000, 0x20)],
    ['one byte', Buffer.from('x')],
    ['empty', Buffer.alloc(0)],
  ])('%s', async (_name, message) => {
    const a = await both(message);
    expect(a.malformed).toBe(true);
  });
});

describe('inputs built against regexes and quadratic scans', () => {
  const M = 1_000_000;
  it.each<[string, () => Buffer]>([
    ['a 1 MB header line without a colon', () => raw(headersWith(['x'.repeat(M)]))],
    ['a 1 MB field name', () => raw(headersWith(['X'.repeat(M) + ': v']))],
    ['a Subject of 100,000 broken encoded-word starts', () => raw(headersWith(['Subject: ' + '=?a?q?'.repeat(100_000)], ['subject']))],
    ['a Subject of 100,000 encoded-words', () => raw(headersWith(['Subject: ' + '=?utf-8?q?a?= '.repeat(100_000)], ['subject']))],
    ['a name of broken encoded-word starts', () => raw(headersWith(['X-' + '=?a?b?'.repeat(100_000) + ': v']))],
    ['a From of 200,000 unclosed comments', () => raw(headersWith(['From: ' + '('.repeat(200_000)], ['from']))],
    ['a From of 200,000 angle brackets', () => raw(headersWith(['From: ' + '<'.repeat(200_000)], ['from']))],
    ['a From of 100,000 display-name words', () => raw(headersWith(['From: ' + 'word '.repeat(100_000)], ['from']))],
    ['a From of 50,000 addresses', () => raw(headersWith(['From: ' + Array.from({ length: 50_000 }, (_, i) => `a${i}@example.com`).join(', ')], ['from']))],
    ['a Date padded with 1 MB of spaces', () => raw(headersWith(['Date: Tue, 14 May 2024' + ' '.repeat(M) + '09:30:00 +0000'], ['date']))],
    ['a Message-ID of 1 MB', () => raw(headersWith([`Message-ID: <${'a.'.repeat(M / 2)}@b>`], ['message-id']))],
    ['References of 100,000 ids', () => raw(headersWith(['References: ' + '<a@b> '.repeat(100_000)]))],
    ['a Delivered-To of 1 MB', () => raw(headersWith(['Delivered-To: <' + 'a'.repeat(M)]))],
    ['200,000 folded continuation lines', () => raw(headersWith(['X-Folded: start', ...Array.from({ length: 200_000 }, () => ' more')]))],
    ['an HTML body of 500,000 "<"', () => raw(headersWith(['Content-Type: text/html']), '<'.repeat(500_000))],
    ['an HTML body of unclosed scripts', () => raw(headersWith(['Content-Type: text/html']), '<script>'.repeat(100_000))],
    ['an attachment named with 100,000 dots', () => raw(headersWith(['Content-Type: application/octet-stream', `Content-Disposition: attachment; filename="a${'.'.repeat(100_000)}b"`]), 'x\r\n')],
    ['a body of 4 MB without a line break', () => raw(BASE_HEADERS, 'x'.repeat(4 * M))],
    ['a body of 1 MB of boundary-like lines', () => raw(headersWith(['Content-Type: multipart/mixed; boundary="b"']), '--b\r\n'.repeat(M / 5))],
  ])('%s', async (_name, build) => {
    const message = build();
    const { ms } = await timed(() => both(message));
    expect(ms).toBeLessThan(4_000);
  });
});
