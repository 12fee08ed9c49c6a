/**
 * Protocol events: situations where the server itself refuses something (a bad command
 * sequence, an unknown mailbox, bad credentials…). Each is a fact rules can match
 * (`when: { event: … }`), and a scenario's `replies:` table can say how its provider words
 * the refusal. Without either, the default reply listed here (or smtp-server's) is sent.
 */
export const EVENTS = {
  'helo-first': 'MAIL, RCPT, DATA or AUTH before HELO/EHLO',
  'mail-first': 'RCPT before MAIL',
  'rcpt-first': 'DATA before any accepted RCPT',
  'bad-sequence': 'a command out of sequence (nested MAIL, STARTTLS twice…)',
  'unknown-command': 'a verb the server does not know',
  'unimplemented-command': 'a known SMTP verb this server does not implement (BDAT, ETRN, EXPN, TURN…)',
  'too-many-unknown-commands': 'the tenth unknown command of a session (closes)',
  'helo-empty': 'HELO/EHLO without an argument',
  'helo-invalid': 'HELO/EHLO with an invalid argument',
  'starttls-params': 'STARTTLS with parameters',
  'starttls-pipelined': 'commands pipelined after STARTTLS in the same packet',
  'mail-syntax': 'a MAIL command that does not parse',
  'rcpt-syntax': 'a RCPT command that does not parse',
  'invalid-sender-address': 'a sender that is not a valid RFC 5321 address',
  'invalid-recipient-address': 'a recipient that is not a valid RFC 5321 address',
  'user-unknown': 'a recipient not among the known mailboxes (recipients: known)',
  'mailbox-disabled': 'a recipient whose mailbox is disabled',
  'mailbox-full': 'a recipient whose mailbox quota is used up (at RCPT)',
  'mailbox-quota-exceeded': 'a message that does not fit a recipient’s remaining quota',
  'too-many-recipients': 'more recipients than server.maxRecipients',
  'message-too-big': 'a message (or a SIZE= declaration) over server.size',
  'tls-required': 'MAIL before STARTTLS when tls.starttls is required',
  'auth-needs-tls': 'AUTH before STARTTLS when auth.allowInsecure is false',
  'auth-required': 'MAIL before AUTH when auth.required is true',
  'auth-failed': 'AUTH with credentials that match no scenario user',
  'auth-mechanism-unknown': 'AUTH with a mechanism that is not offered',
  'auth-xoauth': 'AUTH XOAUTH (the retired Google mechanism)',
  'auth-repeated': 'AUTH after a successful AUTH',
  'auth-decode': 'an AUTH response that cannot be decoded',
  'too-many-unauthenticated': 'too many commands before AUTH when auth.required (closes)',
  'idle-timeout': 'the client was idle longer than server.idleTimeout (closes)',
  'too-many-connections': 'more connections than server.maxConnections (closes)',
  'line-too-long': 'a command line over 16 KB (closes)',
  'early-talker': 'the client spoke before the greeting (closes)',
  'session-refused': 'any command but QUIT after the session was refused (a magic recipient replaying a connect-stage refusal)',
} as const;

export type EventName = keyof typeof EVENTS;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];
