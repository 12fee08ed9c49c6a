/**
 * smtp-server's own refusals, recognised by their code and text so they become protocol events
 * (engine/events.ts) that the engine answers. smtp-server's strings live here and nowhere else.
 */
import type { EventName } from '../engine/events.js';
import type { Reply } from '../engine/reply.js';
import { SUCCESS_CODES, SUCCESS_OF_VERB, type SuccessName } from '../engine/success.js';

/** Verbs RFC 5321 and its extensions define that mockmx does not implement. */
export const UNIMPLEMENTED_VERBS: ReadonlySet<string> = new Set(['BDAT', 'ETRN', 'EXPN', 'TURN', 'ATRN', 'SAML', 'SEND', 'SOML', 'XCLIENT', 'XFORWARD']);

/** The texts are smtp-server 3.21.6's (test/smtp/internals.test.ts checks they still exist). */
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

/** The scenario's wording of smtp-server's positive answer `code` to `verb` (the `success:` table), if it has one. */
export function successReply(success: ReadonlyMap<SuccessName, Reply>, verb: string, code: number): Reply | undefined {
  const name = SUCCESS_OF_VERB[verb];
  return name && SUCCESS_CODES[name].includes(code) ? success.get(name) : undefined;
}
