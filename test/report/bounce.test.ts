import { describe, expect, it } from 'vitest';
import { Feed, MIN } from './dsl.js';

const A = 'app@example.com';
const GONE = 'gone@example.net';

describe('no-resend-after-5xx', () => {
  it('is not exercised without a 5xx', () => {
    const f = new Feed();
    f.session().ehlo().send(A, ['bob@example.net'], 'm1').quit();
    expect(f.check('no-resend-after-5xx').verdict).toBe('not-exercised');
  });

  it('passes while the refused address is left alone', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [[GONE, 550, '5.1.1'], 'bob@example.net'], 'm1').quit();
    f.advance(10 * MIN);
    f.session().ehlo().send(A, ['bob@example.net'], 'm2').quit();
    const result = f.check('no-resend-after-5xx');
    expect(result).toMatchObject({ verdict: 'pass', passed: 1 });
    expect(result.evidence[0]!.detail).toBe(`did not send to <${GONE}> again after the 5xx`);
  });

  it('fails a naive client that retries after 550 5.1.1, each time', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [[GONE, 550, '5.1.1']]).quit();
    for (let i = 0; i < 3; i++) {
      f.advance(5 * MIN);
      f.session().ehlo().send(A, [[GONE, 550, '5.1.1']]).quit();
    }
    const result = f.check('no-resend-after-5xx');
    expect(result).toMatchObject({ verdict: 'fail', failed: 3, passed: 0 });
    expect(result.evidence).toHaveLength(3);
    expect(result.evidence[0]!.lines).toEqual([`RCPT TO:<${GONE}>`, '550 5.1.1 Refused', `RCPT TO:<${GONE}>`]);
    expect(result.evidence[0]!.detail).toMatch(/^sent to <gone@example\.net> again after it was refused for good \(session s1 at /);
  });

  it('flags later mail of any kind to a hard-bounced address, and compares addresses case-insensitively', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [[GONE, 550, '5.1.1']]).quit();
    f.advance(1 * MIN);
    f.session().ehlo().send(A, ['Gone@Example.NET'], 'a-newsletter').quit();
    expect(f.check('no-resend-after-5xx').verdict).toBe('fail');
  });

  it('after a 5xx at the end of data, fails the same message sent again, not another message', () => {
    const f = new Feed();
    f.session().ehlo().send(A, ['bob@example.net'], 'm1', 550, '5.7.26').quit();
    f.advance(1 * MIN);
    f.session().ehlo().send(A, ['bob@example.net'], 'm2').quit();
    expect(f.check('no-resend-after-5xx')).toMatchObject({ verdict: 'pass', passed: 1 });
    f.session().ehlo().send(A, ['bob@example.net'], 'm1').quit();
    const result = f.check('no-resend-after-5xx');
    expect(result).toMatchObject({ verdict: 'fail', failed: 1 });
    expect(result.evidence[0]!.detail).toMatch(/^sent message m1 to <bob@example\.net> again after it was refused for good/);
  });

  it.each([
    ['503 (bad sequence)', 503, '5.5.1'],
    ['530 (authentication required)', 530, '5.7.0'],
    ['552 5.5.3 (RFC 821 "too many recipients", temporary)', 552, '5.5.3'],
  ] as const)('does not take %s as a verdict on the recipient', (_name, code, enhanced) => {
    const f = new Feed();
    f.session().ehlo().send(A, [[GONE, code, enhanced]]).quit();
    f.session().ehlo().send(A, [GONE], 'm1').quit();
    expect(f.check('no-resend-after-5xx').verdict).toBe('not-exercised');
  });
});
