/**
 * What the message data tells the report card beyond its size: the key that identifies the
 * message across sessions and retries (its Message-ID as written, else a digest of envelope and
 * body), and findings about the client (more octets than its SIZE= declared, 8-bit data without
 * BODY=8BITMIME, SMTPUTF8 used or missing against what the envelope and headers hold).
 */
import { createHash, type Hash } from 'node:crypto';
import { isAscii } from 'node:buffer';
import type { SMTPServerSession } from 'smtp-server';
import { headerSectionEnd } from '../checks/header-section.js';
import { readHead, type MessageBody } from '../spool/body.js';
import type { ClientFinding } from '../transcript/record.js';

type Envelope = SMTPServerSession['envelope'];

export interface MessageWire {
  readonly messageKey: string | undefined;
  readonly findings: readonly (readonly [ClientFinding, string])[];
}

/** A string of ASCII characters only (tested without encoding it to a Buffer). */
const ASCII_TEXT = /^[\x00-\x7f]*$/;

/** A Message-ID field at a line start; its value may be folded onto following lines. */
const MESSAGE_ID = /(?:^|\n)message-id[ \t]*:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/i;

export async function readMessageWire(body: MessageBody, envelope: Envelope, bytes: number): Promise<MessageWire> {
  const now = messageWireNow(body, envelope, bytes);
  if (now) return now;
  const head = headerSection(await readHead(body));
  const messageKey = messageIdOf(head) || (await digestOf(body, envelope));
  return { messageKey, findings: findingsOf(head, body, envelope, bytes) };
}

/** The same for a body held in memory, without waiting for anything (most messages: no promise on the hot path); undefined for a spooled one. */
export function messageWireNow(body: MessageBody, envelope: Envelope, bytes: number): MessageWire | undefined {
  const buffer = body.buffer;
  if (!buffer) return undefined;
  const head = headerSection(buffer);
  const messageKey = messageIdOf(head) || digest(envelopeHash(envelope).update(buffer));
  return { messageKey, findings: findingsOf(head, body, envelope, bytes) };
}

const headerSection = (buffer: Buffer): Buffer => {
  const end = headerSectionEnd(buffer);
  return end < 0 ? buffer : buffer.subarray(0, end);
};

const messageIdOf = (head: Buffer): string | undefined => MESSAGE_ID.exec(head.toString('latin1'))?.[1]?.replace(/\s+/g, ' ').trim();

/** sha256 of the envelope and a spooled body, read from its file: the same message sent again gets the same key. */
async function digestOf(body: MessageBody, envelope: Envelope): Promise<string> {
  const hash = envelopeHash(envelope);
  for await (const chunk of body.chunks()) hash.update(chunk);
  return digest(hash);
}

/** sha256 over the envelope, to which the body is added. */
function envelopeHash(envelope: Envelope): Hash {
  const hash = createHash('sha256');
  hash.update(`${envelope.mailFrom ? envelope.mailFrom.address.toLowerCase() : ''}\n`);
  hash.update(`${envelope.rcptTo.map((r) => r.address.toLowerCase()).sort().join(',')}\n`);
  return hash;
}

const digest = (hash: Hash): string => `sha256:${hash.digest('hex')}`;

function findingsOf(head: Buffer, body: MessageBody, envelope: Envelope, bytes: number): [ClientFinding, string][] {
  const found: [ClientFinding, string][] = [];
  const args = (envelope.mailFrom ? envelope.mailFrom.args : undefined) as Record<string, string> | false | undefined;
  const declared = args ? Number(args['SIZE']) : NaN;
  if (Number.isFinite(declared) && bytes > declared) found.push(['size-exceeded-declared', `sent ${bytes} octets after declaring SIZE=${declared}`]);
  const utf8 = !!envelope.smtpUtf8;
  const eightBitBody = envelope.bodyType === '8bitmime';
  // a spooled body is only looked at through its header section: scanning megabytes for one 8-bit octet is not worth it
  const all = body.buffer ?? head;
  if (!eightBitBody && !utf8 && !isAscii(all)) found.push(['eight-bit-undeclared', 'the message holds 8-bit octets but MAIL had no BODY=8BITMIME']);
  const asciiEnvelope = (!envelope.mailFrom || ASCII_TEXT.test(envelope.mailFrom.address)) && envelope.rcptTo.every((r) => ASCII_TEXT.test(r.address));
  const asciiHead = isAscii(head);
  if (utf8 && asciiEnvelope && asciiHead) found.push(['smtputf8-unneeded', 'MAIL gave SMTPUTF8 though the envelope and header section are all ASCII']);
  if (!utf8 && !asciiHead) found.push(['smtputf8-unoffered', 'the header section holds 8-bit octets (UTF-8) but MAIL had no SMTPUTF8']);
  return found;
}
