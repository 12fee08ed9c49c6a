import { describe, expect, it } from 'vitest';
import { CHECK_IDS, DEFAULT_REPORT_OPTIONS, ReportCard, ReportOptionsError, resolveReportOptions } from '../../src/report/index.js';
import { Feed, HOUR, MIN, SEC, T0 } from './dsl.js';

const A = 'app@example.com';
const B = 'billing@example.com';

/** Two senders on two IPs: A hammers Bob an hour in, B behaves. */
function twoSenders() {
  const f = new Feed();
  f.session('192.0.2.2').ehlo().send(B, [['bob@x.test', 450, '4.2.1']]).quit();
  f.advance(10 * MIN);
  f.session('192.0.2.2').ehlo().send(B, ['bob@x.test'], 'b1').quit();
  f.advance(1 * HOUR);
  f.session('192.0.2.1').ehlo().send(A, [['bob@x.test', 450, '4.2.1']]).quit();
  f.advance(1 * SEC);
  f.session('192.0.2.1').ehlo().send(A, ['bob@x.test'], 'a1').quit();
  return f;
}

describe('the report', () => {
  it('lists every check per sender in catalogue order, senders by IP then sender, with summaries', () => {
    const f = twoSenders();
    const report = f.report();
    expect(report.senders.map((s) => `${s.clientIp} ${s.sender}`)).toEqual(['192.0.2.1 app@example.com', '192.0.2.2 billing@example.com']);
    for (const s of report.senders) {
      expect(s.checks.map((c) => c.id)).toEqual(CHECK_IDS);
      expect(s.summary.pass + s.summary.fail + s.summary['not-exercised']).toBe(CHECK_IDS.length);
    }
    expect(report.summary.fail).toBe(report.senders.reduce((n, s) => n + s.summary.fail, 0));
    expect(report.generatedAt).toBe(f.now);
    expect(f.now).toBeGreaterThan(T0 + 70 * MIN);
    expect(report.senders[0]!.checks[0]).toMatchObject({ id: 'retry-after-4xx', verdict: 'fail', clause: 'RFC 5321 §4.5.4.1', remedy: expect.any(String), title: expect.any(String) });
  });

  it('is plain JSON, stable from one call to the next, and changes nothing', () => {
    const f = twoSenders();
    const first = f.report();
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    expect(f.report()).toEqual(first);
  });

  it.each([
    [{ sender: 'APP@example.com' }, ['192.0.2.1 app@example.com']],
    [{ clientIp: '192.0.2.2' }, ['192.0.2.2 billing@example.com']],
    [{ sender: A, clientIp: '192.0.2.2' }, []],
    [{ from: T0 + 30 * MIN }, ['192.0.2.1 app@example.com']],
    [{ to: T0 + 30 * MIN }, ['192.0.2.2 billing@example.com']],
  ])('filters by %o', (filter, expected) => {
    const report = twoSenders().report(filter);
    expect(report.senders.map((s) => `${s.clientIp} ${s.sender}`)).toEqual(expected);
    expect(report.filter).toEqual(filter);
  });

  it('judges a time range by the occurrences in it', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [['bob@x.test', 450, '4.2.1']]).quit();
    f.advance(5 * SEC);
    f.session().ehlo().send(A, [['bob@x.test', 450, '4.2.1']]).quit(); // too soon: fail at T0+5s; then Bob is given up: fail, dated at that refusal
    f.advance(2 * HOUR);
    f.session().ehlo().send(A, [['carol@x.test', 450, '4.2.1']]).quit();
    f.advance(10 * MIN);
    f.session().ehlo().send(A, ['carol@x.test'], 'c').quit(); // fine: pass two hours later
    const all = f.check('retry-after-4xx');
    expect(all).toMatchObject({ verdict: 'fail', passed: 1, failed: 2 });
    const later = f.report({ from: T0 + HOUR }).senders[0]!.checks[0]!;
    expect(later).toMatchObject({ verdict: 'pass', passed: 1, failed: 0 });
    const earlier = f.report({ to: T0 + HOUR }).senders[0]!.checks[0]!;
    expect(earlier).toMatchObject({ verdict: 'fail', passed: 0, failed: 2 });
  });

  it('refuses a bad filter', () => {
    const f = twoSenders();
    expect(() => f.report({ from: Number.NaN })).toThrow(RangeError);
    expect(() => f.report({ from: 2, to: 1 })).toThrow(/from is after to/);
  });

  it('keeps at most maxEvidence evidence items, the first failures, oldest first', () => {
    const f = new Feed({ maxEvidence: 2 });
    f.session().ehlo().send(A, [['gone@x.test', 550, '5.1.1']]).quit();
    for (let i = 0; i < 5; i++) f.advance(MIN).session().ehlo().send(A, [['gone@x.test', 550, '5.1.1']]).quit();
    const result = f.check('no-resend-after-5xx');
    expect(result.failed).toBe(5);
    expect(result.evidence.map((e) => e.session)).toEqual(['s2', 's3']);
  });

  it('keeps at most maxEvidenceLines lines per evidence item, the act itself whole', () => {
    const f = new Feed({ maxEvidenceLines: 2 });
    const s = f.session().ehlo().mail(A).in('RCPT TO:<bob@x.test>');
    s.out(450, '4.2.1', 'line one', { more: true, verb: 'RCPT', rcpts: ['bob@x.test'] }).out(450, '4.2.1', 'line two', { verb: 'RCPT', rcpts: ['bob@x.test'] }).quit();
    f.session().ehlo().send(A, ['bob@x.test'], 'm').quit();
    expect(f.check('retry-after-4xx').evidence[0]!.lines).toEqual(['RCPT TO:<bob@x.test>', 'RCPT TO:<bob@x.test>']);
  });

  it('counts sessions still open as if they ended at the report', () => {
    const f = new Feed();
    f.session().ehlo().mail(A).finding('bare-lf');
    expect(f.check('hygiene-crlf').verdict).toBe('fail');
    expect(f.check('hygiene-ehlo-first').verdict).toBe('pass');
  });

  it('ignores lines of sessions it did not see start', () => {
    const card = new ReportCard(() => T0);
    card.line({ at: T0, session: 'nope', direction: 'in', text: 'MAIL FROM:<a@x>', verb: 'MAIL', sender: 'a@x' });
    card.sessionEnded({ id: 'nope' });
    expect(card.report().senders).toEqual([]);
  });

  it('reports the null sender as ""', () => {
    const f = new Feed();
    f.session().ehlo().send('', [['gone@x.test', 550, '5.1.1']]).quit();
    expect(f.report().senders.map((s) => s.sender)).toEqual(['']);
  });

  it('tracks at most maxSenders senders, the least recently active going first', () => {
    const f = new Feed({ maxSenders: 2 });
    for (const who of ['a@x.test', 'b@x.test', 'c@x.test']) f.session().ehlo().send(who, ['r@x.test'], who).quit();
    expect(f.report().senders.map((s) => s.sender)).toEqual(['b@x.test', 'c@x.test']);
  });

  it('starts from the documented defaults and checks the options once', () => {
    expect(resolveReportOptions()).toEqual(DEFAULT_REPORT_OPTIONS);
    expect(DEFAULT_REPORT_OPTIONS).toMatchObject({ minRetryDelayMs: 60_000, minReconnectDelayMs: 30_000, neverRetriedAfterMs: 3_600_000, backoffTolerance: 0.1, maxEvidence: 3 });
    expect(resolveReportOptions({ minRetryDelayMs: undefined }).minRetryDelayMs).toBe(60_000);
    const bad = () => new ReportCard(() => 0, { minRetryDelayMs: -1, maxEvidence: 0.5, backoffTolerance: 1, throttleReplies: ['550 5.7.1'], minRetryDelay: 5 } as never);
    expect(bad).toThrow(ReportOptionsError);
    try {
      bad();
    } catch (err) {
      expect((err as ReportOptionsError).problems).toEqual([
        'unknown option "minRetryDelay"',
        'minRetryDelayMs must be a whole number of milliseconds ≥ 0, not -1',
        'maxEvidence must be a whole number ≥ 1, not 0.5',
        'backoffTolerance must be in [0, 1), not 1',
        'throttleReplies: "550 5.7.1" is not "4xx" or "4xx 4.y.z"',
      ]);
    }
  });
});
