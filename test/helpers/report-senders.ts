/**
 * SMTP clients for report card tests, typed line by line over a real socket: one that does
 * everything the card grades right (EHLO, SIZE=, CRLF, QUIT), so what it fails is only what a
 * test makes it do (not retry, retry too soon).
 */
import { Telnet } from './telnet.js';

/** STARTTLS off (the typed client stays in clear text), and slow@ greylisted for a minute. */
export const GREYLIST_SCENARIO = `server: { tls: { starttls: off } }
rules:
  - { id: grey, when: { stage: rcpt, rcpt: "slow@*" }, greylist: { delay: 1m }, then: "450 4.2.1 Greylisted, try again later" }
`;

/**
 * One session: EHLO, MAIL with SIZE=, RCPT (expecting `rcptReply`, e.g. "250" or "450 4.2.1"),
 * the message when accepted, QUIT; resolves once the server has closed the connection.
 */
export async function typedSend(port: number, from: string, to: string, rcptReply = '250'): Promise<void> {
  const body = `From: <${from}>\r\nTo: <${to}>\r\nSubject: hello\r\nMessage-ID: <${from.replace('@', '.')}.1@client.test>\r\n\r\nhi there\r\n`;
  const t = await Telnet.connect(port);
  try {
    await t.reply();
    await t.expect('EHLO client.test', '250');
    await t.expect(`MAIL FROM:<${from}> SIZE=${body.length}`, '250');
    await t.expect(`RCPT TO:<${to}>`, rcptReply);
    if (rcptReply.startsWith('250')) {
      await t.expect('DATA', '354');
      await t.expect(`${body}.`, '250');
    }
    await t.expect('QUIT', '221');
    await t.closed;
  } finally {
    t.close();
  }
}
