/** What mockmx keeps: accepted messages and session transcripts. */
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

export interface NewMessage {
  readonly sessionId: string;
  readonly envelope: Envelope;
  readonly raw: Buffer;
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

export interface StoredMessage extends NewMessage {
  readonly id: string;
  readonly receivedAt: number;
  readonly size: number;
  /** Parses the raw message (once; later calls share the result). */
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
