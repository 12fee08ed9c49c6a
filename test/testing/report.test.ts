/** mx.report() and mx.expectReportPasses(): the report card in a vitest test, with real nodemailer sessions. */
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { ReportAssertionError, startMockMx, type MockMx } from '../../src/testing/index.js';
import { GREYLIST_SCENARIO, typedSend } from '../helpers/report-senders.js';

const MIN = 60_000;

const open: MockMx[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((mx) => mx.close()));
});

async function start(clock: { now: () => number }): Promise<MockMx> {
  const mx = await startMockMx({ scenario: GREYLIST_SCENARIO, now: clock.now });
  open.push(mx);
  return mx;
}

function clock() {
  let t = Date.parse('2026-12-04T10:00:00Z');
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

/** One sendMail on its own connection (nodemailer 10 closes it without QUIT, and sends no SIZE=). */
async function sendMail(mx: MockMx, from: string, to: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: mx.smtp.host, port: mx.smtp.port, ignoreTLS: true });
  try {
    await transport.sendMail({ from, to, subject: 'Your receipt', text: 'Thanks!' });
  } finally {
    transport.close();
  }
}

/** What expectReportPasses threw. */
async function failure(p: Promise<void>): Promise<ReportAssertionError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReportAssertionError);
  return err as ReportAssertionError;
}

describe('mx.expectReportPasses', () => {
  it('passes a sender that waited out greylisting and retried, right after its last session (it settles first)', async () => {
    const c = clock();
    const mx = await start(c);
    await typedSend(mx.smtp.port, 'app@example.com', 'slow@example.com', '450 4.2.1');
    c.advance(5 * MIN);
    await typedSend(mx.smtp.port, 'app@example.com', 'slow@example.com');
    // no wait here: the session the client just closed may still be open on the server
    await mx.expectReportPasses({ sender: 'app@example.com' }, { checks: ['retry-after-4xx', 'greylist-and-rate-limit', 'hygiene-quit'], exercised: true });
    await mx.expectReportPasses({ sender: 'app@example.com' });
    const checks = mx.report({ sender: 'app@example.com' }).senders[0]!.checks;
    expect(checks.find((c) => c.id === 'retry-after-4xx')).toMatchObject({ verdict: 'pass', passed: 1 });
    expect(checks.find((c) => c.id === 'hygiene-quit')).toMatchObject({ verdict: 'pass', passed: 2 });
  });

  it('throws a ReportAssertionError listing the failing check with its RFC clause, remedy and evidence', async () => {
    const c = clock();
    const mx = await start(c);
    await typedSend(mx.smtp.port, 'app@example.com', 'slow@example.com', '450 4.2.1');
    await typedSend(mx.smtp.port, 'other@example.com', 'fine@example.com');
    await mx.expectReportPasses(); // within the hour the refusal is still pending: nothing fails yet

    c.advance(2 * 60 * MIN);
    const err = await failure(mx.expectReportPasses());
    expect(err.failures.map((f) => `${f.sender.sender} ${f.check.id}`)).toEqual(['app@example.com retry-after-4xx', 'app@example.com greylist-and-rate-limit']);
    const m = err.message;
    expect(m).toMatch(/^mockmx report card: 2 check\(s\) did not pass/);
    expect(m).toContain('app@example.com from 127.0.0.1');
    expect(m).toContain('FAIL retry-after-4xx: Retries recipients refused with 4xx later');
    expect(m).toContain('RFC 5321 §4.5.4.1');
    expect(m).toMatch(/remedy: Queue each 4xx-refused recipient/);
    expect(m).toMatch(/\d{4}-\d\d-\d\dT[\d:.]+Z session s\w+: never retried <slow@example\.com>: refused 2 h before the report/);
    expect(m).toContain('| RCPT TO:<slow@example.com>');
    expect(m).toContain('| 450 4.2.1 Greylisted, try again later');
    expect(m).not.toContain('other@example.com');
    expect(err.report.summary.fail).toBe(2);

    // the other sender, and checks that did not fail, pass
    await mx.expectReportPasses({ sender: 'other@example.com' });
    await mx.expectReportPasses({ sender: 'app@example.com' }, { checks: ['no-resend-after-5xx', 'hygiene-crlf'] });
    // a time range before the refusal holds no failure
    const before = await failure(mx.expectReportPasses({ to: new Date('2026-12-04T09:00:00Z') }));
    expect(before.message).toMatch(/no sender matching to "?2026-12-04T09:00:00.000Z"? was graded/);
  });

  it("names what nodemailer's plain sendMail gets wrong: no QUIT, no SIZE=", async () => {
    const c = clock();
    const mx = await start(c);
    await sendMail(mx, 'app@example.com', 'fine@example.com');
    const err = await failure(mx.expectReportPasses());
    expect(err.failures.map((f) => f.check.id)).toEqual(['size', 'hygiene-quit']);
    expect(err.message).toContain('MAIL without SIZE= though the server advertised SIZE');
    expect(err.message).toContain('closed the connection without QUIT');
  });

  it('fails when nothing was graded, or a required check never arose, and names a misspelt check', async () => {
    const c = clock();
    const mx = await start(c);
    expect((await failure(mx.expectReportPasses())).message).toMatch(/no sender was graded: the client sent nothing mockmx saw/);
    await typedSend(mx.smtp.port, 'app@example.com', 'fine@example.com');
    expect((await failure(mx.expectReportPasses({ sender: 'nobody@example.com' }))).message).toMatch(/no sender matching sender "nobody@example.com" was graded/);
    const idle = await failure(mx.expectReportPasses({}, { checks: ['retry-after-4xx'], exercised: true }));
    expect(idle.message).toContain('NOT EXERCISED retry-after-4xx');
    await expect(mx.expectReportPasses({}, { checks: ['retry-after-4x' as never] })).rejects.toThrow(/unknown check "retry-after-4x" \(did you mean "retry-after-4xx"\?\)/);
  });

  it('mx.report() is the card as JSON, narrowed by the filter', async () => {
    const c = clock();
    const mx = await start(c);
    await typedSend(mx.smtp.port, 'app@example.com', 'fine@example.com');
    await mx.expectReportPasses();
    const report = mx.report({ sender: 'APP@example.com', from: new Date(c.now() - MIN) });
    expect(report.senders.map((s) => s.sender)).toEqual(['app@example.com']);
    expect(report.filter).toEqual({ sender: 'APP@example.com', from: c.now() - MIN });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(mx.report({ sender: 'else@example.com' }).senders).toEqual([]);
  });
});
