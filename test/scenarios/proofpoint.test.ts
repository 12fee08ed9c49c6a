/**
 * The shipped proofpoint scenario as one table: the success path and the replies found in the
 * Proofpoint section of a public collection of received replies, byte for byte, with the rule
 * that answered; address verification as a greylist on the recipient, on the fake clock.
 */
import { clock, cmd, connect, EHLO, entry, open, row, runTable, send, stored } from './dialogue.js';

const FROM = 'app@example.com';
const TO = 'jane@company.test';
const KNOWN = `extends: proofpoint\nserver: { recipients: known }\nmailboxes: { "${TO}": {} }\n`;

runTable('proofpoint', 'proofpoint', [
  row('greets and answers EHLO without AUTH', [connect('220 proofpoint.mockmx.test'), cmd('EHLO client.example.com', { starts: '250', caps: { has: ['STARTTLS'], lacks: [/^AUTH\b/] } }), open()]),
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
