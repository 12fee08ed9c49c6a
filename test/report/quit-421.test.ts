import { describe, expect, it } from 'vitest';
import { Feed, SEC, MIN } from './dsl.js';

const A = 'app@example.com';
const IP = '203.0.113.5';

describe('quit-after-421', () => {
  it('is not exercised without a 421', () => {
    const f = new Feed();
    f.session(IP).ehlo().send(A, ['bob@example.net'], 'm1').quit();
    expect(f.check('quit-after-421').verdict).toBe('not-exercised');
  });

  it('passes a client that hangs up and comes back after a pause', () => {
    const f = new Feed();
    f.session(IP).ehlo().mail(A).rcpt('bob@example.net', 421, '4.7.0').end();
    f.advance(1 * MIN);
    f.session(IP).ehlo().send(A, ['bob@example.net'], 'm1').quit();
    const result = f.check('quit-after-421');
    expect(result).toMatchObject({ verdict: 'pass', passed: 2, failed: 0 });
    expect(result.evidence.map((e) => e.detail)).toEqual(['nothing wrong seen in session s1', expect.stringMatching(/^reconnected 1 min after the 421 in session s1 at /)]);
  });

  it('fails commands sent after the 421, once per session, with the 421 and the command as evidence', () => {
    const f = new Feed();
    f.session(IP).ehlo().mail(A).rcpt('bob@example.net', 421, '4.7.0', 'Try again later, closing connection.').cmd('RCPT TO:<carol@example.net>', 421, '4.7.0').cmd('NOOP').end();
    const result = f.check('quit-after-421');
    expect(result).toMatchObject({ verdict: 'fail', failed: 1, passed: 0 });
    expect(result.evidence[0]!.lines).toEqual(['RCPT TO:<bob@example.net>', '421 4.7.0 Try again later, closing connection.', 'RCPT TO:<carol@example.net>']);
    expect(result.evidence[0]!.detail).toBe('sent "RCPT TO:<carol@example.net>" after the 421 instead of closing the connection');
  });

  it('tolerates a QUIT after the 421', () => {
    const f = new Feed();
    f.session(IP).ehlo().mail(A).cmd('NOOP', 421, '4.3.2', 'shutting down').quit();
    expect(f.check('quit-after-421').verdict).toBe('pass');
  });

  it('fails a reconnection sooner than minReconnectDelayMs, crediting the sender that heard the 421', () => {
    const f = new Feed();
    f.session(IP).ehlo().mail(A).rcpt('bob@example.net', 421, '4.7.0').end();
    f.advance(2 * SEC);
    f.session(IP).ehlo().send('another@example.com', ['bob@example.net'], 'm1').quit();
    const result = f.check('quit-after-421', { sender: A });
    expect(result).toMatchObject({ verdict: 'fail', failed: 1, passed: 1 });
    expect(result.evidence[0]!).toMatchObject({ session: 's2', detail: expect.stringMatching(/^reconnected 2 s after the 421 in session s1 at .*; wait at least 30 s$/) });
    expect(f.check('quit-after-421', { sender: 'another@example.com' }).verdict).toBe('not-exercised');
  });

  it('a 421 at the greeting (no sender known yet) is charged to the reconnecting session', () => {
    const f = new Feed();
    f.session(IP, f.now, { greet: false }).out(421, '4.7.0', 'Too many connections').end();
    f.advance(1 * SEC);
    f.session(IP).ehlo().send(A, ['bob@example.net'], 'm1').quit();
    expect(f.check('quit-after-421', { sender: A })).toMatchObject({ verdict: 'fail', failed: 1 });
    expect(f.check('quit-after-421', { sender: null })).toMatchObject({ verdict: 'pass', passed: 1 });
  });

  it('ignores connections from other IPs, and connections already open before the 421', () => {
    const f = new Feed();
    const pooled = f.session(IP).ehlo();
    f.session(IP).ehlo().mail(A).rcpt('bob@example.net', 421, '4.7.0').end();
    f.session('203.0.113.99').ehlo().send(A, ['x@example.net'], 'x').quit();
    pooled.after(10).send(A, ['y@example.net'], 'y').quit();
    expect(f.check('quit-after-421', { ip: IP, sender: A })).toMatchObject({ verdict: 'pass', failed: 0 });
  });

  it('takes minReconnectDelayMs from the options', () => {
    const f = new Feed({ minReconnectDelayMs: 1000 });
    f.session(IP).ehlo().mail(A).rcpt('bob@example.net', 421, '4.7.0').end();
    f.advance(2 * SEC);
    f.session(IP).ehlo().send(A, ['bob@example.net'], 'm1').quit();
    expect(f.check('quit-after-421').verdict).toBe('pass');
  });
});
