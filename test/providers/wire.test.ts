/**
 * The fixture provider over real sockets: this file's module graph gets the registry with the
 * one added line (vi.mock is per test file, so no other test sees acme), and the unchanged
 * SMTP adapter, scenario loader and notice queue pick it up from there.
 */
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { describe, expect, it, vi } from 'vitest';
import { serve } from '../helpers/server.js';
import { dialog } from '../helpers/telnet.js';

vi.mock('../../src/providers/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/providers/index.js')>();
  const { acme } = await import('../fixtures/providers/acme/index.js');
  const PROVIDERS = [...real.PROVIDERS, acme] as const; // the one line
  return { ...real, PROVIDERS, REGISTRY: real.createRegistry(PROVIDERS) };
});

const REF = /\(ref [A-Z]{6}\)$/;

describe('a provider added by one folder and one line', () => {
  it('runs its scenario by name and replays its entries as magic recipients, in its style', async () => {
    const server = await serve('acme');
    expect(server.scenario().name).toBe('acme');
    const t = await dialog(server.smtp.port, [
      ['EHLO client.test', '250'],
      ['MAIL FROM:<alice@client.test>', '250'],
    ]);
    const magic = await t.expect('RCPT TO:<acme.mailbox-full@x.test>', '552 5.2.2 MAILBOX OF ACME.MAILBOX-FULL@X.TEST IS FULL');
    expect(magic.lines.at(-1)).toMatch(REF);
    const ruled = await t.expect('RCPT TO:<full@x.test>', '552 5.2.2 MAILBOX OF FULL@X.TEST IS FULL');
    // one reference per session, as a provider's per-connection id
    expect(ruled.lines.at(-1)!.match(REF)![0]).toBe(magic.lines.at(-1)!.match(REF)![0]);
    await t.expect('RCPT TO:<later@x.test>', '451 4.3.0 TRY AGAIN LATER');
    await t.expect('RCPT TO:<later@x.test>', '250');
    t.close();
  });

  it('bounces in its own wording', async () => {
    const server = await serve();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtp.port, ignoreTLS: true });
    try {
      await transport.sendMail({ from: 'alice@client.test', to: 'acme.spam+bounce@x.test', subject: 'Invoice', text: 'hi\n' });
    } finally {
      transport.close();
    }
    await server.outbound.flush();
    const [dsn] = (await server.messages.list()).filter((m) => m.outbound);
    const parsed = await simpleParser(dsn!.raw);
    expect(parsed.subject).toBe('Acme could not deliver: Invoice');
    expect(parsed.text).toMatch(/^Acme Mail gave up on acme\.spam\+bounce@x\.test\./);
  });
});
