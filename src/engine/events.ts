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
} as const;

export type EventName = keyof typeof EVENTS;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

/** Verbs RFC 5321 and its extensions define that mockmx does not implement. */
export const UNIMPLEMENTED_VERBS: ReadonlySet<string> = new Set(['BDAT', 'ETRN', 'EXPN', 'TURN', 'ATRN', 'SAML', 'SEND', 'SOML', 'XCLIENT', 'XFORWARD']);

/**
 * Recognises smtp-server's own refusals by their code and text, so they become events. The
 * texts are smtp-server 3.21.6's (test/smtp/internals.test.ts checks they still exist).
 */
export function classifyServerReply(code: number, text: string, verb: string, arg: string): EventName | undefined {
  if (code < 400) return undefined;
  switch (text) {
    case 'Error: send HELO/EHLO first':
      return 'helo-first';
    case 'Error: need MAIL command':
      return 'mail-first';
    case 'Error: need RCPT command':
      return 'rcpt-first';
    case 'Error: nested MAIL command':
    case 'Error: TLS already active':
      return 'bad-sequence';
    case 'Error: command not recognized':
      return UNIMPLEMENTED_VERBS.has(verb) ? 'unimplemented-command' : 'unknown-command';
    case 'Error: too many unrecognized commands':
      return 'too-many-unknown-commands';
    case 'Error: syntax: EHLO hostname':
    case 'Error: Syntax: HELO hostname':
      return arg.trim() ? 'helo-invalid' : 'helo-empty';
    case 'Error: Bad hostname syntax':
      return 'helo-invalid';
    case 'Error: syntax: STARTTLS':
      return 'starttls-params';
    // smtp-server says "syntax" for both; a well-formed <…> with a bad address inside is the address's fault
    case 'Error: Bad sender address syntax':
      return /^FROM:\s*<[^<>]+>(\s|$)/i.test(arg) ? 'invalid-sender-address' : 'mail-syntax';
    case 'Error: Bad recipient address syntax':
      return /^TO:\s*<[^<>]+>(\s|$)/i.test(arg) ? 'invalid-recipient-address' : 'rcpt-syntax';
    case 'Error: too many recipients':
      return 'too-many-recipients';
    case 'Authentication required':
      return 'auth-required';
    case 'Error: Must issue a STARTTLS command first':
      return 'auth-needs-tls';
    case 'Error: No identity changes permitted':
      return 'auth-repeated';
    case 'Error: Unrecognized authentication type':
      return verb === 'AUTH' && /^XOAUTH\b/i.test(arg.trim()) ? 'auth-xoauth' : 'auth-mechanism-unknown';
    case 'Error: invalid userdata':
    case 'Authentication aborted':
      return 'auth-decode';
    case 'Error: too many unauthenticated commands':
      return 'too-many-unauthenticated';
    case 'Timeout - closing connection':
      return 'idle-timeout';
    case 'Error: Command line too long':
      return 'line-too-long';
  }
  if (text.startsWith('Error: message exceeds fixed maximum message size')) return 'message-too-big';
  if (text.endsWith('Too many connected clients, try again in a moment')) return 'too-many-connections';
  if (text.endsWith('You talk too soon')) return 'early-talker';
  return undefined;
}
