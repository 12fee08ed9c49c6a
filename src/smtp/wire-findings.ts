/**
 * What only the raw bytes show about the SMTP client (the transcript keeps a line's text, not
 * how it ended or how lines arrived): bare LF or CR line ends, over-long lines, commands sent
 * ahead of replies without PIPELINING, commands after STARTTLS in the same packet, and data
 * lines that were not dot-stuffed. Each finding is reported once per session, as it is seen;
 * the report card grades them (src/report/rules/hygiene-wire.ts).
 *
 * It reads along with smtp-server (fed every chunk before smtp-server parses it) and is told
 * each reply written; it never changes what is read or answered.
 */
import type { ClientFinding } from '../transcript/record.js';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
/** RFC 5321 §4.5.3.1.4 and §4.5.3.1.6: a command line, and a text line, with their CRLF. */
const COMMAND_LINE_MAX = 512;
const TEXT_LINE_MAX = 1000;
/** RFC 4954 §4: an AUTH command and the client's answers to 334 may be up to 12288 octets. */
const AUTH_LINE_MAX = 12288;
/** Verbs a capability list must name before a client may pipeline them (RFC 2920 §3). */
const PIPELINING_CAPABILITY = /^PIPELINING$/i;
const HEAD_OCTETS = 32;
const NOT_SEARCHED = -2;
/** A BDAT command line: the octets that follow it are the chunk. */
const BDAT_LINE = /^BDAT[ \t]+(\d{1,15})(?:[ \t]+LAST)?[ \t]*\r?\n?$/;

export type FindingReport = (finding: ClientFinding, detail: string) => void;

export class WireFindings {
  private readonly seen = new Set<ClientFinding>();
  /** Octets of the line being read so far (its end not seen yet). */
  private lineOctets = 0;
  /** The first octets of the line being read: enough to tell an AUTH line, STARTTLS and a BDAT's size. */
  private lineHead = '';
  private lastByte = -1;
  /** Data lines: 0 mid-line, 1 at a line's start, 2 after a period at a line's start. */
  private dotState = 0;
  /** Command lines read and not yet answered. */
  private unanswered = 0;
  private pipeliningOffered = false;
  /** The last reply was 334: the next line is an AUTH answer, not a command. */
  private authPrompt = false;
  private wasInData = false;
  /** Octets of a BDAT chunk still to come. */
  private owed = 0;
  /** Where the chunk being read has its next CR (-1: none; NOT_SEARCHED at a chunk's start). */
  private nextCr = NOT_SEARCHED;

  constructor(
    /** smtp-server is reading message data (after 354, up to the final dot). */
    private readonly inData: () => boolean,
    private readonly report: FindingReport,
  ) {}

  /** A chunk of what the client sent, before smtp-server reads it. */
  chunk(buf: Buffer): void {
    const data = this.inData();
    if (data && !this.wasInData) this.dotState = 1;
    this.wasInData = data;
    this.nextCr = NOT_SEARCHED;
    let from = this.skipOctets(buf, 0);
    this.crossChunkCr(buf, from);
    while (from < buf.length) {
      const lf = buf.indexOf(LF, from);
      const end = lf < 0 ? buf.length : lf + 1;
      // a data line's first octets tell nothing (only commands are told apart by them)
      if (data) this.checkDots(buf, from, lf);
      else if (this.lineHead.length < HEAD_OCTETS) this.lineHead += buf.toString('latin1', from, Math.min(end, from + HEAD_OCTETS - this.lineHead.length));
      this.bareCrs(buf, from, end);
      if (lf < 0) {
        this.lineOctets += buf.length - from;
        this.lastByte = buf[buf.length - 1]!;
        break;
      }
      this.lineOctets += lf + 1 - from;
      const before = lf > from ? buf[lf - 1] : this.lastByte;
      if (before !== CR) this.find('bare-lf', 'a line ended in LF alone');
      this.lastByte = LF;
      this.lineEnded(data, lf + 1 < buf.length);
      from = this.skipOctets(buf, lf + 1);
    }
  }

  /** Past a BDAT chunk's octets (RFC 3030): message data, binary, neither lines nor commands. */
  private skipOctets(buf: Buffer, from: number): number {
    if (this.owed === 0 || from >= buf.length) return from;
    const n = Math.min(this.owed, buf.length - from);
    this.owed -= n;
    // the next line starts after the chunk
    if (this.owed === 0) this.lastByte = -1;
    return from + n;
  }

  /** A reply was written (its lines, as sent); `verb` is the command it answers. */
  replied(verb: string, code: number, lines: readonly string[]): void {
    if (this.unanswered > 0) this.unanswered--;
    this.authPrompt = code === 334;
    if (code === 250 && (verb === 'EHLO' || verb === 'LHLO')) this.pipeliningOffered = lines.some((l) => PIPELINING_CAPABILITY.test(l.slice(4).trim()));
    else if (code === 250 && verb === 'HELO') this.pipeliningOffered = false;
  }

  /** TLS started: the client greets again, and what it sent before is gone (RFC 3207 §4.2). */
  secured(): void {
    this.unanswered = 0;
    this.lineOctets = 0;
    this.pipeliningOffered = false;
    this.authPrompt = false;
  }

  private lineEnded(data: boolean, more: boolean): void {
    if (data) {
      if (this.lineOctets > TEXT_LINE_MAX) this.find('line-too-long', `a data line of ${this.lineOctets} octets (at most ${TEXT_LINE_MAX})`);
      this.lineOctets = 0;
      return;
    }
    const head = this.lineHead.toUpperCase();
    const limit = this.authPrompt || head.startsWith('AUTH ') ? AUTH_LINE_MAX : COMMAND_LINE_MAX;
    if (this.lineOctets > limit) this.find('line-too-long', `a command line of ${this.lineOctets} octets (at most ${limit})`);
    const bdat = BDAT_LINE.exec(head);
    if (bdat) this.owed = Number(bdat[1]);
    if (this.unanswered > 0 && !this.pipeliningOffered) this.find('pipelining-unadvertised', 'a command sent before the previous one was answered, without PIPELINING advertised');
    this.unanswered++;
    if (more && /^STARTTLS\s*$/.test(head)) this.find('pipelining-after-starttls', 'more commands in the packet after STARTTLS');
    this.authPrompt = false;
    this.lineOctets = 0;
    this.lineHead = '';
  }

  /**
   * A stuffing client doubles every period that starts a data line (RFC 5321 §4.5.2), so on the
   * wire a line starts with `..` or is the final `.`: a period followed by anything else is a
   * line the client did not stuff.
   */
  private checkDots(buf: Buffer, from: number, lf: number): void {
    const end = lf < 0 ? buf.length : lf + 1;
    for (let i = from; i < end && this.dotState !== 0; i++) {
      const b = buf[i]!;
      if (this.dotState === 1) this.dotState = b === DOT ? 2 : 0;
      else {
        if (b !== DOT && b !== CR && b !== LF) this.find('dot-stuffing', 'a data line started with a single period');
        this.dotState = 0;
      }
    }
    if (lf >= 0) this.dotState = 1;
  }

  private crossChunkCr(buf: Buffer, at: number): void {
    if (this.lastByte === CR && at < buf.length && buf[at] !== LF) this.find('bare-cr', 'a CR not followed by LF');
  }

  /**
   * A CR followed by anything but LF within buf[from, end). The search that ends one line's look
   * has found the next line's CR already: it is kept (`nextCr`, -1 when the chunk has no more) so
   * each CR is searched for once.
   */
  private bareCrs(buf: Buffer, from: number, end: number): void {
    if (this.seen.has('bare-cr')) return;
    let cr = this.nextCr === NOT_SEARCHED || (this.nextCr >= 0 && this.nextCr < from) ? buf.indexOf(CR, from) : this.nextCr;
    for (; cr >= 0 && cr + 1 < end; cr = buf.indexOf(CR, cr + 1)) {
      if (buf[cr + 1] !== LF) return this.find('bare-cr', 'a CR not followed by LF');
    }
    this.nextCr = cr;
  }

  private find(finding: ClientFinding, detail: string): void {
    if (this.seen.has(finding)) return;
    this.seen.add(finding);
    this.report(finding, detail);
  }
}
