/** Placeholder values a reply at the message stage can quote, from the message's analysis. */
import type { MessageFacts } from '../engine/facts.js';
import type { ServerSettings } from '../engine/scenario.js';
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
