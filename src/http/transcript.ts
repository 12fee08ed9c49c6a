/**
 * Reads a session transcript back as SMTP: which reply answered which command, what was
 * refused (and for whom), how many messages went through, and how the session ended.
 * Everything here is derived from the lines the adapter logged; nothing is stored twice.
 */
import type { SessionRecord, TranscriptLine } from '../store/sessions.js';
import type { StoredMessage } from '../store/types.js';

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
const DATA_LINE = /^<(\d+) bytes of message data>$/;
const ADDRESS = /^(?:MAIL\s+FROM|RCPT\s+TO)\s*:\s*<([^<>]*)>/i;

export const isMessageData = (command: string | undefined): boolean => command !== undefined && DATA_LINE.test(command);
const verbOf = (command: string) => (command.split(' ')[0] ?? '').toUpperCase();
const addressOf = (command: string) => ADDRESS.exec(command)?.[1] ?? command.replace(/^\S+\s*(?:FROM|TO)?\s*:?\s*/i, '').trim();

/** Every reply of a transcript in order, each with the command it answered and the transaction around it. */
export function repliesOf(transcript: readonly TranscriptLine[]): WireReply[] {
  const replies: WireReply[] = [];
  let command: { text: string; index: number } | undefined;
  let answered = true;
  let sender: string | undefined;
  let recipients: string[] = [];
  let pending: { lines: string[]; texts: string[]; code: number; enhanced?: string; rule?: string; at: number; first: number } | undefined;

  transcript.forEach((line, index) => {
    if (line.direction === 'in') {
      command = { text: line.text, index };
      answered = false;
      const verb = verbOf(line.text);
      if (verb === 'MAIL') {
        // a new transaction, whose sender counts once MAIL is accepted
        sender = undefined;
        recipients = [];
      } else if (verb === 'RSET' || verb === 'HELO' || verb === 'EHLO' || verb === 'LHLO') {
        sender = undefined;
        recipients = [];
      }
      return;
    }
    if (line.direction !== 'out') return;
    const m = REPLY_LINE.exec(line.text);
    if (!m) return;
    const code = Number(m[1]);
    const rest = m[3] ?? '';
    const enhanced = ENHANCED.exec(rest)?.[1];
    const text = enhanced ? rest.slice(enhanced.length).trimStart() : rest;
    pending ??= { lines: [], texts: [], code, ...(enhanced ? { enhanced } : {}), at: line.at, first: index };
    pending.lines.push(line.text);
    pending.texts.push(text);
    if (line.rule && !pending.rule) pending.rule = line.rule;
    if (m[2] === '-') return;

    // the reply is complete
    const cmd = command && !answered ? command : undefined;
    answered = true;
    const verb = cmd ? verbOf(cmd.text) : '';
    const about =
      verb === 'RCPT' && cmd ? [addressOf(cmd.text)] : cmd && (verb === 'DATA' || isMessageData(cmd.text)) ? [...recipients] : [];
    const from = verb === 'MAIL' && cmd ? addressOf(cmd.text) : sender;
    if (verb === 'MAIL' && pending.code < 400) sender = from;
    replies.push({
      code: pending.code,
      ...(pending.enhanced ? { enhanced: pending.enhanced } : {}),
      text: pending.texts.join(' '),
      lines: pending.lines,
      ...(pending.rule ? { rule: pending.rule } : {}),
      at: pending.at,
      first: pending.first,
      last: index,
      ...(cmd ? { command: cmd.text, commandIndex: cmd.index } : {}),
      ...(from !== undefined ? { sender: from } : {}),
      recipients: about,
    });
    if (verb === 'RCPT' && cmd && pending.code < 400) recipients.push(addressOf(cmd.text));
    // after the message's answer the transaction is over
    if (cmd && isMessageData(cmd.text)) {
      sender = undefined;
      recipients = [];
    }
    pending = undefined;
  });
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

export function refusalOf(sessionId: string, r: WireReply): Refusal {
  return {
    id: `${sessionId}:${r.first}`,
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

/** The refusals of a session, in the order they were sent. */
export function refusalsOf(record: SessionRecord): Refusal[] {
  return repliesOf(record.transcript)
    .filter((r) => r.code >= 400)
    .map((r) => refusalOf(record.id, r));
}

export function outcomeOf(record: SessionRecord): SessionOutcome {
  const replies = repliesOf(record.transcript);
  const messages = replies.filter((r) => r.code < 400 && isMessageData(r.command)).length;
  const refused = replies.filter((r) => r.code >= 400);
  const last = refused.at(-1);
  const base = { messages, refusals: refused.length, ...(last ? { lastRefusal: refusalOf(record.id, last) } : {}) };
  if (record.endedAt === undefined) return { status: 'open', ...base };
  const dropped =
    record.transcript.some((l) => l.direction === 'note' && /^connection (dropped|reset)\b/.test(l.text)) ||
    record.transcript.findLast((l) => l.direction !== 'note')?.direction === 'in';
  const status: SessionStatus = dropped ? 'dropped' : messages ? 'delivered' : refused.length ? 'rejected' : 'closed';
  return { status, ...base };
}

/** What happened around one accepted message: the reply to it, and what was refused in its transaction. */
export interface MessageTransaction {
  /** The reply to the message (absent for a moment: the message is stored just before it is answered). */
  readonly reply?: WireReply;
  readonly refused: readonly WireReply[];
  /** Every reply of the transaction, from MAIL to the message. */
  readonly replies: readonly WireReply[];
  /** Transcript index of the `<N bytes of message data>` line. */
  readonly dataIndex: number;
}

/**
 * Finds a message's transaction in its session: the last `<size bytes>` line logged no later
 * than the message was stored (both times come from the same clock), back to its MAIL.
 */
export function transactionOf(message: StoredMessage, session: SessionRecord | undefined): MessageTransaction | undefined {
  if (!session) return undefined;
  const t = session.transcript;
  let dataIndex = -1;
  for (let i = t.length - 1; i >= 0; i--) {
    const line = t[i]!;
    if (line.direction === 'in' && line.at <= message.receivedAt && DATA_LINE.exec(line.text)?.[1] === String(message.size)) {
      dataIndex = i;
      break;
    }
  }
  if (dataIndex < 0) return undefined;
  let start = dataIndex;
  while (start > 0 && !(t[start]!.direction === 'in' && verbOf(t[start]!.text) === 'MAIL')) start--;
  const replies = repliesOf(t).filter((r) => r.commandIndex !== undefined && r.commandIndex >= start && r.commandIndex <= dataIndex);
  const reply = replies.find((r) => r.commandIndex === dataIndex);
  return { ...(reply ? { reply } : {}), refused: replies.filter((r) => r.code >= 400), replies, dataIndex };
}
