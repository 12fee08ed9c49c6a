/**
 * The shipped outlook scenario as one table: an Outlook.com MX host name, the success path, and
 * the replies found in Microsoft's announcement and published bounces, byte for byte, each
 * ending with the answering front-end server in brackets, with the rule that answered.
 */
import { expect } from 'vitest';
import { check, cmd, connect, data, EHLO, entry, open, row, runTable, send, stored } from './dialogue.js';

const FROM = 'app@example.com';
const TO = 'jane@hotmail.test';
const KNOWN = `extends: outlook\nserver: { recipients: known }\nmailboxes: { "${TO}": {} }\n`;

runTable('outlook', 'outlook', [
  row('greets as an Outlook.com MX and offers STARTTLS but no AUTH', [
    connect({ raw: /^220 eur\.olc\.protection\.outlook\.com\b[^\r\n]*\r\n$/ }),
    cmd('EHLO client.example.com', { head: '250-eur.olc.protection.outlook.com Nice to meet you, [127.0.0.1]', caps: { has: ['STARTTLS', 'ENHANCEDSTATUSCODES'], lacks: [/^AUTH\b/] } }),
    open(),
  ]),
  row('ordinary mail is accepted (nodemailer)', [send({ from: FROM, to: TO, subject: 'Receipt', text: 'Thanks.\n' }, { accepted: true }), stored(1)]),
  row(
    'with recipients: known, an unlisted recipient → outlook.mailbox-unavailable; the same server signs every refusal of the session',
    [
      connect(),
      EHLO,
      cmd(`MAIL FROM:<${FROM}>`, '250'),
      cmd('RCPT TO:<nobody@hotmail.test>', entry('outlook.mailbox-unavailable', 'replies.user-unknown')),
      cmd('RCPT TO:<noone@hotmail.test>', entry('outlook.mailbox-unavailable', 'replies.user-unknown')),
      check('both refusals are the same bytes', ({ replies }) => expect(replies.at(-1)!.raw).toBe(replies.at(-2)!.raw)),
      cmd(`RCPT TO:<${TO}>`, '250'),
      open(),
    ],
    KNOWN,
  ),
  row('a magic recipient replays the S3150 block list with the client IP, at RCPT', [
    connect(),
    EHLO,
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    cmd('RCPT TO:<outlook.s3150-block-list@hotmail.test>', entry('outlook.s3150-block-list', 'magic:outlook.s3150-block-list', { ip: '127.0.0.1' })),
    open(),
  ]),
  row('magic recipients replay the IP-reputation rate limits (4.7.650, 4.7.651) at RCPT with the client IP; the session stays open', [
    connect(),
    EHLO,
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    cmd('RCPT TO:<outlook.4.7.650-ip-reputation@hotmail.test>', entry('outlook.4.7.650-ip-reputation', 'magic:outlook.4.7.650-ip-reputation', { ip: '127.0.0.1' })),
    cmd('RCPT TO:<outlook.4.7.651-ip-reputation@hotmail.test>', entry('outlook.4.7.651-ip-reputation', 'magic:outlook.4.7.651-ip-reputation', { ip: '127.0.0.1' })),
    cmd(`RCPT TO:<${TO}>`, '250'),
    open(),
  ]),
  row('a magic recipient replays 5.7.515 after the message, naming the sending domain', [
    connect(),
    EHLO,
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    cmd('RCPT TO:<outlook.5.7.515-authentication-level@hotmail.test>', '250'),
    cmd('DATA', '354'),
    data('Subject: hi\r\n\r\nhello\r\n', entry('outlook.5.7.515-authentication-level', 'magic:outlook.5.7.515-authentication-level', { domain: 'example.com' })),
    stored(0),
  ]),
]);
