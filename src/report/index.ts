/**
 * The sender report card: grades how the SMTP client under test handled the failures mockmx
 * gave it. Pure: fed transcript records, it opens no socket and reads no clock of its own.
 */
export { ReportCard } from './card.js';
export { CHECKS, CHECK_IDS, type CheckId, type CheckInfo } from './checks.js';
export { DEFAULT_REPORT_OPTIONS, ReportOptionsError, resolveReportOptions, type ReportOptions } from './options.js';
export { toJUnit } from './junit.js';
export type { CheckResult, Evidence, Report, ReportFilter, SenderReport, SessionEnd, SessionStart, Verdict, VerdictCounts } from './types.js';
export { parseReportFilter, ReportFilterError, TIME_FORMS, type ReportFilterText } from './filter.js';
export { failureLines, toText } from './text.js';
