/**
 * Transcripts as data. The SMTP adapter writes each line once, as a typed record carrying what
 * it knew when it wrote it (stage, verb, code, enhanced code, what decided, whom it concerns,
 * the stored message's id). Everything that reads transcripts — the session store's tallies,
 * the HTTP API, the test helper, metrics, `--store` — reads these fields; none parses the text,
 * which is kept only to show the line as it went over the wire.
 *
 * This module is a leaf: smtp/ writes records, store/ keeps them, http/ and testing/ read them.
 */

/**
 * The stages of src/engine/stages.ts, spelled out: this module imports nothing (engine/ may
 * import it, so it must not import engine/). src/smtp/records.ts fails to compile if the two
 * lists part.
 */
export type TranscriptStage = 'connect' | 'helo' | 'starttls' | 'auth' | 'mail' | 'rcpt' | 'data' | 'message' | 'rset' | 'noop' | 'vrfy' | 'quit' | 'unknown';

/** The version of the record shape, written into `--store`'s sessions.jsonl (files without one are version 1: text-only lines). */
export const TRANSCRIPT_FORMAT = 2;

export type LineDirection = 'in' | 'out' | 'note';

/**
 * What a note says, for readers that act on it. `dropped`/`reset`: the server closed without a
 * reply; `elided`: lines not kept in memory (the text says how many); `dns`: reverse DNS and SPF
 * results; `notice`: a DSN or auto-reply queued; `info`: a note of format 1 whose wording is not
 * one of these.
 */
export type NoteKind =
  | 'dropped'
  | 'reset'
  | 'delay'
  | 'event'
  | 'tls'
  | 'dns'
  | 'magic'
  | 'notice'
  | 'discarded'
  | 'elided'
  | 'info';

export interface TranscriptRecord {
  /** Milliseconds since the epoch, from the injected clock. */
  readonly at: number;
  /** The session it belongs to. */
  readonly session: string;
  readonly direction: LineDirection;
  /** The line as it went over the wire (credentials redacted), or the note's words. */
  readonly text: string;
  /** The stage the line belongs to: the command's stage for a line in and its reply. */
  readonly stage?: TranscriptStage;
  /** Upper-case command verb: of the command itself (in), of the command a reply answers (out). Absent for the greeting and message data. */
  readonly verb?: string;
  /** Out: the reply code. */
  readonly code?: number;
  /** Out: the enhanced status code, when the reply has one. */
  readonly enhanced?: string;
  /** Out: true on every line of a multi-line reply but the last. */
  readonly more?: boolean;
  /** What decided: a rule id, `builtin:<name>`, `magic:<entry id>`, `replies.<event>`, or `error`; absent for smtp-server's own answer. */
  readonly rule?: string;
  /**
   * Whom it concerns: at RCPT the recipient being added; at DATA and the message, the accepted
   * recipients. On the line in and on the reply that answers it (they share the array).
   */
  readonly rcpts?: readonly string[];
  /**
   * The transaction's envelope sender: at MAIL the one it names; absent on RSET and greetings
   * (they end the transaction) and where there is none. On lines in and replies alike.
   */
  readonly sender?: string;
  /** Out: the id of the message stored by the transaction this reply ends. */
  readonly messageId?: string;
  /** In: the size of the message data (the record stands for the whole DATA/BDAT body). */
  readonly bytes?: number;
  /** Note: what kind of note it is. */
  readonly note?: NoteKind;
}

/** What the adapter hands the session log; the log stamps `at` and `session` (and copies the fields it keeps: the entry may be dropped after the call). */
export type TranscriptEntry = Omit<TranscriptRecord, 'at' | 'session'>;

export interface SessionInfo {
  clientIp: string;
  clientPort: number;
  listener: 'smtp' | 'smtps';
  heloName?: string;
  tls?: boolean;
  tlsVersion?: string;
  authUser?: string;
}

/** The live record of one SMTP session, written as it happens. */
export interface SessionLog {
  readonly id: string;
  record(entry: TranscriptEntry): void;
  /** Updates what is known about the session (HELO name, TLS, user…). */
  update(info: Partial<SessionInfo>): void;
  end(): void;
}
