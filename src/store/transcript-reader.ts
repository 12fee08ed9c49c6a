/**
 * Reads a transcript as SMTP, one line at a time: which reply answered which command, and the
 * transaction around it. Line by line so that the session store can keep a running outcome
 * (TranscriptTally) that stays whole when old lines leave memory; transcript-outcome.ts
 * builds its views (replies, refusals, transactions) on the same reader.
 */
import type { TranscriptLine } from './sessions.js';

/** One reply as written, its lines gathered (a multi-line `550-…` / `550 …` is one reply). */
export interface WireReply {
  readonly code: number;
  readonly enhanced?: string;
  /** The reply's text without code and enhanced code, lines joined by a space. */
  readonly text: string;
  /** The lines exactly as sent. */
  readonly lines: readonly string[];
  readonly rule?: string;
  readonly at: number;
  /** Transcript index of its first and last line. */
  readonly first: number;
  readonly last: number;
  /** The client line it answered (absent for the greeting). */
  readonly command?: string;
  /** Transcript index of that client line. */
  readonly commandIndex?: number;
  /** The transaction's envelope sender when it was sent (after MAIL). */
  readonly sender?: string;
  /**
   * Whom it concerns: at RCPT the recipient being added; for DATA and the message, the
   * recipients accepted in the transaction.
   */
  readonly recipients: readonly string[];
}

const REPLY_LINE = /^(\d{3})(?:([ -])(.*))?$/;
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(?: |$)/;
export const DATA_LINE = /^<(\d+) bytes of message data>$/;
const ADDRESS = /^(?:MAIL\s+FROM|RCPT\s+TO)\s*:\s*<([^<>]*)>/i;
/** The adapter's note when the server closed a connection without a reply. */
const DROPPED_NOTE = /^connection (dropped|reset)\b/;
/** Lines a transaction may take and still be kept for its message (real ones take 6 to 20). */
const MAX_TRANSACTION_LINES = 500;

export const isMessageData = (command: string | undefined): boolean => command !== undefined && DATA_LINE.test(command);
export const verbOf = (command: string) => (command.split(' ')[0] ?? '').toUpperCase();
const addressOf = (command: string) => ADDRESS.exec(command)?.[1] ?? command.replace(/^\S+\s*(?:FROM|TO)?\s*:?\s*/i, '').trim();

/** The verbs that move a transaction along; other commands leave it as it is. */
const TRANSACTION_VERB = /^(MAIL|RCPT|DATA|RSET|HELO|EHLO|LHLO)(?: |$)/i;
/** Stands for the `<N bytes of message data>` line among the verbs. */
const MESSAGE = '<message>';

interface Command {
  readonly text: string;
  readonly index: number;
  /** Upper-cased transaction verb, MESSAGE for the message data, '' for anything else. */
  readonly verb: string;
}

interface PendingReply {
  readonly lines: string[];
  readonly code: number;
  readonly enhanced: string | undefined;
  rule: string | undefined;
  readonly at: number;
  readonly first: number;
}

/** A reply's text: its lines without code and enhanced code, joined by a space. */
const textOf = (lines: readonly string[]) =>
  lines
    .map((l) => {
      const rest = l.slice(4);
      const enhanced = ENHANCED.exec(rest)?.[1];
      return enhanced ? rest.slice(enhanced.length).trimStart() : rest;
    })
    .join(' ');

/**
 * Replies from transcript lines fed in order; each line's index is its position in that order.
 * `read` is cheap (the session store feeds it every line); `reply()` builds the reply it completed.
 */
export class ReplyReader {
  private next = 0;
  private command: Command | undefined;
  private answered = true;
  private sender: string | undefined;
  private recipients: string[] = [];
  private pending: PendingReply | undefined;
  private done: { reply: PendingReply; last: number; command: Command | undefined; sender: string | undefined; about: readonly string[] } | undefined;

  /** Reads the next line; true when it completes a reply (see `code`, `answeredMessage` and `reply()`). */
  read(line: TranscriptLine): boolean {
    const index = this.next++;
    if (line.direction === 'in') {
      this.heard(line.text, index);
      return false;
    }
    if (line.direction !== 'out') return false;
    const m = REPLY_LINE.exec(line.text);
    if (!m) return false;
    const pending = (this.pending ??= { lines: [], code: Number(m[1]), enhanced: ENHANCED.exec(m[3] ?? '')?.[1], rule: undefined, at: line.at, first: index });
    pending.lines.push(line.text);
    if (line.rule && !pending.rule) pending.rule = line.rule;
    if (m[2] === '-') return false;
    this.pending = undefined;
    this.complete(pending, index);
    return true;
  }

  /** The transaction verb of the last client line read (MAIL, RCPT, DATA, RSET, HELO, EHLO, LHLO), '' for others. */
  get lastVerb(): string {
    return this.command?.verb ?? '';
  }

  /** The code of the reply the last `read` completed. */
  get code(): number {
    return this.done?.reply.code ?? 0;
  }

  /** The reply the last `read` completed answered a message's data. */
  get answeredMessage(): boolean {
    return this.done?.command?.verb === MESSAGE;
  }

  /** The reply the last `read` completed, whole. */
  reply(): WireReply {
    const { reply: p, last, command, sender, about } = this.done!;
    const reply: { -readonly [K in keyof WireReply]: WireReply[K] } = { code: p.code, text: textOf(p.lines), lines: p.lines, at: p.at, first: p.first, last, recipients: about };
    if (p.enhanced) reply.enhanced = p.enhanced;
    if (p.rule) reply.rule = p.rule;
    if (command) {
      reply.command = command.text;
      reply.commandIndex = command.index;
    }
    if (sender !== undefined) reply.sender = sender;
    return reply;
  }

  private heard(text: string, index: number): void {
    const verb = TRANSACTION_VERB.exec(text)?.[1]!.toUpperCase() ?? (DATA_LINE.test(text) ? MESSAGE : '');
    this.command = { text, index, verb };
    this.answered = false;
    // MAIL starts a new transaction (its sender counts once accepted); RSET and a greeting end one
    if (verb === 'MAIL' || verb === 'RSET' || verb === 'HELO' || verb === 'EHLO' || verb === 'LHLO') this.endTransaction();
  }

  private endTransaction(): void {
    this.sender = undefined;
    this.recipients = [];
  }

  private complete(reply: PendingReply, last: number): void {
    const command = this.command && !this.answered ? this.command : undefined;
    this.answered = true;
    const verb = command?.verb ?? '';
    const recipient = verb === 'RCPT' ? addressOf(command!.text) : undefined;
    const about = recipient !== undefined ? [recipient] : verb === 'DATA' || verb === MESSAGE ? [...this.recipients] : [];
    const sender = verb === 'MAIL' ? addressOf(command!.text) : this.sender;
    this.done = { reply, last, command, sender, about };
    const accepted = reply.code < 400;
    if (verb === 'MAIL' && accepted) this.sender = sender;
    if (recipient !== undefined && accepted) this.recipients.push(recipient);
    // after the message's answer the transaction is over
    if (verb === MESSAGE) this.endTransaction();
  }
}

/**
 * What a session's outcome is made of, kept line by line: messages accepted, replies refused
 * (and the last one), and whether the server cut the connection. Constant size however long
 * the session runs.
 */
export class TranscriptTally {
  messages = 0;
  refusals = 0;
  lastRefusal: WireReply | undefined;
  private droppedNote = false;
  private lastSpoken: 'in' | 'out' | undefined;
  private readonly reader = new ReplyReader();
  /** The lines of the transaction under way, from its MAIL (given up past MAX_TRANSACTION_LINES). */
  private transaction: TranscriptLine[] | undefined;

  /** `onTransaction` gets the lines of every transaction that ended with an accepted message. */
  constructor(private readonly onTransaction?: (lines: readonly TranscriptLine[]) => void) {}

  static of(lines: readonly TranscriptLine[]): TranscriptTally {
    const tally = new TranscriptTally();
    for (const line of lines) tally.add(line);
    return tally;
  }

  add(line: TranscriptLine): void {
    if (line.direction === 'note') {
      if (DROPPED_NOTE.test(line.text)) this.droppedNote = true;
    } else this.lastSpoken = line.direction;
    const reader = this.reader;
    const completed = reader.read(line);
    if (this.onTransaction) this.follow(line);
    if (!completed) return;
    if (reader.code >= 400) {
      this.refusals++;
      this.lastRefusal = reader.reply();
    } else if (reader.answeredMessage) {
      this.messages++;
      if (this.transaction) this.onTransaction?.(this.transaction);
    }
    if (reader.answeredMessage) this.transaction = undefined;
  }

  /** Gathers the current transaction's lines (references: no copies) so its message can be explained later. */
  private follow(line: TranscriptLine): void {
    if (line.direction === 'in') {
      const verb = this.reader.lastVerb;
      if (verb === 'MAIL') this.transaction = [];
      else if (verb === 'RSET' || verb === 'HELO' || verb === 'EHLO' || verb === 'LHLO') this.transaction = undefined;
    }
    if (!this.transaction) return;
    if (this.transaction.length >= MAX_TRANSACTION_LINES) this.transaction = undefined; // a MAIL followed by endless chatter
    else this.transaction.push(line);
  }

  /** Closed by the server without a reply: a `drop`/`reset` note, or the client's last line left unanswered. */
  get dropped(): boolean {
    return this.droppedNote || this.lastSpoken === 'in';
  }
}
