/** Placeholder values a reply at the message stage can quote, from the message's analysis. */
import type { MessageFacts } from '../engine/facts.js';
import type { ServerSettings } from '../engine/scenario.js';
import { rfc5322Date } from '../util/instant.js';
import type { PlaceholderLookup, Placeholders } from './write.js';

const domainOf = (address: string | undefined) => (address ? address.slice(address.lastIndexOf('@') + 1) : undefined);
const text = (n: number | undefined) => (n === undefined ? undefined : String(n));

export function messagePlaceholders(m: MessageFacts, server: ServerSettings): Placeholders {
  const l = server.limits;
  const written = (name: string | undefined) => (name === undefined ? undefined : (m.writtenNames?.get(name) ?? name));
  return {
    size: String(m.size),
    fromDomain: m.authentication?.dmarc.domain || domainOf(m.from?.addresses[0]),
    attachmentCount: text(m.attachmentCount),
    attachmentLimit: String(l.attachments),
    headerBytesLimit: String(l.headerBytes),
    headerCountLimit: String(l.headerCount),
    longestHeader: written(m.longestHeaderValue?.name),
    headerValueBytes: text(m.longestHeaderValue?.bytes),
    headerValueLimit: String(l.headerValueBytes),
    headerNameBytes: text(m.longestHeaderName?.bytes),
    headerNameLimit: String(l.headerNameBytes),
    encodedHeader: m.encodedWordHeaderNames?.[0],
    duplicateHeader: written(m.duplicateHeaders?.[0]),
    malformedHeader: written(m.malformedHeaders?.[0]),
  };
}

/** What the session knows when a reply is written, for `{placeholders}`. */
export interface ReplyContext {
  readonly ip: string;
  readonly helo: string | undefined;
  readonly hostname: string;
  readonly session: string;
  readonly verb: string;
  readonly arg: string;
  /** The address MAIL or RCPT is about. */
  readonly address: string | undefined;
  readonly sender: string | undefined;
  readonly rcpt: string | undefined;
  readonly sizeLimit: number | undefined;
  /** Drawn on first use: most sessions never quote a provider's token. */
  readonly token: () => string | undefined;
  /** The time the reply is written, ms since the epoch. */
  readonly now: number;
  /** From the message being answered (sizes, offending headers…), and a decision's own values. */
  readonly message: Placeholders;
  /** Values under the session's own (the providers' per-session values, {mimecastRef}…). */
  readonly base: () => Placeholders;
}

/**
 * The session's placeholder values as a lookup: each computed when a reply quotes it. The
 * message's values come first, then the session's own, then the provider's (`base`).
 */
export function sessionPlaceholders(c: ReplyContext): PlaceholderLookup {
  return (name) => {
    if (name === 'fromDomain') return c.message.fromDomain ?? domainOf(c.sender);
    if (Object.hasOwn(c.message, name)) return c.message[name];
    switch (name) {
      case 'ip':
        return c.ip;
      case 'helo':
        return c.helo;
      case 'hostname':
        return c.hostname;
      case 'session':
        return c.session;
      case 'sender':
        return c.sender;
      case 'domain':
        return domainOf(c.sender);
      case 'rcpt':
      case 'recipient':
        return c.rcpt;
      case 'rcptDomain':
        return domainOf(c.rcpt);
      case 'command':
        return c.verb || undefined;
      case 'argument':
        return c.arg || undefined;
      case 'address':
        return c.address;
      case 'limit':
        return c.sizeLimit ? String(c.sizeLimit) : undefined;
      case 'size':
        // at MAIL, a refused SIZE= declaration is the size in question
        return c.verb === 'MAIL' ? /\bSIZE=(\d+)/i.exec(c.arg)?.[1] : undefined;
      case 'token':
        return c.token();
      case 'time':
        return String(Math.floor(c.now / 1000));
      case 'date':
        return rfc5322Date(c.now);
    }
    return SESSION_NAMES.has(name) ? undefined : c.base()[name];
  };
}

/** The names the session itself answers (even with no value: a provider's own value never shows through them). */
const SESSION_NAMES: ReadonlySet<string> = new Set(['ip', 'helo', 'hostname', 'session', 'sender', 'domain', 'rcpt', 'recipient', 'rcptDomain', 'command', 'argument', 'address', 'limit', 'size', 'token', 'time', 'date']);
