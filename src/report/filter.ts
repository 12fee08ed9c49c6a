/**
 * A report filter from text, as a user writes it in a query string or on the command line:
 * one parser for the HTTP API's `?sender=&ip=&from=&to=` and `mockmx report`'s flags, so both
 * accept and refuse the same things in the same words.
 */
import { parseInstant } from '../util/instant.js';
import type { ReportFilter } from './types.js';

/** The filter as text: every field optional, as it came. */
export interface ReportFilterText {
  readonly sender?: string | undefined;
  readonly ip?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** A filter value that is not one: which, what was expected, what was given. */
export class ReportFilterError extends Error {
  readonly code = 'MX_REPORT_FILTER';
  constructor(
    message: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(message);
    this.name = 'ReportFilterError';
  }
}

export const TIME_FORMS = 'ISO 8601 (2026-12-04T10:00:00Z) or ms since the epoch';

/** `from` or `to`: a time as util/instant.ts reads one, or a ReportFilterError. */
function instantOf(key: string, value: string): number {
  const ms = parseInstant(value);
  if (ms === undefined) throw new ReportFilterError(`${key}: "${value}" is not a time`, TIME_FORMS, value);
  return ms;
}

/**
 * The filter `text` asks for. `sender` may be written `<a@b>`; `''` (or `<>`) is the null
 * sender. Empty `ip`, `from` and `to` mean "not given". Throws ReportFilterError on a time that
 * is not one or a range that ends before it starts.
 */
export function parseReportFilter(text: ReportFilterText): ReportFilter {
  const filter: { -readonly [K in keyof ReportFilter]: ReportFilter[K] } = {};
  if (text.sender !== undefined) filter.sender = text.sender.trim().replace(/^<(.*)>$/, '$1');
  if (text.ip) filter.clientIp = text.ip.trim();
  if (text.from) filter.from = instantOf('from', text.from);
  if (text.to) filter.to = instantOf('to', text.to);
  if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) throw new ReportFilterError('from is after to', 'from ≤ to', `${text.from} > ${text.to}`);
  return filter;
}
