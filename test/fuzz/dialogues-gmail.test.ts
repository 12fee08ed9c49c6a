/**
 * Generated hostile dialogues against the shipped `gmail` scenario, which analyses every
 * message (headers, MIME, test strings), rewords every refusal and rate-limits: the same
 * oracle as for `default`, with most messages shaped the way Gmail accepts them.
 *
 * Bodies over 512 bytes are spooled to disk, so the spool path (streamed analysis, DKIM,
 * clients vanishing mid-DATA) meets the same hostility; at the end the spool holds exactly the
 * stored messages' files.
 *
 * The batches fill Gmail's rate limits on purpose (100 messages an hour without TLS from one
 * IP, 60 a minute per recipient): the limits are reset before the normal session that closes
 * each batch, and midway, so messages keep being accepted.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, serve } from '../helpers/server.js';
import { captureClientHello, checkedBatch, fuzzSeed } from './harness.js';

const SEED = fuzzSeed(20240902);
const SPOOL_ABOVE = 512;

describe('generated hostile dialogues, gmail scenario', () => {
  it(`6 × 100 dialogues (seed ${SEED})`, async () => {
    const spoolDir = await mkdtemp(join(tmpdir(), 'mockmx-fuzz-spool-'));
    const server = await serve('gmail', { maxMessages: 100_000, spoolAboveBytes: SPOOL_ABOVE, spoolDir });
    const hello = await captureClientHello();
    let accepted = 0;
    let refused = 0;
    for (let part = 0; part < 6; part++) {
      server.resetState();
      // gmail advertises CHUNKING: the model reads BDAT chunks as octets
      const stats = await checkedBatch(server, { port: server.smtp.port, hello, chunking: true }, SEED, 100, {
        label: `gmail/${part}`,
        first: part * 1000,
        gmail: true,
        huge: part === 0,
        tlsShare: 0.1,
        beforeHealth: () => server.resetState(),
      });
      accepted += stats.accepted;
      refused += stats.refused;
    }
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
    // no spool file outlives its message: refused, cut off or dropped ones leave nothing
    const spooled = (await server.messages.list()).filter((m) => m.size > SPOOL_ABOVE);
    expect(spooled.length).toBeGreaterThan(5);
    const [dir] = await readdir(spoolDir); // the server's one spool directory
    await eventually(async () => ((await readdir(join(spoolDir, dir!))).length === spooled.length ? true : undefined));
    await rm(spoolDir, { recursive: true, force: true });
  });
});
