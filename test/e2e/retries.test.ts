/**
 * Retrying against rule state, with real senders (nodemailer, swaks, raw sockets): a retry
 * meets the scenario exactly as written. Time is a fake clock handed to the server and
 * advanced between attempts; nothing here sleeps. Every refusal is checked on the wire and in
 * the session transcript, with the id of the rule that made it.
 */
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import type { SessionRecord, TranscriptLine } from '../../src/store/sessions.js';
import { run, which } from '../helpers/clients.js';
import { serve } from '../helpers/server.js';
import { Telnet } from '../helpers/telnet.js';

type Server = Awaited<ReturnType<typeof serve>>;

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The fake clock starts here (2024-01-01T00:00:00Z), far from the real one. */
const T0 = 1_704_067_200_000;

/** A clock the server reads and only the test moves. */
function fakeClock() {
  const clock = {
    now: T0,
    advance(ms: number) {
      clock.now += ms;
    },
  };
  return clock;
}

// --- nodemailer ---------------------------------------------------------------------------------

interface SmtpError extends Error {
  code?: string;
  command?: string;
  response?: string;
  responseCode?: number;
}

type Outcome = { ok: true; response: string; messageId: string } | { ok: false; error: SmtpError };

interface Mail {
  from?: string;
  to: string | string[];
  subject?: string;
  text?: string;
  /** A complete message sent byte for byte instead of one nodemailer composes. */
  raw?: Buffer;
}

/** One nodemailer delivery attempt on its own connection; never throws, says how it went. */
async function send(port: number, mail: Mail, localAddress?: string): Promise<Outcome> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    name: 'client.test',
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 5000,
    ...(localAddress ? { localAddress } : {}),
  });
  const from = mail.from ?? 'alice@client.test';
  try {
    const info = await transport.sendMail(
      mail.raw
        ? { envelope: { from, to: mail.to }, raw: mail.raw }
        : { from, to: mail.to, subject: mail.subject ?? 'hello', text: mail.text ?? 'Hello.\n' },
    );
    return { ok: true, response: info.response, messageId: info.messageId };
  } catch (error) {
    return { ok: false, error: error as SmtpError };
  } finally {
    transport.close();
  }
}

/** Fails the test with the outcome unless it was accepted. */
function accepted(outcome: Outcome): string {
  if (!outcome.ok) expect.fail(`expected the message to be accepted, got ${outcome.error.responseCode}: ${outcome.error.response ?? outcome.error.message}`);
  expect(outcome.response).toMatch(/^250 2\.0\.0 OK: queued as \w+$/);
  return outcome.response;
}

/** The error of an outcome that must have been refused. */
function refused(outcome: Outcome): SmtpError {
  if (outcome.ok) expect.fail(`expected a refusal, got ${outcome.response}`);
  return outcome.error;
}

interface RetryResult {
  /** The attempt (1-based) that was accepted, or undefined when every attempt was refused. */
  readonly acceptedOn?: number;
  readonly outcomes: readonly Outcome[];
  /** The clock at each attempt. */
  readonly times: readonly number[];
}

/**
 * What a sending MTA does: try, and on a temporary (4xx) refusal wait and try again, at most
 * `maxAttempts` times. Waiting is `wait()`, which advances the fake clock. A permanent
 * refusal or a connection failure ends the loop.
 */
async function deliverWithRetries(attempt: () => Promise<Outcome>, clock: { now: number }, wait: () => void, maxAttempts = 5): Promise<RetryResult> {
  const outcomes: Outcome[] = [];
  const times: number[] = [];
  for (let n = 1; n <= maxAttempts; n++) {
    times.push(clock.now);
    const outcome = await attempt();
    outcomes.push(outcome);
    if (outcome.ok) return { acceptedOn: n, outcomes, times };
    const code = outcome.error.responseCode;
    if (code === undefined || code < 400 || code >= 500) break;
    wait();
  }
  return { outcomes, times };
}

// --- transcripts --------------------------------------------------------------------------------

/** Sessions in the order they started. */
const chronological = (server: Server): SessionRecord[] => [...server.sessions.list()].reverse();

/** The lines of a transcript a rule answered. */
const ruleLines = (record: SessionRecord, rule: string): TranscriptLine[] => record.transcript.filter((l) => l.rule === rule);

const outLines = (record: SessionRecord) => record.transcript.filter((l) => l.direction === 'out').map((l) => l.text);

/** A (possibly multi-line) SMTP reply as one text: codes stripped, lines joined by spaces. */
const replyText = (response: string) =>
  response
    .split(/\r?\n/)
    .map((l) => l.replace(/^\d{3}[ -](?:\d\.\d{1,3}\.\d{1,3} )?/, ''))
    .join(' ');

// --- sessions -----------------------------------------------------------------------------------

/** Resolves when the server has seen session `id` end (it has updated its per-IP count by then). */
function sessionEnded(server: Server, id: string): Promise<SessionRecord> {
  return new Promise((resolve) => {
    const done = server.sessions.get(id);
    if (done?.endedAt !== undefined) return resolve(done);
    const check = (r: SessionRecord) => {
      if (r.id !== id) return;
      server.events.off('sessionEnd', check);
      resolve(r);
    };
    server.events.on('sessionEnd', check);
  });
}

/** A raw connection and the session record the server opened for it. */
async function connectRaw(server: Server): Promise<{ t: Telnet; record: SessionRecord }> {
  const started = new Promise<SessionRecord>((resolve) => server.events.once('session', resolve));
  const t = await Telnet.connect(server.smtp.port);
  return { t, record: await started };
}

// =================================================================================================

const GREYLIST_YAML = `
name: greylisting
rules:
  - id: grey
    when: { stage: rcpt }
    greylist: { delay: 5m }
    then: "450 4.7.1 Greylisted, please try again later"
`;
const GREYLISTED = '450 4.7.1 Greylisted, please try again later';

describe('greylisting', () => {
  it('nodemailer retrying every 2 minutes gets through on the 4th attempt (t=6m), and is remembered', async () => {
    const clock = fakeClock();
    const server = await serve(GREYLIST_YAML, { now: () => clock.now });
    const toBob = () => send(server.smtp.port, { to: 'bob@example.test', subject: 'greylist me' });

    const result = await deliverWithRetries(toBob, clock, () => clock.advance(2 * MIN));
    expect(result.times.map((t) => t - T0)).toEqual([0, 2 * MIN, 4 * MIN, 6 * MIN]);
    expect(result.acceptedOn).toBe(4);
    for (const outcome of result.outcomes.slice(0, 3)) {
      const err = refused(outcome);
      expect(err.responseCode).toBe(450);
      expect(err.code).toBe('EENVELOPE');
      expect(err.response).toBe(GREYLISTED);
    }
    accepted(result.outcomes[3]!);

    // exactly one message, stored at t=6m
    const messages = await server.messages.list();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.envelope).toEqual({ mailFrom: 'alice@client.test', rcptTo: ['bob@example.test'] });
    expect(messages[0]!.receivedAt).toBe(T0 + 6 * MIN);

    // one session per attempt; each refused one shows the 450 from rule "grey", at its time
    const sessions = chronological(server);
    expect(sessions).toHaveLength(4);
    sessions.slice(0, 3).forEach((record, i) => {
      expect(ruleLines(record, 'grey'), `attempt ${i + 1}`).toEqual([{ at: T0 + i * 2 * MIN, direction: 'out', text: GREYLISTED, rule: 'grey' }]);
      expect(record.transcript.some((l) => l.direction === 'in' && l.text === 'RCPT TO:<bob@example.test>')).toBe(true);
    });
    expect(ruleLines(sessions[3]!, 'grey')).toEqual([]);
    expect(outLines(sessions[3]!)).not.toContain(GREYLISTED);
    expect(outLines(sessions[3]!).some((l) => l === `250 2.0.0 OK: queued as ${messages[0]!.id}`)).toBe(true);
    expect(messages[0]!.sessionId).toBe(sessions[3]!.id);

    // the triplet is now remembered as good (35 days by default); the pending entry is gone
    const triplet = 'grey|ip=127.0.0.1|sender=alice@client.test|rcpt=bob@example.test';
    expect(await server.stateEntries('greylist')).toEqual([{ key: `greylist-passed:${triplet}`, kind: 'entry', value: T0 + 6 * MIN, expiresAt: T0 + 6 * MIN + 35 * DAY }]);

    // t=7m: the same sender and recipient are accepted at once
    clock.advance(1 * MIN);
    accepted(await toBob());
    expect(await server.messages.count()).toBe(2);

    // while a new recipient is greylisted, and its first attempt is what starts its clock
    const carol = refused(await send(server.smtp.port, { to: 'carol@example.test' }));
    expect(carol.responseCode).toBe(450);
    expect(carol.response).toBe(GREYLISTED);
    expect(ruleLines(chronological(server).at(-1)!, 'grey')).toEqual([{ at: T0 + 7 * MIN, direction: 'out', text: GREYLISTED, rule: 'grey' }]);
    expect(await server.stateEntries('greylist:')).toEqual([
      { key: 'greylist:grey|ip=127.0.0.1|sender=alice@client.test|rcpt=carol@example.test', kind: 'entry', value: T0 + 7 * MIN, expiresAt: T0 + 7 * MIN + 4 * HOUR },
    ]);
    expect(await server.messages.count()).toBe(2);

    // the triplet includes the client IP: the same sender and recipient from 127.0.0.2 wait too
    const otherIp = refused(await send(server.smtp.port, { to: 'bob@example.test' }, '127.0.0.2'));
    expect(otherIp.response).toBe(GREYLISTED);
    expect(chronological(server).at(-1)!.clientIp).toBe('127.0.0.2');
    expect(await server.messages.count()).toBe(2);
    expect(server.errors).toEqual([]);
  });

  it('a retry one millisecond before the delay is still refused; at the delay it passes', async () => {
    const clock = fakeClock();
    const server = await serve(GREYLIST_YAML, { now: () => clock.now });
    const toBob = () => send(server.smtp.port, { to: 'bob@example.test' });
    expect(refused(await toBob()).responseCode).toBe(450);
    clock.advance(5 * MIN - 1);
    expect(refused(await toBob()).responseCode).toBe(450);
    clock.advance(1);
    accepted(await toBob());
    expect(await server.messages.count()).toBe(1);
  });

  it('a first attempt is forgotten after `expire` (4h by default): a retry after that starts the wait over', async () => {
    const clock = fakeClock();
    const server = await serve(GREYLIST_YAML, { now: () => clock.now });
    const toBob = () => send(server.smtp.port, { to: 'bob@example.test' });
    expect(refused(await toBob()).response).toBe(GREYLISTED);
    clock.now = T0 + 4 * HOUR; // the pending entry expires now
    expect(refused(await toBob()).response).toBe(GREYLISTED);
    expect((await server.stateEntries('greylist:')).map((e) => e.value)).toEqual([T0 + 4 * HOUR]);
    clock.now = T0 + 4 * HOUR + 4 * MIN;
    expect(refused(await toBob()).response).toBe(GREYLISTED);
    clock.now = T0 + 4 * HOUR + 5 * MIN;
    accepted(await toBob());
    expect(await server.messages.count()).toBe(1);
    expect(server.errors).toEqual([]);
  });

  it('a triplet that keeps sending stays remembered: `remember` (35d) counts from the last time it was seen, as in Postgrey', async () => {
    const clock = fakeClock();
    const server = await serve(GREYLIST_YAML, { now: () => clock.now });
    const toBob = () => send(server.smtp.port, { to: 'bob@example.test' });
    expect(refused(await toBob()).response).toBe(GREYLISTED);
    clock.now = T0 + 5 * MIN;
    accepted(await toBob());
    // it keeps sending every 20 days
    clock.now = T0 + 5 * MIN + 20 * DAY;
    accepted(await toBob());
    const passed = 'greylist-passed:grey|ip=127.0.0.1|sender=alice@client.test|rcpt=bob@example.test';
    expect(await server.stateEntries('greylist-passed:')).toEqual([{ key: passed, kind: 'entry', value: expect.any(Number), expiresAt: T0 + 5 * MIN + 20 * DAY + 35 * DAY }]);
    // 35 days after it first passed, but only 20 since it was last seen: still accepted at once
    clock.now = T0 + 5 * MIN + 40 * DAY;
    accepted(await toBob());
    expect(await server.messages.count()).toBe(3);
    // 35 days of silence and it is forgotten: greylisted again
    clock.now += 35 * DAY;
    expect(refused(await toBob()).response).toBe(GREYLISTED);
    expect(server.errors).toEqual([]);
  });

  it('swaks: refused with 450 4.7.1 and a non-zero exit; re-run 6 minutes later with the same from/to, delivered', async () => {
    const SWAKS = which('swaks');
    expect(SWAKS, 'install swaks (apt-get install swaks libnet-ssleay-perl)').toBeTruthy();
    const clock = fakeClock();
    const server = await serve(GREYLIST_YAML, { now: () => clock.now });
    const args = ['--server', '127.0.0.1', '--port', String(server.smtp.port), '--helo', 'swaks.client.test', '--from', 'alice@example.test', '--to', 'bob@example.test', '--timeout', '10'];

    const first = await run(SWAKS!, args);
    expect(first.code, first.stdout + first.stderr).toBe(24); // swaks: RCPT TO not accepted
    expect(first.stdout).toContain(`<** ${GREYLISTED}\n`);
    expect(await server.messages.count()).toBe(0);
    expect(ruleLines(chronological(server)[0]!, 'grey').map((l) => l.text)).toEqual([GREYLISTED]);

    clock.advance(6 * MIN);
    const second = await run(SWAKS!, args);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).not.toContain('450 4.7.1');
    expect(second.stdout).toMatch(/^<[-~] {1,2}250 2\.0\.0 OK: queued as \w+$/m);

    const messages = await server.messages.list();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.envelope).toEqual({ mailFrom: 'alice@example.test', rcptTo: ['bob@example.test'] });
    expect(messages[0]!.receivedAt).toBe(T0 + 6 * MIN);
    const sessions = chronological(server);
    expect(sessions).toHaveLength(2);
    expect(ruleLines(sessions[1]!, 'grey')).toEqual([]);
    expect(server.errors).toEqual([]);
  });
});

// =================================================================================================

describe('rate limit per recipient', () => {
  const YAML = `
name: rate
rules:
  - id: per-rcpt
    when: { stage: rcpt }
    rate: 3/1h
    per: rcpt
    then: gmail.rate-limited-recipient
`;
  const GMAIL_RATE_TEXT = 'The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.';

  it('3 an hour pass, the rest get Gmail\'s 450 4.2.1; other recipients are not affected; the window slides; resetState lets bob through', async () => {
    const clock = fakeClock();
    const server = await serve(YAML, { now: () => clock.now });
    const to = (rcpt: string) => send(server.smtp.port, { to: rcpt, subject: `to ${rcpt}` });

    const outcomes: Outcome[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(await to('bob@example.test'));
      clock.advance(SEC);
    }
    outcomes.slice(0, 3).forEach(accepted);
    for (const outcome of outcomes.slice(3)) {
      const err = refused(outcome);
      expect(err.responseCode).toBe(450);
      expect(err.response).toMatch(/^450[ -]4\.2\.1 /);
      expect(err.response!.split(/\r?\n/).every((l) => /^450[ -]4\.2\.1 /.test(l)), err.response).toBe(true);
      expect(replyText(err.response!)).toContain(GMAIL_RATE_TEXT);
      expect(replyText(err.response!)).toContain('https://support.google.com/mail/?p=ReceivingRate');
    }
    // the transcripts: no rule line in the three accepted sessions, Gmail's reply from rule per-rcpt in the others
    const sessions = chronological(server);
    expect(sessions).toHaveLength(5);
    sessions.slice(0, 3).forEach((r) => expect(ruleLines(r, 'per-rcpt')).toEqual([]));
    sessions.slice(3).forEach((r, i) => {
      const lines = ruleLines(r, 'per-rcpt');
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((l) => l.direction === 'out' && /^450[ -]4\.2\.1 /.test(l.text))).toBe(true);
      expect(lines.map((l) => l.text).join('\n')).toBe(refused(outcomes[3 + i]!).response);
    });

    // carol has her own window
    accepted(await to('carol@example.test'));
    expect(await server.messages.count()).toBe(4);

    // the windows, one per recipient: refused attempts are not hits
    expect(await server.stateEntries('rate:')).toEqual([
      { key: 'rate:per-rcpt|rcpt=bob@example.test', kind: 'window', value: 3, expiresAt: T0 + 2 * SEC + HOUR },
      { key: 'rate:per-rcpt|rcpt=carol@example.test', kind: 'window', value: 1, expiresAt: T0 + 5 * SEC + HOUR },
    ]);

    // 61 minutes later the window has slid past bob's three messages
    clock.advance(61 * MIN);
    accepted(await to('bob@example.test'));
    expect(await server.stateEntries('rate:')).toEqual([{ key: 'rate:per-rcpt|rcpt=bob@example.test', kind: 'window', value: 1, expiresAt: clock.now + HOUR }]);

    // fill bob's window again, then reset it by prefix: bob is let through at once
    accepted(await to('bob@example.test'));
    accepted(await to('bob@example.test'));
    expect(refused(await to('bob@example.test')).responseCode).toBe(450);
    expect(await server.resetState('rate:per-rcpt|rcpt=bob')).toBe(1);
    expect(await server.stateEntries('rate:')).toEqual([]);
    accepted(await to('bob@example.test'));
    expect(await server.messages.count()).toBe(8);
    expect(server.errors).toEqual([]);
  });

  it('a window slides message by message: one slot frees up exactly an hour after each accepted message', async () => {
    const clock = fakeClock();
    const server = await serve(YAML, { now: () => clock.now });
    const toBob = () => send(server.smtp.port, { to: 'bob@example.test' });
    // accepted at t=0, 10m, 20m
    for (let i = 0; i < 3; i++) {
      accepted(await toBob());
      clock.advance(10 * MIN);
    }
    // t=30m, and just before the first leaves the window: refused
    expect(refused(await toBob()).responseCode).toBe(450);
    clock.now = T0 + HOUR - 1;
    expect(refused(await toBob()).responseCode).toBe(450);
    // t=1h: the first has left; one passes, the next is refused again
    clock.now = T0 + HOUR;
    accepted(await toBob());
    expect(refused(await toBob()).responseCode).toBe(450);
    expect(await server.messages.count()).toBe(4);
  });
});

// =================================================================================================

describe('times per key', () => {
  const YAML = `
name: flaky
rules:
  - id: flaky
    when: { stage: rcpt }
    then: "451 4.3.0 try again"
    times: 2
    per: rcpt
`;

  it('each recipient fails exactly twice, then is accepted (a nodemailer retry loop per recipient)', async () => {
    const clock = fakeClock();
    const server = await serve(YAML, { now: () => clock.now });
    const results = new Map<string, RetryResult>();
    for (const rcpt of ['bob@example.test', 'carol@example.test', 'dave@example.org']) {
      results.set(rcpt, await deliverWithRetries(() => send(server.smtp.port, { to: rcpt }), clock, () => clock.advance(MIN)));
    }
    for (const [rcpt, result] of results) {
      expect(result.acceptedOn, rcpt).toBe(3);
      for (const outcome of result.outcomes.slice(0, 2)) {
        const err = refused(outcome);
        expect(err.responseCode).toBe(451);
        expect(err.response).toBe('451 4.3.0 try again');
      }
    }
    // and it stays accepted
    accepted(await send(server.smtp.port, { to: 'bob@example.test' }));

    const messages = await server.messages.list();
    expect(messages.map((m) => m.envelope.rcptTo[0]).sort()).toEqual(['bob@example.test', 'bob@example.test', 'carol@example.test', 'dave@example.org']);
    // 3 recipients × (2 refused + 1 accepted) + 1 more: each refusal by rule "flaky" in its own session
    const sessions = chronological(server);
    expect(sessions).toHaveLength(10);
    expect(sessions.map((r) => ruleLines(r, 'flaky').map((l) => l.text))).toEqual([
      ['451 4.3.0 try again'],
      ['451 4.3.0 try again'],
      [],
      ['451 4.3.0 try again'],
      ['451 4.3.0 try again'],
      [],
      ['451 4.3.0 try again'],
      ['451 4.3.0 try again'],
      [],
      [],
    ]);
    expect((await server.stateEntries('count:')).map((e) => [e.key, e.value])).toEqual([
      ['count:flaky|rcpt=bob@example.test', 4],
      ['count:flaky|rcpt=carol@example.test', 3],
      ['count:flaky|rcpt=dave@example.org', 3],
    ]);
    expect(server.errors).toEqual([]);
  });

  it('counts per recipient within one message too: bob and carol in one envelope are refused twice each', async () => {
    const clock = fakeClock();
    const server = await serve(YAML, { now: () => clock.now });
    const both = () => send(server.smtp.port, { to: ['bob@example.test', 'carol@example.test'] });
    const result = await deliverWithRetries(both, clock, () => clock.advance(MIN));
    expect(result.acceptedOn).toBe(3);
    const messages = await server.messages.list();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.envelope.rcptTo).toEqual(['bob@example.test', 'carol@example.test']);
  });
});

// =================================================================================================

describe('flags', () => {
  const YAML = `
name: spam-block
rules:
  - id: blocked
    when: { stage: connect, flagged: spam-block }
    then: godaddy.ib110-spam-blocked-hour
  - id: spam
    when: { stage: message, check: gtube }
    then: godaddy.ib212-spam
    flag: { name: spam-block, for: 1h }
`;
  const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
  const IB110 = '554 This IP has been temporarily blocked for attempting to send too many messages containing content judged to be spam by the Internet community. IB110';

  /** Connects, reads the greeting, and closes. */
  async function greeting(port: number) {
    const t = await Telnet.connect(port);
    try {
      return await t.reply();
    } finally {
      t.close();
    }
  }

  it('GTUBE from an IP blocks that IP at connect for an hour (IB110), then it is greeted again', async () => {
    const clock = fakeClock();
    const server = await serve(YAML, { now: () => clock.now });

    // a clean message first: nothing is flagged
    accepted(await send(server.smtp.port, { to: 'bob@example.test', text: 'Nothing to see.\n' }));
    expect(await server.stateEntries('flag:')).toEqual([]);

    // t=1m: the spam message is refused (IB212) and flags 127.0.0.1
    clock.advance(MIN);
    const spam = refused(await send(server.smtp.port, { to: 'bob@example.test', subject: 'test', text: `${GTUBE}\n` }));
    expect(spam.responseCode).toBe(552);
    expect(spam.response).toBe('552 5.2.0 This message has been rejected due to content judged to be spam by the internet community IB212');
    const spamSession = chronological(server).at(-1)!;
    expect(ruleLines(spamSession, 'spam').map((l) => l.text)).toEqual([spam.response]);
    expect(await server.stateEntries('flag:')).toEqual([{ key: 'flag:spam-block|ip=127.0.0.1', kind: 'entry', value: T0 + MIN, expiresAt: T0 + MIN + HOUR }]);
    expect(await server.messages.count()).toBe(1);

    // later connections from 127.0.0.1 get IB110 at connect and are closed
    clock.advance(MIN);
    const t = await Telnet.connect(server.smtp.port);
    const hello = await t.reply();
    expect(hello.lines).toEqual([IB110]);
    await t.closed;
    expect(ruleLines(chronological(server).at(-1)!, 'blocked')).toEqual([{ at: T0 + 2 * MIN, direction: 'out', text: IB110, rule: 'blocked' }]);

    // nodemailer sees it too
    const blocked = refused(await send(server.smtp.port, { to: 'bob@example.test' }));
    expect(blocked.responseCode).toBe(554);
    expect(blocked.response).toBe(IB110);

    // another IP is not blocked (Linux routes all of 127/8 to loopback)
    accepted(await send(server.smtp.port, { to: 'bob@example.test' }, '127.0.0.2'));
    expect(chronological(server).at(-1)!.clientIp).toBe('127.0.0.2');

    // still blocked a moment before the hour is up...
    clock.now = T0 + MIN + HOUR - 1;
    expect((await greeting(server.smtp.port)).lines).toEqual([IB110]);
    // ...and greeted normally once it is (61 minutes after the spam)
    clock.now = T0 + MIN + 61 * MIN;
    const again = await greeting(server.smtp.port);
    expect(again.code).toBe(220);
    expect(again.lines).toEqual(['220 mockmx.test ESMTP']);
    accepted(await send(server.smtp.port, { to: 'bob@example.test' }));
    expect(await server.stateEntries('flag:')).toEqual([]);
    expect(await server.messages.count()).toBe(3);
    expect(server.errors).toEqual([]);
  });
});

// =================================================================================================

describe('mailbox quota', () => {
  const YAML = `
name: quota
mailboxes:
  "bob@x.test": { quota: 3KB }
`;
  /** A message of exactly `size` bytes (headers included), sent as is. */
  function rawOfSize(size: number, n: number): Buffer {
    const head = `From: alice@client.test\r\nTo: bob@x.test\r\nSubject: message ${n}\r\n\r\n`;
    const room = size - head.length - 2;
    expect(room).toBeGreaterThanOrEqual(0);
    const body = 'x'.repeat(room);
    const raw = Buffer.from(`${head}${body}\r\n`);
    expect(raw.length).toBe(size);
    return raw;
  }
  const toBob = (port: number, size: number, n: number) => send(port, { to: 'bob@x.test', raw: rawOfSize(size, n) });

  it('fills as 1000-byte messages are accepted: the 4th gets 552 5.2.2 at DATA end; once full, 452 4.2.2 at RCPT; resetState empties it', async () => {
    const clock = fakeClock();
    const server = await serve(YAML, { now: () => clock.now });
    const port = server.smtp.port;

    for (let n = 1; n <= 3; n++) accepted(await toBob(port, 1000, n));
    expect((await server.messages.list()).map((m) => m.size)).toEqual([1000, 1000, 1000]);
    expect(await server.stateEntries('mailbox:')).toEqual([{ key: 'mailbox:bob@x.test', kind: 'counter', value: 3000 }]);

    // 3000 + 1000 > 3072: refused after the data, and not counted
    const fourth = refused(await toBob(port, 1000, 4));
    expect(fourth.responseCode).toBe(552);
    expect(fourth.response).toBe('552 5.2.2 <bob@x.test>: Mailbox full: the message does not fit in the quota');
    expect(await server.stateEntries('mailbox:')).toEqual([{ key: 'mailbox:bob@x.test', kind: 'counter', value: 3000 }]);
    expect(await server.messages.count()).toBe(3);
    const fourthSession = chronological(server).at(-1)!;
    expect(outLines(fourthSession)).toContain('552 5.2.2 <bob@x.test>: Mailbox full: the message does not fit in the quota');
    expect(fourthSession.transcript.some((l) => l.direction === 'in' && l.text === '<1000 bytes of message data>')).toBe(true);

    // exactly what is left still fits
    accepted(await toBob(port, 72, 5));
    expect(await server.stateEntries('mailbox:')).toEqual([{ key: 'mailbox:bob@x.test', kind: 'counter', value: 3072 }]);

    // now full: refused at RCPT, before any data
    const full = refused(await toBob(port, 100, 6));
    expect(full.responseCode).toBe(452);
    expect(full.code).toBe('EENVELOPE');
    expect(full.response).toBe("452 4.2.2 <bob@x.test>: The recipient's inbox is out of storage space");
    expect(await server.messages.count()).toBe(4);

    // other recipients are not limited
    accepted(await send(port, { to: 'carol@x.test', raw: rawOfSize(5000, 7) }));
    expect(await server.stateEntries('mailbox:')).toEqual([{ key: 'mailbox:bob@x.test', kind: 'counter', value: 3072 }]);

    // resetState('mailbox:') empties it
    expect(await server.resetState('mailbox:')).toBe(1);
    expect(await server.stateEntries('mailbox:')).toEqual([]);
    accepted(await toBob(port, 1000, 8));
    expect(await server.stateEntries('mailbox:')).toEqual([{ key: 'mailbox:bob@x.test', kind: 'counter', value: 1000 }]);
    expect(server.errors).toEqual([]);
  });

  it('nodemailer composing ~1 KB messages: accepted until one does not fit, then refused', async () => {
    const clock = fakeClock();
    const server = await serve(YAML, { now: () => clock.now });
    const outcomes: Outcome[] = [];
    // bounded: the quota holds at most 3 such messages, so the 4th must be refused
    for (let n = 1; n <= 4; n++) {
      outcomes.push(await send(server.smtp.port, { to: 'bob@x.test', subject: `kilobyte ${n}`, text: `${'0123456789abcdef'.repeat(40)}\n` }));
      clock.advance(MIN);
    }
    outcomes.slice(0, 3).forEach(accepted);
    const sizes = (await server.messages.list()).map((m) => m.size);
    expect(sizes).toHaveLength(3);
    for (const size of sizes) expect(size).toBeGreaterThan(700);
    const used = sizes.reduce((a, b) => a + b, 0);
    expect(await server.stateEntries('mailbox:')).toEqual([{ key: 'mailbox:bob@x.test', kind: 'counter', value: used }]);
    const err = refused(outcomes[3]!);
    // either it did not fit (DATA end) or the box was already full (RCPT)
    if (used >= 3 * 1024) expect(err.response).toMatch(/^452 4\.2\.2 /);
    else expect(err.response).toMatch(/^552 5\.2\.2 /);
    expect(await server.messages.count()).toBe(3);
  });
});

// =================================================================================================

describe('concurrent sessions per IP', () => {
  const YAML = `
name: sessions
rules:
  - id: too-many
    when: { stage: connect, ipConnections: "> 2" }
    then: godaddy.ib007-too-many-sessions
`;
  const IB007 = '421 Connection refused, too many sessions from This IP. Lower the number of concurrent sessions. IB007';

  it('two sessions are greeted, the third gets IB007 and is closed; after one closes, a new one is greeted', async () => {
    const clock = fakeClock();
    const server = await serve(YAML, { now: () => clock.now });
    const open: Telnet[] = [];
    try {
      const first = await connectRaw(server);
      open.push(first.t);
      expect((await first.t.reply()).lines).toEqual(['220 mockmx.test ESMTP']);
      const second = await connectRaw(server);
      open.push(second.t);
      expect((await second.t.reply()).lines).toEqual(['220 mockmx.test ESMTP']);

      // the third: IB007, closed by the server
      const third = await connectRaw(server);
      expect((await third.t.reply()).lines).toEqual([IB007]);
      await third.t.closed;
      const thirdRecord = await sessionEnded(server, third.record.id);
      expect(ruleLines(thirdRecord, 'too-many')).toEqual([{ at: T0, direction: 'out', text: IB007, rule: 'too-many' }]);

      // the two first still talk; a refused session frees its place, so a fourth is refused the same way
      await first.t.expect('NOOP', '250');
      await second.t.expect('NOOP', '250');
      const fourth = await connectRaw(server);
      expect((await fourth.t.reply()).lines).toEqual([IB007]);
      await fourth.t.closed;
      await sessionEnded(server, fourth.record.id);

      // close the first; once the server has seen it go, a new one is greeted
      first.t.close();
      open.shift();
      await sessionEnded(server, first.record.id);
      const fresh = await connectRaw(server);
      open.push(fresh.t);
      expect((await fresh.t.reply()).lines).toEqual(['220 mockmx.test ESMTP']);
      await fresh.t.expect('EHLO client.test', '250');
      await fresh.t.expect('QUIT', '221');
      await fresh.t.closed;
      await sessionEnded(server, fresh.record.id);

      // a nodemailer delivery fits beside the one still open
      accepted(await send(server.smtp.port, { to: 'bob@example.test' }));
      expect(ruleLines(chronological(server).at(-1)!, 'too-many')).toEqual([]);
      // the refused sessions, and only those, carry the rule
      expect(chronological(server).map((r) => ruleLines(r, 'too-many').length)).toEqual([0, 0, 1, 1, 0, 0]);
      expect(server.errors).toEqual([]);
    } finally {
      for (const t of open) t.close();
    }
  });
});
