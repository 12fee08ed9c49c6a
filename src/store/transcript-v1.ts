/**
 * Transcripts of format 1, as `--store` wrote them before transcripts were records: each line
 * `{at, direction, text, rule?}` and nothing else. They are upgraded once, on load, into
 * records (see src/transcript/record.ts) by reading the text the way every reader used to:
 * this is the one place left that parses transcript text, so that nothing after it has to.
 *
 * What it reconstructs: a reply's code, enhanced code and continuation from `NNN-`/`NNN ` lines;
 * a client line's verb (message data: its size); what a note says from its wording; whom each
 * reply concerned (sender, recipients) by walking MAIL/RCPT/DATA as the old reader did; and the
 * name of the last accepted greeting, for a session record that lacks it. Not reconstructed:
 * stages other than `message`, and stored message ids (readers do without them).
 */
import type { NoteKind, TranscriptRecord } from '../transcript/record.js';

/** A line of format 1. */
export interface TextLine {
  readonly at: number;
  readonly direction: 'in' | 'out' | 'note';
  readonly text: string;
  readonly rule?: string;
}

const REPLY_LINE = /^(\d{3})(?:([ -])(.*))?$/;
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(?: |$)/;
const DATA_LINE = /^<(\d+) bytes of message data>$/;
const ADDRESS = /^(?:MAIL\s+FROM|RCPT\s+TO)\s*:\s*<([^<>]*)>/i;
const HELO = /^(?:HELO|EHLO|LHLO)\s+(\S+)/i;
const addressOf = (command: string) => ADDRESS.exec(command)?.[1] ?? command.replace(/^\S+\s*(?:FROM|TO)?\s*:?\s*/i, '').trim();

/** The adapter's note wordings of format 1, first match wins. */
const NOTE_WORDING: readonly (readonly [RegExp, NoteKind])[] = [
  [/^connection dropped\b/, 'dropped'],
  [/^connection reset\b/, 'reset'],
  [/^delaying \d+ ms/, 'delay'],
  [/^event /, 'event'],
  [/^TLS established/, 'tls'],
  [/^(?:reverse DNS:|SPF )/, 'dns'],
  [/^magic recipient:/, 'magic'],
  [/^message discarded/, 'discarded'],
  [/^\d+ lines not kept in memory/, 'elided'],
  [/(?:notice|auto-reply)\b.* after \d+ ms$/, 'notice'],
];
const noteKind = (text: string): NoteKind => NOTE_WORDING.find(([wording]) => wording.test(text))?.[1] ?? 'info';

type Writable = { -readonly [K in keyof TranscriptRecord]: TranscriptRecord[K] };

/** Records for a session's format-1 lines, and the name its last accepted greeting gave. */
export function upgradeTranscript(session: string, lines: readonly TextLine[]): { transcript: TranscriptRecord[]; heloName?: string } {
  const transcript: TranscriptRecord[] = [];
  // the transaction as the old reader followed it: the last client line, whether it was answered, MAIL's sender once accepted, accepted recipients
  let command: { text: string; verb?: string; bytes?: number } | undefined;
  let answered = true;
  let sender: string | undefined;
  let recipients: string[] = [];
  let heloName: string | undefined;
  for (const line of lines) {
    const record: Writable = { at: line.at, session, direction: line.direction, text: line.text };
    if (line.rule) record.rule = line.rule;
    transcript.push(record);
    if (line.direction === 'note') {
      record.note = noteKind(line.text);
      continue;
    }
    if (line.direction === 'in') {
      const data = DATA_LINE.exec(line.text);
      if (data) {
        record.stage = 'message';
        record.bytes = Number(data[1]);
        command = { text: line.text, bytes: record.bytes };
      } else {
        record.verb = (line.text.split(' ')[0] ?? '').toUpperCase();
        command = { text: line.text, verb: record.verb };
      }
      answered = false;
      const verb = command.verb;
      if (verb === 'MAIL' || verb === 'RSET' || verb === 'HELO' || verb === 'EHLO' || verb === 'LHLO') {
        sender = undefined;
        recipients = [];
      }
      continue;
    }
    const reply = REPLY_LINE.exec(line.text);
    if (!reply) continue;
    const code = Number(reply[1]);
    record.code = code;
    const enhanced = ENHANCED.exec(reply[3] ?? '')?.[1];
    if (enhanced) record.enhanced = enhanced;
    // every line of a reply concerns the same: the transaction moves on only at its last line
    const answering = answered ? undefined : command;
    if (answering?.verb) record.verb = answering.verb;
    if (answering?.bytes !== undefined) record.stage = 'message';
    const recipient = answering?.verb === 'RCPT' ? addressOf(answering.text) : undefined;
    if (recipient !== undefined) record.rcpts = [recipient];
    else if (answering?.verb === 'DATA' || answering?.bytes !== undefined) record.rcpts = [...recipients];
    const replySender = answering?.verb === 'MAIL' ? addressOf(answering.text) : sender;
    if (replySender !== undefined) record.sender = replySender;
    if (reply[2] === '-') {
      record.more = true;
      continue;
    }
    answered = true;
    const accepted = code < 400;
    if (answering?.verb === 'MAIL' && accepted) sender = replySender;
    if (recipient !== undefined && accepted) recipients.push(recipient);
    if (answering?.bytes !== undefined) {
      sender = undefined;
      recipients = [];
    }
    if (answering && code === 250) heloName = HELO.exec(answering.text)?.[1] ?? heloName;
  }
  return heloName === undefined ? { transcript } : { transcript, heloName };
}
