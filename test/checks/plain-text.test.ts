/**
 * The plain-text fast path must give exactly what mailparser gives, and must step aside for
 * anything mailparser would read differently. Seeded random bodies (ASCII, UTF-8, invalid
 * bytes, CR/LF mixes, boundary-like and dot lines) and header variants on both sides of the line.
 */
import { describe, expect, it } from 'vitest';
import { parseHeaderSection } from '../../src/checks/header-section.js';
import { LIMITS } from '../../src/checks/limits.js';
import { mimeHead, parseMime, plainTextFacts } from '../../src/checks/mime.js';
import { analyzeMessage } from '../../src/checks/index.js';
import { input, prng } from './helpers.js';
import { EICAR, GTUBE } from '../../src/checks/signatures.js';

const PIECES = ['a', 'Z', ' ', '\t', '\r\n', '\n', '\r', '--b', '.', 'é', '€', '😀', '\xff', '\xc3', '=', '=20', 'Subject: x', '<p>', GTUBE, EICAR, `${GTUBE.slice(0, 30)}\r\n${GTUBE.slice(30)}`, `${EICAR.slice(0, 20)}\r${EICAR.slice(20)}`];

function randomBody(random: () => number): Buffer {
  const parts: Buffer[] = [];
  const n = Math.floor(random() * 60);
  for (let i = 0; i < n; i++) {
    const piece = PIECES[Math.floor(random() * PIECES.length)]!;
    // '\xff' and '\xc3' alone are invalid UTF-8: written as single bytes
    parts.push(piece.length === 1 && piece.charCodeAt(0) >= 0x80 && piece.charCodeAt(0) <= 0xff ? Buffer.from([piece.charCodeAt(0)]) : Buffer.from(piece, 'utf8'));
  }
  return Buffer.concat(parts);
}

const FAST_HEADERS: string[][] = [
  [],
  ['Content-Type: text/plain'],
  ['Content-Type: text/plain; charset=utf-8'],
  ['Content-Type: TEXT/PLAIN; CHARSET="US-ASCII"'],
  ['Content-Type: text/plain; charset=ascii', 'Content-Transfer-Encoding: 7bit'],
  ['MIME-Version: 1.0', 'Content-Transfer-Encoding: 8BIT'],
  ['Content-Type: text/plain; charset=utf-8', 'Content-Type: text/html'], // mailparser reads the first
];
const SLOW_HEADERS: string[][] = [
  ['Content-Type: text/html'],
  ['Content-Type: text/plain; charset=iso-8859-1'],
  ['Content-Type: text/plain; format=flowed'],
  ['Content-Type: text/plain; charset=utf-8; delsp=yes'],
  ['Content-Transfer-Encoding: quoted-printable'],
  ['Content-Transfer-Encoding: base64'],
  ['Content-Disposition: attachment; filename=a.txt'],
  ['Content-Disposition: inline'],
  ['Content-Type: multipart/mixed; boundary=b'],
  ['Content-Type: text/plain;\r\n charset=utf-8'],
  ['Content-Type: text/plain (a comment)'],
];

function message(headers: string[], body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(['From: a@example.com', 'Subject: s', ...headers].join('\r\n') + '\r\n\r\n', 'utf8'), body]);
}

async function both(raw: Buffer) {
  const section = parseHeaderSection(raw);
  const body = raw.subarray(section.bodyStart);
  return { fast: plainTextFacts(raw, section, body), slow: await parseMime(mimeHead(raw, section), body) };
}

describe('plainTextFacts', () => {
  it('equals mailparser for 2,000 seeded random bodies under every plain header variant', async () => {
    const random = prng(2026);
    for (let i = 0; i < 2000; i++) {
      const headers = FAST_HEADERS[i % FAST_HEADERS.length]!;
      const raw = message(headers, randomBody(random));
      const { fast, slow } = await both(raw);
      expect(fast, `${headers.join(' | ')} / ${JSON.stringify(raw.toString('latin1'))}`).toEqual(slow);
    }
  });

  it('steps aside for every other kind of body', async () => {
    for (const headers of SLOW_HEADERS) {
      const { fast } = await both(message(headers, Buffer.from('Hello\r\n')));
      expect(fast, headers.join(' | ')).toBeUndefined();
    }
  });

  it('steps aside past the text limit, where the parser cuts the text', async () => {
    const raw = message([], Buffer.alloc(LIMITS.textBytes + 1, 0x61));
    expect((await both(raw)).fast).toBeUndefined();
  });

  it('analyzeMessage gives the same facts through the fast path as through the parser', async () => {
    const random = prng(7);
    let gtubes = 0;
    for (let i = 0; i < 200; i++) {
      const raw = message(FAST_HEADERS[i % FAST_HEADERS.length]!, randomBody(random));
      const viaFast = await analyzeMessage(input(raw));
      // the same message with a harmless rest: analyzeMessage never takes the fast path for streamed input
      const cut = raw.indexOf('\r\n\r\n') + 4;
      const viaParser = await analyzeMessage({ ...input(raw), raw: raw.subarray(0, cut), size: raw.length, rest: async function* () {
        if (raw.length > cut) yield raw.subarray(cut);
      } });
      expect(viaFast).toEqual(viaParser);
      if (viaFast.gtube) gtubes++;
    }
    expect(gtubes).toBeGreaterThan(0); // the test strings were in some of them
  });
});
