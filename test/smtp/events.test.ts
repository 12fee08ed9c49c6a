/**
 * Protocol events: each is triggered by a real client doing the wrong thing, and each can be
 * reworded by the scenario's `replies:` table or answered by an event rule.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, type EventName } from '../../src/engine/events.js';
import { serve } from '../helpers/server.js';
import { Telnet, type WireReply } from '../helpers/telnet.js';

const PLAIN = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');

/** How to make each event happen: scenario settings, then a script that returns the reply to check. */
const triggers: Record<EventName, { server?: string; mailboxes?: string; run: (t: Telnet, port: number) => Promise<WireReply> }> = {
  'helo-first': { run: (t) => t.cmd('MAIL FROM:<a@x.test>') },
  'mail-first': { run: async (t) => (await t.cmd('EHLO c.test'), t.cmd('RCPT TO:<b@x.test>')) },
  'rcpt-first': { run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd('MAIL FROM:<a@x.test>'), t.cmd('DATA')) },
  'bad-sequence': { run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd('MAIL FROM:<a@x.test>'), t.cmd('MAIL FROM:<a@x.test>')) },
  'unknown-command': { run: (t) => t.cmd('FROBNICATE') },
  'unimplemented-command': { run: (t) => t.cmd('BDAT 10 LAST') },
  'too-many-unknown-commands': {
    run: async (t) => {
      for (let i = 0; i < 9; i++) await t.cmd(`FOO${i}`);
      return t.cmd('FOO9');
    },
  },
  'helo-empty': { run: (t) => t.cmd('EHLO') },
  'helo-invalid': { run: (t) => t.cmd('EHLO two words') },
  'starttls-params': { run: async (t) => (await t.cmd('EHLO c.test'), t.cmd('STARTTLS now')) },
  'starttls-pipelined': {
    run: async (t) => {
      await t.cmd('EHLO c.test');
      t.write('STARTTLS\r\nMAIL FROM:<injected@x.test>\r\n');
      return t.reply();
    },
  },
  'mail-syntax': { run: async (t) => (await t.cmd('EHLO c.test'), t.cmd('MAIL FROM:alice')) },
  'rcpt-syntax': { run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd('MAIL FROM:<a@x.test>'), t.cmd('RCPT TO:bob')) },
  'invalid-sender-address': { run: async (t) => (await t.cmd('EHLO c.test'), t.cmd('MAIL FROM:<alice@-bad-.test>')) },
  'invalid-recipient-address': { run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd('MAIL FROM:<a@x.test>'), t.cmd('RCPT TO:<bob@exa..mple>')) },
  'user-unknown': { server: 'recipients: known', mailboxes: '"bob@x.test": {}', run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd('MAIL FROM:<a@x.test>'), t.cmd('RCPT TO:<carol@x.test>')) },
  'mailbox-disabled': { mailboxes: '"bob@x.test": { disabled: true }', run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd('MAIL FROM:<a@x.test>'), t.cmd('RCPT TO:<bob@x.test>')) },
  'mailbox-full': { mailboxes: '"bob@x.test": { quota: 0 }', run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd('MAIL FROM:<a@x.test>'), t.cmd('RCPT TO:<bob@x.test>')) },
  'mailbox-quota-exceeded': {
    mailboxes: '"bob@x.test": { quota: 10 }',
    run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd('MAIL FROM:<a@x.test>'), await t.cmd('RCPT TO:<bob@x.test>'), await t.cmd('DATA'), t.cmd('Subject: too big for the quota\r\n\r\nx\r\n.')),
  },
  'too-many-recipients': { server: 'maxRecipients: 1', run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd('MAIL FROM:<a@x.test>'), await t.cmd('RCPT TO:<b@x.test>'), t.cmd('RCPT TO:<c@x.test>')) },
  'message-too-big': {
    server: 'size: 100',
    run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd('MAIL FROM:<a@x.test>'), await t.cmd('RCPT TO:<b@x.test>'), await t.cmd('DATA'), t.cmd(`Subject: big\r\n\r\n${'x'.repeat(200)}\r\n.`)),
  },
  'tls-required': { server: 'tls: { starttls: required }', run: async (t) => (await t.cmd('EHLO c.test'), t.cmd('MAIL FROM:<a@x.test>')) },
  'auth-needs-tls': { server: 'auth: { allowInsecure: false }', run: async (t) => (await t.cmd('EHLO c.test'), t.cmd(`AUTH PLAIN ${PLAIN('u', 'p')}`)) },
  'auth-required': { server: 'auth: { required: true }', run: async (t) => (await t.cmd('EHLO c.test'), t.cmd('MAIL FROM:<a@x.test>')) },
  'auth-failed': { server: 'auth: { users: [{ user: u, password: p }] }', run: async (t) => (await t.cmd('EHLO c.test'), t.cmd(`AUTH PLAIN ${PLAIN('u', 'wrong')}`)) },
  'auth-mechanism-unknown': { run: async (t) => (await t.cmd('EHLO c.test'), t.cmd('AUTH GSSAPI')) },
  'auth-xoauth': { run: async (t) => (await t.cmd('EHLO c.test'), t.cmd('AUTH XOAUTH dG9rZW4=')) },
  'auth-repeated': { run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd(`AUTH PLAIN ${PLAIN('u', 'p')}`), t.cmd(`AUTH PLAIN ${PLAIN('u', 'p')}`)) },
  'auth-decode': { run: async (t) => (await t.cmd('EHLO c.test'), t.cmd('AUTH PLAIN !!!!')) },
  'too-many-unauthenticated': {
    server: 'auth: { required: true }',
    run: async (t) => {
      for (let i = 0; i < 9; i++) await t.cmd('NOOP');
      return t.cmd('NOOP');
    },
  },
  'idle-timeout': { server: 'idleTimeout: 100ms', run: (t) => t.reply() },
  'too-many-connections': {
    server: 'maxConnections: 1',
    run: async (_t, port) => {
      const second = await Telnet.connect(port);
      try {
        return await second.reply();
      } finally {
        second.close();
      }
    },
  },
  'line-too-long': { run: (t) => t.cmd(`NOOP ${'x'.repeat(20_000)}`) },
  'early-talker': { server: 'greetDelay: 300ms', run: (t) => t.cmd('EHLO early.test') },
  // a magic recipient replays GoDaddy's connect-stage 554: the session is refused from then on
  'session-refused': { run: async (t) => (await t.cmd('EHLO c.test'), await t.cmd('MAIL FROM:<a@x.test>'), await t.cmd('RCPT TO:<godaddy.rbl-reject@x.test>'), t.cmd('NOOP')) },
};

const CLOSES: ReadonlySet<EventName> = new Set(['too-many-unknown-commands', 'too-many-unauthenticated', 'idle-timeout', 'line-too-long', 'early-talker']);

function scenarioFor(event: EventName, answer: string): string {
  const { server, mailboxes } = triggers[event];
  return `server: { ${server ?? ''} }\n${mailboxes ? `mailboxes: { ${mailboxes} }\n` : ''}${answer}`;
}

async function trigger(event: EventName, yaml: string): Promise<{ reply: WireReply; t: Telnet; server: Awaited<ReturnType<typeof serve>> }> {
  const server = await serve(yaml);
  const t = await Telnet.connect(server.smtp.port);
  if (event !== 'early-talker') await t.reply();
  const reply = await triggers[event].run(t, server.smtp.port);
  return { reply, t, server };
}

describe('every event has a trigger', () => {
  it('the table covers every event', () => {
    expect(Object.keys(triggers).sort()).toEqual([...EVENT_NAMES].sort());
  });
});

describe('the replies table words each refusal', () => {
  it.each(EVENT_NAMES)('%s', async (event) => {
    const { reply, t, server } = await trigger(event, scenarioFor(event, `replies:\n  ${event}: "554 5.7.1 worded for ${event}"\n`));
    expect(reply.raw).toBe(`554 5.7.1 worded for ${event}\r\n`);
    const out = server.sessions.list().flatMap((s) => s.transcript).find((l) => l.text === `554 5.7.1 worded for ${event}`);
    expect(out?.rule).toBe(`replies.${event}`);
    if (CLOSES.has(event)) await t.closed;
    t.close();
  });
});

describe('an event rule answers instead', () => {
  it.each(['helo-first', 'unknown-command', 'user-unknown', 'auth-failed', 'mailbox-quota-exceeded', 'starttls-pipelined'] as EventName[])('%s', async (event) => {
    const { reply, t, server } = await trigger(
      event,
      scenarioFor(event, `replies:\n  ${event}: "554 5.7.1 from the table"\nrules:\n  - id: on-event\n    when: { event: ${event} }\n    then: "421 4.7.0 rule for ${event}"\n`),
    );
    expect(reply.raw).toBe(`421 4.7.0 rule for ${event}\r\n`);
    await t.closed;
    expect(server.sessions.list()[0]!.transcript.some((l) => l.rule === 'on-event')).toBe(true);
  });

  it('drop answers an event by closing without a reply', async () => {
    const server = await serve('rules:\n  - { when: { event: unknown-command }, then: drop }\n');
    const t = await Telnet.connect(server.smtp.port);
    await t.reply();
    t.write('FROBNICATE\r\n');
    expect(await t.closed).toEqual({ reset: false });
    expect(t.pending()).toBe('');
  });

  it('commands pipelined after STARTTLS never run, with or without a rule', async () => {
    const server = await serve();
    const t = await Telnet.connect(server.smtp.port);
    await t.reply();
    await t.cmd('EHLO c.test');
    t.write('STARTTLS\r\nMAIL FROM:<injected@x.test>\r\n');
    expect((await t.reply()).code).toBe(220);
    const session = server.sessions.list()[0]!;
    expect(session.transcript.some((l) => l.text === 'event starttls-pipelined')).toBe(true);
    t.close();
  });
});

describe('defaults without a table', () => {
  it('a sender that is not an RFC 5321 address gets smtp-server’s 501 5.1.7', async () => {
    const { reply } = await trigger('invalid-sender-address', 'name: d\n');
    expect(reply.raw).toBe('501 5.1.7 Error: Bad sender address syntax\r\n');
  });

  it('{address} quotes the offending address', async () => {
    const { reply } = await trigger('invalid-recipient-address', 'replies:\n  invalid-recipient-address: gmail.invalid-recipient-address\n');
    expect(reply.lines.join(' ')).toMatch(/^553-5\.1\.3 The recipient address <bob@exa\.\.mple> is not a valid RFC 5321 address/);
  });

  it('the unknown-command default is smtp-server’s, with an enhanced code', async () => {
    const { reply } = await trigger('unknown-command', 'name: d\n');
    expect(reply.raw).toBe('500 5.5.2 Error: command not recognized\r\n');
  });

  it('a raw socket is not needed to see the timeout: it is an event too', async () => {
    const server = await serve('server: { idleTimeout: 100ms }\n');
    const sock = connect(server.smtp.port, '127.0.0.1');
    const closed = new Promise((r) => sock.on('close', r));
    sock.resume();
    await closed;
    expect(server.sessions.list()[0]!.transcript.some((l) => l.text === 'event idle-timeout')).toBe(true);
  });
});
