/**
 * Splits the raw header section into fields, byte-exactly and in one linear pass. mailparser
 * repairs exactly the defects rules must see (bad names, stray lines, 8-bit bytes), so header
 * facts come from here and never from a MIME library.
 *
 * Lines end at LF, with an optional CR before it (bare LF is tolerated and reported). The
 * section ends at the first empty line; a message without one is all header section.
 */
import { LIMITS } from './limits.js';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

export interface RawField {
  /** Offset of the field's first byte. */
  readonly start: number;
  /** The name as written (UTF-8 decoded), without WSP between it and the colon. */
  readonly name: string;
  readonly lname: string;
  readonly nameBytes: number;
  /** RFC 5322 ftext only: printable US-ASCII except ':' (WSP before the colon is obsolete syntax, accepted). */
  readonly validName: boolean;
  /** Unfolded (line breaks of folding removed) and trimmed of leading/trailing SP/HT. */
  readonly value: string;
  readonly valueBytes: number;
  /** Raw byte span of the value, folding included (for UTF-8 validation). */
  readonly valueStart: number;
  readonly valueEnd: number;
  /** The value holds bytes ≥ 0x80. */
  readonly nonAscii: boolean;
  /** The value holds a control character other than HT (a CR not ending a line counts). */
  readonly control: boolean;
}

export interface HeaderSection {
  readonly fields: readonly RawField[];
  /** Starts of lines that are neither fields nor continuations (capped, for reporting). */
  readonly junk: readonly string[];
  /** All such lines, also past the cap. */
  readonly junkCount: number;
  /** Bytes up to and including the blank line, or every byte when there is none. */
  readonly headerBytes: number;
  /** Offset of the first body byte (`raw.length` when there is no blank line). */
  readonly bodyStart: number;
  /** A blank line ends the section. */
  readonly separator: boolean;
  /** The first line is blank: there is no header section at all. */
  readonly emptySection: boolean;
  /** The first line is a continuation line (starts with WSP): folding with nothing to fold. */
  readonly leadingContinuation: boolean;
  /** A NUL byte occurs in the section: binary data, not text. */
  readonly nul: boolean;
  /** A line of the section ends in LF without CR. */
  readonly bareLf: boolean;
}

/** Mutable field under construction; folded lines extend `end`. */
interface Pending {
  start: number;
  name: string;
  nameBytes: number;
  validName: boolean;
  valueStart: number;
  end: number;
  /** Bytes of line breaks inside the value (removed by unfolding). */
  breakBytes: number;
  nonAscii: boolean;
  control: boolean;
}

const isWsp = (b: number | undefined) => b === SP || b === HT;

/** Trims SP and HT only: `String.prototype.trim` would also eat Unicode spaces, which count as bytes. */
function trimWsp(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HT)) a++;
  while (b > a && (s.charCodeAt(b - 1) === SP || s.charCodeAt(b - 1) === HT)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** A printable, length-capped quote of a raw line, for reports. */
function linePrefix(raw: Buffer, start: number, end: number): string {
  const stop = Math.min(end, start + LIMITS.linePrefix);
  let out = '';
  for (let i = start; i < stop; i++) {
    const b = raw[i]!;
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?';
  }
  return out;
}

/**
 * Where the header section ends: the offset after its blank line (a line holding at most a CR),
 * or -1 when there is none. Cheap: it visits only the line breaks of the header section.
 */
export function headerSectionEnd(raw: Buffer): number {
  // a first line that is blank: an empty header section
  if (raw[0] === LF) return 1;
  if (raw[0] === CR && raw[1] === LF) return 2;
  for (let lf = raw.indexOf(LF); lf !== -1; lf = raw.indexOf(LF, lf + 1)) {
    if (raw[lf + 1] === LF) return lf + 2;
    if (raw[lf + 1] === CR && raw[lf + 2] === LF) return lf + 3;
  }
  return -1;
}

export function parseHeaderSection(raw: Buffer): HeaderSection {
  const len = raw.length;
  const fields: RawField[] = [];
  const junk: string[] = [];
  let junkCount = 0;
  let bareLf = false;
  let separator = false;
  let emptySection = false;
  let leadingContinuation = false;
  let bodyStart = len;
  let current: Pending | null = null;
  /** The previous line was junk: its continuation lines are junk too, not a stray fold. */
  let inJunk = false;

  /** Scans one value segment for 8-bit and control bytes. Every byte is visited once overall. */
  const scanValue = (f: Pending, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const b = raw[i]!;
      if (b >= 0x80) f.nonAscii = true;
      else if ((b < 0x20 && b !== HT) || b === 0x7f) f.control = true;
    }
  };

  const finish = (f: Pending) => {
    let value = raw.toString('utf8', f.valueStart, f.end);
    // unfolding removes the line breaks only; the WSP that starts a continuation line stays
    if (f.breakBytes > 0) value = value.replace(/\r?\n/g, '');
    const trimmed = trimWsp(value);
    // SP/HT are one byte each, so the trimmed characters are exactly the trimmed bytes
    const valueBytes = f.end - f.valueStart - f.breakBytes - (value.length - trimmed.length);
    fields.push({
      start: f.start,
      name: f.name,
      lname: f.name.toLowerCase(),
      nameBytes: f.nameBytes,
      validName: f.validName,
      value: trimmed,
      valueBytes,
      valueStart: f.valueStart,
      valueEnd: f.end,
      nonAscii: f.nonAscii,
      control: f.control,
    });
  };

  let pos = 0;
  while (pos < len) {
    const lf = raw.indexOf(LF, pos);
    const lineEnd = lf === -1 ? len : lf;
    let contentEnd = lineEnd;
    if (lf !== -1) {
      if (contentEnd > pos && raw[contentEnd - 1] === CR) contentEnd--;
      else bareLf = true;
    }
    const next = lf === -1 ? len : lf + 1;

    if (contentEnd === pos) {
      // the blank line: end of the header section
      separator = true;
      emptySection = pos === 0;
      bodyStart = next;
      pos = next;
      break;
    }

    if (isWsp(raw[pos])) {
      if (current) {
        current.breakBytes += pos - current.end;
        scanValue(current, pos, contentEnd);
        current.end = contentEnd;
      } else if (!inJunk) {
        // only the first line can be a continuation of nothing
        leadingContinuation = true;
        junkCount++;
        if (junk.length < LIMITS.listEntries) junk.push(linePrefix(raw, pos, contentEnd));
        inJunk = true;
      }
      pos = next;
      continue;
    }

    if (current) finish(current);
    current = null;
    inJunk = false;

    // field name: up to the colon; WSP may only trail it (obsolete syntax)
    let colon = -1;
    let nameEnd = pos;
    let validName = true;
    let sawWsp = false;
    for (let i = pos; i < contentEnd; i++) {
      const b = raw[i]!;
      if (b === COLON) {
        colon = i;
        break;
      }
      if (isWsp(b)) {
        sawWsp = true;
        continue;
      }
      if (sawWsp || b < 33 || b > 126) validName = false;
      nameEnd = i + 1;
    }
    if (colon === -1) {
      // a line with no colon: neither a field nor a continuation
      junkCount++;
      if (junk.length < LIMITS.listEntries) junk.push(linePrefix(raw, pos, contentEnd));
      inJunk = true;
      pos = next;
      continue;
    }
    if (nameEnd === pos) validName = false; // ": value", an empty name
    current = {
      start: pos,
      name: raw.toString('utf8', pos, nameEnd),
      nameBytes: nameEnd - pos,
      validName,
      valueStart: colon + 1,
      end: contentEnd,
      breakBytes: 0,
      nonAscii: false,
      control: false,
    };
    scanValue(current, colon + 1, contentEnd);
    pos = next;
  }
  if (current) finish(current);
  const headerBytes = separator ? bodyStart : len;

  return {
    fields,
    junk,
    junkCount,
    headerBytes,
    bodyStart,
    separator,
    emptySection,
    leadingContinuation,
    // one native scan covers every line, junk and continuations included
    nul: raw.subarray(0, headerBytes).indexOf(0) !== -1,
    bareLf,
  };
}
