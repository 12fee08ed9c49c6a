/** Placeholder values a reply at the message stage can quote, from the message's analysis. */
import type { MessageFacts } from '../engine/facts.js';
import type { ServerSettings } from '../engine/scenario.js';
import { rfc5322Date } from '../util/instant.js';
import type { Placeholders } from './write.js';

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
  readonly token: string | undefined;
  /** The time the reply is written, ms since the epoch. */
  readonly now: number;
  /** From the message being answered (sizes, offending headers…), and a decision's own values. */
  readonly message: Placeholders;
  /** Values under the session's own (the providers' per-session values, {mimecastRef}…). */
  readonly base: Placeholders;
}

export function sessionPlaceholders(c: ReplyContext): Placeholders {
  const domain = domainOf(c.sender);
  return {
    ...c.base,
    ip: c.ip,
    helo: c.helo,
    hostname: c.hostname,
    session: c.session,
    sender: c.sender,
    domain,
    rcpt: c.rcpt,
    recipient: c.rcpt,
    rcptDomain: domainOf(c.rcpt),
    command: c.verb || undefined,
    argument: c.arg || undefined,
    address: c.address,
    limit: c.sizeLimit ? String(c.sizeLimit) : undefined,
    // at MAIL, a refused SIZE= declaration is the size in question
    size: c.verb === 'MAIL' ? /\bSIZE=(\d+)/i.exec(c.arg)?.[1] : undefined,
    token: c.token,
    time: String(Math.floor(c.now / 1000)),
    date: rfc5322Date(c.now),
    ...c.message,
    fromDomain: c.message.fromDomain ?? domain,
  };
}
