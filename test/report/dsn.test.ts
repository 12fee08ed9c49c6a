import { describe, expect, it } from 'vitest';
import { Feed, MIN } from './dsl.js';

const A = 'app@example.com';
const BOB = 'bob@example.net';

/** A message accepted, then mockmx's failure DSN for Bob due `delay` later. */
function bounced(kind: 'failure' | 'delay' | 'auto-reply' = 'failure', delay = 0) {
  const f = new Feed();
  const s = f.session().ehlo().mail(A).rcpt(BOB);
  s.note('notice', `${kind} notice for <${BOB}> after ${delay} ms`, { noticeKind: kind, rcpts: [BOB], dueAt: s.at + delay });
  s.data('m1').quit();
  return f;
}

describe('no-mail-after-dsn', () => {
  it('is not exercised without a failure DSN', () => {
    const f = new Feed();
    f.session().ehlo().send(A, [BOB], 'm1').quit();
    f.session().ehlo().mail(A).rcpt(BOB).note('notice', 'failure notice after 0 ms').data('m2').quit(); // no rcpts, no kind: says nothing about whom
    expect(f.check('no-mail-after-dsn').verdict).toBe('not-exercised');
  });

  it('passes while the bounced address is left alone', () => {
    const f = bounced();
    f.advance(10 * MIN);
    f.session().ehlo().send(A, ['carol@example.net'], 'm2').quit();
    expect(f.check('no-mail-after-dsn')).toMatchObject({ verdict: 'pass', passed: 1 });
  });

  it('fails mail to the address after the DSN', () => {
    const f = bounced();
    f.advance(10 * MIN);
    f.session().ehlo().send(A, [BOB], 'm2').quit();
    const result = f.check('no-mail-after-dsn');
    expect(result).toMatchObject({ verdict: 'fail', failed: 1 });
    expect(result.evidence[0]!.lines).toEqual([`failure notice for <${BOB}> after 0 ms`, `RCPT TO:<${BOB}>`]);
    expect(result.evidence[0]!.detail).toMatch(/^mailed <bob@example\.net> after mockmx's failure DSN for it \(due .*, session s1\)$/);
  });

  it('does not count mail sent before the DSN was due', () => {
    const f = bounced('failure', 30 * MIN);
    f.advance(10 * MIN);
    f.session().ehlo().send(A, [BOB], 'm2').quit();
    expect(f.check('no-mail-after-dsn').verdict).toBe('not-exercised');
    f.advance(30 * MIN);
    expect(f.check('no-mail-after-dsn').verdict).toBe('pass');
  });

  it.each(['delay', 'auto-reply'] as const)('asks nothing after a %s notice', (kind) => {
    const f = bounced(kind);
    f.session().ehlo().send(A, [BOB], 'm2').quit();
    expect(f.check('no-mail-after-dsn').verdict).toBe('not-exercised');
  });
});
