/**
 * Reads a transcript as SMTP, one record at a time: which reply answered which command, and the
 * transaction around it, from the fields the adapter wrote (the text is never parsed). Line by
 * line so that the session store can keep a running outcome (TranscriptTally) that stays whole
 * when old lines leave memory; src/store/transcript-outcome.ts builds its views (replies, refusals,
 * transactions) on the same reader.
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

/** Lines a transaction may take and still be kept for its message (real ones take 6 to 20). */
const MAX_TRANSACTION_LINES = 500;
const NOBODY: readonly string[] = Object.freeze([]);

/** The message data's record (it alone carries `bytes`). */
export const isMessageData = (line: TranscriptLine | undefined): boolean => line?.direction === 'in' && line.bytes !== undefined;

/** A line that starts a transaction (MAIL), or ends one without a message (RSET, a greeting). */
export const startsTransaction = (verb: string | undefined) => verb === 'MAIL';
export const endsTransaction = (verb: string | undefined) => verb === 'RSET' || verb === 'HELO' || verb === 'EHLO' || verb === 'LHLO';

interface PendingReply {
  /** Its records so far (text is read from them only when the reply is built). */
  readonly records: TranscriptLine[];
  readonly code: number;
  readonly enhanced: string | undefined;
  rule: string | undefined;
  readonly at: number;
  readonly first: number;
}

/** A reply line's text without code and enhanced code (the record says how long they are). */
const textOf = (line: TranscriptLine) => {
  const rest = line.text.slice(4);
  return line.enhanced ? rest.slice(line.enhanced.length).trimStart() : rest;
};

/**
 * Replies from transcript lines fed in order; each line's index is its position in that order.
 * `read` is cheap (the session store feeds it every line); `reply()` builds the reply it completed.
 * Everything comes from the records' fields: the reply's code, enhanced code and continuation
 * (`more`), and whom it concerned (`rcpts`, `sender`), as the adapter wrote them.
 */
export class ReplyReader {
  private next = 0;
  private command: TranscriptLine | undefined;
  private commandIndex = 0;
  private answered = true;
  private pending: PendingReply | undefined;
  private done: { reply: PendingReply; last: TranscriptLine; lastIndex: number; command: TranscriptLine | undefined; commandIndex: number } | undefined;

  /** Reads the next line; true when it completes a reply (see `code`, `answeredMessage` and `reply()`). */
  read(line: TranscriptLine): boolean {
    const index = this.next++;
    if (line.direction === 'in') {
      this.command = line;
      this.commandIndex = index;
      this.answered = false;
      return false;
    }
    if (line.direction !== 'out' || line.code === undefined) return false;
    const pending = (this.pending ??= { records: [], code: line.code, enhanced: line.enhanced, rule: undefined, at: line.at, first: index });
    pending.records.push(line);
    if (line.rule && !pending.rule) pending.rule = line.rule;
    if (line.more) return false;
    this.pending = undefined;
    const command = this.command && !this.answered ? this.command : undefined;
    this.answered = true;
    this.done = { reply: pending, last: line, lastIndex: index, command, commandIndex: this.commandIndex };
    return true;
  }

  /** The code of the reply the last `read` completed. */
  get code(): number {
    return this.done?.reply.code ?? 0;
  }

  /** The reply the last `read` completed answered a message's data. */
  get answeredMessage(): boolean {
    return isMessageData(this.done?.command);
  }

  /** The reply the last `read` completed, whole. */
  reply(): WireReply {
    const { reply: p, last, lastIndex, command, commandIndex } = this.done!;
    const reply: { -readonly [K in keyof WireReply]: WireReply[K] } = { code: p.code, text: p.records.map(textOf).join(' '), lines: p.records.map((r) => r.text), at: p.at, first: p.first, last: lastIndex, recipients: last.rcpts ?? NOBODY };
    if (p.enhanced) reply.enhanced = p.enhanced;
    if (p.rule) reply.rule = p.rule;
    if (command) {
      reply.command = command.text;
      reply.commandIndex = commandIndex;
    }
    if (last.sender !== undefined) reply.sender = last.sender;
    return reply;
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
      if (line.note === 'dropped' || line.note === 'reset') this.droppedNote = true;
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
      if (startsTransaction(line.verb)) this.transaction = [];
      else if (endsTransaction(line.verb)) this.transaction = undefined;
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
