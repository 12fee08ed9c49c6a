/** GET/DELETE /api/v1/report: the sender report card over HTTP, as JSON and JUnit XML, with filters and the scenario's thresholds. */
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/server.js';
import { curl, send, serveHttp } from './helpers.js';

const HOUR = 3_600_000;
const GREYLIST = 'rules:\n  - { id: grey, when: { stage: rcpt, rcpt: "slow@*" }, greylist: { delay: 1m }, then: "450 4.2.1 try later" }\n';

/** A clock the test moves. */
function clock(start = Date.parse('2026-12-04T10:00:00Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const check = (report: any, sender: string, id: string) => report.senders.find((s: any) => s.sender === sender)?.checks.find((c: any) => c.id === id);

describe('GET /api/v1/report', () => {
  it("grades nodemailer's one-shot sendMail: a 4xx never retried fails retry-after-4xx with the refusal as evidence", async () => {
    const c = clock();
    const { mx, api } = await serveHttp(GREYLIST, { now: c.now });
    await expect(send(mx, { from: 'app@example.com', to: 'slow@example.com' })).rejects.toThrow(/450/);
    await send(mx, { from: 'app@example.com', to: 'fine@example.com' });
    await eventually(() => (mx.sessions.list().every((s) => s.endedAt !== undefined) ? true : undefined));

    // within the hour the refusal is still pending: not yet a verdict
    let { status, body } = await api('/api/v1/report');
    expect(status).toBe(200);
    expect(check(body, 'app@example.com', 'retry-after-4xx').verdict).toBe('not-exercised');

    c.advance(2 * HOUR);
    ({ body } = await api('/api/v1/report'));
    const retry = check(body, 'app@example.com', 'retry-after-4xx');
    expect(retry).toMatchObject({ verdict: 'fail', failed: 1, clause: expect.stringMatching(/RFC 5321/) });
    expect(retry.remedy.length).toBeGreaterThan(10);
    expect(retry.evidence[0].detail).toMatch(/never retried <slow@example.com>/);
    expect(retry.evidence[0].lines.join('\n')).toMatch(/450 4\.2\.1 try later/);
    expect(body.senders[0]).toMatchObject({ clientIp: '127.0.0.1', sender: 'app@example.com' });
    expect(body.summary.fail).toBeGreaterThanOrEqual(1);
    expect(body.generatedAt).toBe(c.now());
  });

  it('filters by sender, ip and time, and answers 400 with advice on a bad filter', async () => {
    const c = clock();
    const { mx, api } = await serveHttp('default', { now: c.now });
    await send(mx, { from: 'a@example.com' });
    // the session ends (and its hygiene checks are credited) on the clock of its end
    await eventually(() => (mx.sessions.list()[0]?.endedAt !== undefined ? true : undefined));
    c.advance(HOUR);
    await send(mx, { from: 'b@example.com' });
    await eventually(() => (mx.sessions.list().filter((s) => s.endedAt !== undefined).length === 2 ? true : undefined));

    const senders = async (q: string) => ((await api(`/api/v1/report${q}`)).body.senders as any[]).map((s) => s.sender);
    expect(await senders('')).toEqual(['a@example.com', 'b@example.com']);
    expect(await senders('?sender=B@Example.com')).toEqual(['b@example.com']);
    expect(await senders('?sender=%3Ca@example.com%3E')).toEqual(['a@example.com']);
    expect(await senders('?ip=10.0.0.1')).toEqual([]);
    expect(await senders('?ip=127.0.0.1')).toHaveLength(2);
    expect(await senders(`?from=${new Date(c.now() - 1000).toISOString()}`)).toEqual(['b@example.com']);
    expect(await senders(`?to=${c.now() - 1000}`)).toEqual(['a@example.com']);

    const bad = await api('/api/v1/report?from=yesterday');
    expect(bad).toMatchObject({ status: 400, body: { code: 'MX_REPORT_FILTER', error: expect.stringMatching(/from: "yesterday" is not a time/), expected: expect.stringMatching(/ISO 8601/) } });
    expect((await api('/api/v1/report?from=2026-12-04T12:00:00Z&to=2026-12-04T11:00:00Z')).body).toMatchObject({ code: 'MX_REPORT_FILTER', error: 'from is after to' });
    expect((await api('/api/v1/report?format=html')).status).toBe(400);
  });

  it('speaks JUnit XML with format=junit (curl, as a CI job would)', async () => {
    const c = clock();
    const { mx, url } = await serveHttp(GREYLIST, { now: c.now });
    await expect(send(mx, { from: 'app@example.com', to: 'slow@example.com' })).rejects.toThrow(/450/);
    await eventually(() => (mx.sessions.list().every((s) => s.endedAt !== undefined) ? true : undefined));
    c.advance(2 * HOUR);
    const res = await curl([`${url}/api/v1/report?format=junit`]);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/xml/);
    expect(res.body).toMatch(/^<\?xml/);
    // nodemailer also skips SIZE= and STARTTLS here (ignoreTLS): those fail too
    expect(res.body).toMatch(/<testsuites[^>]*failures="[1-9]\d*"/);
    expect(res.body).toMatch(/never retried &lt;slow@example.com&gt;/);
    expect(res.body).toMatch(/<testcase[^>]*name="retry-after-4xx[^"]*"[^>]*>\s*<failure/);
  });

  it('takes its thresholds from the scenario (report: section) and starts over on DELETE', async () => {
    const c = clock();
    const { mx, api } = await serveHttp(`report: { minRetryDelay: 10s, neverRetriedAfter: 5m }\n${GREYLIST}`, { now: c.now });
    expect(mx.reportOptions()).toMatchObject({ minRetryDelayMs: 10_000, neverRetriedAfterMs: 300_000, minReconnectDelayMs: 30_000 });
    await expect(send(mx, { from: 'app@example.com', to: 'slow@example.com' })).rejects.toThrow(/450/);
    await eventually(() => (mx.sessions.list().every((s) => s.endedAt !== undefined) ? true : undefined));
    c.advance(6 * 60_000);
    expect(check((await api('/api/v1/report')).body, 'app@example.com', 'retry-after-4xx').verdict).toBe('fail');

    expect(await api('/api/v1/report', { method: 'DELETE' })).toMatchObject({ status: 200, body: { reset: true } });
    expect((await api('/api/v1/report')).body.senders).toEqual([]);
  });
});
