/**
 * The sender report card against real senders on the shipped exam scenario: a real Postfix that
 * relays through it passes the checks it meets, nodemailer's plain sendMail (no retry of its own)
 * is failed for never retrying the greylisted recipient, and a naive smtplib loop fails exactly
 * the two things it is naive about.
 *
 * Time: the exam greylists for a minute and grades retries in minutes, while Postfix backs off
 * in seconds. mockmx runs on a warped clock (one real second is one minute of mockmx time), so
 * the greylist delay, the card's thresholds and the senders' real pauses meet without anyone
 * sleeping; the card grades on that same clock. Waits are polls with deadlines on Postfix's log,
 * mockmx's sessions and the report. Postfix needs root and Debian's `postfix` (see
 * test/e2e/postfix-sender.test.ts): missing in CI it fails, locally that test skips.
 */
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckId } from '../../src/report/checks.js';
import type { CheckResult } from '../../src/report/types.js';
import { run, which } from '../helpers/clients.js';
import { requirePostfix, startPostfix, type DeliveryLine, type PostfixSender } from '../helpers/postfix.js';
import { eventually, serve } from '../helpers/server.js';

type Server = Awaited<ReturnType<typeof serve>>;

/** mockmx milliseconds per real millisecond. */
const WARP = 60;
const WAIT = 30_000;
/** scenarios/exam.yaml's greylist delay. */
const GREYLIST_DELAY = 60_000;
const NAIVE = fileURLToPath(new URL('../fixtures/clients/naive_smtplib.py', import.meta.url));

let postfix: PostfixSender | undefined;

afterEach(async () => {
  // before serve()'s own afterEach closes mockmx, so Postfix does not retry into a closed port
  await postfix?.stop();
  postfix = undefined;
});

/** A clock that runs WARP times faster than the real one from now on; `skip` jumps it forward. */
function warpedClock(): { now: () => number; skip(ms: number): void } {
  const start = Date.now();
  let skipped = 0;
  return {
    now: () => start + (Date.now() - start) * WARP + skipped,
    skip: (ms) => void (skipped += ms),
  };
}

/** Once every session mockmx saw has ended (the card credits connection-level findings then). */
const allEnded = (server: Server) => eventually(() => (server.sessions.list().length > 0 && server.sessions.list().every((s) => s.endedAt !== undefined) ? true : undefined), WAIT);

/** The card's checks for one sender: there must be exactly one such sender (one client IP). */
function checksOf(server: Server, sender: string): Map<CheckId, CheckResult> {
  const { senders } = server.report({ sender });
  expect(senders.map((s) => `${s.clientIp} ${s.sender}`)).toEqual([`127.0.0.1 ${sender}`]);
  return new Map(senders[0]!.checks.map((c) => [c.id, c]));
}

/** A check's result as an assertion message: its verdict, counts and evidence, lines included. */
const explain = (c: CheckResult | undefined): string =>
  c ? `${c.id}: ${c.verdict} (${c.passed} passed, ${c.failed} failed)\n${c.evidence.map((e) => `  [${e.session}] ${e.detail}\n${e.lines.map((l) => `      ${l}`).join('\n')}`).join('\n')}` : 'no such check';

const explainAll = (checks: Map<CheckId, CheckResult>, verdict: CheckResult['verdict']) =>
  [...checks.values()]
    .filter((c) => c.verdict === verdict)
    .map(explain)
    .join('\n');

function expectPass(checks: Map<CheckId, CheckResult>, id: CheckId): void {
  const c = checks.get(id);
  expect(c?.verdict, explain(c)).toBe('pass');
  expect(c!.passed, explain(c)).toBeGreaterThan(0);
}

describe.skipIf(!requirePostfix())('Postfix relaying through the exam', () => {
  const SENDER = 'alice@harness.test';
  const final = (l: DeliveryLine) => l.status === 'sent' || l.status === 'bounced';

  it('passes retry-after-4xx, no-resend-after-5xx, quit-after-421, split-after-452 and greylist-and-rate-limit, each exercised', async () => {
    const clock = warpedClock();
    const server = await serve('exam', { now: clock.now });
    // Postfix computes a deferred message's next attempt in whole seconds, so a retry can come up
    // to about a second before minimal_backoff_time: 3 s keeps every retry at least 2 real
    // seconds (2 mockmx minutes) after the refusal, past the 1-minute greylisting and minRetryDelay
    postfix = await startPostfix({ relayPort: server.smtp.port, backoff: { min: 3, max: 6, queueRunDelay: 1 } });
    const pf = postfix;

    // One message to four new recipients: all four are greylisted (450 4.2.1); on Postfix's
    // retry a is the sender's fifth RCPT (550 5.1.1), b and c are accepted and d, the third
    // accepted in the transaction, gets 452 4.5.3; Postfix delivers b and c, bounces a and
    // sends d in a later transaction
    const rcpts = ['a', 'b', 'c', 'd'].map((r) => `${r}@example.net`);
    const first = await pf.submit({ from: SENDER, to: rcpts, subject: 'four new recipients' });
    const done = await pf.waitForStatus((l) => l.queueId === first && final(l), WAIT, 4);
    expect(Object.fromEntries(done.map((l) => [l.to, `${l.status} ${l.dsn}`]))).toEqual({
      'a@example.net': 'bounced 5.1.1',
      'b@example.net': 'sent 2.0.0',
      'c@example.net': 'sent 2.0.0',
      'd@example.net': 'sent 2.0.0',
    });
    const deferred = pf.deliveryLines().filter((l) => l.queueId === first && l.status === 'deferred');
    expect(deferred.map((l) => `${l.to} ${l.dsn}`).sort()).toEqual([...rcpts.map((r) => `${r} 4.2.1`), 'd@example.net 4.5.3'].sort());

    // Then one message at a time to b (past greylisting) until one meets the sixth-MAIL 421 4.7.0;
    // Postfix defers it and delivers it on a later attempt
    let closed: string | undefined;
    for (let n = 1; n <= 8 && closed === undefined; n++) {
      const id = await pf.submit({ from: SENDER, to: ['b@example.net'], subject: `follow-up ${n}` });
      const [outcome] = await pf.waitForStatus((l) => l.queueId === id, WAIT);
      if (outcome!.status === 'deferred') {
        expect(outcome).toMatchObject({ dsn: '4.7.0', command: 'MAIL FROM' });
        closed = id;
      } else expect(outcome!.status).toBe('sent');
    }
    expect(closed, 'no message met the exam\'s 421 4.7.0').toBeDefined();
    await pf.waitForStatus((l) => l.queueId === closed && l.status === 'sent', WAIT);
    await allEnded(server);

    const checks = checksOf(server, SENDER);
    for (const id of ['retry-after-4xx', 'no-resend-after-5xx', 'quit-after-421', 'split-after-452', 'greylist-and-rate-limit'] as const) expectPass(checks, id);
    // and nothing else the card looked at went wrong either
    expect(explainAll(checks, 'fail'), 'failing checks').toBe('');
  }, 60_000);
});

describe('plain senders through the exam', () => {
  it("nodemailer's plain sendMail is failed on retry-after-4xx, \"never retried\", once the clock passes neverRetriedAfter", async () => {
    let now = Date.UTC(2026, 0, 5, 9, 0, 0);
    const server = await serve('exam', { now: () => now });
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: server.smtp.port,
      secure: false,
      tls: { rejectUnauthorized: false },
      name: 'app.sender.test',
      connectionTimeout: 5000,
      greetingTimeout: 5000,
      socketTimeout: 5000,
    });
    try {
      // greylisted: every recipient refused, so nodemailer gives up and reports the error
      await expect(transport.sendMail({ from: 'app@sender.test', to: 'ann@receiver.test', subject: 'once', text: 'just once' })).rejects.toMatchObject({ code: 'EENVELOPE', rejected: ['ann@receiver.test'] });
    } finally {
      transport.close();
    }
    await allEnded(server);
    const refusal = server.sessions.list()[0]!.transcript.find((l) => l.rule === 'exam-greylist');
    expect(refusal?.text).toBe('450 4.2.1 Greylisted: please try again later.');

    // not yet a failure: the card cannot tell a retry that has not come yet from one that never will
    const { neverRetriedAfterMs } = server.reportOptions();
    now += neverRetriedAfterMs - 1;
    let retry = checksOf(server, 'app@sender.test').get('retry-after-4xx');
    expect(retry?.verdict, explain(retry)).toBe('not-exercised');

    now += 1;
    retry = checksOf(server, 'app@sender.test').get('retry-after-4xx');
    expect(retry?.verdict, explain(retry)).toBe('fail');
    expect(retry!.failed).toBe(1);
    expect(retry!.evidence[0]!.detail, explain(retry)).toMatch(/^never retried <ann@receiver\.test>: refused 1 h before the report$/);
    expect(retry!.evidence[0]!.lines).toEqual(['RCPT TO:<ann@receiver.test>', '450 4.2.1 Greylisted: please try again later.']);
  });

  it('the naive smtplib loop fails exactly no-resend-after-5xx and split-after-452, and passes the rest it meets', async () => {
    expect(which('python3'), 'install python3').toBeTruthy();
    const SENDER = 'naive@sender.test';
    const clock = warpedClock();
    const server = await serve('exam', { now: clock.now });
    const options = server.reportOptions();
    // its pause after a 4xx or 421, in real seconds: 1.5 × the longest of the exam's greylisting
    // delay and the card's minimum waits, on the warped clock (90 mockmx seconds)
    const pause = (Math.max(GREYLIST_DELAY, options.minRetryDelayMs, options.minReconnectDelayMs) * 1.5) / WARP / 1000;

    // message 1 to x, y, z: all greylisted; after the pause y is the sender's fifth RCPT
    // (550 5.1.1), x and z are delivered, and the loop sends to y again at once. Message 2 to
    // x, z, y: y gets 452 4.5.3 and is dropped. Messages 3 and 4 to x: the fourth is the IP's
    // sixth MAIL and meets 421 4.7.0; the loop closes, pauses and sends it again.
    const [x, y, z] = ['x', 'y', 'z'].map((r) => `${r}@receiver.test`) as [string, string, string];
    const result = await run('python3', [NAIVE, '--wait', String(pause), String(server.smtp.port), SENDER, `${x},${y},${z}`, `${x},${z},${y}`, x, x], WAIT);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const said = result.stdout;
    expect(said).toContain(`message 1 attempt 2: <${y}> 550 5.1.1`);
    expect(said).toContain(`message 1 attempt 3: <${y}> 250`);
    expect(said).toContain(`message 2 attempt 1: <${y}> 452 4.5.3`);
    expect(said).toMatch(/message 4 attempt 1: failed 421 \(421, b'4\.7\.0 /);
    expect(said).toContain(`message 4 attempt 2: <${x}> 250`);
    await allEnded(server);

    // long enough for the card to conclude that y will never be sent after its 452
    clock.skip(options.neverRetriedAfterMs);
    const checks = checksOf(server, SENDER);
    const failing = [...checks.values()].filter((c) => c.verdict === 'fail').map((c) => c.id);
    expect(failing, explainAll(checks, 'fail')).toEqual(['no-resend-after-5xx', 'split-after-452']);

    const resent = checks.get('no-resend-after-5xx')!;
    expect(resent.evidence[0]!.detail, explain(resent)).toMatch(new RegExp(`^sent to <${y}> again after it was refused for good`));
    const split = checks.get('split-after-452')!;
    expect(split.evidence.map((e) => e.detail).join('\n'), explain(split)).toMatch(new RegExp(`^never sent <${y}> in another transaction \\(refused with 452 4\\.5\\.3`, 'm'));

    // what it does right, it is credited for
    for (const id of ['retry-after-4xx', 'greylist-and-rate-limit', 'quit-after-421', 'size', 'hygiene-ehlo-first', 'hygiene-starttls', 'hygiene-quit'] as const) expectPass(checks, id);
  });
});
