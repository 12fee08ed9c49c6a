import { describe, expect, it } from 'vitest';
import { Feed, HOUR, MIN, SEC } from './dsl.js';

const A = 'app@example.com';
const BOB = 'bob@example.net';
const CAROL = 'carol@example.net';

/** Sends to Bob, refused with `450 4.3.0`, then retries after each of `waits`, refused again except the last. */
function retrying(waits: readonly number[], options = {}) {
  const f = new Feed(options);
  f.session().ehlo().send(A, [[BOB, 451, '4.3.0']]).quit();
  waits.forEach((wait, i) => {
    f.advance(wait);
    const last = i === waits.length - 1;
    f.session().ehlo().send(A, [last ? BOB : [BOB, 451, '4.3.0']], 'm1').quit();
  });
  return f;
}

describe('retry-after-4xx', () => {
  it('is not exercised when nothing was refused with 4xx', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [BOB], 'm1').quit();
    expect(f.check('retry-after-4xx')).toMatchObject({ verdict: 'not-exercised', passed: 0, failed: 0, evidence: [] });
  });

  it.each([
    ['one retry after the minimum', [5 * MIN], 'pass', 1, 0],
    ['growing back-off', [2 * MIN, 4 * MIN, 8 * MIN, 16 * MIN], 'pass', 4, 0],
    ['equal waits (non-decreasing)', [5 * MIN, 5 * MIN, 5 * MIN], 'pass', 3, 0],
    ['within the jitter tolerance', [10 * MIN, 9.5 * MIN], 'pass', 2, 0],
    ['a retry too soon', [10 * SEC], 'fail', 0, 1],
    ['a shrinking back-off', [10 * MIN, 2 * MIN], 'fail', 1, 1],
    ['hammering', [1 * SEC, 1 * SEC, 1 * SEC], 'fail', 0, 3],
  ] as const)('%s', (_name, waits, verdict, passed, failed) => {
    const result = retrying(waits).check('retry-after-4xx');
    expect(result).toMatchObject({ verdict, passed, failed });
  });

  it('says how long the retry waited, with the refusal and the retry as evidence', () => {
    const result = retrying([10 * SEC]).check('retry-after-4xx');
    expect(result.evidence).toHaveLength(1);
    const [e] = result.evidence;
    expect(e!.session).toBe('s2');
    expect(e!.detail).toMatch(/^retried <bob@example\.net> 10 s after the refusal in session s1 at .*; wait at least 1 min$/);
    expect(e!.lines).toEqual([`RCPT TO:<${BOB}>`, '451 4.3.0 Refused', `RCPT TO:<${BOB}>`]);
  });

  it('names the shrinking wait', () => {
    const [e] = retrying([10 * MIN, 2 * MIN]).check('retry-after-4xx').evidence;
    expect(e!.detail).toContain('retry 2 of <bob@example.net> waited 2 min, less than the 10 min the retry before it waited');
  });

  it('takes its thresholds from the options', () => {
    expect(retrying([10 * SEC], { minRetryDelayMs: 5 * SEC }).check('retry-after-4xx').verdict).toBe('pass');
    expect(retrying([10 * MIN, 9.5 * MIN], { backoffTolerance: 0 }).check('retry-after-4xx').verdict).toBe('fail');
  });

  it('fails "never retried" once neverRetriedAfterMs has passed by report time, not before', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [[BOB, 450, '4.2.2']]).quit();
    f.advance(30 * MIN);
    expect(f.check('retry-after-4xx').verdict).toBe('not-exercised');
    f.advance(31 * MIN);
    const result = f.check('retry-after-4xx');
    expect(result).toMatchObject({ verdict: 'fail', failed: 1 });
    expect(result.evidence[0]!.detail).toMatch(/^never retried <bob@example\.net>: refused 1 h 1 min before the report$/);
    expect(result.evidence[0]!.session).toBe('s1');
  });

  it('fails a client that retried, was refused again and gave up: "gave up", not "never retried"', () => {
    const f = retrying([5 * MIN, 10 * MIN]);
    // the last retry was accepted; now one that is refused, retried once, refused, then silence
    f.session().ehlo().send(A, [[CAROL, 451, '4.3.0']]).quit();
    f.advance(5 * MIN);
    f.session().ehlo().send(A, [[CAROL, 451, '4.3.0']]).quit();
    f.advance(5 * HOUR);
    const result = f.check('retry-after-4xx');
    expect(result).toMatchObject({ verdict: 'fail', passed: 3, failed: 1 });
    expect(result.evidence[0]!.detail).toBe('gave up on <carol@example.net> after 1 retry: refused again 5 h before the report, not tried since, never delivered');
    expect(result.evidence[0]!.lines).toEqual([`RCPT TO:<${CAROL}>`, '451 4.3.0 Refused']);
  });

  it('reports the outcome of a recipient retried too soon and then dropped, besides the early retry', () => {
    // greylisted, retried after 10 s (still greylisted), never tried again: two faults
    const f = new Feed();
    f.session().ehlo().send(A, [[BOB, 450, '4.2.1']]).quit();
    f.advance(10 * SEC);
    f.session().ehlo().send(A, [[BOB, 450, '4.2.1']]).quit();
    f.advance(59 * MIN);
    expect(f.check('retry-after-4xx')).toMatchObject({ verdict: 'fail', failed: 1 }); // the early retry only, so far
    f.advance(2 * MIN);
    const result = f.check('retry-after-4xx');
    expect(result).toMatchObject({ verdict: 'fail', passed: 0, failed: 2 });
    expect(result.evidence.map((e) => e.detail)).toEqual([
      expect.stringMatching(/^retried <bob@example\.net> 10 s after the refusal in session s1 .*; wait at least 1 min$/),
      'gave up on <bob@example.net> after 1 retry: refused again 1 h 1 min before the report, not tried since, never delivered',
    ]);
    // greylisting was not waited out, and the recipient was not delivered either
    expect(f.check('greylist-and-rate-limit')).toMatchObject({ verdict: 'fail', passed: 0, failed: 2 });
  });

  it('gives a backing-off client twice its last wait before calling it given up', () => {
    // waits of 40 and 80 minutes: the next, due after 160, is past neverRetriedAfter (1 h) but not late
    const f = new Feed();
    f.session().ehlo().send(A, [[BOB, 451, '4.3.0']]).quit();
    for (const wait of [40 * MIN, 80 * MIN]) {
      f.advance(wait);
      f.session().ehlo().send(A, [[BOB, 451, '4.3.0']]).quit();
    }
    f.advance(170 * MIN);
    expect(f.check('retry-after-4xx')).toMatchObject({ verdict: 'pass', passed: 2, failed: 0 });
    f.advance(10 * MIN); // 180 min: past 2 × 80 min + 10 %
    expect(f.check('retry-after-4xx')).toMatchObject({ verdict: 'fail', passed: 2, failed: 1 });
  });

  it('counts a 4xx at DATA or at the end of data for every recipient it concerned', () => {
    const f = new Feed();
    f.session().ehlo().mail(A).rcpt(BOB).rcpt(CAROL).dataRefused(451, '4.3.0').quit();
    f.advance(5 * MIN);
    f.session().ehlo().send(A, [BOB], 'm1').quit();
    f.session().ehlo().send(A, [CAROL], 'm1').quit(); // right after Bob's: 5 min after the refusal too
    expect(f.check('retry-after-4xx')).toMatchObject({ verdict: 'pass', passed: 2 });

    const g = new Feed();
    g.session().ehlo().send(A, [BOB, CAROL], 'm1', 451, '4.7.1').quit();
    g.advance(20 * SEC);
    g.session().ehlo().send(A, [BOB, CAROL], 'm1').quit();
    expect(g.check('retry-after-4xx')).toMatchObject({ verdict: 'fail', failed: 2 });
  });

  it('fails a retry that sends the message again to a recipient that accepted it (a duplicate)', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [BOB, [CAROL, 450, '4.2.1']], 'm1').quit();
    f.advance(10 * MIN);
    f.session().ehlo().send(A, [BOB, CAROL], 'm1').quit();
    const result = f.check('retry-after-4xx');
    expect(result).toMatchObject({ verdict: 'fail', passed: 1, failed: 1 });
    expect(result.evidence[0]!.detail).toMatch(/^sent message m1 to <bob@example\.net> again, though it accepted it in session s1 at .*: retry only the refused recipients$/);
    expect(result.evidence[0]!.lines).toEqual([`MAIL FROM:<${A}>`, '<500 bytes of message data>']);
  });

  it('passes a retry that sends the message only to the refused recipient', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [BOB, [CAROL, 450, '4.2.1']], 'm1').quit();
    f.advance(10 * MIN);
    f.session().ehlo().send(A, [CAROL], 'm1').quit();
    expect(f.check('retry-after-4xx')).toMatchObject({ verdict: 'pass', passed: 1, failed: 0 });
  });

  it('does not call the same message sent again to an accepted recipient a duplicate when no 4xx was involved', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [BOB], 'm1').send(A, [BOB], 'm1').quit();
    expect(f.check('retry-after-4xx').verdict).toBe('not-exercised');
  });

  it('treats a 421 in the middle of a transaction as a temporary failure for the recipients it had accepted', () => {
    const f = new Feed();
    f.session().ehlo().mail(A).rcpt(BOB).rcpt(CAROL, 421, '4.7.0').end();
    f.advance(2 * SEC);
    f.session().ehlo().send(A, [BOB, CAROL], 'm1').quit();
    expect(f.check('retry-after-4xx')).toMatchObject({ verdict: 'fail', failed: 2 });
  });

  it('ends the episode at a 5xx: no "never retried" for a recipient refused for good', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [[BOB, 450, '4.2.1']]).quit();
    f.advance(5 * MIN);
    f.session().ehlo().send(A, [[BOB, 550, '5.1.1']]).quit();
    f.advance(2 * HOUR);
    expect(f.check('retry-after-4xx')).toMatchObject({ verdict: 'pass', passed: 1, failed: 0 });
  });

  it('leaves 452 4.5.3 to split-after-452: sending the rest at once is no early retry', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [BOB, [CAROL, 452, '4.5.3']], 'm1').send(A, [CAROL], 'm1').quit();
    expect(f.check('retry-after-4xx').verdict).toBe('not-exercised');
  });

  it('keeps senders apart: a different sender or client IP is not a retry', () => {
    const f = new Feed();
    f.session('192.0.2.1').ehlo().send(A, [[BOB, 450, '4.2.1']]).quit();
    f.session('192.0.2.1').ehlo().send('other@example.com', [BOB], 'x').quit();
    f.session('192.0.2.9').ehlo().send(A, [BOB], 'y').quit();
    expect(f.check('retry-after-4xx', { ip: '192.0.2.1', sender: A }).verdict).toBe('not-exercised');
  });
});
