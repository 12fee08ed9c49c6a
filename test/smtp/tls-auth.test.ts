/**
 * STARTTLS, implicit TLS and AUTH against scenario users, with nodemailer as a real client
 * and a raw socket where the exact bytes on the wire matter. Rules can answer every AUTH
 * outcome, and the transcript names the rule on the lines it answered.
 */
import { once } from 'node:events';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import type { MockMxServer } from '../../src/server/types.js';
import type { SessionRecord } from '../../src/store/sessions.js';
import { serve } from '../helpers/server.js';
import { dialog, cmd, Telnet, type WireReply } from '../helpers/telnet.js';

type Server = MockMxServer & { errors: unknown[] };

const USERS_YAML = `
name: auth-users
server:
  hostname: mockmx.test
  auth:
    mechanisms: [PLAIN, LOGIN, CRAM-MD5, XOAUTH2]
    users:
      - { user: alice@x.test, password: s3cret, token: ya29.good-token }
      - { user: bob@x.test, password: hunter2 }
`;

const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface SendOptions {
  port: number;
  secure?: boolean;
  requireTLS?: boolean;
  ignoreTLS?: boolean;
  authMethod?: string;
  auth?: Record<string, unknown>;
}

/** Sends one small message with nodemailer; resolves with its info, rejects with its error. */
async function send(opts: SendOptions, subject = 'hello') {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: opts.port,
    secure: opts.secure ?? false,
    requireTLS: opts.requireTLS ?? false,
    ignoreTLS: opts.ignoreTLS ?? false,
    tls: { rejectUnauthorized: false },
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 5000,
    ...(opts.authMethod ? { authMethod: opts.authMethod } : {}),
    ...(opts.auth ? { auth: opts.auth } : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    return await transport.sendMail({
      from: 'sender@client.test',
      to: 'rcpt@example.test',
      subject,
      text: 'body text',
    });
  } finally {
    transport.close();
  }
}

/** Rejection reason of a promise that must reject. */
async function failureOf(p: Promise<unknown>): Promise<Error & { responseCode?: number; response?: string; code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { responseCode?: number; response?: string; code?: string };
  }
  throw new Error('expected the promise to reject');
}

/** The only session the server has seen, once it has ended. */
async function onlySession(server: Server): Promise<SessionRecord> {
  const [record] = server.sessions.list();
  expect(record, 'a session was recorded').toBeDefined();
  if (record!.endedAt === undefined) {
    await new Promise<void>((resolve) => {
      const onEnd = (r: SessionRecord) => {
        if (r.id !== record!.id) return;
        server.events.off('sessionEnd', onEnd);
        resolve();
      };
      server.events.on('sessionEnd', onEnd);
      if (record!.endedAt !== undefined) onEnd(record!);
    });
  }
  return record!;
}

const outLines = (r: SessionRecord) => r.transcript.filter((l) => l.direction === 'out');


// ---------------------------------------------------------------------------------------------

describe('STARTTLS', () => {
  it('EHLO advertises STARTTLS and ENHANCEDSTATUSCODES; a requireTLS client delivers and the session is marked TLS', async () => {
    const server = await serve('default');
    const t = await dialog(server.smtp.port, []);
    try {
      const ehlo = await t.expect('EHLO client.test', '250');
      expect(ehlo.lines[0]).toMatch(/^250-mockmx\.test /);
      const caps = ehlo.lines.slice(1).map((l) => l.slice(4));
      expect(caps).toContain('STARTTLS');
      expect(caps).toContain('ENHANCEDSTATUSCODES');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }

    const delivered = once(server.events, 'message');
    const info = await send({ port: server.smtp.port, requireTLS: true });
    expect(info.accepted).toEqual(['rcpt@example.test']);
    expect(info.response).toMatch(/^250 2\.0\.0 OK: queued as \S+$/);
    const [message] = (await delivered) as [Awaited<ReturnType<Server['messages']['add']>>];
    const record = server.sessions.get(message.sessionId);
    expect(record, 'session of the stored message').toBeDefined();
    // the adapter must update the session record when STARTTLS succeeds
    expect(record!.tls).toBe(true);
    expect(record!.tlsVersion).toMatch(/^TLSv1\.[23]$/);
    const notes = record!.transcript.filter((l) => l.direction === 'note').map((l) => l.text);
    expect(notes.some((n) => n.startsWith('TLS established (TLSv1.'))).toBe(true);
    // the STARTTLS exchange itself is on the record, in plaintext order
    const texts = record!.transcript.map((l) => `${l.direction} ${l.text}`);
    const i = texts.indexOf('in STARTTLS');
    expect(i).toBeGreaterThan(0);
    expect(texts[i + 1]).toBe('out 220 2.0.0 Ready to start TLS');
    expect(server.errors).toEqual([]);
  });

  it('after STARTTLS on a raw socket, EHLO no longer offers STARTTLS and the session is TLS', async () => {
    const server = await serve('default');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250'), cmd('STARTTLS', '220 2.0.0 Ready to start TLS')]);
    const s = await t.startTls();
    try {
      const ehlo = await s.cmd('EHLO client.test');
      expect(ehlo.code).toBe(250);
      const caps = ehlo.lines.slice(1).map((l) => l.slice(4));
      expect(caps).not.toContain('STARTTLS');
      expect(caps).toContain('ENHANCEDSTATUSCODES');
      expect((await s.cmd('STARTTLS')).lines).toEqual(['503 5.5.1 Error: TLS already active']);
      expect((await s.cmd('QUIT')).code).toBe(221);
    } finally {
      s.close();
      t.close();
    }
    const record = await onlySession(server);
    expect(record.tls).toBe(true);
  });

  it('starttls: required refuses MAIL with 530 5.7.0 before STARTTLS and accepts it after', async () => {
    const server = await serve(`
name: tls-required
server:
  tls: { starttls: required }
`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250')]);
    try {
      const refused = await t.cmd('MAIL FROM:<a@client.test>');
      expect(refused.lines).toEqual(['530 5.7.0 Must issue a STARTTLS command first']);
      await t.expect('STARTTLS', '220 2.0.0');
      const s = await t.startTls();
      try {
        expect((await s.cmd('EHLO client.test')).code).toBe(250);
        expect((await s.cmd('MAIL FROM:<a@client.test>')).lines).toEqual(['250 2.1.0 Accepted']);
        expect((await s.cmd('RCPT TO:<b@example.test>')).lines).toEqual(['250 2.1.5 Accepted']);
        expect((await s.cmd('QUIT')).code).toBe(221);
      } finally {
        s.close();
      }
    } finally {
      t.close();
    }

    // and a real client that upgrades delivers
    await send({ port: server.smtp.port, requireTLS: true });
    expect(await server.messages.count()).toBe(1);
    // a client that refuses to upgrade is refused
    const err = await failureOf(send({ port: server.smtp.port, ignoreTLS: true }));
    expect(err.responseCode).toBe(530);
    expect(err.response).toBe('530 5.7.0 Must issue a STARTTLS command first');
    expect(await server.messages.count()).toBe(1);
  });

  it('starttls: off neither advertises STARTTLS nor recognises the command', async () => {
    const server = await serve(`
name: tls-off
server:
  tls: { starttls: off }
`);
    const t = await dialog(server.smtp.port, []);
    try {
      const ehlo = await t.expect('EHLO client.test', '250');
      const caps = ehlo.lines.slice(1).map((l) => l.slice(4));
      expect(caps).not.toContain('STARTTLS');
      expect(caps).toContain('ENHANCEDSTATUSCODES');
      const r = await t.cmd('STARTTLS');
      expect(r.lines).toEqual(['500 5.5.2 Error: command not recognized']);
      // still plaintext and usable
      await t.expect('MAIL FROM:<a@client.test>', '250 2.1.0');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    // a client that insists on TLS cannot get it
    const err = await failureOf(send({ port: server.smtp.port, requireTLS: true }));
    expect(err.code).toBe('ETLS');
    expect(await server.messages.count()).toBe(0);
  });
});

describe('implicit TLS', () => {
  it('delivers over the SMTPS listener, and the session is TLS from the start', async () => {
    const server = await serve('default', { smtpsPort: 0 });
    expect(server.smtps).toBeDefined();
    expect(server.smtps!.port).not.toBe(server.smtp.port);
    const delivered = once(server.events, 'message');
    const info = await send({ port: server.smtps!.port, secure: true }, 'over smtps');
    expect(info.response).toMatch(/^250 2\.0\.0 OK: queued as /);
    const [message] = (await delivered) as [{ sessionId: string; raw: Buffer }];
    expect(message.raw.toString()).toContain('Subject: over smtps');
    const record = server.sessions.get(message.sessionId)!;
    expect(record.listener).toBe('smtps');
    expect(record.tls).toBe(true);
  });

  it('has no SMTPS listener unless asked for', async () => {
    const server = await serve('default');
    expect(server.smtps).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------

describe('AUTH against scenario users', () => {
  const good = { user: 'alice@x.test', pass: 's3cret' };
  const bad = { user: 'alice@x.test', pass: 'wrong' };

  for (const method of ['PLAIN', 'LOGIN', 'CRAM-MD5'] as const) {
    it(`${method}: right credentials get 235 and deliver; wrong ones get 535 5.7.8`, async () => {
      const server = await serve(USERS_YAML);
      const info = await send({ port: server.smtp.port, authMethod: method, auth: good, requireTLS: true });
      expect(info.accepted).toEqual(['rcpt@example.test']);
      const [message] = await server.messages.list();
      const record = server.sessions.get(message!.sessionId)!;
      expect(record.authUser).toBe('alice@x.test');
      const texts = record.transcript.map((l) => `${l.direction} ${l.text}`);
      expect(texts.some((x) => x.startsWith(`in AUTH ${method}`))).toBe(true);
      expect(texts).toContain('out 235 2.7.0 Authentication successful');

      const err = await failureOf(send({ port: server.smtp.port, authMethod: method, auth: bad, requireTLS: true }));
      expect(err.code).toBe('EAUTH');
      expect(err.responseCode).toBe(535);
      expect(err.response).toMatch(/^535 5\.7\.8 /);
      expect(await server.messages.count()).toBe(1);

      // an unknown user is refused as well
      const err2 = await failureOf(send({ port: server.smtp.port, authMethod: method, auth: { user: 'mallory@x.test', pass: 's3cret' }, requireTLS: true }));
      expect(err2.response).toMatch(/^535 5\.7\.8 /);
    });
  }

  it('PLAIN and LOGIN on the wire: exact 235 / 535 replies', async () => {
    const server = await serve(USERS_YAML);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250')]);
    try {
      expect((await t.cmd(`AUTH PLAIN ${plain('alice@x.test', 'nope')}`)).raw).toBe('535 5.7.8 Error: Authentication credentials invalid\r\n');
      expect((await t.cmd('AUTH LOGIN')).raw).toBe('334 VXNlcm5hbWU6\r\n');
      expect((await t.cmd(b64('bob@x.test'))).raw).toBe('334 UGFzc3dvcmQ6\r\n');
      expect((await t.cmd(b64('hunter2'))).raw).toBe('235 2.7.0 Authentication successful\r\n');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    const record = await onlySession(server);
    expect(record.authUser).toBe('bob@x.test');
  });

  it('XOAUTH2: the right token delivers; a wrong one gets a 334 challenge, then 535', async () => {
    const server = await serve(USERS_YAML);
    const info = await send({
      port: server.smtp.port,
      requireTLS: true,
      auth: { type: 'OAuth2', user: 'alice@x.test', accessToken: 'ya29.good-token' },
    });
    expect(info.accepted).toEqual(['rcpt@example.test']);
    expect(await server.messages.count()).toBe(1);

    const err = await failureOf(
      send({ port: server.smtp.port, requireTLS: true, auth: { type: 'OAuth2', user: 'alice@x.test', accessToken: 'ya29.stolen' } }),
    );
    expect(err.code).toBe('EAUTH');
    expect(err.responseCode).toBe(535);
    expect(err.response).toMatch(/^535 5\.7\.8 /);
    expect(await server.messages.count()).toBe(1);

    // the same failure on the wire: the 334 carries the JSON error Google sends
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250')]);
    try {
      const token = b64('user=alice@x.test\x01auth=Bearer ya29.stolen\x01\x01');
      const challenge = await t.cmd(`AUTH XOAUTH2 ${token}`);
      expect(challenge.code).toBe(334);
      const json = JSON.parse(Buffer.from(challenge.lines[0]!.slice(4), 'base64').toString()) as Record<string, string>;
      expect(json).toEqual({ status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' });
      expect((await t.cmd('')).raw).toBe('535 5.7.8 Error: Username and Password not accepted\r\n');
      // a user with no token cannot log in with XOAUTH2 even with the right user
      const c2 = await t.cmd(`AUTH XOAUTH2 ${b64('user=bob@x.test\x01auth=Bearer hunter2\x01\x01')}`);
      expect(c2.code).toBe(334);
      expect((await t.cmd('')).code).toBe(535);
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
  });

  it('a scenario with no users accepts any credentials', async () => {
    const server = await serve(`
name: any-login
server:
  auth: { mechanisms: [PLAIN, LOGIN, CRAM-MD5, XOAUTH2] }
`);
    await send({ port: server.smtp.port, authMethod: 'PLAIN', auth: { user: 'whoever', pass: 'whatever' } });
    await send({ port: server.smtp.port, authMethod: 'LOGIN', auth: { user: 'x@y', pass: 'z' } });
    await send({ port: server.smtp.port, authMethod: 'CRAM-MD5', auth: { user: 'cram', pass: 'anything' } });
    await send({ port: server.smtp.port, auth: { type: 'OAuth2', user: 'oauth@y.test', accessToken: 'any' } });
    const messages = await server.messages.list();
    expect(messages).toHaveLength(4);
    const users = messages.map((m) => server.sessions.get(m.sessionId)!.authUser).reverse();
    expect(users).toEqual(['whoever', 'x@y', 'cram', 'oauth@y.test']);
  });

  it('auth.required: MAIL before AUTH gets 530 5.7.0; after AUTH it is accepted', async () => {
    const server = await serve(`
name: auth-required
server:
  auth:
    required: true
    users: [{ user: alice@x.test, password: s3cret }]
`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250')]);
    try {
      expect((await t.cmd('MAIL FROM:<a@client.test>')).raw).toMatch(/^530 5\.7\.0 /);
      expect((await t.cmd(`AUTH PLAIN ${plain('alice@x.test', 's3cret')}`)).raw).toBe('235 2.7.0 Authentication successful\r\n');
      expect((await t.cmd('MAIL FROM:<a@client.test>')).raw).toBe('250 2.1.0 Accepted\r\n');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    const err = await failureOf(send({ port: server.smtp.port }));
    expect(err.responseCode).toBe(530);
    expect(err.response).toMatch(/^530 5\.7\.0 /);
  });
});

// ---------------------------------------------------------------------------------------------

describe('rules answer AUTH outcomes', () => {
  const RULES_YAML = `
name: auth-rules
server:
  auth:
    mechanisms: [PLAIN, LOGIN, CRAM-MD5, XOAUTH2]
    users:
      - { user: alice@x.test, password: s3cret }
      - { user: locked@x.test, password: s3cret }
      - { user: legacy@x.test, password: s3cret }
rules:
  - id: lockout
    when: { stage: auth, authUser: locked@x.test }
    then: "454 4.7.0 Too many login attempts, please try again later."
  - id: backdoor
    when: { stage: auth, authUser: "guest@*" }
    then: accept
  - id: no-login-mech
    when: { stage: auth, authMechanism: LOGIN, authUser: legacy@x.test }
    then: { reply: { code: 534, enhanced: 5.7.9, text: "Please log in with a modern mechanism" } }
  - id: gmail-bad-credentials
    when: { stage: auth, authValid: false }
    then:
      reply:
        code: 535
        enhanced: 5.7.8
        text:
          - "Username and Password not accepted. For more information, go to"
          - "https://support.google.com/mail/?p=BadCredentials"
`;

  it('authValid: false answers with the exact multi-line reply, and the transcript names the rule', async () => {
    const server = await serve(RULES_YAML);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250')]);
    try {
      const r = await t.cmd(`AUTH PLAIN ${plain('alice@x.test', 'wrong')}`);
      expect(r.raw).toBe(
        '535-5.7.8 Username and Password not accepted. For more information, go to\r\n' +
          '535 5.7.8 https://support.google.com/mail/?p=BadCredentials\r\n',
      );
      // right credentials: no rule, the normal 235
      expect((await t.cmd(`AUTH PLAIN ${plain('alice@x.test', 's3cret')}`)).raw).toBe('235 2.7.0 Authentication successful\r\n');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    const record = await onlySession(server);
    const out = outLines(record);
    const ruled = out.filter((l) => l.rule !== undefined);
    expect(ruled.map((l) => [l.text, l.rule])).toEqual([
      ['535-5.7.8 Username and Password not accepted. For more information, go to', 'gmail-bad-credentials'],
      ['535 5.7.8 https://support.google.com/mail/?p=BadCredentials', 'gmail-bad-credentials'],
    ]);
    const ok = out.find((l) => l.text === '235 2.7.0 Authentication successful');
    expect(ok).toBeDefined();
    expect('rule' in ok!).toBe(false);
    // lines nobody's rule answered carry no rule: the greeting, EHLO, QUIT
    expect(out[0]!.rule).toBeUndefined();
    expect(out.at(-1)!.text).toMatch(/^221 /);
    expect(out.at(-1)!.rule).toBeUndefined();
  });

  it('nodemailer sees the rule reply as its auth error', async () => {
    const server = await serve(RULES_YAML);
    for (const method of ['PLAIN', 'LOGIN', 'CRAM-MD5']) {
      const err = await failureOf(send({ port: server.smtp.port, authMethod: method, auth: { user: 'alice@x.test', pass: 'nope' } }));
      expect(err.code, method).toBe('EAUTH');
      expect(err.responseCode, method).toBe(535);
      expect(err.response, method).toBe(
        '535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8 https://support.google.com/mail/?p=BadCredentials',
      );
    }
    expect(await server.messages.count()).toBe(0);
  });

  it('an authUser rule answers 454 even with a valid password', async () => {
    const server = await serve(RULES_YAML);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250')]);
    try {
      expect((await t.cmd(`AUTH PLAIN ${plain('locked@x.test', 's3cret')}`)).raw).toBe(
        '454 4.7.0 Too many login attempts, please try again later.\r\n',
      );
      // not logged in: a later AUTH is still allowed
      expect((await t.cmd(`AUTH PLAIN ${plain('alice@x.test', 's3cret')}`)).raw).toBe('235 2.7.0 Authentication successful\r\n');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    const record = await onlySession(server);
    expect(record.authUser).toBe('alice@x.test');
    expect(outLines(record).find((l) => l.text.startsWith('454 '))!.rule).toBe('lockout');
  });

  it('then: accept lets wrong credentials in with 235', async () => {
    const server = await serve(RULES_YAML);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250')]);
    try {
      expect((await t.cmd(`AUTH PLAIN ${plain('guest@anywhere.test', 'not-a-user')}`)).raw).toBe('235 2.7.0 Authentication successful\r\n');
      await t.expect('MAIL FROM:<guest@anywhere.test>', '250 2.1.0');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    const record = await onlySession(server);
    expect(record.authUser).toBe('guest@anywhere.test');
    // the rule decided this outcome, so its line names it
    expect(outLines(record).find((l) => l.text.startsWith('235 '))!.rule).toBe('backdoor');

    // and a real client gets through with it
    await send({ port: server.smtp.port, authMethod: 'LOGIN', auth: { user: 'guest@other.test', pass: 'x' } });
    expect(await server.messages.count()).toBe(1);
  });

  it('authMechanism: LOGIN only answers LOGIN attempts', async () => {
    const server = await serve(RULES_YAML);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250')]);
    try {
      expect((await t.cmd('AUTH LOGIN')).code).toBe(334);
      expect((await t.cmd(b64('legacy@x.test'))).code).toBe(334);
      expect((await t.cmd(b64('s3cret'))).raw).toBe('534 5.7.9 Please log in with a modern mechanism\r\n');
      expect((await t.cmd(`AUTH PLAIN ${plain('legacy@x.test', 's3cret')}`)).raw).toBe('235 2.7.0 Authentication successful\r\n');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    const record = await onlySession(server);
    expect(outLines(record).find((l) => l.text.startsWith('534 '))!.rule).toBe('no-login-mech');
  });
});
