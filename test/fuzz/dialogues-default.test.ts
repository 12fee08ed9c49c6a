/**
 * Generated hostile dialogues against the `default` scenario, twenty at a time: random verbs
 * and arguments, broken addresses and parameters, bytes 0–255, long lines (rarely up to 1 MB),
 * pipelining bursts, AUTH blobs that are not base64, BDAT, STARTTLS with and without a
 * handshake, messages full of dots and bare line ends, clients that vanish anywhere. After
 * each batch no dialogue hung or was answered out of turn, every message answered 250 is
 * stored once and unaltered, nothing else is, and a normal session still works.
 *
 * FUZZ_SEED=n replays another seed; a failure prints the seed, the dialogue and its wire.
 */
import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/server.js';
import { captureClientHello, checkedBatch, fuzzSeed } from './harness.js';

const SEED = fuzzSeed(20240901);

describe('generated hostile dialogues, default scenario', () => {
  it(`400 dialogues with AUTH exchanges and lines up to 1 MB (seed ${SEED})`, async () => {
    const server = await serve('default', { maxMessages: 100_000 });
    const hello = await captureClientHello();
    const stats = await checkedBatch(server, { port: server.smtp.port, hello }, SEED, 400, { label: 'default/auth+huge', auth: true, huge: true });
    expect(stats.accepted).toBeGreaterThan(40);
  });

  it(`400 dialogues, some after STARTTLS, some abandoning it (seed ${SEED})`, async () => {
    const server = await serve('default', { maxMessages: 100_000 });
    const hello = await captureClientHello();
    const stats = await checkedBatch(server, { port: server.smtp.port, hello }, SEED, 400, { label: 'default/starttls', first: 100_000, auth: true, tlsShare: 0.15 });
    expect(stats.accepted).toBeGreaterThan(40);
    expect(stats.tlsAborts).toBeGreaterThan(10);
  });

  it(`400 dialogues on one server, in two halves checked apart (seed ${SEED})`, async () => {
    const server = await serve('default', { maxMessages: 100_000 });
    const hello = await captureClientHello();
    await checkedBatch(server, { port: server.smtp.port, hello }, SEED, 200, { label: 'default/half 1', first: 200_000 });
    await checkedBatch(server, { port: server.smtp.port, hello }, SEED, 200, { label: 'default/half 2', first: 300_000, auth: true });
  });
});
