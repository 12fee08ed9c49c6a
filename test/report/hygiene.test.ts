import { describe, expect, it } from 'vitest';
import { CLIENT_FINDINGS, type ClientFinding } from '../../src/transcript/record.js';
import { DEFAULT_EHLO, Feed } from './dsl.js';

const A = 'app@example.com';
const HYGIENE = ['hygiene-ehlo-first', 'hygiene-starttls', 'hygiene-pipelining', 'hygiene-crlf', 'hygiene-line-length', 'hygiene-dot-stuffing', 'hygiene-8bitmime', 'hygiene-smtputf8', 'hygiene-quit'];

const verdicts = (f: Feed) => Object.fromEntries(HYGIENE.map((id) => [id, f.check(id).verdict]));

describe('protocol hygiene', () => {
  it('a well-behaved session passes what it exercised and leaves the rest not exercised', () => {
    const f = new Feed();
    f.session().ehlo(['PIPELINING', '8BITMIME', 'STARTTLS', 'SIZE 1000']).starttls().ehlo(['PIPELINING', '8BITMIME', 'SIZE 1000']).mail(A, 'SIZE=10 BODY=8BITMIME').rcpt('b@x.test').data('m1').quit();
    expect(verdicts(f)).toEqual({
      'hygiene-ehlo-first': 'pass',
      'hygiene-starttls': 'pass',
      'hygiene-pipelining': 'pass', // STARTTLS came up: no pipelining past it was seen
      'hygiene-crlf': 'pass',
      'hygiene-line-length': 'pass',
      'hygiene-dot-stuffing': 'pass',
      'hygiene-8bitmime': 'pass',
      'hygiene-smtputf8': 'not-exercised',
      'hygiene-quit': 'pass',
    });
  });

  const FINDING_FAILS: readonly [ClientFinding, string, string][] = [
    ['bare-lf', 'hygiene-crlf', 'a line ended in a bare LF'],
    ['bare-cr', 'hygiene-crlf', 'a line ended in a bare CR'],
    ['line-too-long', 'hygiene-line-length', 'a line was longer than SMTP allows'],
    ['pipelining-unadvertised', 'hygiene-pipelining', 'pipelined commands though PIPELINING was not advertised'],
    ['pipelining-after-starttls', 'hygiene-pipelining', 'sent commands after STARTTLS in the same group'],
    ['dot-stuffing', 'hygiene-dot-stuffing', 'a data line starting with a period was not dot-stuffed'],
    ['eight-bit-undeclared', 'hygiene-8bitmime', 'sent 8-bit data without BODY=8BITMIME'],
    ['smtputf8-unneeded', 'hygiene-smtputf8', 'gave SMTPUTF8 for an all-ASCII envelope and header section'],
    ['smtputf8-unoffered', 'hygiene-smtputf8', 'sent UTF-8 in the envelope or headers though SMTPUTF8 was not advertised'],
    ['size-exceeded-declared', 'size', 'the message was larger than the SIZE= declared for it'],
  ];

  it('maps every client finding to a check', () => {
    expect(FINDING_FAILS.map(([finding]) => finding).sort()).toEqual([...CLIENT_FINDINGS].sort());
  });

  it.each(FINDING_FAILS)('the finding %s fails %s', (finding, check, detail) => {
    const f = new Feed();
    f.session().ehlo().mail(A, 'SIZE=10').rcpt('b@x.test').data('m1').finding(finding).finding(finding).quit();
    const result = f.check(check);
    expect(result.verdict).toBe('fail');
    // a connection-level check fails once per session; size counts each message
    if (check !== 'size') expect(result).toMatchObject({ failed: 1, passed: 0 });
    expect(result.evidence[0]!.detail).toBe(detail);
    expect(result.evidence[0]!.lines).toEqual(['<500 bytes of message data>', `client: ${finding}`]);
  });

  it.each([
    ['MAIL before any greeting', (f: Feed) => f.session().mail(A).quit(), 'hygiene-ehlo-first', 'MAIL before any EHLO or HELO'],
    ['MAIL after STARTTLS without a new EHLO', (f: Feed) => f.session().ehlo(['STARTTLS']).starttls().mail(A).quit(), 'hygiene-ehlo-first', 'MAIL after STARTTLS without a new EHLO'],
    ['MAIL in clear text though STARTTLS was offered', (f: Feed) => f.session().ehlo(['STARTTLS', 'SIZE']).mail(A).quit(), 'hygiene-starttls', 'sent MAIL in clear text though the server offered STARTTLS'],
    ['BODY=8BITMIME without 8BITMIME advertised', (f: Feed) => f.session().ehlo(['SIZE']).mail(A, 'SIZE=1 BODY=8BITMIME').quit(), 'hygiene-8bitmime', 'declared BODY=8BITMIME though 8BITMIME was not advertised'],
    ['SMTPUTF8 not advertised', (f: Feed) => f.session().ehlo(['SIZE']).mail(A, 'SIZE=1 SMTPUTF8').quit(), 'hygiene-smtputf8', 'gave SMTPUTF8 though the server did not advertise it'],
    ['a UTF-8 recipient without SMTPUTF8', (f: Feed) => f.session().ehlo().mail(A, 'SIZE=1').rcpt('jörg@x.test').quit(), 'hygiene-smtputf8', 'a UTF-8 recipient address <jörg@x.test> without SMTPUTF8 on MAIL'],
    ['a UTF-8 sender without SMTPUTF8', (f: Feed) => f.session().ehlo().mail('søren@x.test', 'SIZE=1').quit(), 'hygiene-smtputf8', 'a UTF-8 sender address without SMTPUTF8'],
    ['no QUIT', (f: Feed) => f.session().ehlo().send(A, ['b@x.test'], 'm1').end(), 'hygiene-quit', 'closed the connection without QUIT'],
  ] as const)('fails %s', (_name, run, check, detail) => {
    const f = new Feed();
    run(f);
    const result = f.check(check);
    expect(result.verdict).toBe('fail');
    expect(result.evidence[0]!.detail).toBe(detail);
  });

  it.each([
    ['STARTTLS tried and refused: going on in clear is allowed', (f: Feed) => f.session().ehlo(['STARTTLS']).starttls(454).mail(A).quit(), 'hygiene-starttls', 'pass'],
    ['implicit TLS: STARTTLS is not offered', (f: Feed) => f.session('192.0.2.1', f.now, { tls: true }).ehlo(['SIZE']).mail(A, 'SIZE=1').quit(), 'hygiene-starttls', 'not-exercised'],
    ['SMTPUTF8 offered and used for a UTF-8 address', (f: Feed) => f.session().ehlo(DEFAULT_EHLO).mail(A, 'SIZE=1 SMTPUTF8').rcpt('jörg@x.test').quit(), 'hygiene-smtputf8', 'pass'],
    ['HELO is a greeting too', (f: Feed) => f.session().helo().mail(A).quit(), 'hygiene-ehlo-first', 'pass'],
    ['PIPELINING advertised: nothing to judge', (f: Feed) => f.session().ehlo(['PIPELINING']).mail(A).quit(), 'hygiene-pipelining', 'not-exercised'],
    ['PIPELINING not advertised and no finding', (f: Feed) => f.session().ehlo(['SIZE']).mail(A, 'SIZE=1').quit(), 'hygiene-pipelining', 'pass'],
  ] as const)('%s', (_name, run, check, verdict) => {
    const f = new Feed();
    run(f);
    expect(f.check(check).verdict).toBe(verdict);
  });

  it('owes no QUIT to a server that hung up', () => {
    for (const close of [(s: ReturnType<Feed['session']>) => s.cmd('NOOP', 421, '4.3.2'), (s: ReturnType<Feed['session']>) => s.note('dropped', 'connection dropped without a reply')]) {
      const f = new Feed();
      close(f.session().ehlo().mail(A)).end();
      expect(f.check('hygiene-quit').verdict).toBe('not-exercised');
    }
  });

  it('credits connection-level findings to every sender of the session', () => {
    const f = new Feed();
    f.session().ehlo().send(A, ['b@x.test'], 'm1').finding('bare-lf').send('other@example.com', ['b@x.test'], 'm2').quit();
    expect(f.check('hygiene-crlf', { sender: A }).verdict).toBe('fail');
    expect(f.check('hygiene-crlf', { sender: 'other@example.com' }).verdict).toBe('fail');
  });

  it('grades a session without MAIL under the IP with no sender', () => {
    const f = new Feed();
    f.session('192.0.2.44').ehlo().end();
    const sender = f.report().senders.find((s) => s.clientIp === '192.0.2.44')!;
    expect(sender.sender).toBeNull();
    expect(sender.checks.find((c) => c.id === 'hygiene-quit')!.verdict).toBe('fail');
  });
});
