/** What mockmx keeps: accepted messages and session transcripts. */
import type { Readable } from 'node:stream';
import type { OutboundInfo } from '../outbound/queue.js';

export interface Envelope {
  /** The envelope sender; "" for the null sender. */
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
}

export interface AttachmentSummary {
  readonly filename?: string;
  readonly contentType: string;
  readonly size: number;
}

/** The parsed view of a message, computed on first use. */
export interface ParsedMessage {
  readonly headers: readonly { readonly key: string; readonly value: string }[];
  readonly subject: string;
  readonly from?: string;
  readonly to: readonly string[];
  readonly messageId?: string;
  readonly date?: string;
  readonly text: string;
  readonly html?: string;
  readonly attachments: readonly AttachmentSummary[];
}

/** What is known about a message besides its bytes. */
export interface MessageMeta {
  readonly sessionId: string;
  readonly envelope: Envelope;
  /** The rule that accepted it, if a rule did. */
  readonly rule?: string;
  /**
   * The Received-SPF and Authentication-Results header lines a receiving MTA would prepend,
   * when authentication was checked; `raw` stays exactly as the client sent it.
   */
  readonly authenticationResults?: string;
  /** Set on notices mockmx sent (DSNs, auto-replies): what, about which message, and where it went. */
  readonly outbound?: OutboundInfo;
}

/** A message too large for memory, written to a file while it arrived. */
export interface SpooledFile {
  readonly path: string;
  readonly size: number;
}

/**
 * The bytes come in memory (`raw`) or in a spool file (`spooled`). A store that is given a
 * spooled file owns it from then on: it keeps it, or copies and removes it.
 */
export type NewMessage = MessageMeta & ({ readonly raw: Buffer; readonly spooled?: undefined } | { readonly spooled: SpooledFile; readonly raw?: undefined });

export interface StoredMessage extends MessageMeta {
  readonly id: string;
  readonly receivedAt: number;
  readonly size: number;
  /** Set on a message another instance took (with --redis): that instance's name. */
  readonly instance?: string;
  /**
   * The message as received. For a large message kept in a file this reads the file each time
   * it is used (synchronously): prefer rawStream() for those.
   */
  readonly raw: Buffer;
  /** The message as received, read as a stream: no copy of a large message in memory. */
  rawStream(): Readable;
  /**
   * Set on a message whose bytes live on another instance (--redis): opens them there, or
   * rejects saying why they cannot be read (rawStream() would only fail mid-stream).
   */
  openRaw?(): Promise<Readable>;
  /** Parses the raw message (once; later calls share the result). Text of a large message is capped. */
  parsed(): Promise<ParsedMessage>;
}

/**
 * Where accepted messages go. Implementations: memory (bounded). Every implementation passes
 * test/store/message-store.contract.ts.
 */
export interface MessageStore {
  add(message: NewMessage): Promise<StoredMessage>;
  get(id: string): Promise<StoredMessage | undefined>;
  /** Newest first. */
  list(): Promise<StoredMessage[]>;
  delete(id: string): Promise<boolean>;
  clear(): Promise<void>;
  count(): Promise<number>;
}
