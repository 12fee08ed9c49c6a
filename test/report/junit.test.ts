import { describe, expect, it } from 'vitest';
import { toJUnit, type Report } from '../../src/report/index.js';
import { xmlAttribute, xmlText } from '../../src/report/junit.js';
import { Feed, MIN } from './dsl.js';

describe('toJUnit', () => {
  it('writes one testsuite per sender, one testcase per check: failures with evidence, skipped when not exercised', () => {
    const f = new Feed();
    f.session().ehlo().send('app@example.com', [['gone@x.test', 550, '5.1.1']]).quit();
    f.advance(MIN);
    f.session().ehlo().send('app@example.com', [['gone@x.test', 550, '5.1.1']]).quit();
    const report = f.report();
    const xml = toJUnit(report);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mockmx sender report"')).toBe(true);
    expect(xml.match(/<testsuite /g)).toHaveLength(1);
    expect(xml.match(/<testcase /g)).toHaveLength(report.senders[0]!.checks.length);
    expect(xml.match(/<skipped /g)).toHaveLength(report.senders[0]!.summary['not-exercised']);
    expect(xml).toContain('<testsuite name="app@example.com from 192.0.2.1"');
    expect(xml).toMatch(/<testcase classname="mockmx\.report\.app@example\.com from 192\.0\.2\.1" name="no-resend-after-5xx: Does not send again to a recipient refused with 5xx">\n\s+<failure message="sent to &lt;gone@x\.test&gt; again after it was refused for good \(session s1 at [^"]+\)" type="RFC 5321 §4\.2\.1; RFC 3463 §3\.1">/);
    expect(xml).toContain('  RCPT TO:&lt;gone@x.test&gt;\n  550 5.1.1 Refused\n  RCPT TO:&lt;gone@x.test&gt;');
    expect(xml).toMatch(/<testcase [^>]*name="hygiene-quit: Ends sessions with QUIT"\/>/);
  });

  it('escapes markup and quotes, and replaces what XML cannot carry', () => {
    expect(xmlText('a < b && c > d "q" \'s\'')).toBe('a &lt; b &amp;&amp; c &gt; d "q" \'s\'');
    expect(xmlAttribute('say "hi" & <go>\n\tnow\r')).toBe('say &quot;hi&quot; &amp; &lt;go&gt;&#10;&#9;now&#13;');
    expect(xmlText('bell\u0007 nul\u0000 esc\u001b ok\ttab\nline')).toBe('bell\uFFFD nul\uFFFD esc\uFFFD ok\ttab\nline');
    expect(xmlText('lone \uD800 pair \uD83D\uDE00 trail \uDC00')).toBe('lone \uFFFD pair \uD83D\uDE00 trail \uFFFD');
  });

  it('escapes everything that comes from the wire', () => {
    const report: Report = {
      generatedAt: 0,
      filter: {},
      summary: { pass: 0, fail: 1, 'not-exercised': 0 },
      senders: [
        {
          clientIp: '::1',
          sender: 'o"brien&<co>@x.test',
          firstSeen: 0,
          lastSeen: 0,
          summary: { pass: 0, fail: 1, 'not-exercised': 0 },
          checks: [
            {
              id: 'hygiene-quit',
              title: 'Ends sessions with QUIT',
              clause: 'RFC 5321 §4.1.1.10',
              remedy: 'Send QUIT.',
              verdict: 'fail',
              passed: 0,
              failed: 1,
              evidence: [{ session: 's1', at: 0, lines: ['MAIL FROM:<o"brien&<co>@x.test> ]]>\u0001'], detail: 'closed "early" & <rudely>' }],
            },
          ],
        },
      ],
    };
    const xml = toJUnit(report);
    expect(xml).toContain('<testsuite name="o&quot;brien&amp;&lt;co&gt;@x.test from ::1"');
    expect(xml).toContain('<failure message="closed &quot;early&quot; &amp; &lt;rudely&gt;" type="RFC 5321 §4.1.1.10">');
    expect(xml).toContain('  MAIL FROM:&lt;o"brien&amp;&lt;co&gt;@x.test&gt; ]]&gt;\uFFFD');
    expect(xml).not.toMatch(/[\u0000-\u0008]/);
    // every element is closed: a crude balance check on the tags written
    expect(xml.match(/<testcase /g)!.length).toBe(xml.match(/<\/testcase>|<testcase [^>]*\/>/g)!.length);
  });

  it('names a sender-less suite and the null sender', () => {
    const f = new Feed();
    f.session('192.0.2.7').ehlo().end();
    f.session('192.0.2.8').ehlo().send('', ['x@x.test'], 'm').quit();
    const xml = toJUnit(f.report());
    expect(xml).toContain('<testsuite name="(no MAIL) from 192.0.2.7"');
    expect(xml).toContain('<testsuite name="&lt;&gt; from 192.0.2.8"');
  });
});
