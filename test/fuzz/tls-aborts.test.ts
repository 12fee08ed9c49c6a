/**
 * TLS handshakes abandoned midway, mixed into generated dialogues: on the implicit-TLS port
 * (nothing, a partial ClientHello, plain text, a real ClientHello and gone after the server's
 * first flight) and after STARTTLS's 220 (the same), between whole dialogues over TLS, both
 * ways. Afterwards both ports serve a normal session and only client TLS failures, at most
 * one per abandoned handshake, were reported.
 */
import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/server.js';
import { captureClientHello, checkedBatch, fuzzSeed } from './harness.js';

const SEED = fuzzSeed(20240903);

describe('aborted TLS handshakes among hostile dialogues', () => {
  for (const scenario of ['default', 'gmail'] as const) {
    it(`${scenario}: 300 dialogues, a third on the SMTPS port, a third through STARTTLS (seed ${SEED})`, async () => {
      const server = await serve(scenario, { maxMessages: 100_000, smtpsPort: 0 });
      const hello = await captureClientHello();
      const target = { port: server.smtp.port, smtpsPort: server.smtps!.port, hello };
      const stats = await checkedBatch(server, target, SEED, 300, {
        label: `tls/${scenario}`,
        first: scenario === 'default' ? 0 : 10_000,
        gmail: scenario === 'gmail',
        auth: scenario === 'default',
        implicitTlsShare: 0.35,
        tlsShare: 0.5,
        healthSecurePort: server.smtps!.port,
        beforeHealth: () => server.resetState(),
      });
      expect(stats.tlsAborts).toBeGreaterThan(60);
      expect(stats.accepted).toBeGreaterThan(10);
    });
  }
});
