/**
 * Replies as the card sees them: a multi-line reply gathered into one (its fields are the last
 * line's, its lines kept up to a bound), with the command it answered. The card's own small
 * reader: src/store/'s ReplyReader counts transcript indexes the card has no use for, and report/
 * sits below store/.
 */
import type { TranscriptRecord, TranscriptStage } from '../transcript/record.js';

/** Where evidence comes from: some transcript lines of a session, and when. */
export interface Ref {
  readonly session: string;
  readonly at: number;
  readonly lines: readonly string[];
}

export interface Reply extends Ref {
  readonly code: number;
  readonly enhanced?: string;
  /** The verb of the command it answers; absent for the greeting and unprompted replies. */
  readonly verb?: string;
  readonly stage?: TranscriptStage;
  /** Whom it concerns (RCPT: the recipient; DATA and the message: the accepted ones). */
  readonly rcpts: readonly string[];
  /** The line it answered, if one was waiting. */
  readonly command?: string;
  /** It answered the message data. */
  readonly answersMessage: boolean;
}

const NOBODY: readonly string[] = Object.freeze([]);

/** Gathers one session's replies, line by line. */
export class ReplyGatherer {
  private lines: string[] = [];
  private firstAt = 0;
  private command: TranscriptRecord | undefined;
  private answered = true;
  /** Lines of the reply under way read so far (1 after its first line). */
  position = 0;

  constructor(private readonly maxLines: number) {}

  /** A line from the client: the next reply answers it. */
  heard(line: TranscriptRecord): void {
    this.command = line;
    this.answered = false;
  }

  /** A reply line; the whole reply when this was its last line. */
  read(line: TranscriptRecord): Reply | undefined {
    if (line.code === undefined) return undefined;
    if (this.position++ === 0) this.firstAt = line.at;
    if (this.lines.length < this.maxLines) this.lines.push(line.text);
    if (line.more) return undefined;
    const command = this.answered ? undefined : this.command;
    this.answered = true;
    // every field always present (undefined when absent): one object shape for every reply the rules read
    const reply: Reply = {
      session: line.session,
      at: this.firstAt,
      lines: this.lines,
      code: line.code,
      enhanced: line.enhanced || undefined,
      verb: line.verb || undefined,
      stage: line.stage || undefined,
      rcpts: line.rcpts ?? NOBODY,
      command: command?.text,
      answersMessage: command?.bytes !== undefined,
    };
    this.lines = [];
    this.position = 0;
    return reply;
  }
}

/** A reply as evidence: the command it answered, then its lines, within `max` lines. */
export const refOfReply = (r: Reply, max: number): Ref => ({ session: r.session, at: r.at, lines: (r.command === undefined ? r.lines : [r.command, ...r.lines]).slice(0, max) });

/** A line in as evidence. */
export const refOfLine = (line: TranscriptRecord): Ref => ({ session: line.session, at: line.at, lines: [line.text] });
