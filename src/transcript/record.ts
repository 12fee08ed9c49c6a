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
 * results; `notice`: a DSN or auto-reply queued; `client`: a wire-level fact about the client
 * (see `finding`); `info`: a note of format 1 whose wording is not one of these.
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
  | 'client'
  | 'info';

/**
 * Wire-level facts about the SMTP client that only the adapter can see (the records keep a
 * line's text, not its bytes or how lines arrived), written as a `client` note's `finding`:
 * - `bare-lf` / `bare-cr`: a line ended in LF or CR alone, not CRLF (RFC 5321 §2.3.8);
 * - `line-too-long`: a command line over 512 octets or a text line over 1000 (§4.5.3.1.4, §4.5.3.1.6);
 * - `pipelining-unadvertised`: commands sent ahead of replies without PIPELINING advertised (RFC 2920 §3.1);
 * - `pipelining-after-starttls`: commands sent after STARTTLS in the same group (RFC 3207 §4.2);
 * - `eight-bit-undeclared`: 8-bit octets in the message without `BODY=8BITMIME` (RFC 6152 §3);
 * - `smtputf8-unneeded`: `SMTPUTF8` given for an all-ASCII envelope and header section (RFC 6531 §3.4);
 * - `smtputf8-unoffered`: UTF-8 in the envelope or headers while SMTPUTF8 was not advertised (RFC 6531 §3.2);
 * - `dot-stuffing`: a data line that shows the client did not dot-stuff (RFC 5321 §4.5.2);
 * - `size-exceeded-declared`: the message was larger than the `SIZE=` the client declared (RFC 1870 §6).
 */
export type ClientFinding =
  | 'bare-lf'
  | 'bare-cr'
  | 'line-too-long'
  | 'pipelining-unadvertised'
  | 'pipelining-after-starttls'
  | 'eight-bit-undeclared'
  | 'smtputf8-unneeded'
  | 'smtputf8-unoffered'
  | 'dot-stuffing'
  | 'size-exceeded-declared';

/** Every ClientFinding, in the order above (the compiler holds the list to the union). */
export const CLIENT_FINDINGS = Object.freeze([
  'bare-lf',
  'bare-cr',
  'line-too-long',
  'pipelining-unadvertised',
  'pipelining-after-starttls',
  'eight-bit-undeclared',
  'smtputf8-unneeded',
  'smtputf8-unoffered',
  'dot-stuffing',
  'size-exceeded-declared',
] as const satisfies readonly ClientFinding[]);
type Listed = (typeof CLIENT_FINDINGS)[number];
/** Fails to compile when a finding is added to the union but not to the list. */
export const CLIENT_FINDINGS_COMPLETE: [ClientFinding] extends [Listed] ? true : false = true;

/** What a `notice` note announces: a failure or delay DSN (RFC 3464), or an auto-reply (RFC 3834). */
export type NoticeKind = 'failure' | 'delay' | 'auto-reply';

/** A BDAT line's chunk, as the record of the line carries it. */
export interface TranscriptChunk {
  readonly size: number;
  readonly last: boolean;
}

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
   * recipients. On the line in and on the reply that answers it (they share the array). On a
   * `notice` note: the recipients the notice is about (for a DSN, the addresses it reports).
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
  /**
   * In, on the message data's record: what identifies the message across sessions and
   * retries — its Message-ID header as written, else `sha256:<hex>` of the envelope (sender and
   * recipients) and the body. Absent when the adapter could not tell.
   */
  readonly messageKey?: string;
  /** In, on a BDAT line (RFC 3030): the chunk's size in octets and whether it is the LAST; absent when the line does not parse. */
  readonly chunk?: TranscriptChunk;
  /** A `client` note: what the adapter saw the client do (one finding per note). */
  readonly finding?: ClientFinding;
  /** A `notice` note: what the notice is (its `rcpts` say whom it is about). */
  readonly noticeKind?: NoticeKind;
  /** A `notice` note: when the outbound queue is due to deliver it (ms since the epoch); absent: at once. */
  readonly dueAt?: number;
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
