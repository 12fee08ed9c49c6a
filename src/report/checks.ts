/**
 * The checks of the report card: what each judges, where the rule is written, and what to do
 * about a failure. The order here is the order of every report.
 */

export interface CheckInfo {
  readonly id: string;
  readonly title: string;
  readonly clause: string;
  readonly remedy: string;
}

export const CHECKS = Object.freeze([
  {
    id: 'retry-after-4xx',
    title: 'Retries recipients refused with 4xx later, backing off, and only those',
    clause: 'RFC 5321 §4.5.4.1',
    remedy: 'Queue each 4xx-refused recipient and retry it alone after a delay that never shrinks; never resend to recipients that accepted.',
  },
  {
    id: 'no-resend-after-5xx',
    title: 'Does not send again to a recipient refused with 5xx',
    clause: 'RFC 5321 §4.2.1; RFC 3463 §3.1',
    remedy: 'Treat a 5xx for a recipient as final: bounce it and suppress the address instead of sending to it again.',
  },
  {
    id: 'quit-after-421',
    title: 'Stops talking after 421 and reconnects only after a pause',
    clause: 'RFC 5321 §3.8, §4.2.2',
    remedy: 'On 421 close the connection without further commands, then wait before reconnecting.',
  },
  {
    id: 'split-after-452',
    title: 'After 452 4.5.3 delivers to the accepted recipients and sends the rest in another transaction',
    clause: 'RFC 5321 §4.5.3.1.10',
    remedy: 'On 452 for too many recipients keep going with DATA, then send the refused recipients in a new transaction; 452 is not permanent.',
  },
  {
    id: 'size',
    title: 'Declares SIZE, stays under the advertised limit, and does not retry a message refused as too big',
    clause: 'RFC 1870 §4, §6; RFC 3463 §3.4 (5.3.4)',
    remedy: 'Send SIZE=<octets> on MAIL when SIZE is advertised, never more than the limit, and bounce a message refused with 552 5.3.4.',
  },
  {
    id: 'greylist-and-rate-limit',
    title: 'Waits out greylisting and rate limits, then delivers once',
    clause: 'RFC 5321 §4.5.4.1; RFC 6647 §2',
    remedy: 'After a greylisting or rate-limit reply wait at least the minimum retry delay, then deliver each recipient exactly once.',
  },
  {
    id: 'no-mail-after-dsn',
    title: 'Sends no more mail to an address after a failure DSN for it',
    clause: 'RFC 3464 §2.3.3; RFC 5321 §6.1',
    remedy: 'Process bounces (DSNs) to the envelope sender and suppress addresses reported as failed.',
  },
  {
    id: 'hygiene-ehlo-first',
    title: 'Greets with EHLO before MAIL, again after STARTTLS',
    clause: 'RFC 5321 §4.1.4; RFC 3207 §4.2',
    remedy: 'Send EHLO first in every session, and again after TLS is established.',
  },
  {
    id: 'hygiene-starttls',
    title: 'Uses STARTTLS when the server offers it',
    clause: 'RFC 3207 §4; RFC 7435 §3',
    remedy: 'Issue STARTTLS whenever EHLO advertises it (it may be required) before sending mail.',
  },
  {
    id: 'hygiene-pipelining',
    title: 'Pipelines only when advertised, never past STARTTLS',
    clause: 'RFC 2920 §3.1; RFC 3207 §4.2',
    remedy: 'Wait for each reply unless EHLO advertised PIPELINING, and make STARTTLS the last command of its group.',
  },
  {
    id: 'hygiene-crlf',
    title: 'Ends every line with CRLF',
    clause: 'RFC 5321 §2.3.8',
    remedy: 'Write CRLF line endings in commands and message data; convert bare LF and bare CR before sending.',
  },
  {
    id: 'hygiene-line-length',
    title: 'Keeps command lines within 512 octets and text lines within 1000',
    clause: 'RFC 5321 §4.5.3.1.4, §4.5.3.1.6',
    remedy: 'Fold long headers and encode long body lines (quoted-printable or base64).',
  },
  {
    id: 'hygiene-dot-stuffing',
    title: 'Dot-stuffs data lines that start with a period',
    clause: 'RFC 5321 §4.5.2',
    remedy: 'Double the leading period of every data line that starts with one.',
  },
  {
    id: 'hygiene-8bitmime',
    title: 'Sends 8-bit data only with BODY=8BITMIME, and only when 8BITMIME is advertised',
    clause: 'RFC 6152 §3; RFC 5321 §4.1.1.11',
    remedy: 'Declare BODY=8BITMIME for 8-bit content when advertised; otherwise encode the content as 7-bit.',
  },
  {
    id: 'hygiene-smtputf8',
    title: 'Uses SMTPUTF8 when, and only when, it is needed and offered',
    clause: 'RFC 6531 §3.2, §3.4',
    remedy: 'Give SMTPUTF8 on MAIL only for UTF-8 addresses or headers, and only to servers that advertise it.',
  },
  {
    id: 'hygiene-quit',
    title: 'Ends sessions with QUIT',
    clause: 'RFC 5321 §4.1.1.10',
    remedy: 'Send QUIT and wait for its reply before closing the connection.',
  },
] as const satisfies readonly CheckInfo[]);

export type CheckId = (typeof CHECKS)[number]['id'];

export const CHECK_IDS: readonly CheckId[] = Object.freeze(CHECKS.map((c) => c.id));

const BY_ID = new Map<string, CheckInfo>(CHECKS.map((c) => [c.id, c]));

export const checkInfo = (id: CheckId): CheckInfo => BY_ID.get(id)!;
