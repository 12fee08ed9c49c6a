/** The report as text: failing checks first, each with clause, remedy and evidence; passes in a line; the rest named. */
import { describe, expect, it } from 'vitest';
import { toText } from '../../src/report/index.js';
import { Feed, MIN, SEC, T0 } from './dsl.js';

const A = 'app@example.com';
const BOB = 'bob@example.net';
/** No SIZE advertised: the DSL's MAIL sends none. */
const CAPS = ['PIPELINING', '8BITMIME'];
const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

describe('toText', () => {
  it('says when nothing was graded', () => {
    expect(toText(new Feed().report())).toBe(`mockmx sender report card at ${new Date(T0).toISOString()}\nno sender graded: no SMTP client has sent anything yet\n`);
    expect(toText(new Feed().report({ sender: A }))).toMatch(/ \(sender app@example\.com\)\nno sender graded: no SMTP client has sent anything that matches the filter yet\n$/);
  });

  it('puts failing senders and checks first, each failure with its clause, remedy, evidence and transcript lines', () => {
    const f = new Feed();
    f.session('192.0.2.1').ehlo(CAPS).send('fine@example.com', [BOB], 'm0').quit();
    f.session('192.0.2.9').ehlo(CAPS).send(A, [[BOB, 451, '4.3.0']]).quit();
    f.advance(10 * SEC);
    f.session('192.0.2.9').ehlo(CAPS).send(A, [BOB], 'm1').quit();
    const text = toText(f.report());
    const lines = text.split('\n');
    expect(lines[0]).toBe(`mockmx sender report card at ${new Date(f.now).toISOString()}`);
    // the failing sender comes first though its IP sorts last
    expect(lines[2]).toMatch(/^app@example\.com from 192\.0\.2\.9: 1 fail, \d+ pass, \d+ not exercised \(/);
    expect(lines.slice(3, 8)).toEqual([
      '  FAIL retry-after-4xx: Retries recipients refused with 4xx later, backing off, and only those',
      '       failed once, passed 0 times',
      '       RFC 5321 §4.5.4.1',
      '       remedy: Queue each 4xx-refused recipient and retry it alone after a delay that never shrinks; never resend to recipients that accepted.',
      '       evidence:',
    ]);
    expect(lines[8]).toMatch(new RegExp(`^ {9}${ISO} session s3: retried <bob@example\\.net> 10 s after the refusal in session s2 at ${ISO}; wait at least 1 min$`));
    expect(lines.slice(9, 12)).toEqual(['           | RCPT TO:<bob@example.net>', '           | 451 4.3.0 Refused', '           | RCPT TO:<bob@example.net>']);
    expect(text).toMatch(/\n {2}pass hygiene-ehlo-first: Greets with EHLO before MAIL, again after STARTTLS \(2 times\)\n/);
    expect(text).toMatch(/\n {2}not exercised: no-resend-after-5xx, quit-after-421, /);
    // the sender without failures after it
    expect(text.indexOf('fine@example.com from 192.0.2.1: 0 fail')).toBeGreaterThan(text.indexOf('FAIL retry-after-4xx'));
    expect(lines.at(-2)).toMatch(/^FAILED: 1 failing check\(s\); \d+ pass, \d+ not exercised, over 2 sender\(s\)$/);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('says how many failures the evidence leaves out, and names the filter', () => {
    const f = new Feed({ maxEvidence: 1 });
    f.session().ehlo(CAPS).send(A, [[BOB, 451, '4.3.0']]).quit();
    for (let i = 0; i < 3; i++) {
      f.advance(SEC);
      f.session().ehlo(CAPS).send(A, [[BOB, 451, '4.3.0']]).quit();
    }
    const text = toText(f.report({ sender: `<${A}>`.slice(1, -1), clientIp: '192.0.2.1', from: T0 }));
    expect(text).toContain(`(sender app@example.com, ip 192.0.2.1, from ${new Date(T0).toISOString()})`);
    expect(text).toContain('       failed 3 times, passed 0 times');
    expect(text).toContain('       evidence (1 of 3 shown):');
  });

  it('passes: a summary line that says so', () => {
    const f = new Feed();
    f.session().ehlo(CAPS).send(A, [[BOB, 451, '4.3.0']]).quit();
    f.advance(5 * MIN);
    f.session().ehlo(CAPS).send(A, [BOB], 'm1').quit();
    const text = toText(f.report());
    expect(text).toContain('  pass retry-after-4xx: Retries recipients refused with 4xx later, backing off, and only those (once)');
    expect(text).not.toContain('FAIL');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^PASSED: no check fails; \d+ pass, \d+ not exercised, over 1 sender\(s\)$/);
  });
});
