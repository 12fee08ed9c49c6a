/**
 * The sender report card's output: per sender (client IP + envelope sender) one result per
 * check, each with a verdict and bounded evidence. Plain data, JSON as it stands.
 */
import type { CheckId } from './checks.js';

export type Verdict = 'pass' | 'fail' | 'not-exercised';

/** One observation behind a verdict: where and when, the transcript lines involved, and what they show. */
export interface Evidence {
  /** The session the observation was made in (for a retry: the retry's). */
  readonly session: string;
  readonly at: number;
  /** The transcript lines' text, as they went over the wire (an earlier refusal first, when one is involved). */
  readonly lines: readonly string[];
  readonly detail: string;
}

export interface CheckResult {
  readonly id: CheckId;
  readonly title: string;
  /** Where the rule is written, e.g. `RFC 5321 §4.5.4.1`. */
  readonly clause: string;
  /** What to change in the mailer, one line. */
  readonly remedy: string;
  readonly verdict: Verdict;
  /** Times the situation arose and the client did right / wrong. */
  readonly passed: number;
  readonly failed: number;
  /** At most `maxEvidence` items: failures when the verdict is fail, else passes; oldest first. */
  readonly evidence: readonly Evidence[];
  /** Set when a time range reaches further back than the occurrences still kept (the counts may be short). */
  readonly partial?: true;
}

export type VerdictCounts = Record<Verdict, number>;

export interface SenderReport {
  readonly clientIp: string;
  /** The envelope sender as first written (`''` for the null sender `<>`); null for sessions that never sent MAIL. */
  readonly sender: string | null;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly summary: VerdictCounts;
  /** Every check, in catalogue order. */
  readonly checks: readonly CheckResult[];
}

export interface Report {
  readonly generatedAt: number;
  /** The filter the report was made with (empty: everything). */
  readonly filter: ReportFilter;
  /** Check verdicts over all senders reported. */
  readonly summary: VerdictCounts;
  /** Ordered by client IP, then sender (null first). */
  readonly senders: readonly SenderReport[];
}

/** Narrows a report; every field given must hold. */
export interface ReportFilter {
  /** Envelope sender, compared case-insensitively (`''` is the null sender). */
  readonly sender?: string;
  readonly clientIp?: string;
  /** Occurrences at or after (ms since the epoch). */
  readonly from?: number;
  /** Occurrences before (ms since the epoch). */
  readonly to?: number;
}

/** What the card needs of a session when it opens (a SessionRecord has these fields). */
export interface SessionStart {
  readonly id: string;
  readonly clientIp: string;
  readonly startedAt: number;
  /** Encrypted from the start (implicit TLS). */
  readonly tls?: boolean;
}

export interface SessionEnd {
  readonly id: string;
  readonly endedAt?: number;
}
