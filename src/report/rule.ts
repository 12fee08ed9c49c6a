/**
 * The contract between the card and its checks. The card reads the records and keeps the
 * dialogue's state (session.ts); each rule module watches the events it cares about, keeps its
 * own memory in slots, and credits occurrences through a Grading.
 */
import type { CheckId } from './checks.js';
import type { ReportOptions } from './options.js';
import type { Reply } from './reply.js';
import type { SenderState } from './senders.js';
import type { SessionState, Transaction, TransactionEnd } from './session.js';
import type { TranscriptRecord } from '../transcript/record.js';
import type { Evidence } from './types.js';

export interface Grading {
  readonly options: ReportOptions;
  /** The reply means greylisting or a rate limit (ReportOptions.throttleReplies). */
  isThrottle(reply: Reply): boolean;
  /** Credits one occurrence to a sender. */
  credit(sender: SenderState, check: CheckId, ok: boolean, evidence: Evidence): void;
  /**
   * Credits one occurrence to a session's senders (the connection's doing, not one
   * transaction's): held until the session ends, credited at once when it has.
   */
  creditSession(session: SessionState, check: CheckId, ok: boolean, evidence: Evidence): void;
  /** A connection-level check's situation arose in the session: it passes at the end unless failed. */
  exercise(session: SessionState, check: CheckId): void;
  /** A connection-level failure (the session will not also pass the check). */
  failSession(session: SessionState, check: CheckId, evidence: Evidence): void;
}

/** Credits an occurrence found at report time to the sender being reported. */
export type Credit = (check: CheckId, ok: boolean, evidence: Evidence) => void;

export interface Rule {
  sessionStarted?(g: Grading, s: SessionState): void;
  /** A command, after the card updated the dialogue (a MAIL's transaction exists). */
  command?(g: Grading, s: SessionState, line: TranscriptRecord): void;
  /** The message data (the transaction's messageKey is set). */
  message?(g: Grading, s: SessionState, line: TranscriptRecord): void;
  /** A whole reply, before the card updates the dialogue from it (the transaction is as it was). */
  reply?(g: Grading, s: SessionState, reply: Reply): void;
  note?(g: Grading, s: SessionState, line: TranscriptRecord): void;
  transactionEnded?(g: Grading, s: SessionState, tx: Transaction, how: TransactionEnd): void;
  sessionEnded?(g: Grading, s: SessionState, endedAt: number): void;
  /** Occurrences that depend on the time of the report (a refusal never retried…), without changing anything. */
  pending?(g: Grading, sender: SenderState, now: number, credit: Credit): void;
}
