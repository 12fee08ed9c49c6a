/**
 * "Nothing breaks it": rules that throw, garbage, NUL bytes, over-long lines, pipelined bursts,
 * clients that vanish mid-DATA, a thousand idle connections, aborted TLS handshakes and junk
 * AUTH blobs. Every case ends by proving the same in-process server still runs a normal
 * session and reported no error it should not have.
 */
import { createServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { MockMxServer } from '../../src/server/types.js';
import { decide as engineDecide, type DecideInput } from '../../src/engine/decide.js';
import type { Stage } from '../../src/engine/stages.js';
import { eventually, serve } from '../helpers/server.js';
import { cmd, dialog, Telnet, type WireReply } from '../helpers/telnet.js';
import { seededRandom } from '../../src/engine/random.js';

// ── bookkeeping: every client socket opened here is destroyed after its test ──────────────────

const sockets = new Set<Socket>();
const track = <T extends Socket>(s: T): T => {
  sockets.add(s);
  s.once('close', () => sockets.delete(s));
  return s;
};
const open = async (port: number): Promise<Telnet> => {
  const t = await Telnet.connect(port);
  track(t.socket);
  return t;
};

afterEach(() => {
  for (const s of sockets) s.destroy();
  sockets.clear();
});

// ── helpers ────────────────────────────────────────────────────────────────────────────────

const prng = seededRandom;

function randomBytes(seed: number, length: number, keep: (byte: number) => boolean = () => true): Buffer {
  const random = prng(seed);
  const out = Buffer.alloc(length);
  let i = 0;
  for (let guard = 0; i < length && guard < length * 4; guard++) {
    const b = Math.floor(random() * 256);
    if (keep(b)) out[i++] = b;
  }
  expect(i).toBe(length);
  return out;
}

/** The proof every case ends with: a whole session on a new connection, and one more message stored. */
async function normalSession(server: MockMxServer, port = server.smtp.port): Promise<void> {
  const before = await server.messages.count();
  const t = await dialog(port, [
    cmd('EHLO client.example', '250'),
    cmd('MAIL FROM:<sender@client.example>', '250'),
    cmd('RCPT TO:<someone@example.org>', '250'),
    cmd('DATA', '354'),
  ]);
  track(t.socket);
  await t.expect('Subject: still here\r\n\r\nThe server still works.\r\n.', '250');
  await t.expect('QUIT', '221');
  await t.closed;
  expect(await server.messages.count()).toBe(before + 1);
}

/** `promise`'s value, or undefined if it has not settled within `ms` (the timer is cleared either way). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads replies until one matches `until` or the server closes the connection; bounded by count and time. */
async function repliesUntil(t: Telnet, until: (r: WireReply) => boolean, max = 200, timeoutMs = 3000): Promise<{ replies: WireReply[]; closed: boolean }> {
  const replies: WireReply[] = [];
  for (let i = 0; i < max; i++) {
    let r: WireReply;
    try {
      r = await t.reply(timeoutMs);
    } catch (err) {
      if (/connection closed/.test((err as Error).message)) return { replies, closed: true };
      throw err;
    }
    replies.push(r);
    if (until(r)) return { replies, closed: false };
  }
  throw new Error(`no matching reply within ${max} replies: ${replies.map((r) => r.lines.at(-1)).join(' | ')}`);
}

/** After junk on a still-open session: NOOP gets 250, or the server has closed the session after a 421/500. */
async function answersOrClosedCleanly(t: Telnet): Promise<void> {
  if (!t.socket.destroyed && t.socket.writable) t.write('\r\nNOOP\r\n');
  const { replies, closed } = await repliesUntil(t, (r) => r.code === 250);
  if (closed) {
    expect(replies.length, 'the server closed the session without a word').toBeGreaterThan(0);
    expect([421, 500]).toContain(replies.at(-1)!.code);
    await t.closed;
  } else {
    expect(replies.at(-1)!.lines.at(-1)).toMatch(/^250 /);
    // everything before the NOOP's 250 was an error reply, never a crash or silence
    for (const r of replies.slice(0, -1)) expect(r.code).toBeGreaterThanOrEqual(500);
  }
}

/** A decide that throws the first time it is asked at `stage`, then behaves like the real engine. */
function throwsOnceAt(stage: Stage, error: Error): (input: DecideInput) => ReturnType<typeof engineDecide> {
  let thrown = false;
  return (input) => {
    if (input.facts.stage === stage && !thrown) {
      thrown = true;
      throw error;
    }
    return engineDecide(input);
  };
}

const acceptAt = (stage: Stage) => `
name: rule-at-${stage}
rules:
  - id: harmless
    when: { stage: ${stage} }
    then: accept
`;

// ── 1. a rule that throws ────────────────────────────────────────────────────────────────────

describe('a rule that throws', () => {
  it('answers RCPT with 451 4.3.0, reports the error, and the session and server go on', async () => {
    const boom = new Error('boom');
    const server = await serve(acceptAt('rcpt'), {
      decide: () => {
        throw boom;
      },
    });
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example', '250'), cmd('MAIL FROM:<a@client.example>', '250')]);
    track(t.socket);
    const r = await t.cmd('RCPT TO:<b@example.org>');
    expect(r.lines).toEqual(['451 4.3.0 Temporary local problem evaluating rules; try again later']);
    expect(server.errors).toEqual([boom]);
    // the session itself is still usable
    await t.expect('NOOP', '250');
    await t.expect('RSET', '250');
    await t.expect('QUIT', '221');
    // the transcript names the answer as an error
    const session = server.sessions.list()[0]!;
    expect(session.transcript.some((l) => l.direction === 'out' && l.text.startsWith('451 4.3.0') && l.rule === 'error')).toBe(true);

    // with no rule at rcpt any more the broken decide is never consulted: a normal session works
    server.useScenario('default');
    await normalSession(server);
    expect(server.errors).toEqual([boom]);
  });

  it('answers RCPT with 451 4.3.0 once, and the next recipient through the real engine is accepted', async () => {
    const boom = new Error('boom at rcpt');
    const server = await serve(acceptAt('rcpt'), { decide: throwsOnceAt('rcpt', boom) });
    const t = await dialog(server.smtp.port, [
      cmd('EHLO client.example', '250'),
      cmd('MAIL FROM:<a@client.example>', '250'),
      cmd('RCPT TO:<first@example.org>', '451 4.3.0'),
      cmd('RCPT TO:<second@example.org>', '250'),
      cmd('DATA', '354'),
    ]);
    track(t.socket);
    await t.expect('Subject: x\r\n\r\nbody\r\n.', '250');
    const [stored] = await server.messages.list();
    expect(stored!.envelope.rcptTo).toEqual(['second@example.org']);
    expect(server.errors).toEqual([boom]);
    await normalSession(server);
  });

  it('answers the end of DATA with 451 4.3.0 and stores nothing when a rule throws at message', async () => {
    const boom = new Error('boom at message');
    const server = await serve(acceptAt('message'), { decide: throwsOnceAt('message', boom) });
    const t = await dialog(server.smtp.port, [
      cmd('EHLO client.example', '250'),
      cmd('MAIL FROM:<a@client.example>', '250'),
      cmd('RCPT TO:<b@example.org>', '250'),
      cmd('DATA', '354'),
    ]);
    track(t.socket);
    const r = await t.cmd('Subject: x\r\n\r\nbody\r\n.');
    expect(r.lines).toEqual(['451 4.3.0 Temporary local problem evaluating rules; try again later']);
    expect(await server.messages.count()).toBe(0);
    expect(server.errors).toEqual([boom]);
    // the same session can start a new transaction
    await t.expect('MAIL FROM:<a@client.example>', '250');
    await t.expect('RSET', '250');
    await normalSession(server);
    expect(server.errors).toEqual([boom]);
  });

  it('greets with 451 4.3.0 and closes when a rule throws at connect; the next connection is greeted normally', async () => {
    const boom = new Error('boom at connect');
    const server = await serve(acceptAt('connect'), { decide: throwsOnceAt('connect', boom) });
    const t = await open(server.smtp.port);
    const greeting = await t.reply();
    expect(greeting.lines).toEqual(['451 4.3.0 Temporary local problem evaluating rules; try again later']);
    await t.closed;
    expect(server.errors).toEqual([boom]);
    await normalSession(server);
    expect(server.errors).toEqual([boom]);
  });

  it('answers EHLO with 451 4.3.0 when a rule throws at helo, and the session can say EHLO again', async () => {
    const boom = new Error('boom at helo');
    const server = await serve(acceptAt('helo'), { decide: throwsOnceAt('helo', boom) });
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example', '451 4.3.0')]);
    track(t.socket);
    expect(server.errors).toEqual([boom]);
    await t.expect('EHLO client.example', '250');
    await t.expect('MAIL FROM:<a@client.example>', '250');
    await t.expect('RCPT TO:<b@example.org>', '250');
    await t.expect('DATA', '354');
    await t.expect('Subject: x\r\n\r\nbody\r\n.', '250');
    await t.expect('QUIT', '221');
    await normalSession(server);
    expect(server.errors).toEqual([boom]);
  });
});

// ── 2. garbage and NUL bytes ───────────────────────────────────────────────────────────────────

describe('garbage on the wire', () => {
  const CR = 13;
  const LF = 10;

  it('survives several KB of random bytes 0-255 with line breaks in them', async () => {
    const server = await serve('default');
    for (const seed of [1, 2, 3]) {
      const t = await open(server.smtp.port);
      expect((await t.reply()).code).toBe(220);
      const junk = randomBytes(seed, 6 * 1024);
      // make sure there are plenty of line breaks, CRLF and bare LF alike
      for (let i = 97; i < junk.length; i += 97) junk[i] = LF;
      for (let i = 193; i < junk.length; i += 193) junk[i - 1] = CR;
      t.write(junk);
      await answersOrClosedCleanly(t);
    }
    await normalSession(server);
    expect(server.errors).toEqual([]);
  });

  it('survives several KB of random bytes without a single line break', async () => {
    const server = await serve('default');
    const t = await open(server.smtp.port);
    expect((await t.reply()).code).toBe(220);
    t.write(randomBytes(4, 8 * 1024, (b) => b !== CR && b !== LF));
    // the junk is one (unknown) command line, ended by the CRLF in front of NOOP
    await answersOrClosedCleanly(t);
    expect(t.socket.destroyed).toBe(false);
    await t.expect('NOOP', '250');
    await normalSession(server);
    expect(server.errors).toEqual([]);
  });

  it('survives random bytes during DATA and still stores a message with them', async () => {
    const server = await serve('default');
    const t = await dialog(server.smtp.port, [
      cmd('EHLO client.example', '250'),
      cmd('MAIL FROM:<a@client.example>', '250'),
      cmd('RCPT TO:<b@example.org>', '250'),
      cmd('DATA', '354'),
    ]);
    track(t.socket);
    // no "\r\n.\r\n" can appear: drop LFs so the message cannot end early
    t.write(randomBytes(5, 4 * 1024, (b) => b !== LF));
    await t.expect('\r\n.', '250');
    expect(await server.messages.count()).toBe(1);
    await t.expect('NOOP', '250');
    await normalSession(server);
    expect(server.errors).toEqual([]);
  });

  it('answers commands with NUL bytes inside them and the session goes on', async () => {
    const server = await serve('default');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example', '250')]);
    track(t.socket);
    const nul = '\0';
    for (const line of [`NO${nul}OP`, `${nul}${nul}${nul}`, `EHLO bad${nul}name`, `MAIL FROM:<a${nul}@client.example>`, `RCPT TO:<b@example.org${nul}>`, `VRFY ${nul}`]) {
      const r = await t.cmd(line);
      // an answer, whatever it is; never silence, never a crash
      expect(r.code, `reply to ${JSON.stringify(line)}`).toBeGreaterThanOrEqual(200);
      expect(r.code).toBeLessThan(600);
    }
    await answersOrClosedCleanly(t);
    await normalSession(server);
    expect(server.errors).toEqual([]);
  });
});

// ── 3. very long lines ─────────────────────────────────────────────────────────────────────────

describe('very long command lines', () => {
  for (const [label, size] of [
    ['20 KB', 20 * 1024],
    ['1 MB', 1024 * 1024],
  ] as const) {
    it(`answers a ${label} line with 421 and closes, while another session carries on`, async () => {
      const server = await serve('default');
      const bystander = await dialog(server.smtp.port, [cmd('EHLO bystander.example', '250'), cmd('MAIL FROM:<a@client.example>', '250')]);
      track(bystander.socket);

      const t = await dialog(server.smtp.port, [cmd('EHLO client.example', '250')]);
      track(t.socket);
      t.write(`NOOP ${'x'.repeat(size)}\r\n`);
      const r = await t.reply();
      expect(r.code).toBe(421);
      expect(r.lines.at(-1)).toMatch(/^421 .*too long/i);
      await t.closed;

      await bystander.expect('RCPT TO:<b@example.org>', '250');
      await bystander.expect('DATA', '354');
      await bystander.expect('Subject: x\r\n\r\nbody\r\n.', '250');
      await bystander.expect('QUIT', '221');
      await normalSession(server);
      expect(server.errors).toEqual([]);
    });
  }
});

// ── 4. a pipelined burst ───────────────────────────────────────────────────────────────────────

describe('a pipelined burst', () => {
  it('answers 200 commands written in one write, all in order', async () => {
    const server = await serve('default');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example', '250')]);
    track(t.socket);
    // a cycle whose replies differ, so the order is visible in the codes
    const cycle: [string, number][] = [
      ['NOOP', 250],
      ['MAIL FROM:<a@client.example>', 250],
      ['MAIL FROM:<again@client.example>', 503], // nested MAIL
      ['RCPT TO:<b@example.org>', 250],
      ['VRFY someone', 252],
      ['HELP', 214],
      ['RSET', 250],
      ['RCPT TO:<c@example.org>', 503], // no MAIL after RSET
    ];
    const commands: [string, number][] = [];
    for (let i = 0; i < 200; i++) commands.push(cycle[i % cycle.length]!);
    t.write(commands.map(([c]) => `${c}\r\n`).join(''));
    const codes: number[] = [];
    for (let i = 0; i < commands.length; i++) codes.push((await t.reply()).code);
    expect(codes).toEqual(commands.map(([, code]) => code));
    expect(t.pending()).toBe('');
    await t.expect('QUIT', '221');
    await normalSession(server);
    expect(server.errors).toEqual([]);
  });
});

// ── 5. a client that vanishes mid-DATA ─────────────────────────────────────────────────────────

describe('a client that vanishes mid-DATA', () => {
  it('stores nothing, ends the transcript, and the next session is fine', async () => {
    const server = await serve('default');
    const t = await dialog(server.smtp.port, [
      cmd('EHLO client.example', '250'),
      cmd('MAIL FROM:<a@client.example>', '250'),
      cmd('RCPT TO:<b@example.org>', '250'),
      cmd('DATA', '354'),
    ]);
    t.write('Subject: half a message\r\n\r\nThis message never ');
    t.close();
    await t.closed;
    const ended = await eventually(() => server.sessions.list()[0]?.endedAt);
    expect(ended).toBeGreaterThan(0);
    expect(server.sessions.list()).toHaveLength(1);
    expect(await server.messages.count()).toBe(0);
    await normalSession(server);
    expect(await server.messages.count()).toBe(1);
    expect(server.errors).toEqual([]);
  });
});

// ── 6. a thousand idle connections ─────────────────────────────────────────────────────────────

describe('many idle connections', () => {
  it('keeps 1,000 silent connections open and still serves a new one', async () => {
    const server = await serve('default');
    const idle: Telnet[] = [];
    const BATCH = 100;
    for (let batch = 0; batch < 10; batch++) {
      const opened = await Promise.all(
        Array.from({ length: BATCH }, async () => {
          const t = await open(server.smtp.port);
          expect((await t.reply()).code).toBe(220);
          return t;
        }),
      );
      idle.push(...opened);
    }
    expect(idle).toHaveLength(1000);
    await normalSession(server);
    // the idle ones were not disturbed
    expect(idle.every((t) => !t.socket.destroyed && t.pending() === '')).toBe(true);
    await idle[0]!.expect('NOOP', '250');
    for (const t of idle) t.close();
    await Promise.all(idle.map((t) => t.closed));
    await eventually(() => (server.sessions.list().every((s) => s.endedAt !== undefined) ? true : undefined));
    expect(server.errors).toEqual([]);
  });
});

// ── 7. aborted TLS handshakes ──────────────────────────────────────────────────────────────────

/** Reads one SMTP reply from a TLS socket (the greeting or an answer), with a deadline. */
function tlsReply(socket: TLSSocket, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => finish(new Error(`no reply within ${timeoutMs} ms: ${JSON.stringify(buffer)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      const m = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(buffer);
      if (m) finish(undefined, m[0]);
    };
    const onClose = () => finish(new Error(`closed before a reply: ${JSON.stringify(buffer)}`));
    const finish = (err?: Error, reply?: string) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve(reply!);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

async function tlsSession(port: number): Promise<void> {
  const socket = track(tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }));
  socket.on('error', () => undefined);
  const greeting = tlsReply(socket);
  expect(await greeting).toMatch(/^220 /);
  const ehlo = tlsReply(socket);
  socket.write('EHLO client.example\r\n');
  expect(await ehlo).toMatch(/^250[ -]/);
  const quit = tlsReply(socket);
  socket.write('QUIT\r\n');
  expect(await quit).toMatch(/^221 /);
  socket.destroy();
}

/** A TLS record header and the start of a ClientHello that claims 512 bytes and stops after 43. */
function partialClientHello(): Buffer {
  const header = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03];
  return Buffer.concat([Buffer.from(header), randomBytes(7, 32)]);
}

/** The first flight of a real TLS client (its ClientHello), caught by a plain TCP listener. */
async function realClientHello(): Promise<Buffer> {
  const catcher = createServer();
  const caught = new Promise<Buffer>((resolve) => catcher.once('connection', (s) => s.once('data', (chunk: Buffer) => {
    resolve(chunk);
    s.destroy();
  })));
  await new Promise<void>((resolve) => catcher.listen(0, '127.0.0.1', resolve));
  const { port } = catcher.address() as AddressInfo;
  const client = track(tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }));
  client.on('error', () => undefined);
  try {
    const hello = await caught;
    expect(hello[0]).toBe(0x16); // a TLS handshake record
    return hello;
  } finally {
    client.destroy();
    await new Promise<void>((resolve) => catcher.close(() => resolve()));
  }
}

/** Opens a raw socket, lets `act` write to it, then destroys it and waits until it is closed. */
async function rawAndDestroy(port: number, act: (s: Socket) => void | Promise<void>): Promise<void> {
  const socket = track(netConnect({ port, host: '127.0.0.1' }));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  await act(socket);
  socket.destroy();
  await closed;
}

/**
 * A client that botches a TLS handshake is the client's problem, not the server's. If such
 * failures are reported at all, they are TLS handshake errors, each failed handshake at most
 * once, and never one that smtp-server itself marks as not worth reporting (`report: false`,
 * "Socket closed while initiating TLS": the client simply left).
 */
function expectOnlyClientTlsFailures(errors: unknown[], failedHandshakes: number): void {
  type TlsError = Error & { code?: string; report?: boolean; meta?: { stage?: string } };
  const described = errors.map((e) => `${(e as TlsError).code}: ${(e as Error).message}`);
  for (const err of errors as TlsError[]) {
    expect(err.report, `reported although smtp-server marks it report:false — ${described.join(' | ')}`).not.toBe(false);
    expect(err.code ?? '', `not a TLS handshake error — ${described.join(' | ')}`).toMatch(/^(ERR_SSL_|ERR_TLS_|TLSError)/);
  }
  expect(new Set(errors).size, `the same error reported more than once — ${described.join(' | ')}`).toBe(errors.length);
  expect(errors.length, `more errors than failed handshakes — ${described.join(' | ')}`).toBeLessThanOrEqual(failedHandshakes);
}

describe('aborted TLS handshakes', () => {
  it('implicit TLS: a partial ClientHello, junk, and a handshake cut after the server answers do no harm', async () => {
    const server = await serve('default', { smtpsPort: 0 });
    const smtps = server.smtps!.port;
    await rawAndDestroy(smtps, (s) => void s.write(partialClientHello()));
    await rawAndDestroy(smtps, (s) => void s.write(randomBytes(8, 2048)));
    // a real ClientHello, and the client leaves as soon as the server's first flight arrives
    const hello = await realClientHello();
    await rawAndDestroy(smtps, async (s) => {
      const answered = new Promise<void>((resolve) => s.once('data', () => resolve()));
      s.write(hello);
      await answered;
    });
    // a junk "ClientHello" the server can read whole, so it answers with an alert
    await rawAndDestroy(smtps, async (s) => {
      const alerted = new Promise<void>((resolve) => {
        s.once('data', () => resolve());
        s.once('close', () => resolve());
      });
      s.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x20]), randomBytes(9, 32)]));
      await alerted;
    });
    await tlsSession(smtps);
    await normalSession(server);
    expectOnlyClientTlsFailures(server.errors, 4);
  });

  it('STARTTLS: 220, then plain-text garbage instead of a ClientHello, then the client leaves', async () => {
    const server = await serve('default');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example', '250'), cmd('STARTTLS', '220')]);
    track(t.socket);
    t.write('EHLO this is not TLS\r\n');
    t.write(randomBytes(10, 1024));
    // the server gives up on the handshake and closes the connection
    expect(await within(t.closed, 3000), 'the server kept a failed handshake open').toBeDefined();

    // and a STARTTLS client that leaves right after the 220
    const quitter = await dialog(server.smtp.port, [cmd('EHLO client.example', '250'), cmd('STARTTLS', '220')]);
    quitter.close();
    await quitter.closed;

    await eventually(() => (server.sessions.list().every((s) => s.endedAt !== undefined) ? true : undefined));
    await normalSession(server);
    expectOnlyClientTlsFailures(server.errors, 1);
  });
});

// ── 8. AUTH blobs that are not base64 ──────────────────────────────────────────────────────────

describe('AUTH blobs that are not base64', () => {
  const scenarioWithUser = `
name: auth-users
server:
  auth:
    mechanisms: [PLAIN, LOGIN, CRAM-MD5, XOAUTH2]
    users:
      - { user: alice, password: secret, token: tok }
`;

  it('answers each with 5xx and the session goes on', async () => {
    const server = await serve(scenarioWithUser);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example', '250')]);
    track(t.socket);

    const five = (r: WireReply, what: string) => expect(r.lines.at(-1), what).toMatch(/^5\d\d /);

    five(await t.cmd('AUTH PLAIN !!!notbase64!!!'), 'AUTH PLAIN with junk');
    await t.expect('NOOP', '250');

    five(await t.cmd('AUTH PLAIN ====='), 'AUTH PLAIN with padding only');
    await t.expect('NOOP', '250');

    await t.expect('AUTH PLAIN', '334');
    five(await t.cmd('%%% not base64 at all %%%'), 'AUTH PLAIN continuation with junk');
    await t.expect('NOOP', '250');

    // LOGIN: a username blob with no base64 character in it decodes to nothing
    await t.expect('AUTH LOGIN', '334');
    five(await t.cmd('!!!***!!!'), 'AUTH LOGIN username junk');
    await t.expect('NOOP', '250');

    // LOGIN: junk that does decode to something is a username; junk as password is refused
    await t.expect('AUTH LOGIN', '334');
    let r = await t.cmd('!!!notbase64!!!');
    if (r.code === 334) r = await t.cmd('@@@ junk password @@@');
    five(r, 'AUTH LOGIN junk credentials');
    await t.expect('NOOP', '250');

    await t.expect('AUTH CRAM-MD5', '334');
    five(await t.cmd('!!!notbase64!!!'), 'CRAM-MD5 junk');
    await t.expect('NOOP', '250');

    r = await t.cmd('AUTH XOAUTH2 !!!notbase64!!!');
    // an XOAUTH2 failure first sends a 334 JSON challenge; the client answers it with an empty line
    if (r.code === 334) r = await t.cmd('');
    five(r, 'XOAUTH2 junk');
    await t.expect('NOOP', '250');

    // nothing was authenticated, and the session still runs a transaction
    expect(server.sessions.list()[0]!.authUser).toBeUndefined();
    await t.expect('MAIL FROM:<a@client.example>', '250');
    await t.expect('RCPT TO:<b@example.org>', '250');
    await t.expect('DATA', '354');
    await t.expect('Subject: x\r\n\r\nbody\r\n.', '250');
    await t.expect('QUIT', '221');
    await normalSession(server);
    expect(server.errors).toEqual([]);
  });
});
