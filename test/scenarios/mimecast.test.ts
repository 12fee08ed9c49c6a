/**
 * The shipped mimecast scenario as one table: greylisting on the fake clock, the success path
 * behind it, and the replies found in Mimecast's article and collected bounces, byte for byte,
 * each ending with Mimecast's bracketed reference, with the rule that answered.
 */
import { expect } from 'vitest';
import { check, clock, cmd, connect, EHLO, entry, open, row, runTable, send, stored } from './dialogue.js';

const FROM = 'app@example.com';
const TO = 'jane@company.test';
const KNOWN = `extends: mimecast\nserver: { recipients: known }\nmailboxes: { "${TO}": {} }\n`;
const GREYLISTED = entry('mimecast.greylisted', 'mimecast-greylist');
const MAIL = { from: FROM, to: TO, subject: 'Receipt', text: 'Thanks.\n' };

runTable('mimecast', 'mimecast', [
  row('greets as a Mimecast MX, offers STARTTLS but no AUTH, and accepts MAIL in Mimecast\'s words with the session\'s reference', [
    connect({ raw: /^220 eu-smtp-inbound-1\.mimecast\.com\b[^\r\n]*\r\n$/ }),
    cmd('EHLO client.example.com', { head: '250-eu-smtp-inbound-1.mimecast.com Nice to meet you, [127.0.0.1]', caps: { has: ['STARTTLS'], lacks: [/^AUTH\b/] } }),
    // captured: a ListManager log, "250 Sender OK [Aj3QXapeMpqZYaeFwWhjzw.us32]" (dwlistore.dwli.org/knowledgebase/444)
    cmd(`MAIL FROM:<${FROM}>`, { raw: /^250 Sender OK \[[A-Za-z0-9_-]{22}\.(us|eu|uk|za|au)\d{2}\]\r\n$/, rule: null }),
    cmd(`RCPT TO:<${TO}>`, GREYLISTED),
    check('MAIL\'s reference is the one the session\'s refusals carry', ({ replies }) => {
      const ref = (raw: string) => /\[([^\]]+)\]\r\n$/.exec(raw)?.[1];
      expect(ref(replies.at(-2)!.raw)).toBeDefined();
      expect(ref(replies.at(-2)!.raw)).toBe(ref(replies.at(-1)!.raw));
    }),
    open(),
  ]),
  row('a new client, sender and recipient are greylisted; the same recipient retried after a minute is accepted', [
    connect(),
    EHLO,
    cmd(`MAIL FROM:<${FROM}>`, '250'),
    cmd(`RCPT TO:<${TO}>`, GREYLISTED),
    cmd(`RCPT TO:<${TO}>`, GREYLISTED),
    check('one reference per session', ({ replies }) => expect(replies.at(-1)!.raw).toBe(replies.at(-2)!.raw)),
    clock(61_000),
    cmd(`RCPT TO:<${TO}>`, '250'),
    open(),
  ]),
  row('nodemailer is greylisted at RCPT TO, and its retry a minute later is accepted', [
    send(MAIL, { refused: GREYLISTED, command: 'RCPT TO' }),
    clock(61_000),
    send(MAIL, { accepted: true }),
    stored(1),
  ]),
  row('past the greylist, a From header claiming the protected domain from outside → mimecast.anti-spoofing after the data', [
    send({ ...MAIL, from: 'CEO <ceo@protected.test>', envelope: { from: FROM, to: TO } }, { refused: GREYLISTED, command: 'RCPT TO' }),
    clock(61_000),
    send({ ...MAIL, from: 'CEO <ceo@protected.test>', envelope: { from: FROM, to: TO } }, { refused: entry('mimecast.anti-spoofing', 'mimecast-anti-spoofing', { sender: FROM }), command: 'DATA' }),
    stored(0),
  ]),
  row('a sender on the block list → mimecast.envelope-blocked-user-entry at RCPT, before any greylisting', [
    connect(),
    EHLO,
    cmd('MAIL FROM:<someone@blocked-sender.test>', '250'),
    cmd(`RCPT TO:<${TO}>`, entry('mimecast.envelope-blocked-user-entry', 'mimecast-blocked-sender')),
    open(),
  ]),
  row(
    'with recipients: known, an unlisted recipient is greylisted, then → mimecast.invalid-recipient (451)',
    [
      connect(),
      EHLO,
      cmd(`MAIL FROM:<${FROM}>`, '250'),
      cmd('RCPT TO:<nobody@company.test>', GREYLISTED),
      clock(61_000),
      cmd('RCPT TO:<nobody@company.test>', entry('mimecast.invalid-recipient', 'replies.user-unknown')),
      open(),
    ],
    KNOWN,
  ),
]);
