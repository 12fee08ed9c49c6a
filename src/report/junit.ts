/**
 * The report as JUnit XML, for CI dashboards: one testsuite per sender, one testcase per check;
 * a failed check carries its evidence, a check whose situation never arose is skipped.
 */
import { senderName } from './text.js';
import type { CheckResult, Evidence, Report, SenderReport } from './types.js';

/** Characters XML 1.0 cannot carry at all (controls but TAB, LF, CR; lone surrogates; U+FFFE, U+FFFF): shown as U+FFFD. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text content: markup characters escaped, characters XML cannot hold replaced. */
export function xmlText(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/[&<>]/g, (c) => ENTITIES[c]!);
}

/** An attribute value (in double quotes): as text, quotes escaped, and line breaks and tabs as character references so parsers keep them. */
export function xmlAttribute(s: string): string {
  return s
    .replace(NOT_XML, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ENTITIES[c]!)
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

const who = senderName;

function evidenceText(items: readonly Evidence[]): string {
  return items.map((e) => [`${new Date(e.at).toISOString()} session ${e.session}: ${e.detail}`, ...e.lines.map((l) => `  ${l}`)].join('\n')).join('\n\n');
}

function testcase(suite: SenderReport, c: CheckResult): string {
  const open = `    <testcase classname="${xmlAttribute(`mockmx.report.${who(suite)}`)}" name="${xmlAttribute(`${c.id}: ${c.title}`)}"`;
  if (c.verdict === 'pass') return `${open}/>`;
  if (c.verdict === 'not-exercised') return `${open}>\n      <skipped message="not exercised"/>\n    </testcase>`;
  const message = c.evidence[0]?.detail ?? `${c.failed} failure(s)`;
  const body = `${evidenceText(c.evidence)}\n\n${c.clause}: ${c.remedy}`;
  return `${open}>\n      <failure message="${xmlAttribute(message)}" type="${xmlAttribute(c.clause)}">${xmlText(body)}</failure>\n    </testcase>`;
}

export function toJUnit(report: Report): string {
  const timestamp = new Date(report.generatedAt).toISOString();
  const suites = report.senders.map((s) => {
    const head = `  <testsuite name="${xmlAttribute(who(s))}" tests="${s.checks.length}" failures="${s.summary.fail}" errors="0" skipped="${s.summary['not-exercised']}" timestamp="${timestamp}">`;
    const properties = `    <properties>\n      <property name="clientIp" value="${xmlAttribute(s.clientIp)}"/>\n      <property name="sender" value="${xmlAttribute(s.sender ?? '')}"/>\n    </properties>`;
    return [head, properties, ...s.checks.map((c) => testcase(s, c)), '  </testsuite>'].join('\n');
  });
  const total = report.summary.pass + report.summary.fail + report.summary['not-exercised'];
  const root = `<testsuites name="mockmx sender report" tests="${total}" failures="${report.summary.fail}" errors="0" skipped="${report.summary['not-exercised']}" timestamp="${timestamp}">`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', root, ...suites, '</testsuites>', ''].join('\n');
}
