/**
 * The shipped proofpoint scenario as one table: the success path and the replies found in the
 * Proofpoint section of a public collection of received replies, byte for byte, with the rule
 * that answered; address verification as a greylist on the recipient, on the fake clock.
 */
import { clock, closed, cmd, connect, data, EHLO, entry, open, row, runTable, send, stored } from './dialogue.js';

const FROM = 'app@example.com';
const TO = 'jane@company.test';
const KNOWN = `extends: proofpoint\nserver: { recipients: known }\nmailboxes: { "${TO}": {} }\n`;

runTable('proofpoint', 'proofpoint', [
  row('greets and answers EHLO without AUTH', [connect('220 mx0b-00000000.pphosted.com'), cmd('EHLO client.example.com', { starts: '250', caps: { has: ['STARTTLS'], lacks: [/^AUTH\b/] } }), open()]),
  // the success path as captured from a Proofpoint MX (github.com/pgiu/SimpleMailServerTester, README.md, 2016)
  row("greets, answers HELO, MAIL, RCPT, DATA, the message and QUIT in Proofpoint's words", [
    connect({ raw: /^220 mx0b-00000000\.pphosted\.com ESMTP cm-m\d{7}\r\n$/ }),
    cmd('HELO client.example.com', { raw: '250 mx0b-00000000.pphosted.com Hello [127.0.0.1], pleased to meet you\r\n' }),
    cmd(`MAIL FROM:<${FROM}>`, { raw: '250 2.1.0 Sender ok\r\n' }),
    cmd(`RCPT TO:<${TO}>`, { raw: '250 2.1.5 Recipient ok\r\n' }),
    cmd('DATA', { raw: '354 Enter mail, end with "." on a line by itself\r\n' }),
    data('From: <app@example.com>\r\nTo: <jane@company.test>\r\nSubject: Receipt\r\n\r\nThanks.\r\n', { raw: /^250 2\.0\.0 [0-9a-z]{10}-1 Message accepted for delivery\r\n$/ }),
    stored(1),
    cmd('QUIT', { raw: '221 2.0.0 mx0b-00000000.pphosted.com Closing connection\r\n' }),
    closed(),
  ]),
  row('ordinary mail is accepted (nodemailer)', [send({ from: FROM, to: TO, subject: 'Receipt', text: 'Thanks.\n' }, { accepted: true }), stored(1)]),
  row(
    'with recipients: known, an unlisted recipient → proofpoint.user-unknown, naming the address',
    [connect(), EHLO, cmd(`MAIL FROM:<${FROM}>`, '250'), cmd('RCPT TO:<nobody@company.test>', entry('proofpoint.user-unknown', 'replies.user-unknown', { recipient: 'nobody@company.test' })), cmd(`RCPT TO:<${TO}>`, '250'), open()],
    KNOWN,
  ),
  row('a recipient discovery marked invalid → proofpoint.marked-invalid', [
    connect(),
    EHLO,
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    cmd('RCPT TO:<gone@invalid-recipients.test>', entry('proofpoint.marked-invalid', 'proofpoint-marked-invalid', { recipient: 'gone@invalid-recipients.test' })),
    open(),
  ]),
  row('a recipient being verified → 421 4.1.1 and the connection closes; retried after a minute, it is accepted', [
    connect(),
    EHLO,
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    cmd('RCPT TO:<new@verified-domain.test>', entry('proofpoint.address-verification-in-progress', 'proofpoint-address-verification', { recipient: 'new@verified-domain.test' })),
    clock(61_000),
    connect('220', 'retry'),
    EHLO,
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    cmd('RCPT TO:<new@verified-domain.test>', '250'),
    open(),
  ]),
]);
