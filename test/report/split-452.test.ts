import { describe, expect, it } from 'vitest';
import { Feed, HOUR } from './dsl.js';

const A = 'app@example.com';
const TOO_MANY = [452, '4.5.3'] as const;

describe('split-after-452', () => {
  it('is not exercised without 452 4.5.3 (other 452s are retry-after-4xx business)', () => {
    const f = new Feed();
    f.session().ehlo().send(A, ['a@x.test', ['b@x.test', 452, '4.2.2']], 'm1').quit();
    expect(f.check('split-after-452').verdict).toBe('not-exercised');
  });

  it('passes a client that delivers to the accepted and sends the rest in a new transaction at once', () => {
    const f = new Feed();
    f.session().ehlo().send(A, ['a@x.test', 'b@x.test', ['c@x.test', ...TOO_MANY], ['d@x.test', ...TOO_MANY]], 'm1').send(A, ['c@x.test', 'd@x.test'], 'm1').quit();
    const result = f.check('split-after-452');
    expect(result).toMatchObject({ verdict: 'pass', passed: 3, failed: 0 });
    expect(result.evidence.map((e) => e.detail)).toEqual([
      'went on with DATA for the 2 accepted recipient(s) after 452 4.5.3',
      expect.stringMatching(/^sent <c@x\.test> in a later transaction, \d+ ms after the 452 4\.5\.3 in session s1$/),
      expect.stringMatching(/^sent <d@x\.test> in a later transaction/),
    ]);
    expect(f.check('retry-after-4xx').verdict).toBe('not-exercised');
  });

  it('fails a client that gives the transaction up after 452', () => {
    const f = new Feed();
    f.session().ehlo().mail(A).rcpt('a@x.test').rcpt('b@x.test', ...TOO_MANY).rset().quit();
    const result = f.check('split-after-452');
    expect(result.verdict).toBe('fail');
    expect(result.evidence[0]!.detail).toBe('gave the transaction up ("RSET") instead of delivering to the 1 accepted recipient(s) after 452 4.5.3');
    expect(result.evidence[0]!.lines).toEqual(['RCPT TO:<b@x.test>', '452 4.5.3 Refused', 'RSET']);
  });

  it('fails a client that hangs up after 452', () => {
    const f = new Feed();
    f.session().ehlo().mail(A).rcpt('a@x.test').rcpt('b@x.test', ...TOO_MANY).end();
    expect(f.check('split-after-452').evidence[0]!.detail).toMatch(/^gave the transaction up \(closed the connection\)/);
  });

  it('fails the same RCPT repeated in the same transaction', () => {
    const f = new Feed();
    f.session().ehlo().mail(A).rcpt('a@x.test').rcpt('b@x.test', ...TOO_MANY).rcpt('b@x.test', ...TOO_MANY).data('m1').send(A, ['b@x.test'], 'm1').quit();
    const result = f.check('split-after-452');
    expect(result).toMatchObject({ verdict: 'fail', failed: 1, passed: 2 });
    expect(result.evidence[0]!.detail).toBe('asked for <b@x.test> again in the same transaction after 452 4.5.3; send it in a new transaction');
  });

  it('fails a client that treats 452 like 552 and never sends the rest', () => {
    const f = new Feed();
    f.session().ehlo().send(A, ['a@x.test', ['b@x.test', ...TOO_MANY]], 'm1').quit();
    f.advance(2 * HOUR);
    const result = f.check('split-after-452');
    expect(result).toMatchObject({ verdict: 'fail', failed: 1, passed: 1 });
    expect(result.evidence[0]!.detail).toMatch(/^never sent <b@x\.test> in another transaction .*452 is not a permanent failure$/);
  });
});
