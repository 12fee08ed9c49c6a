import { describe, expect, it } from 'vitest';
import { Feed, HOUR, MIN, SEC } from './dsl.js';

const A = 'app@example.com';
const BOB = 'bob@gmail.test';

describe('greylist-and-rate-limit', () => {
  it('is not exercised by a 4xx that is neither greylisting nor a rate limit', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [[BOB, 451, '4.3.0']]).quit();
    f.advance(5 * MIN);
    f.session().ehlo().send(A, [BOB], 'm1').quit();
    expect(f.check('greylist-and-rate-limit').verdict).toBe('not-exercised');
    expect(f.check('retry-after-4xx').verdict).toBe('pass');
  });

  it.each([
    ['450 4.7.1 greylisting, retried after 6 min', 450, '4.7.1', 6 * MIN, 'pass'],
    ["Gmail's 450 4.2.1, retried after 2 min", 450, '4.2.1', 2 * MIN, 'pass'],
    ['451 4.7.1 greylisting, retried after 5 s', 451, '4.7.1', 5 * SEC, 'fail'],
    ['421 4.7.28 at RCPT, reconnected after 1 s', 421, '4.7.28', 1 * SEC, 'fail'],
  ] as const)('%s: %s', (_name, code, enhanced, wait, verdict) => {
    const f = new Feed();
    f.session().ehlo().mail(A).rcpt(BOB, code, enhanced).end();
    f.advance(wait);
    f.session().ehlo().send(A, [BOB], 'm1').quit();
    expect(f.check('greylist-and-rate-limit').verdict).toBe(verdict);
  });

  it('passes once delivered after waiting, saying how long it took', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [[BOB, 450, '4.7.1']]).quit();
    f.advance(5 * MIN);
    f.session().ehlo().send(A, [[BOB, 450, '4.7.1']]).quit();
    f.advance(10 * MIN);
    f.session().ehlo().send(A, [BOB], 'm1').quit();
    const result = f.check('greylist-and-rate-limit');
    expect(result).toMatchObject({ verdict: 'pass', passed: 1, failed: 0 });
    expect(result.evidence[0]!.detail).toMatch(/^delivered to <bob@gmail\.test> once, 10 min after it was deferred$/);
  });

  it('fails a delivery made twice', () => {
    const f = new Feed();
    f.session().ehlo().send(A, ['carol@gmail.test', [BOB, 450, '4.2.1']], 'm1').quit();
    f.advance(10 * MIN);
    f.session().ehlo().send(A, ['carol@gmail.test', BOB], 'm1').quit();
    const result = f.check('greylist-and-rate-limit');
    expect(result.verdict).toBe('fail');
    expect(result.evidence.map((e) => e.detail)).toEqual([expect.stringContaining('sent message m1 to <carol@gmail.test> again')]);
  });

  it('fails "never retried" for a greylisted recipient', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [[BOB, 450, '4.7.1']]).quit();
    f.advance(2 * HOUR);
    expect(f.check('greylist-and-rate-limit').evidence[0]!.detail).toMatch(/^never retried <bob@gmail\.test>/);
  });

  describe('throttling that names no recipient', () => {
    it('421 4.7.28 at the greeting: the next MAIL from that IP waits (credited to its sender)', () => {
      const f = new Feed();
      f.session('198.51.100.7', f.now, { greet: false }).out(421, '4.7.28', 'Unusual rate of unsolicited mail').end();
      f.advance(2 * MIN);
      f.session('198.51.100.7').ehlo().send(A, [BOB], 'm1').quit();
      const result = f.check('greylist-and-rate-limit');
      expect(result.verdict).toBe('pass');
      expect(result.evidence[0]!.detail).toMatch(/^tried again 2 min after the throttling reply in session s1/);
      expect(result.evidence[0]!.lines).toEqual(['421 4.7.28 Unusual rate of unsolicited mail', `MAIL FROM:<${A}>`]);
    });

    it('450 4.2.1 at MAIL, tried again in the same session at once', () => {
      const f = new Feed();
      f.session().ehlo().mail(A, '', 450, '4.2.1', 'Peak SMTP relay limit exceeded').mail(A).rcpt(BOB).data('m1').quit();
      const result = f.check('greylist-and-rate-limit');
      expect(result).toMatchObject({ verdict: 'fail', failed: 1 });
      expect(result.evidence[0]!.detail).toMatch(/wait at least 1 min$/);
    });

    it('a MAIL-stage throttle waits for the same sender; another sender does not answer for it', () => {
      const f = new Feed();
      f.session().ehlo().mail(A, '', 450, '4.2.1').quit();
      f.session().ehlo().send('other@example.com', [BOB], 'x').quit();
      f.advance(2 * HOUR);
      expect(f.check('greylist-and-rate-limit', { sender: A }).evidence[0]!.detail).toMatch(/^never tried again/);
      expect(f.check('greylist-and-rate-limit', { sender: 'other@example.com' }).verdict).toBe('not-exercised');
    });

    it('matches the replies the options name', () => {
      const f = new Feed({ throttleReplies: ['451'] });
      f.session().ehlo().send(A, [[BOB, 451, '4.3.0']]).quit();
      f.advance(5 * MIN);
      f.session().ehlo().send(A, [BOB], 'm1').quit();
      expect(f.check('greylist-and-rate-limit').verdict).toBe('pass');
    });
  });
});
