import { describe, expect, it } from 'vitest';
import { Feed } from './dsl.js';

const A = 'app@example.com';
const WITH_SIZE = ['PIPELINING', 'SIZE 1000'];

describe('size', () => {
  it.each([
    ['SIZE advertised, declared within the limit', WITH_SIZE, 'SIZE=500', 'pass', 'declared SIZE=500 within the advertised 1000'],
    ['SIZE advertised without a limit, declared', ['SIZE'], 'SIZE=5000', 'pass', 'declared SIZE=5000'],
    ['SIZE advertised, not declared', WITH_SIZE, '', 'fail', 'MAIL without SIZE= though the server advertised SIZE'],
    ['declared above the limit', WITH_SIZE, 'SIZE=5000', 'fail', 'declared SIZE=5000, above the advertised limit of 1000: the message should not have been offered'],
    ['declared though not advertised', ['PIPELINING'], 'SIZE=10', 'fail', 'declared SIZE=10 though the server did not advertise SIZE'],
    ['neither advertised nor declared', ['PIPELINING'], '', 'not-exercised', undefined],
  ] as const)('%s', (_name, caps, params, verdict, detail) => {
    const f = new Feed();
    f.session().ehlo(caps).mail(A, params).rcpt('b@x.test').data('m1', 250, '2.0.0', 400).quit();
    const result = f.check('size');
    expect(result.verdict).toBe(verdict);
    if (detail) expect(result.evidence[0]!.detail).toBe(detail);
  });

  it('fails a message larger than the advertised limit', () => {
    const f = new Feed();
    f.session().ehlo(WITH_SIZE).mail(A, 'SIZE=900').rcpt('b@x.test').data('m1', 552, '5.3.4', 4000).quit();
    expect(f.check('size').evidence.map((e) => e.detail)).toContain('sent 4000 octets; the advertised limit is 1000');
  });

  it('passes not retrying a message refused with 552 5.3.4, fails retrying it', () => {
    const f = new Feed();
    f.session().ehlo(['SIZE']).mail(A, 'SIZE=700').rcpt('b@x.test').data('big', 552, '5.3.4', 700).quit();
    const before = f.check('size');
    expect(before).toMatchObject({ verdict: 'pass', passed: 2 });
    expect(before.evidence.map((e) => e.detail)).toContain('did not try again the message refused as too big');
    f.session().ehlo(['SIZE']).mail(A, 'SIZE=700').rcpt('b@x.test').data('big', 552, '5.3.4', 700).quit();
    const after = f.check('size');
    expect(after.verdict).toBe('fail');
    expect(after.evidence[0]!.detail).toMatch(/^sent message big again after it was refused as too big in session s1 at /);
  });

  it('fails trying again with the same SIZE= after a 552 5.3.4 at MAIL', () => {
    const f = new Feed();
    f.session().ehlo(['SIZE']).mail(A, 'SIZE=70000', 552, '5.3.4', 'Message size exceeds fixed limit').quit();
    f.session().ehlo(['SIZE']).mail(A, 'SIZE=70000', 552, '5.3.4').quit();
    expect(f.check('size').evidence.map((e) => e.detail)).toContainEqual(expect.stringMatching(/^tried again with SIZE=70000 after a message of SIZE=70000 was refused as too big/));
  });

  it("fails on the adapter's size-exceeded-declared finding", () => {
    const f = new Feed();
    f.session().ehlo(['SIZE']).mail(A, 'SIZE=10').rcpt('b@x.test').data('m1', 250, '2.0.0', 5000).finding('size-exceeded-declared').quit();
    // the note follows the transaction: no transaction is open, so it is the session's
    expect(f.check('size').evidence.map((e) => e.detail)).toContain('the message was larger than the SIZE= declared for it');
  });

  it('reads the parameters after a quoted local part holding ">"', () => {
    const f = new Feed();
    f.session().ehlo(['SIZE 100']).in('MAIL FROM:<"odd>name"@x.test> SIZE=50', { sender: '"odd>name"@x.test' }).out(250, '2.1.0', 'OK', { verb: 'MAIL' }).quit();
    expect(f.check('size').verdict).toBe('pass');
  });
});
