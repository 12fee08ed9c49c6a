/**
 * A message too large for memory is analysed from its start plus the rest read once from its
 * spool file. The facts must be those of the whole message, wherever the start ends (as long
 * as it holds the header section), and test strings split across the seam must still be found.
 */
import { describe, expect, it } from 'vitest';
import { analyzeMessage, type MessageAnalysis } from '../../src/checks/index.js';
import { LIMITS } from '../../src/checks/limits.js';
import { EICAR, GTUBE } from '../../src/checks/signatures.js';
import { BASE_HEADERS, compose, input, raw } from './helpers.js';

/** The rest of `message` after `at`, in chunks of `chunk` bytes, as a spool file yields it. */
async function* restOf(message: Buffer, at: number, chunk: number): AsyncGenerator<Buffer, void, undefined> {
  for (let i = at; i < message.length; i += chunk) yield message.subarray(i, i + chunk);
}

async function streamed(message: Buffer, at: number, chunk = 4096): Promise<MessageAnalysis> {
  return analyzeMessage({ ...input(message), raw: message.subarray(0, at), size: message.length, rest: () => restOf(message, at, chunk) });
}

/** Where a head may end: right after the header section, a bit later, and near the end. */
function cuts(message: Buffer): number[] {
  const bodyStart = message.indexOf('\r\n\r\n') + 4;
  return [...new Set([bodyStart, bodyStart + 1, bodyStart + 37, Math.floor((bodyStart + message.length) / 2), message.length - 1, message.length])].filter(
    (n) => n >= bodyStart && n <= message.length,
  );
}

const longText = Array.from({ length: 3000 }, (_, i) => `Line ${i} with some words in it.`);

const cases: [string, () => Promise<Buffer>][] = [
  ['plain text', async () => raw(BASE_HEADERS, longText)],
  ['GTUBE at the very end of a plain body', async () => raw(BASE_HEADERS, [...longText, GTUBE])],
  ['bare line feeds late in the body', async () => Buffer.concat([raw(BASE_HEADERS, longText), Buffer.from('late\nbare\n')])],
  [
    'multipart with an EICAR attachment and a blocked .exe',
    () =>
      compose({
        subject: 'files',
        text: longText.join('\n'),
        attachments: [
          { filename: 'eicar.txt', content: EICAR },
          { filename: 'setup.exe', content: Buffer.alloc(20_000, 7), contentType: 'application/octet-stream' },
        ],
      }),
  ],
  ['HTML only', () => compose({ subject: 'html', html: `<p>${longText.join('<br>')}</p>` })],
];

describe('analysis of a message read as head + rest', () => {
  for (const [name, make] of cases) {
    it(`${name}: the same facts at every cut and chunk size`, async () => {
      const message = await make();
      const whole = await analyzeMessage(input(message));
      for (const at of cuts(message)) {
        for (const chunk of [1000, 65_536]) expect(await streamed(message, at, chunk), `cut at ${at}, chunks of ${chunk}`).toEqual(whole);
      }
    });
  }

  it('finds GTUBE and EICAR split across the seam between head and rest, and across chunks', async () => {
    for (const [needle, fact] of [
      [GTUBE, 'gtube'],
      [EICAR, 'eicar'],
    ] as const) {
      const message = raw(BASE_HEADERS, ['x'.repeat(5000), needle, 'y'.repeat(5000)]);
      const at = message.indexOf(needle) + 20;
      expect((await streamed(message, at, 7))[fact]).toBe(true);
      expect((await streamed(message, message.indexOf('\r\n\r\n') + 4, 33))[fact]).toBe(true);
    }
  });

  it('a bare LF right at the seam counts', async () => {
    const message = raw(BASE_HEADERS, 'abc\r\ndef\nghi\r\n');
    const at = message.indexOf('def\n') + 3; // the LF starts the rest, its CR-less predecessor ends the head
    expect((await streamed(message, at, 5)).bareLineFeeds).toBe(true);
    expect((await streamed(raw(BASE_HEADERS, 'abc\r\ndef\r\n'), at, 5)).bareLineFeeds).toBe(false);
  });

  it('keeps at most LIMITS.textBytes of text, says the facts are partial, and still finds what follows', async () => {
    const line = 'All work and no play makes a long message.';
    const lines = Array.from({ length: Math.ceil((LIMITS.textBytes * 1.5) / (line.length + 2)) }, () => line);
    const message = raw(BASE_HEADERS, [...lines, GTUBE]);
    const facts = await analyzeMessage(input(message));
    expect(facts.text.length).toBeLessThanOrEqual(LIMITS.textBytes);
    expect(facts.text.length).toBeGreaterThan(LIMITS.textBytes / 2);
    expect(facts.truncated).toBe(true);
    expect(facts.gtube).toBe(true); // from the raw body scan, past the text cap
    expect(await streamed(message, message.indexOf('\r\n\r\n') + 100, 65_536)).toEqual(facts);
  });

  it('reports the size of the whole message, not of its head', async () => {
    const message = raw(BASE_HEADERS, longText);
    expect((await streamed(message, message.indexOf('\r\n\r\n') + 4)).size).toBe(message.length);
  });
});
