/** Message facts for rules that read content: headers, subject and text, parsed by mailparser. */
import { simpleParser } from 'mailparser';
import type { MessageFacts } from '../engine/facts.js';

export async function parseMessageFacts(raw: Buffer): Promise<MessageFacts> {
  const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  const headers = new Map<string, string[]>();
  for (const { key, line } of parsed.headerLines) {
    // headerLines keep the raw line; the value is what follows the first colon, unfolded
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    const list = headers.get(key) ?? [];
    list.push(value);
    headers.set(key, list);
  }
  return { size: raw.length, headers, subject: parsed.subject ?? '', text: parsed.text ?? '' };
}
