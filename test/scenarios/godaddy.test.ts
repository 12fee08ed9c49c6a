/**
 * The shipped godaddy scenario as one table, trigger by trigger, each row a real session with a
 * real client (raw socket, nodemailer, swaks). Every refusal is compared byte for byte with the
 * GoDaddy catalog entry (one line, IB code at the end of the text) and with the rule the
 * transcript says answered, and the connection is checked to close exactly when the entry says so.
 */
import { expect } from 'vitest';
import { check, clock, cmd, connect, data, EHLO, entry, open, overConnectionLimit, overRecipientLimit, row, runTable, send, swaks, times, type Step } from './dialogue.js';
import { EICAR, GTUBE, messageBuilder, PLAIN, receivedHops } from './messages.js';

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

const HELLO = [connect(), EHLO];
const KNOWN_RECIPIENTS = `extends: godaddy\nserver: { recipients: known }\nmailboxes: { "jane@coolexample.com": {} }\n`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Ten unknown recipients, each refused on its own: the most an hour before the IP is blocked. */
const UNKNOWN_RECIPIENTS = times(10, (i) => cmd(`RCPT TO:<nobody${i}@coolexample.com>`, entry('godaddy.recipient-not-found', 'replies.user-unknown', { recipient: `nobody${i}@coolexample.com` })));
const MAIL = cmd(`MAIL FROM:<${FROM}>`, '250');
const SERVER = (settings: string) => `extends: godaddy\nserver: ${settings}\n`;
const MAILBOX = (settings: string) => `extends: godaddy\nmailboxes: { "jane@coolexample.com": ${settings} }\n`;

/** nodemailer sends the hand-built `raw`, which GoDaddy must refuse after DATA with `id` (answered by `rule`). */
const refusedRaw = (raw: string, id: string, rule: string, values?: Record<string, string>): Step =>
  send({ envelope: { from: FROM, to: [TO] }, raw }, { refused: entry(id, rule, values), command: 'DATA' });

runTable('godaddy', 'godaddy', [
  // ---- greeting and EHLO (GoDaddy's inbound servers: "220 p3plibsmtp03-05.prod.phx3.secureserver.net bizsmtp ESMTP server ready")
  row('greets like bizsmtp and answers EHLO "hello [ip], secureserver.net", offering AUTH', [
    connect({ raw: '220 p3plibsmtp01-01.prod.phx3.secureserver.net bizsmtp ESMTP server ready\r\n' }),
    cmd('EHLO client.example.com', { head: '250-p3plibsmtp01-01.prod.phx3.secureserver.net hello [127.0.0.1], secureserver.net', caps: { has: ['AUTH PLAIN LOGIN', 'SIZE 31457280', 'STARTTLS'] } }),
    open(),
  ]),

  // ---- recipients
  row(
    'with recipients: known, an unlisted recipient → godaddy.recipient-not-found quoting it (swaks)',
    [
      swaks(['--helo', 'swaks.client.test', '--from', FROM, '--to', 'john@coolexample.com'], {
        exit: 24,
        refusal: entry('godaddy.recipient-not-found', 'replies.user-unknown', { recipient: 'john@coolexample.com' }),
      }),
    ],
    KNOWN_RECIPIENTS,
  ),
  row('a disabled mailbox → godaddy.account-disabled', [HELLO, MAIL, cmd(`RCPT TO:<${TO}>`, entry('godaddy.account-disabled', 'replies.mailbox-disabled')), open()], MAILBOX('{ disabled: true }')),
  row('a full mailbox (quota 0) → godaddy.storage-limit', [HELLO, MAIL, cmd(`RCPT TO:<${TO}>`, entry('godaddy.storage-limit', 'replies.mailbox-full')), open()], MAILBOX('{ quota: 0 }')),
  row(
    'a message that does not fit the remaining quota → godaddy.storage-limit at the end of DATA',
    [HELLO, MAIL, cmd(`RCPT TO:<${TO}>`, '250'), cmd('DATA', '354'), data(message(), entry('godaddy.storage-limit', 'replies.mailbox-quota-exceeded')), open()],
    MAILBOX('{ quota: 100 }'),
  ),
  row('the 101st recipient → godaddy.ib605-too-many-recipients', [HELLO, MAIL, overRecipientLimit(100, 'coolexample.com', entry('godaddy.ib605-too-many-recipients', 'replies.too-many-recipients')), open()]),

  // ---- AUTH is offered, and refused
  row('AUTH PLAIN → godaddy.ib401-auth-not-allowed', [HELLO, cmd(`AUTH PLAIN ${PLAIN(FROM, 'secret')}`, entry('godaddy.ib401-auth-not-allowed', 'godaddy-no-auth')), open()]),
  row('AUTH LOGIN, after both prompts → godaddy.ib401-auth-not-allowed', [
    HELLO,
    cmd('AUTH LOGIN', { raw: '334 VXNlcm5hbWU6\r\n' }),
    cmd(Buffer.from(FROM).toString('base64'), { raw: '334 UGFzc3dvcmQ6\r\n' }),
    cmd(Buffer.from('secret').toString('base64'), entry('godaddy.ib401-auth-not-allowed', 'godaddy-no-auth')),
    open(),
  ]),

  // ---- message content (nodemailer)
  row('a clean message is accepted and stored byte for byte', [
    send({ envelope: { from: FROM, to: [TO] }, raw: message() }, { accepted: true, response: /^250 / }),
    check('the stored bytes', async ({ server }) => expect((await server.messages.list())[0]!.raw.toString('utf8')).toBe(message())),
  ]),
  row('the GTUBE string in the body → godaddy.ib212-spam', [
    send({ from: FROM, to: TO, subject: 'spam test', text: `This is a spam test.\n${GTUBE}\n` }, { refused: entry('godaddy.ib212-spam', 'godaddy-spam'), command: 'DATA' }),
  ]),
  row('the EICAR test string as an attachment → godaddy.ib705-virus', [
    send({ from: FROM, to: TO, subject: 'virus test', text: 'Attached.', attachments: [{ filename: 'eicar.com', content: EICAR }] }, { refused: entry('godaddy.ib705-virus', 'godaddy-virus'), command: 'DATA' }),
  ]),
  row('no From header → godaddy.ib501-blank-from quoting the sender', [refusedRaw(message([], ['From']), 'godaddy.ib501-blank-from', 'godaddy-blank-from', { sender: FROM })]),
  row('a blank From header → godaddy.ib501-blank-from quoting the sender', [refusedRaw(message(['From:'], ['From']), 'godaddy.ib501-blank-from', 'godaddy-blank-from', { sender: FROM })]),
  row('an IP-literal From → godaddy.ib502-ip-from quoting the sender', [refusedRaw(message(['From: alice@[192.0.2.1]'], ['From']), 'godaddy.ib502-ip-from', 'godaddy-ip-from', { sender: FROM })]),
  row('a From with an invalid domain → godaddy.ib506-invalid-from-domain quoting the From domain', [
    refusedRaw(message(['From: Alice <alice@example_com>'], ['From']), 'godaddy.ib506-invalid-from-domain', 'godaddy-invalid-from-domain', { fromDomain: 'example_com' }),
  ]),
  row('a Delivered-To header naming the recipient → godaddy.message-looping', [refusedRaw(message([`Delivered-To: ${TO}`]), 'godaddy.message-looping', 'godaddy-looping')]),
  row('51 Received headers → godaddy.message-looping', [refusedRaw(message(receivedHops(51)), 'godaddy.message-looping', 'godaddy-looping')]),

  // ---- session limits
  row('50 messages in one session are accepted; the 51st MAIL → godaddy.ib510-too-many-messages-session (nodemailer pool)', [
    send(
      Array.from({ length: 51 }, (_, i) => ({ from: FROM, to: TO, subject: `message ${i + 1}`, text: `number ${i + 1}` })),
      { refused: entry('godaddy.ib510-too-many-messages-session', 'godaddy-messages-per-session'), command: 'MAIL FROM' },
    ),
    check('50 messages, all from one session', async ({ server }) => {
      expect(await server.messages.count()).toBe(50);
      expect(new Set((await server.messages.list()).map((m) => m.sessionId)).size).toBe(1);
    }),
  ]),
  row('a connection over server.maxConnections → godaddy.ib007-too-many-sessions, and it closes', [overConnectionLimit(entry('godaddy.ib007-too-many-sessions', 'replies.too-many-connections'))], SERVER('{ maxConnections: 1 }')),

  // ---- state across sessions, on the fake clock
  row(
    'more than 10 invalid recipients an hour block the IP for an hour (IB112); doing it again within the day blocks it for the day (IB113)',
    [
      connect(),
      EHLO,
      MAIL,
      UNKNOWN_RECIPIENTS,
      cmd('RCPT TO:<nobody11@coolexample.com>', entry('godaddy.ib112-invalid-recipients-hour', 'godaddy-invalid-recipients')),
      // the block answers at the greeting of the next session, while it lasts
      connect(entry('godaddy.ib112-invalid-recipients-hour', 'godaddy-invalid-recipients-blocked-hour'), 'within the hour'),
      clock(HOUR + 1000),
      connect('220', 'an hour later'),
      EHLO,
      MAIL,
      UNKNOWN_RECIPIENTS,
      cmd('RCPT TO:<nobody11@coolexample.com>', entry('godaddy.ib113-invalid-recipients-day', 'godaddy-invalid-recipients-again')),
      clock(2 * HOUR),
      connect(entry('godaddy.ib113-invalid-recipients-day', 'godaddy-invalid-recipients-blocked-day'), 'hours later'),
      clock(DAY),
      connect('220', 'the next day'),
    ],
    KNOWN_RECIPIENTS,
  ),
]);
