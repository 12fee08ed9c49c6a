/**
 * The shipped exam scenario as one table: ordinary traffic meets each failure at a fixed point
 * (greylisting, 452 4.5.3, 550 5.1.1, 421 4.7.0, the hourly rate, SIZE), with the rule that
 * answered named in the transcript. The report card grades what the client did next
 * (test/report); this table pins what it meets.
 */
import { clock, cmd, connect, closed, EHLO, open, row, runTable, times } from './dialogue.js';

const MINUTE = 60_000;
const MAIL = (from = 'app@sender.test') => cmd(`MAIL FROM:<${from}>`, '250');
const greylisted = { starts: '450 4.2.1', rule: 'exam-greylist' };
const HELLO = [connect(), EHLO];

runTable('exam', 'gmail', [
  row(
    'a new sender+recipient is greylisted once; after the delay the same pair passes, and stays remembered',
    [HELLO, MAIL(), cmd('RCPT TO:<ann@receiver.test>', greylisted), clock(30_000), cmd('RCPT TO:<ann@receiver.test>', greylisted), clock(MINUTE), cmd('RCPT TO:<ann@receiver.test>', '250'), cmd('RSET', '250'), MAIL(), cmd('RCPT TO:<ann@receiver.test>', '250'), open()],
    'exam',
  ),
  row(
    'the third recipient of one transaction gets 452 4.5.3 (before greylisting, not counted as a fifth RCPT): send the rest later',
    [
      HELLO,
      MAIL(),
      times(2, (i) => cmd(`RCPT TO:<r${i}@receiver.test>`, greylisted)),
      clock(2 * MINUTE),
      times(2, (i) => cmd(`RCPT TO:<r${i}@receiver.test>`, '250')),
      cmd('RCPT TO:<r3@receiver.test>', { starts: '452 4.5.3', rule: 'exam-too-many-recipients' }),
      open(),
    ],
    'exam',
  ),
  row(
    "a sender's fifth RCPT gets 550 5.1.1, once; another sender starts its own count",
    [
      HELLO,
      MAIL(),
      times(4, (i) => cmd(`RCPT TO:<u${i}@receiver.test>`, greylisted)),
      cmd('RCPT TO:<u5@receiver.test>', { starts: '550 5.1.1', rule: 'exam-user-unknown' }),
      cmd('RCPT TO:<u6@receiver.test>', greylisted),
      cmd('RSET', '250'),
      MAIL('other@sender.test'),
      times(4, (i) => cmd(`RCPT TO:<u${i}@receiver.test>`, greylisted)),
      cmd('RCPT TO:<u5@receiver.test>', { starts: '550 5.1.1', rule: 'exam-user-unknown' }),
      open(),
    ],
    'exam',
  ),
  row(
    'the sixth MAIL from one IP gets 421 4.7.0 and the connection closes; the next connection goes on',
    [HELLO, times(5, () => [MAIL(), cmd('RSET', '250')]), cmd('MAIL FROM:<app@sender.test>', { starts: '421 4.7.0', rule: 'exam-421' }), closed(), connect('220', 'again'), EHLO, MAIL(), open()],
    'exam',
  ),
  row(
    'past 30 messages an hour from one IP: 421 4.7.28 and close, until the hour slides',
    [
      HELLO,
      // the sixth MAIL meets exam-421 (counted by the rate too): reconnect and go on
      times(5, () => [MAIL(), cmd('RSET', '250')]),
      cmd('MAIL FROM:<app@sender.test>', { starts: '421 4.7.0', rule: 'exam-421' }),
      closed(),
      connect('220', 'second'),
      EHLO,
      times(24, () => [MAIL(), cmd('RSET', '250')]),
      cmd('MAIL FROM:<app@sender.test>', { starts: '421 4.7.28', rule: 'exam-rate-limit' }),
      closed(),
      clock(61 * MINUTE),
      connect('220', 'third'),
      EHLO,
      MAIL(),
      open(),
    ],
    'exam',
  ),
  row('SIZE is advertised at 10MB and a larger declared SIZE gets 552 5.3.4', [connect(), cmd('EHLO client.example.com', { starts: '250', caps: { has: ['SIZE 10485760'] } }), cmd('MAIL FROM:<app@sender.test> SIZE=20000000', { starts: '552 5.3.4' }), open()], 'exam'),
]);
