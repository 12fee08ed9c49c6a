/**
 * ChunkStream reads message data with a native search instead of smtp-server's octet loop
 * (src/smtp/chunk-stream.ts). The two must agree on everything: the data passed on (escape
 * dots removed), where the data ends, the commands after it, the byte count, the size flag —
 * whatever the data holds and however TCP splits it. Each case is fed to both, split at seeded
 * random places, and their outputs compared; a few fixed cases pin the expected result too.
 */
import { describe, expect, it } from 'vitest';
import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { ChunkStream } from '../../src/smtp/chunk-stream.js';
import { seededRandom } from '../../src/engine/random.js';

interface Outcome {
  data: string;
  ended: boolean;
  dataBytes: number;
  byteLength: number;
  sizeExceeded: boolean;
  commands: string[];
}

/** Feeds `chunks` to a parser already in data mode (limit `maxBytes`), one write at a time, each waiting for the last. */
async function feed(parser: SMTPStream, chunks: readonly Buffer[], maxBytes?: number): Promise<Outcome> {
  const commands: string[] = [];
  parser.oncommand = (command, callback) => {
    commands.push(command.toString('latin1'));
    callback?.();
  };
  const stream = parser.startDataMode(maxBytes);
  const parts: Buffer[] = [];
  let ended = false;
  stream.on('data', (b: Buffer) => parts.push(b));
  stream.on('end', () => {
    ended = true;
    parser.continue();
  });
  for (const chunk of chunks) await new Promise<void>((resolve, reject) => parser.write(chunk, (err) => (err ? reject(err) : resolve())));
  // what was written may still be on its way through the data stream's events
  await new Promise((resolve) => setImmediate(resolve));
  return { data: Buffer.concat(parts).toString('latin1'), ended, dataBytes: parser.dataBytes, byteLength: stream.byteLength, sizeExceeded: stream.sizeExceeded, commands };
}

/** `input` cut at `cuts` random places (1-octet pieces included). */
function split(input: Buffer, random: () => number, cuts: number): Buffer[] {
  const at = new Set<number>();
  for (let i = 0; i < cuts; i++) at.add(1 + Math.floor(random() * Math.max(1, input.length - 1)));
  const points = [0, ...[...at].filter((p) => p < input.length).sort((a, b) => a - b), input.length];
  const chunks: Buffer[] = [];
  for (let i = 1; i < points.length; i++) if (points[i]! > points[i - 1]!) chunks.push(input.subarray(points[i - 1], points[i]));
  return chunks;
}

/** Message-like data where periods, CRs and LFs are common, so every branch of the search is taken. */
function randomData(random: () => number, length: number): string {
  const alphabet = ['.', '.', '\r\n', '\r\n', '\r\n.', '\r\n..', '\n', '\r', 'a', 'abc ', 'x'];
  let out = '';
  while (out.length < length) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

async function both(input: string, chunks: (b: Buffer) => Buffer[], maxBytes?: number): Promise<[Outcome, Outcome]> {
  const bytes = Buffer.from(input, 'latin1');
  const pieces = chunks(bytes);
  return [await feed(new SMTPStream(), pieces, maxBytes), await feed(new ChunkStream(), pieces, maxBytes)];
}

describe('ChunkStream reads message data as smtp-server does', () => {
  it.each([
    ['a plain message', 'Subject: hi\r\n\r\nhello\r\n.\r\nQUIT\r\n', 'Subject: hi\r\n\r\nhello\r\n', ['QUIT']],
    ['an empty message', '.\r\nNOOP\r\n', '', ['NOOP']],
    ['a stuffed first line', '..x\r\n.\r\n', '.x\r\n', []],
    ['stuffed lines inside', 'a\r\n..b\r\n...\r\n.\r\n', 'a\r\n.b\r\n..\r\n', []],
    ['a stuffed line that is a lone period', 'a\r\n..\r\n.\r\nRSET\r\n', 'a\r\n.\r\n', ['RSET']],
    ['a bare LF before a period (not an end)', 'a\n.\r\nb\r\n.\r\n', 'a\n.\r\nb\r\n', []],
  ])('%s', async (_name, input, data, commands) => {
    for (const chunks of [(b: Buffer) => [b], (b: Buffer) => [...b].map((o) => Buffer.from([o]))]) {
      const [theirs, ours] = await both(input, chunks);
      expect(ours).toEqual(theirs);
      expect(ours.data).toBe(data);
      expect(ours.ended).toBe(true);
      expect(ours.commands).toEqual(commands);
    }
  });

  it('agrees on 400 random messages, each split at random places', async () => {
    const random = seededRandom(20261205);
    for (let n = 0; n < 400; n++) {
      const ends = random() < 0.8;
      const input = randomData(random, 1 + Math.floor(random() * 300)) + (ends ? '\r\n.\r\nQUIT\r\n' : '');
      const cuts = Math.floor(random() * 12);
      const [theirs, ours] = await both(input, (b) => split(b, random, cuts));
      expect(ours, JSON.stringify({ input, cuts })).toEqual(theirs);
    }
  });

  it('agrees on the size limit, counted as the data arrives', async () => {
    const random = seededRandom(7);
    for (let n = 0; n < 50; n++) {
      const lines = 1 + Math.floor(random() * 16);
      const input = `${'a line of text\r\n..stuffed\r\n'.repeat(lines)}.\r\n`;
      const [theirs, ours] = await both(input, (b) => split(b, random, 5), 100);
      expect(ours).toEqual(theirs);
      expect(ours.dataBytes).toBe(lines * 26);
      expect(ours.sizeExceeded).toBe(lines * 26 > 100);
    }
  });
});
