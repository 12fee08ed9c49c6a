/**
 * The report as text for a person at a terminal or in a CI log: per sender, the failing checks
 * first, each with its RFC clause, the remedy and its evidence (session, time, what happened, the
 * transcript lines); then the passing ones in a line each, and the checks never exercised.
 */
import type { CheckResult, Evidence, Report, SenderReport } from './types.js';

/** `app@example.com from 192.0.2.1`; `<>` for the null sender, `(no MAIL)` for sessions that never sent one. */
export const senderName = (s: Pick<SenderReport, 'sender' | 'clientIp'>): string => `${s.sender === null ? '(no MAIL)' : s.sender === '' ? '<>' : s.sender} from ${s.clientIp}`;

const times = (n: number) => (n === 1 ? 'once' : `${n} times`);

function evidenceLines(e: Evidence, indent: string): string[] {
  return [`${indent}${new Date(e.at).toISOString()} session ${e.session}: ${e.detail}`, ...e.lines.map((l) => `${indent}  | ${l}`)];
}

/**
 * A failing check as lines: what it is, how often it failed, the clause, the remedy, the
 * evidence. Shared by the text report and the test helper's assertion message.
 */
export function failureLines(c: CheckResult, indent = ''): string[] {
  const more = c.failed > c.evidence.length ? ` (${c.evidence.length} of ${c.failed} shown)` : '';
  return [
    `${indent}FAIL ${c.id}: ${c.title}`,
    `${indent}     failed ${times(c.failed)}, passed ${times(c.passed)}${c.partial ? ' (counts may be short: the range reaches past what is kept)' : ''}`,
    `${indent}     ${c.clause}`,
    `${indent}     remedy: ${c.remedy}`,
    `${indent}     evidence${more}:`,
    ...c.evidence.flatMap((e) => evidenceLines(e, `${indent}       `)),
  ];
}

function senderText(s: SenderReport): string[] {
  const failing = s.checks.filter((c) => c.verdict === 'fail');
  const passing = s.checks.filter((c) => c.verdict === 'pass');
  const idle = s.checks.filter((c) => c.verdict === 'not-exercised');
  const span = `${new Date(s.firstSeen).toISOString()} – ${new Date(s.lastSeen).toISOString()}`;
  return [
    `${senderName(s)}: ${s.summary.fail} fail, ${s.summary.pass} pass, ${s.summary['not-exercised']} not exercised (${span})`,
    ...failing.flatMap((c) => failureLines(c, '  ')),
    ...passing.map((c) => `  pass ${c.id}: ${c.title} (${times(c.passed)})`),
    ...(idle.length ? [`  not exercised: ${idle.map((c) => c.id).join(', ')}`] : []),
  ];
}

function filterText(report: Report): string {
  const f = report.filter;
  const parts = [
    f.sender !== undefined ? `sender ${f.sender === '' ? '<>' : f.sender}` : '',
    f.clientIp !== undefined ? `ip ${f.clientIp}` : '',
    f.from !== undefined ? `from ${new Date(f.from).toISOString()}` : '',
    f.to !== undefined ? `to ${new Date(f.to).toISOString()}` : '',
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The whole report as text, ending with a newline; senders with failures first. */
export function toText(report: Report): string {
  const { summary } = report;
  const head = `mockmx sender report card at ${new Date(report.generatedAt).toISOString()}${filterText(report)}`;
  if (!report.senders.length) return `${head}\nno sender graded: no SMTP client has sent anything${report.filter && Object.keys(report.filter).length ? ' that matches the filter' : ''} yet\n`;
  const verdict = summary.fail ? `FAILED: ${summary.fail} failing check(s)` : 'PASSED: no check fails';
  const senders = [...report.senders].sort((a, b) => Number(b.summary.fail > 0) - Number(a.summary.fail > 0));
  const body = senders.flatMap((s) => ['', ...senderText(s)]);
  const tail = `${verdict}; ${summary.pass} pass, ${summary['not-exercised']} not exercised, over ${report.senders.length} sender(s)`;
  return [head, ...body, '', tail, ''].join('\n');
}
