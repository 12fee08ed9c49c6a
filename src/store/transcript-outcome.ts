/**
 * Reads a session transcript back as SMTP: which reply answered which command, what was
 * refused (and for whom), how many messages went through, and how the session ended.
 * Everything here is read from the records the adapter logged (their fields, never their
 * text); the outcome comes from the
 * store's running tally of them, so it still counts lines no longer kept in memory.
 */
import { tallyOf, transactionsOf, type SessionRecord, type TranscriptLine } from './sessions.js';
import { ReplyReader, startsTransaction, type WireReply } from './transcript-reader.js';
import type { StoredMessage } from './types.js';

export { isMessageData, type WireReply } from './transcript-reader.js';

/** Every reply of a transcript in order, each with the command it answered and the transaction around it. */
export function repliesOf(transcript: readonly TranscriptLine[]): WireReply[] {
  const reader = new ReplyReader();
  const replies: WireReply[] = [];
  for (const line of transcript) if (reader.read(line)) replies.push(reader.reply());
  return replies;
}

export type SessionStatus = 'open' | 'delivered' | 'rejected' | 'dropped' | 'closed';

export interface Refusal {
  /** `<session>:<transcript index>`: stable while the session is kept. */
  readonly id: string;
  readonly sessionId: string;
  readonly at: number;
  readonly code: number;
  readonly enhanced?: string;
  readonly text: string;
  readonly lines: readonly string[];
  readonly rule?: string;
  readonly command?: string;
  readonly sender?: string;
  readonly recipients: readonly string[];
}

export interface SessionOutcome {
  /**
   * `open` while connected; `dropped` when the server closed it without a reply (a `drop` or
   * `reset` action, or a command left unanswered); else `delivered` when a message was
   * accepted, `rejected` when something was refused, `closed` otherwise.
   */
  readonly status: SessionStatus;
  /** Messages accepted in the session. */
  readonly messages: number;
  /** Replies with a code of 400 or more. */
  readonly refusals: number;
  readonly lastRefusal?: Refusal;
}

export function refusalOf(sessionId: string, r: WireReply, lineNumber = r.first): Refusal {
  return {
    id: `${sessionId}:${lineNumber}`,
    sessionId,
    at: r.at,
    code: r.code,
    ...(r.enhanced ? { enhanced: r.enhanced } : {}),
    text: r.text,
    lines: r.lines,
    ...(r.rule ? { rule: r.rule } : {}),
    ...(r.command !== undefined ? { command: r.command } : {}),
    ...(r.sender !== undefined ? { sender: r.sender } : {}),
    recipients: r.recipients,
  };
}

/** A kept line's number among all the lines the session logged, so ids stay put when older lines leave memory. */
function lineNumberOf(record: SessionRecord, position: number): number {
  const elided = record.elided;
  return elided && position > elided.after ? position - 1 + elided.count : position;
}

/** The refusals of a session that are still in its transcript in memory, in the order they were sent. */
export function refusalsOf(record: SessionRecord): Refusal[] {
  return repliesOf(record.transcript)
    .filter((r) => r.code >= 400)
    .map((r) => refusalOf(record.id, r, lineNumberOf(record, r.first)));
}

/** From the store's running tally: whole even when lines have left memory, and O(1) for a session it keeps. */
export function outcomeOf(record: SessionRecord): SessionOutcome {
  const { messages, refusals, lastRefusal, dropped } = tallyOf(record);
  const base = { messages, refusals, ...(lastRefusal ? { lastRefusal: refusalOf(record.id, lastRefusal) } : {}) };
  if (record.endedAt === undefined) return { status: 'open', ...base };
  const status: SessionStatus = dropped ? 'dropped' : messages ? 'delivered' : refusals ? 'rejected' : 'closed';
  return { status, ...base };
}

/** What happened around one accepted message: the reply to it, and what was refused in its transaction. */
export interface MessageTransaction {
  /** The reply to the message (absent for a moment: the message is stored just before it is answered). */
  readonly reply?: WireReply;
  readonly refused: readonly WireReply[];
  /** Every reply of the transaction, from MAIL to the message. */
  readonly replies: readonly WireReply[];
}

/**
 * Finds a message's transaction in its session: the last message-data record of its size logged
 * no later than the message was stored (both times come from the same clock), unless the reply
 * to it names another stored message, back to its MAIL.
 */
export function transactionOf(message: StoredMessage, session: SessionRecord | undefined): MessageTransaction | undefined {
  if (!session) return undefined;
  return keptTransactionOf(message, session) ?? transactionInTranscript(message, session);
}

/**
 * From the transactions the session store keeps (their lines, whether or not the transcript
 * still holds them): the latest whose message line has this size and came no later.
 */
function keptTransactionOf(message: StoredMessage, session: SessionRecord): MessageTransaction | undefined {
  const kept = transactionsOf(session);
  for (let k = kept.length - 1; k >= 0; k--) {
    const lines = kept[k]!;
    const data = lines.findIndex((_, i) => isMessageLine(lines, i, message));
    if (data >= 0) return transactionIn(lines, 0, data);
  }
  return undefined;
}

function transactionInTranscript(message: StoredMessage, session: SessionRecord): MessageTransaction | undefined {
  const t = session.transcript;
  const { from, floor } = keptRange(session, message.receivedAt);
  let data = -1;
  for (let i = t.length - 1; i >= from && data < 0; i--) if (isMessageLine(t, i, message)) data = i;
  if (data < 0) return undefined;
  let start = data;
  const first = data >= floor ? floor : 0;
  while (start > first && !(t[start]!.direction === 'in' && startsTransaction(t[start]!.verb))) start--;
  return transactionIn(t, start, data);
}

/**
 * Whether lines[i] is this message's data: its size, logged no later than it was stored (one
 * clock), and not answered by a reply that names another stored message.
 */
function isMessageLine(lines: readonly TranscriptLine[], i: number, message: StoredMessage): boolean {
  const line = lines[i]!;
  if (line.direction !== 'in' || line.bytes !== message.size || line.at > message.receivedAt) return false;
  const named = storedBy(lines, i);
  return named === undefined || named === message.id;
}

/** The id the reply to lines[data] names (absent until it is written, and in transcripts from before records had one). */
function storedBy(lines: readonly TranscriptLine[], data: number): string | undefined {
  for (let i = data + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.direction === 'in') return undefined;
    if (line.code !== undefined) return line.messageId;
  }
  return undefined;
}

/** The replies to the commands of lines[start..data], the one to the message, and those refused. */
function transactionIn(lines: readonly TranscriptLine[], start: number, data: number): MessageTransaction {
  const replies = repliesOf(lines).filter((r) => r.commandIndex !== undefined && r.commandIndex >= start && r.commandIndex <= data);
  const reply = replies.find((r) => r.commandIndex === data);
  return { ...(reply ? { reply } : {}), refused: replies.filter((r) => r.code >= 400), replies };
}

/**
 * Where a message's lines can be in a transcript whose middle left memory: not in the head when
 * it came after the head's last line (they were in the middle; another message of the same size
 * there is not it), and its transaction does not reach back across the note (`floor`).
 */
function keptRange(session: SessionRecord, receivedAt: number): { from: number; floor: number } {
  const elided = session.elided;
  if (!elided) return { from: 0, floor: 0 };
  const headEnd = session.transcript[elided.after - 1]?.at ?? Number.NEGATIVE_INFINITY;
  return { from: receivedAt > headEnd ? elided.after + 1 : 0, floor: elided.after + 1 };
}
