/** Parses a stored message into the summary the API and tests read. */
import { simpleParser, type AddressObject } from 'mailparser';
import type { ParsedMessage } from './types.js';

const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address ?? v.name));

export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  const m = await simpleParser(raw, { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  const from = addresses(m.from)[0];
  return Object.freeze({
    headers: m.headerLines.map(({ key, line }) => ({ key, value: line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim() })),
    subject: m.subject ?? '',
    ...(from ? { from } : {}),
    to: addresses(m.to),
    ...(m.messageId ? { messageId: m.messageId } : {}),
    ...(m.date ? { date: m.date.toISOString() } : {}),
    text: m.text ?? '',
    ...(typeof m.html === 'string' ? { html: m.html } : {}),
    attachments: m.attachments.map((a) => ({
      ...(a.filename ? { filename: a.filename } : {}),
      contentType: a.contentType,
      size: a.size,
    })),
  });
}
