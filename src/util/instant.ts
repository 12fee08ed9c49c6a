/** Times as users write them in queries and flags (one reading for every place that takes one), and as mail headers and replies write them. */

/** ISO 8601 as people write it: a date, optionally a time (seconds and fraction optional), optionally `Z` or an offset. */
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/i;

/**
 * A time given as ms since the epoch (digits only) or an ISO 8601 date; undefined when it is
 * neither (Date.parse alone would also take "-5" or "Dec 4", which are more likely mistakes).
 */
export function parseInstant(text: string): number | undefined {
  const t = text.trim();
  const ms = /^\d+$/.test(t) ? Number(t) : ISO.test(t) ? Date.parse(t) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** RFC 5322 date-time in UTC, `Wed, 28 Jun 2023 12:02:11 +0000`: delivery-status fields, and greetings such as Exchange's. */
export function rfc5322Date(at: Date | number): string {
  return new Date(at).toUTCString().replace(/GMT$/, '+0000');
}
