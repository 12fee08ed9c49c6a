/** The Report from each sender's tallies: filtered, every check in catalogue order, counted. */
import { CHECKS, type CheckId } from './checks.js';
import { addressKey } from './format.js';
import type { SenderState } from './senders.js';
import { ALL_TIME, type Tally, type TimeRange } from './tally.js';
import type { CheckResult, Report, ReportFilter, SenderReport, Verdict, VerdictCounts } from './types.js';

const counts = (): VerdictCounts => ({ pass: 0, fail: 0, 'not-exercised': 0 });

export function checkFilter(filter: ReportFilter): TimeRange {
  for (const key of ['from', 'to'] as const) {
    const v = filter[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw new RangeError(`report filter: ${key} must be a time in ms since the epoch, not ${String(v)}`);
  }
  if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) throw new RangeError('report filter: from is after to');
  return filter.from === undefined && filter.to === undefined ? ALL_TIME : { from: filter.from ?? -Infinity, to: filter.to ?? Infinity };
}

function result(id: CheckId, tally: Tally | undefined, range: TimeRange): CheckResult {
  const { title, clause, remedy } = CHECKS.find((c) => c.id === id)!;
  const r = tally?.result(range) ?? { passed: 0, failed: 0, evidence: [], partial: false };
  const verdict: Verdict = r.failed ? 'fail' : r.passed ? 'pass' : 'not-exercised';
  return { id, title, clause, remedy, verdict, passed: r.passed, failed: r.failed, evidence: r.evidence, ...(r.partial ? { partial: true as const } : {}) };
}

function compareSenders(a: SenderReport, b: SenderReport): number {
  if (a.clientIp !== b.clientIp) return a.clientIp < b.clientIp ? -1 : 1;
  if (a.sender === b.sender) return 0;
  if (a.sender === null) return -1;
  if (b.sender === null) return 1;
  const x = addressKey(a.sender);
  const y = addressKey(b.sender);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function buildReport(views: ReadonlyMap<SenderState, ReadonlyMap<CheckId, Tally>>, filter: ReportFilter, generatedAt: number): Report {
  const range = checkFilter(filter);
  const summary = counts();
  const senders: SenderReport[] = [];
  for (const [sender, tallies] of views) {
    if (filter.clientIp !== undefined && sender.clientIp !== filter.clientIp) continue;
    if (filter.sender !== undefined && (sender.sender === null || addressKey(sender.sender) !== addressKey(filter.sender))) continue;
    const checks = CHECKS.map((c) => result(c.id, tallies.get(c.id), range));
    const active = sender.lastSeen >= range.from && sender.firstSeen < range.to;
    if (range !== ALL_TIME && !active && checks.every((c) => c.verdict === 'not-exercised')) continue;
    const own = counts();
    for (const c of checks) own[c.verdict]++;
    for (const v of Object.keys(own) as Verdict[]) summary[v] += own[v];
    senders.push({ clientIp: sender.clientIp, sender: sender.sender, firstSeen: sender.firstSeen, lastSeen: sender.lastSeen, summary: own, checks });
  }
  senders.sort(compareSenders);
  const echo: { -readonly [K in keyof ReportFilter]: ReportFilter[K] } = {};
  for (const key of ['sender', 'clientIp', 'from', 'to'] as const) if (filter[key] !== undefined) (echo as Record<string, unknown>)[key] = filter[key];
  return { generatedAt, filter: echo, summary, senders };
}
