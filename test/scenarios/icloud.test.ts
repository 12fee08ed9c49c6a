/**
 * The shipped icloud scenario as one table: iCloud's MX host name, the success path, and the
 * replies found in published iCloud bounces and logs, byte for byte, with the rule that answered.
 */
import { expect } from 'vitest';
import { check, closed, cmd, connect, data, EHLO, entry, open, row, runTable, send, stored } from './dialogue.js';

const FROM = 'app@example.com';
const TO = 'jane@icloud.test';
const KNOWN = `extends: icloud\nserver: { recipients: known }\nmailboxes: { "${TO}": {} }\n`;
const DMARC = `extends: icloud
dns:
  example.com: { TXT: "v=spf1 ip4:192.0.2.10 -all" }
  _dmarc.example.com: { TXT: "v=DMARC1; p=reject" }
`;

runTable('icloud', 'icloud', [
  // captured: github.com/reacherhq/check-if-email-exists/issues/1410 (mx01.mail.icloud.com, 2023-12)
  row('greets as an iCloud MX, answers EHLO with the bare host name and PIPELINING first, offers STARTTLS but no AUTH', [
    connect({ raw: '220 iCloud iscream SMTP proxy - p00-iscream-smtp-d759469dd-ss5bd 3.5.0 (2403B23-529c1e05a5df)\r\n' }),
    cmd('EHLO client.example.com', { head: '250-p00-iscream-smtp-d759469dd-ss5bd', caps: { has: ['STARTTLS'], lacks: [/^AUTH\b/] } }),
    check('PIPELINING is the first capability, as captured', ({ replies }) => expect(replies.at(-1)!.lines[1]).toBe('250-PIPELINING')),
    open(),
  ]),
  row('ordinary mail is accepted (nodemailer)', [send({ from: FROM, to: TO, subject: 'Receipt', text: 'Thanks.\n' }, { accepted: true }), stored(1)]),
  row(
    'with recipients: known, an unlisted recipient → icloud.user-unknown, naming the address',
    [connect(), EHLO, cmd(`MAIL FROM:<${FROM}>`, '250'), cmd('RCPT TO:<nobody@icloud.test>', entry('icloud.user-unknown', 'replies.user-unknown', { recipient: 'nobody@icloud.test' })), cmd(`RCPT TO:<${TO}>`, '250'), open()],
    KNOWN,
  ),
  row(
    'mail failing a p=reject DMARC policy → icloud.dmarc-policy, naming the From domain (nodemailer sees it at DATA)',
    [send({ from: FROM, to: TO, subject: 'hi', text: 'hello\n' }, { refused: entry('icloud.dmarc-policy', 'icloud-dmarc-policy', { fromDomain: 'example.com' }), command: 'DATA' }), stored(0)],
    DMARC,
  ),
  row('a magic recipient replays the excessive-volume deferral: 421 4.7.1 naming the recipient, then the connection closes', [
    connect(),
    EHLO,
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    cmd('RCPT TO:<icloud.excessive-volume@icloud.test>', entry('icloud.excessive-volume', 'magic:icloud.excessive-volume', { recipient: 'icloud.excessive-volume@icloud.test' })),
    closed(),
  ]),
  row('a magic recipient replays CS01 after the message', [
    connect(),
    EHLO,
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    cmd('RCPT TO:<icloud.cs01-local-policy@icloud.test>', '250'),
    cmd('DATA', '354'),
    data('Subject: hi\r\n\r\nhello\r\n', entry('icloud.cs01-local-policy', 'magic:icloud.cs01-local-policy')),
    stored(0),
  ]),
]);
