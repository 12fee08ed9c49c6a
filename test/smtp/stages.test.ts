/**
 * Rules answer at every stage, typed line by line over a raw socket like a telnet user would;
 * replies are checked byte for byte.
 */
import { describe, expect, it, vi } from 'vitest';
import { cmd, dialog, Telnet } from '../helpers/telnet.js';
import { serve } from '../helpers/server.js';

const ENVELOPE = [cmd('EHLO client.test', '250'), cmd('MAIL FROM:<alice@example.test>', '250'), cmd('RCPT TO:<bob@example.test>', '250')];
const MESSAGE = 'Subject: hello\r\n\r\nHi Bob.\r\n.';

describe('a rule can answer at every stage', () => {
  const cases: { stage: string; when: string; steps: (readonly [string, string])[]; wire: string }[] = [
    { stage: 'helo', when: '{ stage: helo, helo: bad.test }', steps: [['EHLO bad.test', '']], wire: '554 5.7.1 go away\r\n' },
    { stage: 'starttls', when: '{ stage: starttls }', steps: [['EHLO c.test', '250'], ['STARTTLS', '']], wire: '554 5.7.1 go away\r\n' },
    { stage: 'mail', when: '{ sender: "alice@*" }', steps: [['EHLO c.test', '250'], ['MAIL FROM:<alice@example.test>', '']], wire: '554 5.7.1 go away\r\n' },
    { stage: 'rcpt', when: '{ rcpt: "bob@*" }', steps: [['EHLO c.test', '250'], ['MAIL FROM:<a@x.test>', '250'], ['RCPT TO:<bob@example.test>', '']], wire: '554 5.7.1 go away\r\n' },
    { stage: 'data', when: '{ stage: data }', steps: [...ENVELOPE, ['DATA', '']], wire: '554 5.7.1 go away\r\n' },
    { stage: 'message', when: '{ stage: message }', steps: [...ENVELOPE, ['DATA', '354'], [MESSAGE, '']], wire: '554 5.7.1 go away\r\n' },
    { stage: 'rset', when: '{ stage: rset }', steps: [['EHLO c.test', '250'], ['RSET', '']], wire: '554 5.7.1 go away\r\n' },
    { stage: 'noop', when: '{ stage: noop }', steps: [['NOOP', '']], wire: '554 5.7.1 go away\r\n' },
    { stage: 'vrfy', when: '{ stage: vrfy }', steps: [['VRFY bob', '']], wire: '554 5.7.1 go away\r\n' },
    { stage: 'quit', when: '{ stage: quit }', steps: [['QUIT', '']], wire: '554 5.7.1 go away\r\n' },
    { stage: 'unknown', when: '{ verb: XYZZY }', steps: [['XYZZY plugh', '']], wire: '554 5.7.1 go away\r\n' },
  ];

  it.each(cases)('$stage', async ({ when, steps, wire }) => {
    const server = await serve(`rules:\n  - id: the-rule\n    when: ${when}\n    then: "554 5.7.1 go away"\n`);
    const t = await Telnet.connect(server.smtp.port);
    await t.reply();
    for (const [line, expected] of steps.slice(0, -1)) await t.expect(line, expected);
    const last = await t.cmd(steps.at(-1)![0]);
    expect(last.raw).toBe(wire);
    const session = server.sessions.list()[0]!;
    expect(session.transcript.filter((l) => l.rule === 'the-rule').map((l) => l.text)).toEqual(['554 5.7.1 go away']);
    t.close();
  });

  it('connect: a refusal at the greeting is sent and the connection closed', async () => {
    const server = await serve('rules:\n  - when: { stage: connect }\n    then: "554 5.7.1 mx.test ESMTP not accepting messages"\n');
    const t = await Telnet.connect(server.smtp.port);
    expect((await t.reply()).raw).toBe('554 5.7.1 mx.test ESMTP not accepting messages\r\n');
    await t.closed;
  });

  it('connect: a positive reply replaces the greeting, multi-line', async () => {
    const server = await serve('rules:\n  - when: { stage: connect }\n    then: { reply: { code: 220, text: [mx.test ESMTP ready, "No UCE"] } }\n');
    const t = await Telnet.connect(server.smtp.port);
    expect((await t.reply()).raw).toBe('220-mx.test ESMTP ready\r\n220 No UCE\r\n');
    await t.expect('EHLO c.test', '250');
    t.close();
  });

  it('helo: a positive reply keeps the advertised extensions', async () => {
    const server = await serve('rules:\n  - when: { stage: helo }\n    then: "250 mx.google.com at your service"\n');
    const t = await dialog(server.smtp.port, []);
    const ehlo = await t.cmd('EHLO c.test');
    expect(ehlo.lines[0]).toBe('250-mx.google.com at your service');
    expect(ehlo.lines).toContain('250-ENHANCEDSTATUSCODES');
    expect(ehlo.lines.at(-1)).toMatch(/^250 /);
    // a syntax error is still smtp-server's to answer
    expect((await t.cmd('EHLO')).code).toBe(501);
    t.close();
  });

  it('starttls: refusing keeps the session in plain text', async () => {
    const server = await serve('rules:\n  - when: { stage: starttls }\n    then: "454 4.7.0 TLS not available due to local problem"\n');
    const t = await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('STARTTLS', '454 4.7.0 TLS not available'), cmd('MAIL FROM:<a@x.test>', '250 2.1.0')]);
    t.close();
  });

  it('data: a positive reply replaces the 354', async () => {
    const server = await serve('rules:\n  - when: { stage: data }\n    then: "354 Go ahead a1si123"\n');
    const t = await dialog(server.smtp.port, ENVELOPE);
    expect((await t.cmd('DATA')).raw).toBe('354 Go ahead a1si123\r\n');
    await t.expect(MESSAGE, '250 2.0.0 OK');
    expect(await server.messages.count()).toBe(1);
    t.close();
  });

  it('quit: the rule’s reply, then the connection closes', async () => {
    const server = await serve('rules:\n  - when: { stage: quit }\n    then: "221 2.0.0 closing connection a1si - gsmtp"\n');
    const t = await dialog(server.smtp.port, []);
    expect((await t.cmd('QUIT')).raw).toBe('221 2.0.0 closing connection a1si - gsmtp\r\n');
    await t.closed;
  });

  it('unknown: accept answers 250 for a verb smtp-server does not know', async () => {
    const server = await serve('rules:\n  - when: { verb: XYZZY }\n    then: accept\n');
    const t = await dialog(server.smtp.port, [cmd('XYZZY', '250 2.0.0 OK'), cmd('PLUGH', '500 5.5.2')]);
    t.close();
  });

  it('message: discard says 250 and keeps nothing; accept keeps it', async () => {
    const server = await serve(`rules:
  - { id: d, when: { stage: message, subject: "/discard/" }, then: discard }
  - { id: a, when: { stage: message }, then: accept }
`);
    const t = await dialog(server.smtp.port, ENVELOPE);
    await t.expect('DATA', '354');
    await t.expect('Subject: please discard\r\n\r\nx\r\n.', '250 2.0.0');
    await t.expect('MAIL FROM:<alice@example.test>', '250');
    await t.expect('RCPT TO:<bob@example.test>', '250');
    await t.expect('DATA', '354');
    await t.expect('Subject: keep\r\n\r\nx\r\n.', '250 2.0.0 OK: queued as');
    const kept = await server.messages.list();
    expect(kept).toHaveLength(1);
    expect(kept[0]!.rule).toBe('a');
    t.close();
  });
});

describe('replies go out exactly as written', () => {
  it('multi-line: the enhanced code on every line, byte-exact', async () => {
    const server = await serve(`rules:
  - when: { rcpt: "bob@*" }
    then:
      reply:
        code: 550
        enhanced: 5.7.26
        text:
          - "Unauthenticated email from {domain} is not accepted due to domain's"
          - DMARC policy. Please contact the administrator of {domain} domain if
          - this was a legitimate mail. a1si - gsmtp
`);
    const t = await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<alice@example.com>', '250')]);
    const r = await t.cmd('RCPT TO:<bob@gmail.test>');
    expect(r.raw).toBe(
      "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\r\n" +
        '550-5.7.26 DMARC policy. Please contact the administrator of example.com domain if\r\n' +
        '550 5.7.26 this was a legitimate mail. a1si - gsmtp\r\n',
    );
    t.close();
  });

  it('the rule’s enhanced code appears exactly once; ENHANCEDSTATUSCODES is advertised', async () => {
    const server = await serve('rules:\n  - when: { rcpt: "bob@*" }\n    then: "450 4.2.1 The user you are trying to contact is receiving mail too quickly."\n');
    const t = await dialog(server.smtp.port, [cmd('MAIL FROM:<a@x.test>', '503')]);
    const ehlo = await t.cmd('EHLO c.test');
    expect(ehlo.lines).toContain('250-ENHANCEDSTATUSCODES');
    await t.expect('MAIL FROM:<a@x.test>', '250 2.1.0 Accepted');
    expect((await t.cmd('RCPT TO:<bob@x.test>')).raw).toBe('450 4.2.1 The user you are trying to contact is receiving mail too quickly.\r\n');
    t.close();
  });

  it('a reply without an enhanced code has none added', async () => {
    const server = await serve('rules:\n  - when: { rcpt: "bob@*" }\n    then: "550 Mailbox unavailable"\n');
    const t = await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250')]);
    expect((await t.cmd('RCPT TO:<bob@x.test>')).raw).toBe('550 Mailbox unavailable\r\n');
    t.close();
  });

  it('a 421 closes the connection', async () => {
    const server = await serve('rules:\n  - when: { rcpt: "bob@*" }\n    then: gmail.tls-required\n');
    const t = await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250')]);
    const r = await t.cmd('RCPT TO:<bob@x.test>');
    expect(r.lines.at(-1)).toMatch(/^421 4\.7\.0 /);
    await t.closed;
  });

  it('close: true closes after any reply', async () => {
    const server = await serve('rules:\n  - when: { rcpt: "bob@*" }\n    then: { reply: { code: 550, enhanced: 5.7.1, text: Go away, close: true } }\n');
    const t = await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250')]);
    expect((await t.cmd('RCPT TO:<bob@x.test>')).raw).toBe('550 5.7.1 Go away\r\n');
    await t.closed;
  });

  it('a 550 without close keeps the session open', async () => {
    const server = await serve('rules:\n  - when: { rcpt: "bob@*" }\n    then: "550 5.1.1 no"\n');
    await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250'), cmd('RCPT TO:<bob@x.test>', '550 5.1.1'), cmd('NOOP', '250')]);
  });
});

describe('drop, reset, delay', () => {
  it('drop closes without a reply', async () => {
    const server = await serve('rules:\n  - when: { rcpt: "bob@*" }\n    then: drop\n');
    const t = await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250')]);
    t.write('RCPT TO:<bob@x.test>\r\n');
    expect(await t.closed).toEqual({ reset: false });
    expect(t.pending()).toBe('');
  });

  it('reset aborts with a TCP RST', async () => {
    const server = await serve('rules:\n  - when: { stage: connect }\n    then: reset\n');
    const t = await Telnet.connect(server.smtp.port);
    expect(await t.closed).toEqual({ reset: true });
    expect(t.pending()).toBe('');
  });

  it('a long delay at the greeting does not trip the idle timeout', async () => {
    const server = await serve('server: { idleTimeout: 150ms }\nrules:\n  - when: { stage: connect }\n    then: { delay: 600ms }\n');
    const t = await Telnet.connect(server.smtp.port);
    const greeting = await t.reply();
    expect(greeting.raw).toBe('220 mockmx.test ESMTP\r\n');
    t.close();
  });

  it('a tarpit at RCPT answers after the delay, idle timeout notwithstanding', async () => {
    const server = await serve('server: { idleTimeout: 150ms }\nrules:\n  - when: { rcpt: "bob@*" }\n    then: { delay: 500ms, reply: "451 4.7.1 Please try again later" }\n');
    const t = await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250')]);
    expect((await t.cmd('RCPT TO:<bob@x.test>')).raw).toBe('451 4.7.1 Please try again later\r\n');
    expect(server.sessions.list()[0]!.transcript.some((l) => l.direction === 'note' && /delaying 500 ms/.test(l.text))).toBe(true);
    t.close();
  });

  it('greetDelay: a client that talks before the greeting is told so', async () => {
    const server = await serve('server: { greetDelay: 300ms }\n');
    const t = await Telnet.connect(server.smtp.port);
    t.write('EHLO early.test\r\n');
    expect((await t.reply()).lines.at(-1)).toMatch(/^421 .*talk too soon/);
    await t.closed;
  });

  it('there is no pause before the greeting: no timer stands between connect and 220', async () => {
    const server = await serve();
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      const t = await Telnet.connect(server.smtp.port);
      expect((await t.reply()).raw).toBe('220 mockmx.test ESMTP\r\n');
      // smtp-server's own init() waits setTimeout(…, 100) before greeting
      expect(timers.mock.calls.filter(([, ms]) => ms === 100)).toEqual([]);
      t.close();
    } finally {
      timers.mockRestore();
    }
  });
});

describe('modifiers through real sessions', () => {
  it('times: the first two attempts to bob get 450, the third is accepted', async () => {
    const server = await serve('rules:\n  - { id: slow-bob, when: { rcpt: "bob@*" }, then: gmail.rate-limited-recipient, times: 2 }\n');
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250')]);
      codes.push((await t.cmd('RCPT TO:<bob@x.test>')).code);
      t.close();
    }
    expect(codes).toEqual([450, 450, 250]);
  });

  it('probability is seeded: the same seed replays the same outcomes', async () => {
    const yaml = 'rules:\n  - { when: { rcpt: "*" }, then: "451 4.3.0 flaky", probability: 0.5 }\n';
    const outcomes = async (seed: number) => {
      const server = await serve(yaml, { seed });
      const codes: number[] = [];
      for (let i = 0; i < 12; i++) {
        const t = await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250')]);
        codes.push((await t.cmd('RCPT TO:<bob@x.test>')).code, (await t.cmd('RCPT TO:<carol@x.test>')).code);
        t.close();
      }
      return codes;
    };
    const a = await outcomes(7);
    expect(await outcomes(7)).toEqual(a);
    expect(new Set(a)).toEqual(new Set([250, 451]));
  });
});

describe('the transcript names the rule that answered', () => {
  it('an accept rule is named on the success reply smtp-server writes, and only there; the HELO name is recorded', async () => {
    const server = await serve('rules:\n  - { id: let-bob-in, when: { rcpt: "bob@*" }, then: accept }\n');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250'), cmd('MAIL FROM:<a@x.test>', '250'), cmd('RCPT TO:<bob@x.test>', '250'), cmd('RCPT TO:<carol@x.test>', '250'), cmd('RSET', '250')]);
    t.close();
    const session = server.sessions.list()[0]!;
    const tagged = session.transcript.filter((l) => l.rule === 'let-bob-in');
    expect(tagged.map((l) => l.text)).toEqual(['250 2.1.5 Accepted']);
    expect(session.heloName).toBe('client.test');
  });
});

describe('DSN advertisement', () => {
  it('is on by default and off for Gmail’s MX, as the real one', async () => {
    const plain = await serve();
    const gmail = await serve('gmail');
    const ehloOf = async (port: number) => {
      const t = await dialog(port, []);
      const lines = (await t.cmd('EHLO client.example.com')).lines;
      t.close();
      return lines;
    };
    expect(await ehloOf(plain.smtp.port)).toContain('250-DSN');
    expect((await ehloOf(gmail.smtp.port)).some((l) => /DSN/.test(l))).toBe(false);
  });
});
