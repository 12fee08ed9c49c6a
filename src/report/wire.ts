/**
 * The little the card reads from line text, because it is the protocol itself: the parameters
 * of a MAIL command (RFC 5321 §4.1.1.2, RFC 1870, RFC 6152, RFC 6531) and the keywords of an EHLO
 * reply (RFC 5321 §4.1.1.1). Nothing else is taken from text.
 */

export interface MailParameters {
  /** `SIZE=` as declared; undefined when absent or not a number. */
  readonly size?: number;
  /** `BODY=` upper-cased (`7BIT`, `8BITMIME`, `BINARYMIME`). */
  readonly body?: string;
  readonly smtputf8: boolean;
  /** Any ESMTP parameter at all (HELO sessions may use none). */
  readonly any: boolean;
}

/** `MAIL FROM:<path> params…`; the path may quote `>` inside `"…"`. */
const MAIL_LINE = /^MAIL\s+FROM\s*:\s*(?:<(?:"(?:[^"\\]|\\.)*"|[^>"])*>|\S*)(.*)$/is;

export function mailParameters(line: string): MailParameters {
  const rest = MAIL_LINE.exec(line)?.[1] ?? '';
  let size: number | undefined;
  let body: string | undefined;
  let smtputf8 = false;
  let any = false;
  for (const word of rest.trim().split(/\s+/)) {
    if (!word) continue;
    any = true;
    const eq = word.indexOf('=');
    const key = (eq === -1 ? word : word.slice(0, eq)).toUpperCase();
    const value = eq === -1 ? '' : word.slice(eq + 1);
    if (key === 'SIZE' && /^\d{1,20}$/.test(value)) size = Number(value);
    else if (key === 'BODY') body = value.toUpperCase();
    else if (key === 'SMTPUTF8') smtputf8 = true;
  }
  return { ...(size !== undefined ? { size } : {}), ...(body !== undefined ? { body } : {}), smtputf8, any };
}

/** What an EHLO reply advertised. */
export interface Capabilities {
  pipelining: boolean;
  starttls: boolean;
  eightBitMime: boolean;
  smtputf8: boolean;
  chunking: boolean;
  /** SIZE advertised: its limit in octets (0 = no fixed limit); undefined when not advertised. */
  size: number | undefined;
}

export const noCapabilities = (): Capabilities => ({ pipelining: false, starttls: false, eightBitMime: false, smtputf8: false, chunking: false, size: undefined });

/** Reads one line of an EHLO reply (`250-SIZE 10485760`, `250 PIPELINING`) into `caps`; not for its first line, which greets. */
export function readCapability(line: string, caps: Capabilities): void {
  const [keyword = '', arg] = line.slice(4).trim().split(/\s+/);
  switch (keyword.toUpperCase()) {
    case 'PIPELINING':
      caps.pipelining = true;
      break;
    case 'STARTTLS':
      caps.starttls = true;
      break;
    case '8BITMIME':
      caps.eightBitMime = true;
      break;
    case 'SMTPUTF8':
      caps.smtputf8 = true;
      break;
    case 'CHUNKING':
      caps.chunking = true;
      break;
    case 'SIZE':
      caps.size = arg && /^\d+$/.test(arg) ? Number(arg) : 0;
      break;
  }
}
