/**
 * The shipped microsoft365 scenario as one table, each row a real session (raw socket, swaks,
 * nodemailer): Exchange Online's greeting and EHLO, and its refusals byte for byte, each ending
 * with the answering front-end server in brackets, with the rule the transcript says answered.
 */
import { expect } from 'vitest';
import { check, cmd, connect, EHLO, entry, open, row, runTable, send, stored, swaks } from './dialogue.js';

const FROM = 'megan@fabrikam.example';
const TO = 'adele@contoso.com';

const KNOWN_RECIPIENTS = `extends: microsoft365\nserver: { recipients: known }\nmailboxes: { "adele@contoso.com": {} }\n`;
const SWAKS = ['--helo', 'swaks.client.test', '--from', FROM];
const REJECTED = entry('microsoft365.5.4.1-recipient-rejected', 'replies.user-unknown');
const BAD_OUTBOUND = entry('microsoft365.5.1.8-bad-outbound-sender', 'microsoft365-bad-outbound-sender');

runTable('microsoft365', 'microsoft365', [
  // Exchange Online: "220 BN8NAM12FT061.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at <date>"
  row('greets and answers EHLO like Exchange Online, with no AUTH on the MX', [
    connect({ raw: /^220 BN8NAM12FT061\.mail\.protection\.outlook\.com Microsoft ESMTP MAIL Service ready at (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000\r\n$/ }),
    check('the greeting tells the time of the (fake) clock', ({ replies, clock: c }) => expect(replies[0]!.raw).toContain(new Date(c.now).toUTCString().replace('GMT', '+0000'))),
    // Exchange Online's order (captured: github.com/ietf-tools/datatracker/pull/5888), BINARYMIME and CHUNKING among them
    cmd('EHLO client.example.com', {
      head: '250-BN8NAM12FT061.mail.protection.outlook.com Hello [127.0.0.1]',
      caps: { order: ['SIZE 36700160', 'PIPELINING', 'DSN', 'ENHANCEDSTATUSCODES', 'STARTTLS', '8BITMIME', 'BINARYMIME', 'CHUNKING', 'SMTPUTF8'], lacks: [/^AUTH\b/i] },
    }),
    cmd(`MAIL FROM:<${FROM}>`, { raw: '250 2.1.0 Sender OK\r\n', rule: null }),
    cmd(`RCPT TO:<${TO}>`, { raw: '250 2.1.5 Recipient OK\r\n', rule: null }),
    open(),
  ]),
  row(
    'with recipients: known, an unlisted recipient → microsoft365.5.4.1-recipient-rejected (swaks); a listed one is accepted',
    [
      swaks([...SWAKS, '--to', 'nobody@contoso.com'], { exit: 24, refusal: REJECTED }),
      swaks([...SWAKS, '--to', TO], { exit: 0 }),
      check('only the listed mailbox got a message', async ({ server }) => expect((await server.messages.list()).map((m) => m.envelope.rcptTo)).toEqual([[TO]])),
    ],
    KNOWN_RECIPIENTS,
  ),
  row(
    'the same front-end server signs every refusal of a session',
    [
      connect(),
      EHLO,
      cmd(`MAIL FROM:<${FROM}>`, '250'),
      cmd('RCPT TO:<nobody@contoso.com>', REJECTED),
      cmd('RCPT TO:<noone@contoso.com>', REJECTED),
      // the bracket's server and id are the session's; only its time moves
      check('both refusals are the same bytes but for the time', ({ replies }) => {
        const untimed = (raw: string) => raw.replace(/ \d{4}-\d\d-\d\dT[\d:.]+Z /, ' <time> ');
        expect(untimed(replies.at(-1)!.raw)).toBe(untimed(replies.at(-2)!.raw));
      }),
      open(),
    ],
    KNOWN_RECIPIENTS,
  ),
  row('a sender at bad-outbound.test → microsoft365.5.1.8-bad-outbound-sender at MAIL (raw socket); other senders still get through', [
    connect(),
    EHLO,
    cmd('MAIL FROM:<spammer@bad-outbound.test>', BAD_OUTBOUND),
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    open(),
  ]),
  row('a sender at bad-outbound.test → microsoft365.5.1.8-bad-outbound-sender (nodemailer sees it at MAIL FROM)', [
    send({ from: 'spammer@bad-outbound.test', to: TO, subject: 'hi', text: 'hello' }, { refused: BAD_OUTBOUND, command: 'MAIL FROM' }),
    stored(0),
  ]),
]);
