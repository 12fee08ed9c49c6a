/**
 * The report card in a test: settle (let the sessions the client just closed be graded), then
 * assert that no check fails, with an error whose message is the evidence a developer needs.
 */
import { CHECK_IDS, failureLines, type CheckId, type CheckResult, type Report, type ReportFilter, type SenderReport } from '../report/index.js';
import { senderName } from '../report/text.js';
import type { MockMxServer } from '../server/types.js';
import { didYouMean } from '../util/suggest.js';

/** A report filter whose times may also be Dates. */
export interface ReportQuery extends Omit<ReportFilter, 'from' | 'to'> {
  readonly from?: number | Date;
  readonly to?: number | Date;
}

export interface ExpectReportOptions {
  /** Only these checks count (e.g. `['retry-after-4xx']`); default all. */
  readonly checks?: readonly CheckId[];
  /** Also fail when one of the checks counted was never exercised (the situation never arose). */
  readonly exercised?: boolean;
  /** How long to wait, at most, for open sessions to end before grading (ms, default 2000; 0: grade now). */
  readonly settleMs?: number;
}

/** One check that did not pass, and for whom. */
export interface ReportFailure {
  readonly sender: SenderReport;
  readonly check: CheckResult;
}

/** Thrown by expectReportPasses: the message lists each failing check with clause, remedy and evidence. */
export class ReportAssertionError extends Error {
  constructor(
    readonly report: Report,
    readonly failures: readonly ReportFailure[],
    message: string,
  ) {
    super(message);
    this.name = 'ReportAssertionError';
  }
}

export const filterOf = (q: ReportQuery = {}): ReportFilter => {
  const ms = (t: number | Date | undefined) => (t instanceof Date ? t.getTime() : t);
  const from = ms(q.from);
  const to = ms(q.to);
  return { ...q, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) } as ReportFilter;
};

/**
 * Resolves once no session is open (each one's last lines are then on the card), or at
 * `deadlineMs` whatever is still open: the card grades those as if they ended then.
 */
export function settle(server: MockMxServer, deadlineMs: number): Promise<void> {
  const idle = () => server.sessions.list().every((s) => s.endedAt !== undefined);
  if (deadlineMs <= 0 || idle()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      server.events.off('sessionEnd', check);
      resolve();
    };
    const check = () => {
      if (idle()) done();
    };
    const timer = setTimeout(done, deadlineMs);
    server.events.on('sessionEnd', check);
  });
}

export function checkedIds(checks: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (!checks) return undefined;
  for (const id of checks) if (!(CHECK_IDS as readonly string[]).includes(id)) throw new TypeError(`expectReportPasses: unknown check "${id}"${didYouMean(id, CHECK_IDS)}; checks: ${CHECK_IDS.join(', ')}`);
  return new Set(checks);
}

const describeFilter = (f: ReportFilter): string => {
  const parts = Object.entries(f).map(([k, v]) => `${k} ${typeof v === 'number' ? new Date(v).toISOString() : JSON.stringify(v)}`);
  return parts.length ? ` matching ${parts.join(', ')}` : '';
};

/** Throws ReportAssertionError unless every counted check of every sender in `report` passes (or was not exercised, unless `exercised`). */
export function assertReportPasses(report: Report, options: ExpectReportOptions = {}): void {
  const only = checkedIds(options.checks);
  const counted = (c: CheckResult) => !only || only.has(c.id);
  const where = describeFilter(report.filter);
  if (!report.senders.length) throw new ReportAssertionError(report, [], `mockmx report card: no sender${where} was graded: the client sent nothing mockmx saw (check the filter, and that the mail went to this mockmx)`);
  const failures: ReportFailure[] = [];
  for (const sender of report.senders) {
    for (const check of sender.checks) {
      if (!counted(check)) continue;
      if (check.verdict === 'fail' || (options.exercised && check.verdict === 'not-exercised')) failures.push({ sender, check });
    }
  }
  if (!failures.length) return;
  const lines = [`mockmx report card: ${failures.length} check(s) did not pass for the sender(s)${where}`];
  for (const sender of report.senders) {
    const own = failures.filter((f) => f.sender === sender);
    if (!own.length) continue;
    lines.push('', senderName(sender));
    for (const { check } of own) {
      if (check.verdict === 'fail') lines.push(...failureLines(check, '  '));
      else lines.push(`  NOT EXERCISED ${check.id}: ${check.title}`, `       the situation never arose, so it was not graded (${check.clause})`);
    }
  }
  throw new ReportAssertionError(report, failures, lines.join('\n'));
}
