/**
 * The shipped yahoo scenario as one table: a Yahoo MX host name, the success path, and the
 * replies found in Yahoo's pages and published bounces, byte for byte, with the rule that
 * answered. DNS data makes the authentication rows real (SPF, DMARC over the scenario's dns:).
 */
import { check, closed, cmd, connect, EHLO, entry, open, row, runTable, send, stored } from './dialogue.js';

const FROM = 'app@example.com';
const TO = 'jane@yahoo.test';
const KNOWN = `extends: yahoo\nserver: { recipients: known }\nmailboxes: { "${TO}": {} }\n`;
// example.com publishes p=reject and an SPF record 127.0.0.1 fails; example.org only a softfail SPF record
const AUTH = `extends: yahoo
dns:
  example.com: { TXT: "v=spf1 ip4:192.0.2.10 -all" }
  _dmarc.example.com: { TXT: "v=DMARC1; p=reject" }
  example.org: { TXT: "v=spf1 ip4:192.0.2.10 ~all" }
`;

runTable('yahoo', 'yahoo', [
  // captured: github.com/truemail-rb/truemail-go/issues/91 (swaks to mta5.am0.yahoodns.net, 2024-04)
  row('greets and answers EHLO and MAIL as a Yahoo MX: its host name, its capability order, no AUTH', [
    connect({ raw: '220 mtaproxy511.free.mail.bf1.yahoo.com ESMTP ready\r\n' }),
    // Yahoo lists only these four; mockmx cannot switch off SMTPUTF8 and ENHANCEDSTATUSCODES, which follow
    cmd('EHLO client.example.com', { head: '250-mtaproxy511.free.mail.bf1.yahoo.com', caps: { order: ['PIPELINING', 'SIZE 41943040', '8BITMIME', 'STARTTLS', 'SMTPUTF8', 'ENHANCEDSTATUSCODES'], lacks: [/^AUTH\b/, 'DSN'] } }),
    cmd(`MAIL FROM:<${FROM}>`, { raw: `250 sender <${FROM}> ok\r\n`, rule: null }),
    open(),
  ]),
  row('the null sender (a bounce) gets the same MAIL wording, with empty brackets', [connect(), EHLO, cmd('MAIL FROM:<>', { raw: '250 sender <> ok\r\n', rule: null }), open()]),
  row('ordinary mail is accepted (nodemailer)', [send({ from: FROM, to: TO, subject: 'Receipt', text: 'Thanks.\n' }, { accepted: true }), stored(1)]),
  row(
    'with recipients: known, an unlisted recipient → yahoo.user-unknown, naming the address',
    [
      connect(),
      EHLO,
      cmd(`MAIL FROM:<${FROM}>`, '250'),
      cmd('RCPT TO:<nobody@yahoo.test>', entry('yahoo.user-unknown', 'replies.user-unknown', { recipient: 'nobody@yahoo.test' })),
      cmd(`RCPT TO:<${TO}>`, '250'),
      open(),
    ],
    KNOWN,
  ),
  row(
    'mail failing a p=reject DMARC policy → yahoo.policy-reasons; passing neither SPF nor DKIM → yahoo.sender-unauthenticated',
    [
      send({ from: FROM, to: TO, subject: 'hi', text: 'hello\n' }, { refused: entry('yahoo.policy-reasons', 'yahoo-dmarc-policy'), command: 'DATA' }),
      send({ from: 'app@example.org', to: TO, subject: 'hi', text: 'hello\n' }, { refused: entry('yahoo.sender-unauthenticated', 'yahoo-unauthenticated'), command: 'DATA' }),
      stored(0),
    ],
    AUTH,
  ),
  row('a magic recipient replays TSS04: 421 4.7.0 with the client IP, then the connection closes', [
    connect(),
    EHLO,
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    cmd('RCPT TO:<yahoo.tss04-temporarily-deferred@yahoo.test>', entry('yahoo.tss04-temporarily-deferred', 'magic:yahoo.tss04-temporarily-deferred', { ip: '127.0.0.1' })),
    closed(),
  ]),
  row('a magic recipient replays an account disabled after the data, as Yahoo does', [
    connect(),
    EHLO,
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    cmd('RCPT TO:<yahoo.account-disabled@yahoo.test>', '250'),
    cmd('DATA', '354'),
    cmd('Subject: hi\r\n\r\nhello\r\n.', entry('yahoo.account-disabled', 'magic:yahoo.account-disabled', { recipient: 'yahoo.account-disabled@yahoo.test' })),
    check('nothing kept', async ({ server }) => {
      if ((await server.messages.count()) !== 0) throw new Error('the refused message was kept');
    }),
  ]),
]);
