/**
 * The facts message analysis produces. Everything is plain readonly data, so a rule can read it
 * directly and an analysis can be compared with `toEqual` in tests. Header names reported in
 * lists are lower case (the keys of `headers`), except where noted.
 */

export interface AnalyzeInput {
  /**
   * The message after DATA: dot-unstuffed, normally CRLF line endings (bare LF is tolerated).
   * For a message too large to hold, its first bytes (the header section and some body), with
   * `size` and `rest` giving the remainder.
   */
  readonly raw: Buffer;
  /** Bytes in the whole message, when `raw` is only its start. */
  readonly size?: number;
  /** The bytes after `raw`, read once, when `raw` is only the start. */
  readonly rest?: () => AsyncIterable<Buffer>;
  /** Envelope recipients (RCPT TO), used for the Delivered-To loop check. */
  readonly rcptTo: readonly string[];
  /** The client asked for SMTPUTF8 in MAIL FROM, so UTF-8 in header values is allowed. */
  readonly smtpUtf8: boolean;
}

export interface HeaderSize {
  /** Lower-case field name; '' when the message has no header field. */
  readonly name: string;
  readonly bytes: number;
}

export interface FromFacts {
  /** Number of From: header fields. */
  readonly count: number;
  /**
   * The addresses (`local@domain`, as written) in the first From field. When the field breaks
   * the grammar, whatever in it looks like an address (has an `@`), so a bad domain still shows.
   */
  readonly addresses: readonly string[];
  /** A From field is present but holds no address: empty, `<>`, or an empty group. */
  readonly empty: boolean;
  /** An address domain is an IP literal (`[192.0.2.1]`, `[IPv6:…]`) or a bare IPv4 address. */
  readonly ipLiteral: boolean;
  /** An address domain is neither a valid DNS name (at least two labels) nor a valid IP literal. */
  readonly invalidDomain: boolean;
}

export interface MessageIdFacts {
  readonly present: boolean;
  /** The first Message-ID field holds exactly one `<id-left@id-right>` (comments and spaces aside). */
  readonly valid: boolean;
}

/** What the raw header section alone tells; computed synchronously, no MIME parse. */
export interface HeaderAnalysis {
  /** Raw message bytes. */
  readonly size: number;
  /** Bytes of the header section, up to and including the blank line (all bytes when there is none). */
  readonly headerBytes: number;
  /** Lower-case name → unfolded values in order, raw (not MIME-decoded), WSP-trimmed. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** Lower-case name → the name as first written in the message, for quoting it back. */
  readonly writtenNames: ReadonlyMap<string, string>;
  /** Header fields (lines of the form `name: value`, with their continuation lines). */
  readonly headerCount: number;
  /** The first Subject, RFC 2047-decoded; '' when absent. */
  readonly subject: string;
  readonly longestHeaderName: HeaderSize;
  /** Value bytes are counted unfolded (line breaks of folding removed) and WSP-trimmed. */
  readonly longestHeaderValue: HeaderSize;
  /** Raw (unfolded, trimmed) bytes of all Subject values together. */
  readonly subjectBytes: number;
  readonly from: FromFacts;
  readonly messageId: MessageIdFacts;
  /** Lower-case names that RFC 5322 §3.6 allows at most once but that occur more often. */
  readonly duplicateHeaders: readonly string[];
  /**
   * Lower-case names of fields whose value breaks its syntax (Date, From, Sender, Reply-To, To,
   * Cc, Bcc, Message-ID, In-Reply-To, References, or control characters in any value), and, for
   * lines that are not `name: value` with a valid field name, the start of the offending line.
   */
  readonly malformedHeaders: readonly string[];
  /** Field names containing an RFC 2047 encoded-word, as written (lower-casing would alter them). */
  readonly encodedWordHeaderNames: readonly string[];
  /** Lower-case names of fields with raw non-ASCII bytes in the value (without SMTPUTF8), or invalid UTF-8 (with it). */
  readonly unicodeInHeaders: readonly string[];
  /** Number of Received: fields. */
  readonly receivedCount: number;
  /** A Delivered-To value equals (case-insensitively) an envelope recipient. */
  readonly deliveredToLoop: boolean;
  /** The header section cannot be read as RFC 5322 at all (see `headers.ts`). */
  readonly malformed: boolean;
}

export interface AttachmentInfo {
  /** The decoded filename, when the part names one. */
  readonly filename?: string;
  /** Lower-case MIME type, as mailparser reports it (octet-stream refined from the filename). */
  readonly contentType: string;
  /** Decoded bytes. */
  readonly size: number;
}

/** Everything rules may need to decide a content rejection. */
export interface MessageAnalysis extends HeaderAnalysis {
  /** Decoded plain-text body: the text/plain parts, else text derived from the HTML; '' if none. */
  readonly text: string;
  /** The GTUBE spam test string appears in the raw body or in a decoded text part. */
  readonly gtube: boolean;
  /** The EICAR test string appears in the raw body, a decoded text part or a decoded attachment. */
  readonly eicar: boolean;
  /** The first attachments (at most `LIMITS.attachmentRecords`); see `attachmentCount` for the total. */
  readonly attachments: readonly AttachmentInfo[];
  /** Every attachment seen, also those past the record cap. */
  readonly attachmentCount: number;
  /** Filenames (or, lacking one, content types) of attachments of a type Gmail blocks; distinct, capped. */
  readonly blockedAttachments: readonly string[];
  /** The header section is unreadable, or the MIME structure failed to parse. */
  readonly malformed: boolean;
  /** MIME parsing stopped at a safety limit (parts, nesting, part header size): body facts are partial. */
  readonly truncated: boolean;
  /** A line ends in LF without CR (SMTP requires CRLF). */
  readonly bareLineFeeds: boolean;
}
