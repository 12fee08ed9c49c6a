/**
 * The shipped godaddy scenario, trigger by trigger, each through a real session with a real
 * client (raw socket, nodemailer, swaks). Every refusal is compared byte for byte with the
 * GoDaddy catalog entry (one line, IB code at the end of the text), and the connection is
 * checked to close exactly when the entry says so.
 */
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/server.js';
import { cmd, dialog, Telnet } from '../helpers/telnet.js';
import {
  catalogReplies,
  dataReply,
  EICAR,
  expectClosed,
  expectNodemailerSaw,
  expectOpen,
  firstRefusal,
  GTUBE,
  messageBuilder,
  nodemailerSend,
  PLAIN,
  sendRefusedRaw,
  swaks,
  tap,
  type SmtpError,
} from './helpers.js';

const { expectEntry } = catalogReplies('godaddy');

// ---------------------------------------------------------------------------------------------
// messages

const FROM = 'alice@example.com';
const TO = 'jane@coolexample.com';

const BASE_HEADERS: readonly string[] = Object.freeze([
  'From: Alice Example <alice@example.com>',
  'To: Jane <jane@coolexample.com>',
  'Subject: Order 1234',
  'Date: Tue, 14 May 2024 09:30:00 +0000',
  'Message-ID: <20240514093000.1234@mail.example.com>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=us-ascii',
]);

const message = messageBuilder(BASE_HEADERS, 'Hello Jane,\r\n\r\nyour order has shipped.\r\n');

async function expectRawRefused(port: number, raw: string, id: string, values: Record<string, string> = {}): Promise<void> {
  const { err, reply } = await sendRefusedRaw(port, { from: FROM, to: [TO] }, raw);
  expectEntry(reply, id, values);
  expectNodemailerSaw(err, reply!);
}

// =============================================================================================

describe('godaddy: greeting and EHLO', () => {
  it('greets like bizsmtp and answers EHLO "hello [ip], secureserver.net", offering AUTH', async () => {
    const server = await serve('godaddy');
    const t = await Telnet.connect(server.smtp.port);
    // GoDaddy's inbound servers: "220 p3plibsmtp03-05.prod.phx3.secureserver.net bizsmtp ESMTP server ready"
    expect((await t.reply()).raw).toBe('220 p3plibsmtp01-01.prod.phx3.secureserver.net bizsmtp ESMTP server ready\r\n');
    const ehlo = await t.cmd('EHLO client.example.com');
    expect(ehlo.lines[0]).toBe('250-p3plibsmtp01-01.prod.phx3.secureserver.net hello [127.0.0.1], secureserver.net');
    const caps = ehlo.lines.slice(1).map((l) => l.slice(4));
    expect(caps).toContain('AUTH PLAIN LOGIN');
    expect(caps).toContain('SIZE 31457280');
    expect(caps).toContain('STARTTLS');
    await expectOpen(t);
  });
});

describe('godaddy: recipients', () => {
  it('with recipients: known, an unlisted recipient → godaddy.recipient-not-found quoting it (swaks)', async () => {
    const server = await serve(`extends: godaddy\nserver: { recipients: known }\nmailboxes: { "jane@coolexample.com": {} }\n`);
    const relay = await tap(server.smtp.port);
    const r = await swaks(['--server', '127.0.0.1', '--port', String(relay.port), '--helo', 'swaks.client.test', '--from', FROM, '--to', 'john@coolexample.com', '--timeout', '10']);
    expect(r.code, r.stdout + r.stderr).toBe(24);
    const refusal = firstRefusal(relay);
    expectEntry(refusal, 'godaddy.recipient-not-found', { recipient: 'john@coolexample.com' });
    expect(r.stdout).toContain(`<** ${refusal!.lines[0]}\n`);
  });

  it('a disabled mailbox → godaddy.account-disabled', async () => {
    const server = await serve(`extends: godaddy\nmailboxes: { "jane@coolexample.com": { disabled: true } }\n`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    expectEntry(await t.cmd(`RCPT TO:<${TO}>`), 'godaddy.account-disabled');
    await expectOpen(t);
  });

  it('a full mailbox (quota 0) → godaddy.storage-limit', async () => {
    const server = await serve(`extends: godaddy\nmailboxes: { "jane@coolexample.com": { quota: 0 } }\n`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    expectEntry(await t.cmd(`RCPT TO:<${TO}>`), 'godaddy.storage-limit');
    await expectOpen(t);
  });

  it('a message that does not fit the remaining quota → godaddy.storage-limit at the end of DATA', async () => {
    const server = await serve(`extends: godaddy\nmailboxes: { "jane@coolexample.com": { quota: 100 } }\n`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250'), cmd(`RCPT TO:<${TO}>`, '250'), cmd('DATA', '354')]);
    expectEntry(await t.cmd(`${message()}.`), 'godaddy.storage-limit');
    await expectOpen(t);
  });

  it('the 101st recipient → godaddy.ib605-too-many-recipients', async () => {
    const server = await serve('godaddy');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    for (let i = 1; i <= 100; i++) await t.expect(`RCPT TO:<user${i}@coolexample.com>`, '250');
    expectEntry(await t.cmd('RCPT TO:<user101@coolexample.com>'), 'godaddy.ib605-too-many-recipients');
    await expectOpen(t);
  });
});

describe('godaddy: AUTH is refused', () => {
  it('AUTH PLAIN → godaddy.ib401-auth-not-allowed', async () => {
    const server = await serve('godaddy');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expectEntry(await t.cmd(`AUTH PLAIN ${PLAIN(FROM, 'secret')}`), 'godaddy.ib401-auth-not-allowed');
    await expectOpen(t);
  });

  it('AUTH LOGIN, after both prompts → godaddy.ib401-auth-not-allowed', async () => {
    const server = await serve('godaddy');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expect((await t.cmd('AUTH LOGIN')).raw).toBe('334 VXNlcm5hbWU6\r\n');
    expect((await t.cmd(Buffer.from(FROM).toString('base64'))).raw).toBe('334 UGFzc3dvcmQ6\r\n');
    expectEntry(await t.cmd(Buffer.from('secret').toString('base64')), 'godaddy.ib401-auth-not-allowed');
    await expectOpen(t);
  });
});

describe('godaddy: message content (nodemailer)', () => {
  it('a clean message is accepted and stored byte for byte', async () => {
    const server = await serve('godaddy');
    const raw = message();
    const { info, err } = await nodemailerSend(server.smtp.port, { envelope: { from: FROM, to: [TO] }, raw });
    expect(err).toBeUndefined();
    expect(info!.response).toMatch(/^250 /);
    const [stored] = await server.messages.list();
    expect(stored!.raw.toString('utf8')).toBe(raw);
  });

  it('the GTUBE string in the body → godaddy.ib212-spam', async () => {
    const server = await serve('godaddy');
    const relay = await tap(server.smtp.port);
    const { err } = await nodemailerSend(relay.port, { from: FROM, to: TO, subject: 'spam test', text: `This is a spam test.\n${GTUBE}\n` });
    const reply = dataReply(relay);
    expectEntry(reply, 'godaddy.ib212-spam');
    expectNodemailerSaw(err, reply!);
  });

  it('the EICAR test string as an attachment → godaddy.ib705-virus', async () => {
    const server = await serve('godaddy');
    const relay = await tap(server.smtp.port);
    const { err } = await nodemailerSend(relay.port, { from: FROM, to: TO, subject: 'virus test', text: 'Attached.', attachments: [{ filename: 'eicar.com', content: EICAR }] });
    const reply = dataReply(relay);
    expectEntry(reply, 'godaddy.ib705-virus');
    expectNodemailerSaw(err, reply!);
  });

  it('no From header → godaddy.ib501-blank-from quoting the sender', async () => {
    const server = await serve('godaddy');
    await expectRawRefused(server.smtp.port, message([], ['From']), 'godaddy.ib501-blank-from', { sender: FROM });
  });

  it('a blank From header → godaddy.ib501-blank-from quoting the sender', async () => {
    const server = await serve('godaddy');
    await expectRawRefused(server.smtp.port, message(['From:'], ['From']), 'godaddy.ib501-blank-from', { sender: FROM });
  });

  it('an IP-literal From → godaddy.ib502-ip-from quoting the sender', async () => {
    const server = await serve('godaddy');
    await expectRawRefused(server.smtp.port, message(['From: alice@[192.0.2.1]'], ['From']), 'godaddy.ib502-ip-from', { sender: FROM });
  });

  it('a From with an invalid domain → godaddy.ib506-invalid-from-domain quoting the From domain', async () => {
    const server = await serve('godaddy');
    await expectRawRefused(server.smtp.port, message(['From: Alice <alice@example_com>'], ['From']), 'godaddy.ib506-invalid-from-domain', { fromDomain: 'example_com' });
  });

  it('a Delivered-To header naming the recipient → godaddy.message-looping', async () => {
    const server = await serve('godaddy');
    await expectRawRefused(server.smtp.port, message([`Delivered-To: ${TO}`]), 'godaddy.message-looping');
  });

  it('51 Received headers → godaddy.message-looping', async () => {
    const server = await serve('godaddy');
    const received = Array.from({ length: 51 }, (_, i) => `Received: from relay${i}.example.net by relay${i + 1}.example.net; Tue, 14 May 2024 09:${String(i).padStart(2, '0')}:00 +0000`);
    await expectRawRefused(server.smtp.port, message(received), 'godaddy.message-looping');
  });
});

describe('godaddy: session limits', () => {
  it('50 messages in one session are accepted; the 51st MAIL → godaddy.ib510-too-many-messages-session (nodemailer pool)', async () => {
    const server = await serve('godaddy');
    const relay = await tap(server.smtp.port);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: relay.port,
      ignoreTLS: true,
      pool: true,
      maxConnections: 1,
      maxMessages: Infinity,
      connectionTimeout: 5000,
      greetingTimeout: 5000,
      socketTimeout: 10_000,
    } as Parameters<typeof nodemailer.createTransport>[0]);
    try {
      for (let i = 1; i <= 50; i++) {
        const info = await transport.sendMail({ from: FROM, to: TO, subject: `message ${i}`, text: `number ${i}` });
        expect(info.accepted, `message ${i}`).toEqual([TO]);
      }
      let failure: SmtpError | undefined;
      try {
        await transport.sendMail({ from: FROM, to: TO, subject: 'message 51', text: 'number 51' });
      } catch (err) {
        failure = err as SmtpError;
      }
      const refusal = firstRefusal(relay);
      expectEntry(refusal, 'godaddy.ib510-too-many-messages-session');
      expectNodemailerSaw(failure, refusal!);
      expect(failure!.command).toBe('MAIL FROM');
    } finally {
      transport.close();
    }
    expect(await server.messages.count()).toBe(50);
    expect(new Set((await server.messages.list()).map((m) => m.sessionId)).size).toBe(1);
  });

  it('a connection over server.maxConnections → godaddy.ib007-too-many-sessions, and it closes', async () => {
    const server = await serve(`extends: godaddy\nserver: { maxConnections: 1 }\n`);
    const first = await dialog(server.smtp.port, []);
    const second = await Telnet.connect(server.smtp.port);
    expectEntry(await second.reply(), 'godaddy.ib007-too-many-sessions');
    await expectClosed(second);
    await expectOpen(first);
  });
});
