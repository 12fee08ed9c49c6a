/** Parses a stored message into the summary the API and tests read. */
import type { AddressObject, ParsedMail } from 'mailparser';
import { loadMailparser } from '../util/lazy-modules.js';
import { parseHeaderSection } from '../checks/header-section.js';
import { htmlToText } from '../checks/html-text.js';
import { mimeHead, parseMime } from '../checks/mime.js';
import { readHead, type MessageBody } from '../spool/body.js';
import { withFirst } from '../util/chunks.js';
import type { ParsedMessage } from './types.js';

const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address ?? v.name));

const OPTIONS = { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true } as const;

export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  const { simpleParser } = await loadMailparser();
  return summary(await simpleParser(raw, OPTIONS));
}

/**
 * A message kept in a spool file, without reading it whole: mailparser reads the header
 * section; the body streams through the analysis parser, which keeps at most
 * LIMITS.textBytes of text and only the size and type of each attachment.
 */
export async function parseSpooledMessage(body: MessageBody): Promise<ParsedMessage> {
  const head = await readHead(body);
  const section = parseHeaderSection(head);
  const { simpleParser } = await loadMailparser();
  const headers = await simpleParser(head.subarray(0, section.bodyStart), OPTIONS);
  const mime = await parseMime(mimeHead(head, section), withFirst(head.subarray(section.bodyStart), body.chunks(head.length)));
  const text = mime.text !== '' || mime.html === '' ? mime.text : htmlToText(mime.html);
  return Object.freeze({
    ...summary(headers),
    text,
    ...(mime.html !== '' ? { html: mime.html } : {}),
    attachments: mime.attachments.map((a) => ({ ...(a.filename ? { filename: a.filename } : {}), contentType: a.contentType, size: a.size })),
  });
}

function summary(m: ParsedMail): ParsedMessage {
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
