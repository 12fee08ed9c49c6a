/**
 * The shipped gmail and gmail-submission scenarios, trigger by trigger, each through a real
 * session with a real client: a raw socket for protocol-level triggers, nodemailer for message
 * content (hand-built RFC 5322 text where nodemailer would never compose the defect), swaks
 * for a refused recipient and the GTUBE body. Every refusal is compared byte for byte with the
 * Gmail catalog entry laid out the way Gmail lays it out (wrapped, help URL on the last line,
 * `<token> - gsmtp`), and the connection is checked to close exactly when the entry says so.
 */
import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/server.js';
import { cmd, dialog, Telnet, type WireReply } from '../helpers/telnet.js';
import {
  catalogReplies,
  dataReply,
  EICAR,
  expectClosed,
  expectNodemailerSaw,
  expectOpen,
  firstRefusal,
  GMAIL_TOKEN,
  GTUBE,
  messageBuilder,
  nodemailerSend,
  parseReplies,
  PLAIN,
  sendRefusedRaw,
  swaks,
  tap,
} from './helpers.js';

const { expectedBytes, expectEntry } = catalogReplies('gmail');

// ---------------------------------------------------------------------------------------------
// clients


// ---------------------------------------------------------------------------------------------
// messages

const FROM = 'alice@example.com';
const TO = 'bob@example.net';

const BASE_HEADERS: readonly string[] = Object.freeze([
  'From: Alice Example <alice@example.com>',
  'To: Bob <bob@example.net>',
  'Subject: Quarterly report',
  'Date: Tue, 14 May 2024 09:30:00 +0000',
  'Message-ID: <20240514093000.1234@mail.example.com>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=us-ascii',
]);

/** A hand-built RFC 5322 message (CRLF): the base headers minus `without`, plus `extra`. */
const message = messageBuilder(BASE_HEADERS, 'Hello Bob,\r\n\r\nthe report is attached.\r\n');

/** Folds a long value at its spaces onto continuation lines (the value's bytes, unfolded, stay the same). */
const fold = (value: string) => value.replace(/ /g, '\r\n ');

/** Sends `raw` through nodemailer (via a recording relay) and checks the reply is exactly `id`. */
async function expectRawRefused(port: number, raw: string, id: string, values: Record<string, string> = {}): Promise<void> {
  const { err, reply } = await sendRefusedRaw(port, { from: FROM, to: [TO] }, raw);
  expectEntry(reply, id, values);
  expectNodemailerSaw(err, reply!);
  expect(err!.command).toBe('DATA');
}

// =============================================================================================

describe('gmail: greeting and EHLO', () => {
  it('greets as mx.google.com with a session token, answers EHLO "at your service, [ip]", offers STARTTLS and no AUTH', async () => {
    const server = await serve('gmail');
    const t = await Telnet.connect(server.smtp.port);
    const greeting = await t.reply();
    expect(greeting.raw).toMatch(/^220 mx\.google\.com ESMTP \S+ - gsmtp\r\n$/);
    const token = / (\S+) - gsmtp\r\n$/.exec(greeting.raw)![1]!;
    expect(token).toMatch(GMAIL_TOKEN);

    const ehlo = await t.cmd('EHLO client.example.com');
    expect(ehlo.lines[0]).toBe('250-mx.google.com at your service, [127.0.0.1]');
    const caps = ehlo.lines.slice(1).map((l) => l.slice(4));
    expect(ehlo.lines.slice(1, -1).every((l) => l.startsWith('250-'))).toBe(true);
    expect(ehlo.lines.at(-1)).toMatch(/^250 /);
    expect(caps).toContain('SIZE 157286400');
    expect(caps).toContain('STARTTLS');
    expect(caps).toContain('ENHANCEDSTATUSCODES');
    expect(caps).toContain('8BITMIME');
    expect(caps.filter((c) => /^AUTH\b/i.test(c)), 'an MX offers no AUTH').toEqual([]);
    // BDAT is not implemented, so CHUNKING must not be advertised
    expect(caps).not.toContain('CHUNKING');

    // HELO gets the same greeting line
    const helo = await t.cmd('HELO client.example.com');
    expect(helo.raw).toBe('250 mx.google.com at your service, [127.0.0.1]\r\n');

    // a refusal later in the session is signed with the greeting's token
    const refusal = await t.cmd('FROBNICATE');
    expectEntry(refusal, 'gmail.unrecognized-command');
    expect(refusal.lines.at(-1)).toContain(` ${token} - gsmtp`);
    await expectOpen(t);
  });
});

describe('gmail: protocol refusals (raw socket)', () => {
  it('MAIL before EHLO → gmail.helo-first', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, []);
    expectEntry(await t.cmd(`MAIL FROM:<${FROM}>`), 'gmail.helo-first');
    await expectOpen(t);
  });

  it('RCPT before MAIL → gmail.mail-first', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expectEntry(await t.cmd(`RCPT TO:<${TO}>`), 'gmail.mail-first');
    await expectOpen(t);
  });

  it('DATA before RCPT → gmail.rcpt-first', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    expectEntry(await t.cmd('DATA'), 'gmail.rcpt-first');
    await expectOpen(t);
  });

  it('a nested MAIL → gmail.bad-sequence', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    expectEntry(await t.cmd(`MAIL FROM:<${FROM}>`), 'gmail.bad-sequence');
    await expectOpen(t);
  });

  it('an unknown verb → gmail.unrecognized-command', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expectEntry(await t.cmd('FROBNICATE now'), 'gmail.unrecognized-command');
    await expectOpen(t);
  });

  it('BDAT → gmail.unimplemented-command', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250'), cmd(`RCPT TO:<${TO}>`, '250')]);
    expectEntry(await t.cmd('BDAT 12 LAST'), 'gmail.unimplemented-command');
    await expectOpen(t);
  });

  it('the tenth unknown command → gmail.too-many-unrecognized-commands, and the connection closes', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    for (let i = 1; i <= 9; i++) expectEntry(await t.cmd(`XUNKNOWN${i}`), 'gmail.unrecognized-command');
    expectEntry(await t.cmd('XUNKNOWN10'), 'gmail.too-many-unrecognized-commands');
    await expectClosed(t);
  });

  it('EHLO without an argument → gmail.helo-empty, and the connection closes', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, []);
    expectEntry(await t.cmd('EHLO'), 'gmail.helo-empty');
    await expectClosed(t);
  });

  it('EHLO with two words → gmail.helo-invalid quoting the argument, and the connection closes', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, []);
    expectEntry(await t.cmd('EHLO a b'), 'gmail.helo-invalid', { argument: 'a b' });
    await expectClosed(t);
  });

  it('STARTTLS with a parameter → gmail.starttls-syntax-error', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expectEntry(await t.cmd('STARTTLS x'), 'gmail.starttls-syntax-error');
    await expectOpen(t);
  });

  it('STARTTLS with a MAIL pipelined in the same write → gmail.pipelining-after-starttls; TLS is not started', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    t.write(`STARTTLS\r\nMAIL FROM:<${FROM}>\r\n`);
    expectEntry(await t.reply(), 'gmail.pipelining-after-starttls');
    // the session stays in plain text: the pipelined MAIL is answered in the clear
    const mail = await t.reply();
    expect(mail.raw).toMatch(/^250 /);
    expect(server.sessions.list()[0]!.tls).toBe(false);
    await expectOpen(t);
  });

  it('MAIL FROM without angle brackets → gmail.syntax-error', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expectEntry(await t.cmd('MAIL FROM:alice'), 'gmail.syntax-error');
    await expectOpen(t);
  });

  it('RCPT TO:<bob@exa..mple> → gmail.invalid-recipient-address quoting the address', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    expectEntry(await t.cmd('RCPT TO:<bob@exa..mple>'), 'gmail.invalid-recipient-address', { address: 'bob@exa..mple' });
    await expectOpen(t);
  });

  it('MAIL FROM:<alice@-bad-.test> → gmail.invalid-sender-address quoting the address', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expectEntry(await t.cmd('MAIL FROM:<alice@-bad-.test>'), 'gmail.invalid-sender-address', { address: 'alice@-bad-.test' });
    await expectOpen(t);
  });

  it('a disabled mailbox → gmail.account-inactive', async () => {
    const server = await serve(`extends: gmail\nmailboxes: { "bob@example.net": { disabled: true } }\n`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    expectEntry(await t.cmd(`RCPT TO:<${TO}>`), 'gmail.account-inactive');
    await expectOpen(t);
  });

  it('a full mailbox (quota 0) → gmail.mailbox-full at RCPT', async () => {
    const server = await serve(`extends: gmail\nmailboxes: { "bob@example.net": { quota: 0 } }\n`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    expectEntry(await t.cmd(`RCPT TO:<${TO}>`), 'gmail.mailbox-full');
    await expectOpen(t);
  });

  it('the 101st recipient → gmail.too-many-recipients; the first 100 are accepted', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    for (let i = 1; i <= 100; i++) await t.expect(`RCPT TO:<user${i}@example.net>`, '250');
    expectEntry(await t.cmd('RCPT TO:<user101@example.net>'), 'gmail.too-many-recipients');
    await expectOpen(t);
  });

  it('a second recipient domain → gmail.multiple-destination-domains', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250'), cmd(`RCPT TO:<${TO}>`, '250')]);
    await t.expect('RCPT TO:<carol@example.net>', '250');
    expectEntry(await t.cmd('RCPT TO:<dave@example.org>'), 'gmail.multiple-destination-domains');
    await expectOpen(t);
  });

  it('a tls-required.* recipient without TLS → gmail.tls-required, and the connection closes', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    expectEntry(await t.cmd('RCPT TO:<bob@tls-required.example>'), 'gmail.tls-required');
    await expectClosed(t);
  });

  it('a message over server.size → gmail.message-size-limit quoting its size and the limit', async () => {
    const server = await serve(`extends: gmail\nserver: { size: 1KB }\n`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250'), cmd(`RCPT TO:<${TO}>`, '250'), cmd('DATA', '354')]);
    const data = message([], [], `${'x'.repeat(76)}\r\n`.repeat(25));
    const size = Buffer.byteLength(data);
    expect(size).toBeGreaterThan(1024);
    expectEntry(await t.cmd(`${data}.`), 'gmail.message-size-limit', { size: String(size), limit: '1024' });
    await expectOpen(t);
    expect(await server.messages.count()).toBe(0);
  });

  it('a MAIL declaring SIZE= over server.size → gmail.message-size-limit quoting the declared size and the limit', async () => {
    const server = await serve(`extends: gmail\nserver: { size: 1KB }\n`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expectEntry(await t.cmd(`MAIL FROM:<${FROM}> SIZE=5000`), 'gmail.message-size-limit', { size: '5000', limit: '1024' });
    await expectOpen(t);
  });

  it('RCPT TO without angle brackets → gmail.syntax-error', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    expectEntry(await t.cmd('RCPT TO:bob'), 'gmail.syntax-error');
    await expectOpen(t);
  });

  it('a message that does not fit the mailbox quota → gmail.mailbox-full at the end of DATA', async () => {
    const server = await serve(`extends: gmail\nmailboxes: { "bob@example.net": { quota: 100 } }\n`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250'), cmd(`RCPT TO:<${TO}>`, '250'), cmd('DATA', '354')]);
    expectEntry(await t.cmd(`${message()}.`), 'gmail.mailbox-full');
    await expectOpen(t);
    expect(await server.messages.count()).toBe(0);
  });

  it('a connection over server.maxConnections → gmail.server-busy, and that connection closes', async () => {
    const server = await serve(`extends: gmail\nserver: { maxConnections: 1 }\n`);
    const first = await dialog(server.smtp.port, []);
    const second = await Telnet.connect(server.smtp.port);
    expectEntry(await second.reply(), 'gmail.server-busy');
    await expectClosed(second);
    await expectOpen(first);
  });

  it('after a delivered message, a MAIL declaring SIZE= over server.size quotes the declared size, not the earlier message\'s', async () => {
    const server = await serve(`extends: gmail\nserver: { size: 1KB }\n`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250'), cmd(`RCPT TO:<${TO}>`, '250'), cmd('DATA', '354')]);
    await t.expect(`${message()}.`, '250');
    expectEntry(await t.cmd(`MAIL FROM:<${FROM}> SIZE=5000`), 'gmail.message-size-limit', { size: '5000', limit: '1024' });
    await expectOpen(t);
  });

  it('an idle client → gmail.timeout, and the connection closes', async () => {
    const server = await serve(`extends: gmail\nserver: { idleTimeout: 200ms }\n`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expectEntry(await t.reply(), 'gmail.timeout');
    await expectClosed(t);
  });
});

describe('gmail: unknown recipient (swaks)', () => {
  it('with recipients: known, an unlisted recipient → gmail.user-unknown; listed ones are accepted', async () => {
    const server = await serve(`extends: gmail\nserver: { recipients: known }\nmailboxes: { "bob@example.net": {} }\n`);
    const relay = await tap(server.smtp.port);
    const base = ['--server', '127.0.0.1', '--port', String(relay.port), '--helo', 'swaks.client.test', '--from', FROM, '--timeout', '10'];
    const r = await swaks([...base, '--to', 'carol@example.net']);
    expect(r.code, r.stdout + r.stderr).toBe(24);
    const refusal = firstRefusal(relay);
    expectEntry(refusal, 'gmail.user-unknown');
    // swaks shows the same lines it received
    for (const line of refusal!.lines) expect(r.stdout).toContain(`<** ${line}\n`);
    // the listed mailbox gets the message
    const ok = await swaks([...base, '--to', TO]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const stored = await server.messages.list();
    expect(stored.map((m) => m.envelope.rcptTo)).toEqual([[TO]]);
  });
});

describe('gmail: message content (nodemailer)', () => {
  it('a clean hand-built message is accepted and stored byte for byte', async () => {
    const server = await serve('gmail');
    const raw = message();
    const { info, err } = await nodemailerSend(server.smtp.port, { envelope: { from: FROM, to: [TO] }, raw });
    expect(err).toBeUndefined();
    expect(info!.response).toMatch(/^250 2\.0\.0 /);
    const [stored] = await server.messages.list();
    expect(stored!.envelope).toEqual({ mailFrom: FROM, rcptTo: [TO] });
    expect(stored!.raw.toString('utf8')).toBe(raw);
  });

  it('a message nodemailer composes (text and an attachment) is accepted and stored', async () => {
    const server = await serve('gmail');
    const { info, err } = await nodemailerSend(server.smtp.port, {
      from: `Alice <${FROM}>`,
      to: TO,
      subject: 'Quarterly report — Grüße',
      text: 'Hello Bob, the report is attached.',
      attachments: [{ filename: 'report.csv', content: 'q,amount\r\n1,100\r\n' }],
    });
    expect(err).toBeUndefined();
    expect(info!.accepted).toEqual([TO]);
    const [stored] = await server.messages.list();
    expect(stored!.raw.toString()).toMatch(/^Subject: =\?UTF-8\?/m);
  });

  it('no From header → gmail.from-header-missing', async () => {
    const server = await serve('gmail');
    await expectRawRefused(server.smtp.port, message([], ['From']), 'gmail.from-header-missing');
  });

  it('two From headers → gmail.multiple-from-headers', async () => {
    const server = await serve('gmail');
    await expectRawRefused(server.smtp.port, message(['From: Mallory <mallory@example.com>']), 'gmail.multiple-from-headers');
  });

  it('a From header with two addresses → gmail.multiple-from-addresses', async () => {
    const server = await serve('gmail');
    await expectRawRefused(server.smtp.port, message(['From: alice@example.com, carol@example.com', 'Sender: alice@example.com'], ['From']), 'gmail.multiple-from-addresses');
  });

  it('an empty From header → gmail.from-header-invalid', async () => {
    const server = await serve('gmail');
    await expectRawRefused(server.smtp.port, message(['From: '], ['From']), 'gmail.from-header-invalid');
  });

  it('an IP-literal From address → gmail.from-header-invalid', async () => {
    const server = await serve('gmail');
    await expectRawRefused(server.smtp.port, message(['From: Alice <alice@[192.0.2.1]>'], ['From']), 'gmail.from-header-invalid');
  });

  it('a From address with an invalid domain → gmail.from-header-noncompliant-domain', async () => {
    const server = await serve('gmail');
    await expectRawRefused(server.smtp.port, message(['From: Alice <alice@-example-.com>'], ['From']), 'gmail.from-header-noncompliant-domain');
  });

  it('no Message-ID → gmail.message-id-missing', async () => {
    const server = await serve('gmail');
    await expectRawRefused(server.smtp.port, message([], ['Message-ID']), 'gmail.message-id-missing');
  });

  it('two Subject headers → gmail.multiple-headers naming the header', async () => {
    const server = await serve('gmail');
    await expectRawRefused(server.smtp.port, message(['Subject: Quarterly report (again)']), 'gmail.multiple-headers', { duplicateHeader: 'Subject' });
  });

  it('a malformed Date header → gmail.malformed-header naming the header', async () => {
    const server = await serve('gmail');
    await expectRawRefused(server.smtp.port, message(['Date: yesterday at noon'], ['Date']), 'gmail.malformed-header', { malformedHeader: 'Date' });
  });

  it('an encoded-word in a header name → gmail.encoded-word-in-header-name naming it', async () => {
    const server = await serve('gmail');
    const name = '=?UTF-8?Q?X-Gr=C3=BC=C3=9Fe?=';
    await expectRawRefused(server.smtp.port, message([`${name}: hello`]), 'gmail.encoded-word-in-header-name', { encodedHeader: name });
  });

  it('raw UTF-8 in a header value without SMTPUTF8 → gmail.unicode-in-header', async () => {
    const server = await serve('gmail');
    await expectRawRefused(server.smtp.port, message(['Subject: Grüße aus Köln'], ['Subject']), 'gmail.unicode-in-header');
  });

  it('51 Received headers → gmail.mail-loop', async () => {
    const server = await serve('gmail');
    const received = Array.from({ length: 51 }, (_, i) => `Received: from relay${i}.example.net by relay${i + 1}.example.net; Tue, 14 May 2024 09:${String(i).padStart(2, '0')}:00 +0000`);
    await expectRawRefused(server.smtp.port, message(received), 'gmail.mail-loop');
  });

  it('a 20 KB header value → gmail.header-value-too-large naming the header and both sizes', async () => {
    const server = await serve('gmail');
    const value = Array.from({ length: 256 }, () => 'v'.repeat(79)).join(' ');
    expect(value.length).toBe(20_479);
    await expectRawRefused(server.smtp.port, message([`X-Long: ${fold(value)}`]), 'gmail.header-value-too-large', {
      longestHeader: 'X-Long',
      headerValueBytes: String(value.length),
      headerValueLimit: '16384',
    });
  });

  it('a header name over 998 bytes → gmail.header-name-too-long with both sizes', async () => {
    const server = await serve('gmail');
    const name = `X-${'n'.repeat(998)}`;
    await expectRawRefused(server.smtp.port, message([`${name}: v`]), 'gmail.header-name-too-long', { headerNameBytes: String(name.length), headerNameLimit: '998' });
  });

  it('a 300 KB header section → gmail.header-limits-exceeded with both limits', async () => {
    const server = await serve('gmail');
    const filler = Array.from({ length: 200 }, (_, i) => `X-Filler-${i}: ${fold(Array.from({ length: 20 }, () => 'f'.repeat(74)).join(' '))}`);
    const raw = message(filler);
    expect(Buffer.byteLength(raw)).toBeGreaterThan(300_000);
    await expectRawRefused(server.smtp.port, raw, 'gmail.header-limits-exceeded', { headerBytesLimit: '262144', headerCountLimit: '1000' });
  });

  it('a malformed message (its first line is a continuation line) → gmail.malformed-message', async () => {
    const server = await serve('gmail');
    await expectRawRefused(server.smtp.port, ` folded onto nothing\r\n${message()}`, 'gmail.malformed-message');
  });

  it('a 17 KB Subject → gmail.subject-header-too-large', async () => {
    const server = await serve('gmail');
    const subject = Array.from({ length: 216 }, () => 's'.repeat(79)).join(' ');
    expect(subject.length).toBeGreaterThan(16_384);
    await expectRawRefused(server.smtp.port, message([`Subject: ${fold(subject)}`], ['Subject']), 'gmail.subject-header-too-large');
  });

  it('1001 header fields → gmail.header-limits-exceeded', async () => {
    const server = await serve('gmail');
    const fields = Array.from({ length: 1001 - BASE_HEADERS.length }, (_, i) => `X-Field-${i}: ${i}`);
    await expectRawRefused(server.smtp.port, message(fields), 'gmail.header-limits-exceeded', { headerBytesLimit: '262144', headerCountLimit: '1000' });
  });

  it('more attachments than server.limits.attachments → gmail.too-many-attachments with the count and the limit', async () => {
    const server = await serve(`extends: gmail\nserver: { limits: { attachments: 3 } }\n`);
    const relay = await tap(server.smtp.port);
    const attachments = Array.from({ length: 4 }, (_, i) => ({ filename: `part-${i + 1}.txt`, content: `attachment ${i + 1}\r\n` }));
    const { err } = await nodemailerSend(relay.port, { from: FROM, to: TO, subject: 'four attachments', text: 'See attached.', attachments });
    const reply = dataReply(relay);
    expectEntry(reply, 'gmail.too-many-attachments', { attachmentCount: '4', attachmentLimit: '3' });
    expectNodemailerSaw(err, reply!);
    // three are within the limit
    const three = await nodemailerSend(server.smtp.port, { from: FROM, to: TO, subject: 'three attachments', text: 'See attached.', attachments: attachments.slice(0, 3) });
    expect(three.err).toBeUndefined();
  });

  it('501 attachments against the shipped limit of 500 → gmail.too-many-attachments', async () => {
    const server = await serve('gmail');
    const relay = await tap(server.smtp.port);
    const attachments = Array.from({ length: 501 }, (_, i) => ({ filename: `note-${i}.txt`, content: `n${i}` }));
    const { err } = await nodemailerSend(relay.port, { from: FROM, to: TO, subject: 'many attachments', text: 'See attached.', attachments });
    const reply = dataReply(relay);
    expectEntry(reply, 'gmail.too-many-attachments', { attachmentCount: '501', attachmentLimit: '500' });
    expectNodemailerSaw(err, reply!);
  });

  it('an .exe attachment → gmail.blocked-security-issue-attachment', async () => {
    const server = await serve('gmail');
    const relay = await tap(server.smtp.port);
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('This program cannot be run in DOS mode.')]);
    const { err } = await nodemailerSend(relay.port, { from: FROM, to: TO, subject: 'installer', text: 'Run this.', attachments: [{ filename: 'setup.exe', content: exe }] });
    const reply = dataReply(relay);
    expectEntry(reply, 'gmail.blocked-security-issue-attachment');
    expectNodemailerSaw(err, reply!);
  });

  it('the EICAR test string as an attachment → gmail.blocked-security-issue', async () => {
    const server = await serve('gmail');
    const relay = await tap(server.smtp.port);
    const { err } = await nodemailerSend(relay.port, { from: FROM, to: TO, subject: 'test file', text: 'Antivirus test.', attachments: [{ filename: 'eicar.txt', content: EICAR }] });
    const reply = dataReply(relay);
    expectEntry(reply, 'gmail.blocked-security-issue');
    expectNodemailerSaw(err, reply!);
    expect(await server.messages.count()).toBe(0);
  });
});

describe('gmail: GTUBE body (swaks)', () => {
  it('the GTUBE string in the body → gmail.likely-unsolicited; the connection stays usable', async () => {
    const server = await serve('gmail');
    const relay = await tap(server.smtp.port);
    const r = await swaks(['--server', '127.0.0.1', '--port', String(relay.port), '--helo', 'swaks.client.test', '--from', FROM, '--to', TO, '--timeout', '10', '--body', `Spam test.\n${GTUBE}\n`]);
    expect(r.code, r.stdout + r.stderr).toBe(26);
    const replies = parseReplies(relay.fromServer());
    const refusal = replies.find((x) => x.code >= 400);
    expectEntry(refusal, 'gmail.likely-unsolicited');
    // swaks then says QUIT and is answered
    expect(replies.at(-1)!.code).toBe(221);
    expect(await server.messages.count()).toBe(0);
  });
});

// =============================================================================================

const SUBMITTER = 'sender@gmail.test';
const APP_PASSWORD = 'app-password';

/** A gmail-submission session on raw sockets, upgraded with STARTTLS and EHLO'd again. */
async function secureSession(port: number): Promise<{ t: Telnet; s: Telnet }> {
  const t = await dialog(port, [cmd('EHLO client.example.com', '250'), cmd('STARTTLS', '220')]);
  const s = await t.startTls('smtp.gmail.com');
  const ehlo = await s.cmd('EHLO client.example.com');
  expect(ehlo.lines[0]).toBe('250-smtp.gmail.com at your service, [127.0.0.1]');
  return { t, s };
}

async function expectTlsOpen(s: Telnet): Promise<void> {
  expect((await s.cmd('NOOP')).code).toBe(250);
  s.close();
}

describe('gmail-submission', () => {
  it('greets as smtp.gmail.com; before STARTTLS no AUTH is offered', async () => {
    const server = await serve('gmail-submission');
    const t = await Telnet.connect(server.smtp.port);
    expect((await t.reply()).raw).toMatch(/^220 smtp\.gmail\.com ESMTP [0-9a-f]{13}-[0-9a-f]{11}si\d{7}[a-z]{3}\.\d{3} - gsmtp\r\n$/);
    const ehlo = await t.cmd('EHLO client.example.com');
    expect(ehlo.lines[0]).toBe('250-smtp.gmail.com at your service, [127.0.0.1]');
    const caps = ehlo.lines.slice(1).map((l) => l.slice(4));
    expect(caps).toContain('STARTTLS');
    expect(caps).toContain('SIZE 35882577');
    await expectOpen(t);
  });

  it('MAIL before STARTTLS → gmail.starttls-required', async () => {
    const server = await serve('gmail-submission');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expectEntry(await t.cmd(`MAIL FROM:<${SUBMITTER}>`), 'gmail.starttls-required');
    await expectOpen(t);
  });

  it('AUTH before STARTTLS → gmail.starttls-required', async () => {
    const server = await serve('gmail-submission');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expectEntry(await t.cmd(`AUTH PLAIN ${PLAIN(SUBMITTER, APP_PASSWORD)}`), 'gmail.starttls-required');
    await expectOpen(t);
  });

  it('after STARTTLS, EHLO offers AUTH LOGIN PLAIN XOAUTH2; MAIL before AUTH → gmail.auth-required', async () => {
    const server = await serve('gmail-submission');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd('STARTTLS', '220')]);
    const s = await t.startTls('smtp.gmail.com');
    const ehlo = await s.cmd('EHLO client.example.com');
    expect(ehlo.lines.map((l) => l.slice(4))).toContain('AUTH LOGIN PLAIN XOAUTH2');
    expectEntry(await s.cmd(`MAIL FROM:<${SUBMITTER}>`), 'gmail.auth-required');
    await expectTlsOpen(s);
  });

  it('a wrong password → gmail.bad-credentials', async () => {
    const server = await serve('gmail-submission');
    const { s } = await secureSession(server.smtp.port);
    expectEntry(await s.cmd(`AUTH PLAIN ${PLAIN(SUBMITTER, 'not-the-password')}`), 'gmail.bad-credentials');
    await expectTlsOpen(s);
  });

  it('AUTH GSSAPI → gmail.unrecognized-auth-type', async () => {
    const server = await serve('gmail-submission');
    const { s } = await secureSession(server.smtp.port);
    expectEntry(await s.cmd('AUTH GSSAPI'), 'gmail.unrecognized-auth-type');
    await expectTlsOpen(s);
  });

  it('AUTH XOAUTH → gmail.xoauth-unsupported', async () => {
    const server = await serve('gmail-submission');
    const { s } = await secureSession(server.smtp.port);
    expectEntry(await s.cmd('AUTH XOAUTH x'), 'gmail.xoauth-unsupported');
    await expectTlsOpen(s);
  });

  it('a second AUTH after a successful one → gmail.no-identity-changes', async () => {
    const server = await serve('gmail-submission');
    const { s } = await secureSession(server.smtp.port);
    expect((await s.cmd(`AUTH PLAIN ${PLAIN(SUBMITTER, APP_PASSWORD)}`)).code).toBe(235);
    expectEntry(await s.cmd(`AUTH PLAIN ${PLAIN(SUBMITTER, APP_PASSWORD)}`), 'gmail.no-identity-changes');
    await expectTlsOpen(s);
  });

  it('AUTH PLAIN with an undecodable response → gmail.cannot-decode-response', async () => {
    const server = await serve('gmail-submission');
    const { s } = await secureSession(server.smtp.port);
    expectEntry(await s.cmd('AUTH PLAIN !!!!'), 'gmail.cannot-decode-response');
    await expectTlsOpen(s);
  });

  it('the tenth command without AUTH → gmail.too-many-unauthenticated-commands, and the connection closes', async () => {
    const server = await serve('gmail-submission');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    for (let i = 2; i <= 9; i++) await t.expect('NOOP', '250');
    expectEntry(await t.cmd('NOOP'), 'gmail.too-many-unauthenticated-commands');
    await expectClosed(t);
  });

  it('the fourth failed login from one IP → gmail.too-many-login-attempts (three nodemailer failures first)', async () => {
    const server = await serve('gmail-submission');
    for (let i = 1; i <= 3; i++) {
      const { err } = await nodemailerSend(
        server.smtp.port,
        { from: SUBMITTER, to: TO, subject: `try ${i}`, text: 'hello' },
        { ignoreTLS: false, requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user: SUBMITTER, pass: `wrong-${i}` } },
      );
      expect(err?.code, `attempt ${i}`).toBe('EAUTH');
      expect(err!.responseCode).toBe(535);
      // nodemailer's copy of the reply: Gmail's text, wrapped, token-signed
      const lines = err!.response!.split('\n');
      expect(`${lines.join('\r\n')}\r\n`).toBe(expectedBytes(`${lines.join('\r\n')}\r\n`, 'gmail.bad-credentials'));
    }
    const { s } = await secureSession(server.smtp.port);
    expectEntry(await s.cmd(`AUTH PLAIN ${PLAIN(SUBMITTER, 'wrong-4')}`), 'gmail.too-many-login-attempts');
    await expectTlsOpen(s);
  });

  it('the right user and app password deliver through nodemailer (STARTTLS, AUTH)', async () => {
    const server = await serve('gmail-submission');
    const { info, err } = await nodemailerSend(
      server.smtp.port,
      { from: `Sender <${SUBMITTER}>`, to: TO, subject: 'submitted', text: 'Hello from a mail client.' },
      { ignoreTLS: false, requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user: SUBMITTER, pass: APP_PASSWORD } },
    );
    expect(err).toBeUndefined();
    expect(info!.accepted).toEqual([TO]);
    const [stored] = await server.messages.list();
    expect(stored!.envelope).toEqual({ mailFrom: SUBMITTER, rcptTo: [TO] });
    const record = server.sessions.get(stored!.sessionId)!;
    expect(record.tls).toBe(true);
    expect(record.authUser).toBe(SUBMITTER);
  });
});
