/**
 * The report card's thresholds and bounds, with their defaults; checked once, when the card is
 * made, so a typo fails loudly instead of grading with a default.
 */

export interface ReportOptions {
  /**
   * The shortest acceptable wait before a recipient refused with 4xx (or a throttled client) is
   * tried again. RFC 5321 §4.5.4.1 advises at least 30 minutes between attempts; the default,
   * 1 minute, fails mailers that hammer without failing the 5-minute schedules of common MTAs.
   */
  readonly minRetryDelayMs: number;
  /** The shortest acceptable wait between a 421 and the client's next connection from the same IP. */
  readonly minReconnectDelayMs: number;
  /** A refused recipient not tried again this long after the refusal counts as never retried (by `now()` at report time). */
  readonly neverRetriedAfterMs: number;
  /** How much shorter than the previous wait a retry's wait may be and still count as backing off (0.1 = 10 %: timer jitter). */
  readonly backoffTolerance: number;
  /** Evidence items kept per check and shown per result. */
  readonly maxEvidence: number;
  /** Transcript lines kept per evidence item. */
  readonly maxEvidenceLines: number;
  /** Occurrences (pass or fail, with their times) kept per check and sender for time-range reports. */
  readonly maxOccurrences: number;
  /** Senders (client IP + envelope sender) tracked; the least recently active goes first. */
  readonly maxSenders: number;
  /** Recipients, messages and pending refusals tracked per sender by each check; the least recently touched goes first. */
  readonly maxTrackedPerSender: number;
  /**
   * Replies that mean greylisting or rate limiting, as `code` or `code enhanced`
   * (`421 4.7.28` matches that reply only, `421` any 421).
   */
  readonly throttleReplies: readonly string[];
}

export const DEFAULT_REPORT_OPTIONS: ReportOptions = Object.freeze({
  minRetryDelayMs: 60_000,
  minReconnectDelayMs: 30_000,
  neverRetriedAfterMs: 3_600_000,
  backoffTolerance: 0.1,
  maxEvidence: 3,
  maxEvidenceLines: 8,
  maxOccurrences: 256,
  maxSenders: 10_000,
  maxTrackedPerSender: 10_000,
  throttleReplies: Object.freeze([
    // greylisting, as greylisting servers word it (Postgrey, Exim/Spamhaus, mockmx's `greylist:`)
    '450 4.2.0',
    '451 4.2.0',
    '450 4.7.1',
    '451 4.7.1',
    // receiving-rate limits (Gmail's 450 4.2.1) and connection throttling (Gmail's 421 4.7.x)
    '450 4.2.1',
    '451 4.2.1',
    '421 4.7.0',
    '421 4.7.26',
    '421 4.7.27',
    '421 4.7.28',
    '421 4.7.29',
  ]),
});

export class ReportOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`bad report options: ${problems.join('; ')}`);
    this.name = 'ReportOptionsError';
  }
}

const REPLY_PATTERN = /^4\d\d(?: 4\.\d{1,3}\.\d{1,3})?$/;

type Numeric = { [K in keyof ReportOptions]: ReportOptions[K] extends number ? K : never }[keyof ReportOptions];

/** Durations: whole milliseconds, zero allowed. Counts: whole, at least one. */
const DURATIONS: readonly Numeric[] = ['minRetryDelayMs', 'minReconnectDelayMs', 'neverRetriedAfterMs'];
const COUNTS: readonly Numeric[] = ['maxEvidence', 'maxEvidenceLines', 'maxOccurrences', 'maxSenders', 'maxTrackedPerSender'];

/** The defaults with `given` laid over them; throws ReportOptionsError listing every problem. */
export function resolveReportOptions(given: Partial<ReportOptions> = {}): ReportOptions {
  const problems: string[] = [];
  for (const key of Object.keys(given)) if (!(key in DEFAULT_REPORT_OPTIONS)) problems.push(`unknown option "${key}"`);
  const o = { ...DEFAULT_REPORT_OPTIONS, ...definedOnly(given) };
  for (const key of DURATIONS) if (!Number.isSafeInteger(o[key]) || o[key] < 0) problems.push(`${key} must be a whole number of milliseconds ≥ 0, not ${String(o[key])}`);
  for (const key of COUNTS) if (!Number.isSafeInteger(o[key]) || o[key] < 1) problems.push(`${key} must be a whole number ≥ 1, not ${String(o[key])}`);
  if (typeof o.backoffTolerance !== 'number' || !(o.backoffTolerance >= 0 && o.backoffTolerance < 1)) problems.push(`backoffTolerance must be in [0, 1), not ${String(o.backoffTolerance)}`);
  if (!Array.isArray(o.throttleReplies)) problems.push('throttleReplies must be a list of "code" or "code enhanced" strings');
  else for (const r of o.throttleReplies) if (typeof r !== 'string' || !REPLY_PATTERN.test(r)) problems.push(`throttleReplies: "${String(r)}" is not "4xx" or "4xx 4.y.z"`);
  if (problems.length) throw new ReportOptionsError(problems);
  return Object.freeze({ ...o, throttleReplies: Object.freeze([...o.throttleReplies]) });
}

/** `{ maxEvidence: undefined }` means the default, as it would for an absent key. */
function definedOnly(given: Partial<ReportOptions>): Partial<ReportOptions> {
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<ReportOptions>;
}
