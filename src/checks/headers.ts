/**
 * Header facts: everything provider rules read from the raw header section (sizes, counts,
 * RFC 5322 §3.6 field syntax, From/Message-ID checks, loops, 8-bit bytes). Synchronous and
 * linear in the size of the header section; the body is never looked at.
 */
import { isUtf8 } from 'node:buffer';
import { parseAddressList, type AddressList } from './address.js';
import { BoundedList } from './bounded-list.js';
import { isValidDate } from './date.js';
import { domainKind } from './domain.js';
import { decodeEncodedWords, hasEncodedWord } from './encoded-words.js';
import { parseHeaderSection, type HeaderSection, type RawField } from './header-section.js';
import { stripComments } from './lexer.js';
import { LIMITS } from './limits.js';
import { parseMsgIds } from './msg-id.js';
import type { AnalyzeInput, FromFacts, HeaderAnalysis, HeaderSize } from './types.js';

/** Fields RFC 5322 §3.6 allows at most once, in the order duplicates are reported. */
export const SINGLE_FIELDS: readonly string[] = Object.freeze([
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'message-id',
  'in-reply-to',
  'references',
  'subject',
  'date',
]);
const SINGLE: ReadonlySet<string> = new Set(SINGLE_FIELDS);

/** Address fields; only Bcc may be empty (RFC 5322 §3.6.3). */
const ADDRESS_FIELDS: ReadonlyMap<string, boolean> = new Map([
  ['from', true],
  ['sender', true],
  ['reply-to', true],
  ['to', true],
  ['cc', true],
  ['bcc', false],
]);

const NO_FROM: FromFacts = Object.freeze({ count: 0, addresses: Object.freeze([]), empty: false, ipLiteral: false, invalidDomain: false });

/** `<a@b>` and ` a@b ` compare equal to `a@b`, case-insensitively. */
const normAddress = (s: string) => s.trim().replace(/^<(.*)>$/, '$1').trim().toLowerCase();

/** A printable, length-capped rendering of a field name for reports. */
const printable = (s: string) => s.slice(0, LIMITS.linePrefix).replace(/[^\x20-\x7e]/g, '?');

/**
 * Addresses of a From value that failed the grammar, read loosely (split at commas, angle
 * brackets preferred), so `user@bad..com` still reports its bad domain.
 */
function looseAddresses(value: string): string[] {
  const s = stripComments(value) ?? value;
  const out: string[] = [];
  for (const piece of s.split(',')) {
    if (out.length >= LIMITS.listEntries) break;
    const lt = piece.lastIndexOf('<');
    const gt = lt >= 0 ? piece.indexOf('>', lt) : -1;
    let a = lt < 0 ? piece : piece.slice(lt + 1, gt >= 0 ? gt : undefined);
    a = a.trim().replace(/;$/, '');
    const colon = a.indexOf(':');
    if (lt < 0 && colon >= 0 && colon < a.indexOf('@')) a = a.slice(colon + 1).trim(); // "group: a@b"
    if (a.includes('@')) out.push(a);
  }
  return out;
}

function fromFacts(count: number, list: AddressList, value: string): FromFacts {
  const addresses = list.ok ? list.mailboxes.map((m) => m.address).slice(0, LIMITS.listEntries) : looseAddresses(value);
  let ipLiteral = false;
  let invalidDomain = false;
  for (const a of addresses) {
    const kind = domainKind(a.slice(a.lastIndexOf('@') + 1));
    if (kind === 'ip') ipLiteral = true;
    else if (kind === 'invalid') invalidDomain = true;
  }
  return Object.freeze({ count, addresses: Object.freeze(addresses), empty: list.empty, ipLiteral, invalidDomain });
}

/** Header analysis of an already split section (shared with `analyzeMessage`). */
export function analyzeSection(input: AnalyzeInput, section: HeaderSection): HeaderAnalysis {
  const { raw, smtpUtf8 } = input;
  const headers = new Map<string, string[]>();
  // replies quote a header as the sender wrote it ("Subject", not "subject")
  const writtenNames = new Map<string, string>();
  const counts = new Map<string, number>();
  const malformedHeaders = new BoundedList();
  const encodedWordHeaderNames = new BoundedList();
  const unicodeInHeaders = new BoundedList();
  const rcpts = new Set(input.rcptTo.map(normAddress));

  let longestName: HeaderSize = { name: '', bytes: 0 };
  let longestValue: HeaderSize = { name: '', bytes: 0 };
  let validFields = 0;
  let subject: string | undefined;
  let subjectBytes = 0;
  let firstFrom: { list: AddressList; value: string } | undefined;
  let messageIdValid: boolean | undefined;
  let receivedCount = 0;
  let deliveredToLoop = false;

  for (const junk of section.junk) malformedHeaders.add(junk);

  const check = (f: RawField) => {
    const { lname, value } = f;
    const required = ADDRESS_FIELDS.get(lname);
    if (required !== undefined) {
      const list = parseAddressList(value);
      if (!list.ok || (required && list.elements === 0)) malformedHeaders.add(lname);
      if (lname === 'from' && !firstFrom) firstFrom = { list, value };
      return;
    }
    switch (lname) {
      case 'date':
        if (!isValidDate(value)) malformedHeaders.add(lname);
        break;
      case 'message-id': {
        const ids = parseMsgIds(value);
        const valid = ids.ok && ids.count === 1;
        if (!valid) malformedHeaders.add(lname);
        messageIdValid ??= valid;
        break;
      }
      case 'in-reply-to':
      case 'references':
        if (!parseMsgIds(value, true).ok) malformedHeaders.add(lname);
        break;
      case 'subject':
        subjectBytes += f.valueBytes;
        subject ??= decodeEncodedWords(value);
        break;
      case 'received':
        receivedCount++;
        break;
      case 'delivered-to':
        if (!deliveredToLoop && rcpts.has(normAddress(value))) deliveredToLoop = true;
        break;
    }
  };

  for (const f of section.fields) {
    const { lname } = f;
    const list = headers.get(lname);
    if (list) list.push(f.value);
    else {
      headers.set(lname, [f.value]);
      if (f.validName) writtenNames.set(lname, f.name);
    }
    if (SINGLE.has(lname)) counts.set(lname, (counts.get(lname) ?? 0) + 1);

    if (f.nameBytes > longestName.bytes) longestName = { name: lname, bytes: f.nameBytes };
    if (f.valueBytes > longestValue.bytes) longestValue = { name: lname, bytes: f.valueBytes };

    // an invalid name is reported printable and short: it may be any bytes at all
    const label = f.validName ? lname : printable(lname) || ':';
    if (f.validName) validFields++;
    if (!f.validName || f.control) malformedHeaders.add(label);
    if (hasEncodedWord(f.name)) encodedWordHeaderNames.add(f.name.slice(0, 256));
    // without SMTPUTF8 any 8-bit byte is out of place; with it, only bytes that are not UTF-8
    if (f.nonAscii && (!smtpUtf8 || !isUtf8(raw.subarray(f.valueStart, f.valueEnd)))) unicodeInHeaders.add(label);
    check(f);
  }

  const duplicateHeaders = SINGLE_FIELDS.filter((n) => (counts.get(n) ?? 0) > 1);
  const fromCount = counts.get('from') ?? 0;
  const size = input.size ?? raw.length;
  const malformed =
    size === 0 ||
    section.emptySection ||
    section.leadingContinuation ||
    section.nul ||
    validFields === 0 ||
    // no blank line, yet lines that are not fields: a body glued to the headers
    (!section.separator && section.junkCount > 0);

  return {
    size,
    headerBytes: section.headerBytes,
    headers,
    writtenNames,
    headerCount: section.fields.length,
    subject: subject ?? '',
    longestHeaderName: longestName,
    longestHeaderValue: longestValue,
    subjectBytes,
    from: firstFrom ? fromFacts(fromCount, firstFrom.list, firstFrom.value) : NO_FROM,
    messageId: { present: messageIdValid !== undefined, valid: messageIdValid === true },
    duplicateHeaders: Object.freeze(duplicateHeaders),
    malformedHeaders: malformedHeaders.toArray(),
    encodedWordHeaderNames: encodedWordHeaderNames.toArray(),
    unicodeInHeaders: unicodeInHeaders.toArray(),
    receivedCount,
    deliveredToLoop,
    malformed,
  };
}

/** The header-derived facts only: no MIME parse, synchronous, cheap. */
export function analyzeHeaders(input: AnalyzeInput): HeaderAnalysis {
  return analyzeSection(input, parseHeaderSection(input.raw));
}
