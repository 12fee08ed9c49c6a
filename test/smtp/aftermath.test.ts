/**
 * A magic recipient replays at RCPT an entry its provider sends earlier (at connect, HELO,
 * STARTTLS, AUTH or MAIL): the session then goes on as that earlier refusal would have left it.
 * A fixture provider (this file's registry only, see test/providers/wire.test.ts) has one
 * refusal per stage, since the shipped catalog has no HELO refusal that keeps the session open.
 */
import { describe, expect, it, vi } from 'vitest';
import { serve } from '../helpers/server.js';
import { cmd, dialog, type Step } from '../helpers/telnet.js';

vi.mock('../../src/providers/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/providers/index.js')>();
  const { defineProvider, entryOf } = await import('../../src/providers/types.js');
  const { dsn } = await import('../fixtures/providers/acme/dsn.js');
  const { seedTranslation } = await import('../../src/providers/sources.js');
  const e = entryOf('early');
  const FIXTURE = seedTranslation('https://early.example/errors', '2026-12-04', 'fixture: a made-up provider with no real source');
  const refusal = (stage: 'connect' | 'helo' | 'starttls' | 'auth' | 'mail' | 'rcpt', code: number, enhanced: string, close = false) =>
    e({ id: `early.${stage}${close ? '-closing' : ''}`, code, enhanced, text: `Refused as at ${stage}`, stage, close, cause: `A ${stage}-stage refusal.`, sources: [FIXTURE] });
  const entries = Object.freeze([
    refusal('connect', 554, '5.7.1'),
    refusal('helo', 550, '5.7.1'),
    refusal('starttls', 454, '4.7.0'),
    refusal('auth', 535, '5.7.8'),
    refusal('mail', 550, '5.7.1'),
    refusal('rcpt', 550, '5.1.1'),
    refusal('connect', 421, '4.7.0', true),
  ]);
  const early = defineProvider({ name: 'early', title: 'Early', entries, style: { lines: (lines) => [...lines] }, dsn, scenarios: [] });
  const PROVIDERS = [...real.PROVIDERS, early] as const;
  return { ...real, PROVIDERS, REGISTRY: real.createRegistry(PROVIDERS) };
});

const OPEN: readonly Step[] = [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250'), cmd('RCPT TO:<bob@x.test>', '250')];

/** After the magic refusal: what each command gets, as the refusal's own stage would leave the session. */
const AFTER: Readonly<Record<string, { refusal: string; then: readonly Step[] }>> = {
  // RFC 5321 §3.1: after a 554 opening, every command but QUIT is a bad sequence
  connect: {
    refusal: '554 5.7.1 Refused as at connect',
    then: [cmd('NOOP', '503 5.5.1 Error: session refused'), cmd('RSET', '503'), cmd('STARTTLS', '503'), cmd('VRFY bob', '503'), cmd('FROB', '503'), cmd('EHLO c.test', '503'), cmd('MAIL FROM:<a@x.test>', '503'), cmd('HELP', '503'), cmd('DATA', '503'), cmd('QUIT', '221')],
  },
  // the greeting is void: no transaction without a new EHLO/HELO, which then works as usual
  helo: {
    refusal: '550 5.7.1 Refused as at helo',
    then: [cmd('DATA', '503'), cmd('MAIL FROM:<a@x.test>', '503'), cmd('NOOP', '250'), cmd('HELO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250'), cmd('RCPT TO:<bob@x.test>', '250'), cmd('DATA', '354'), cmd('Subject: s\r\n\r\nhi\r\n.', '250'), cmd('QUIT', '221')],
  },
  // the transaction is void: bob is forgotten, and a new MAIL is no nested MAIL
  ...Object.fromEntries(
    (['starttls', 'auth', 'mail'] as const).map((stage) => {
      const refusal = { starttls: '454 4.7.0', auth: '535 5.7.8', mail: '550 5.7.1' }[stage];
      const then = [cmd('DATA', '503'), cmd('RCPT TO:<bob@x.test>', '503'), cmd('MAIL FROM:<a@x.test>', '250'), cmd('RCPT TO:<bob@x.test>', '250'), cmd('DATA', '354'), cmd('Subject: s\r\n\r\nhi\r\n.', '250'), cmd('QUIT', '221')];
      return [stage, { refusal: `${refusal} Refused as at ${stage}`, then }];
    }),
  ),
  // a RCPT-stage refusal refuses that recipient only: bob's transaction goes on
  rcpt: { refusal: '550 5.1.1 Refused as at rcpt', then: [cmd('DATA', '354'), cmd('Subject: s\r\n\r\nhi\r\n.', '250'), cmd('QUIT', '221')] },
};

describe('a magic refusal of an earlier stage leaves the session as that stage would', () => {
  it.each(Object.entries(AFTER))('%s', async (stage, { refusal, then }) => {
    const server = await serve();
    const t = await dialog(server.smtp.port, [...OPEN, cmd(`RCPT TO:<early.${stage}@x.test>`, refusal)]);
    for (const [command, expected] of then) await t.expect(command, expected);
    await t.closed;
    expect(await server.messages.count()).toBe(stage === 'connect' ? 0 : 1);
    const transcript = server.sessions.list()[0]!.transcript;
    const note = transcript.find((l) => l.text.startsWith(`magic recipient: early.${stage} `));
    if (stage === 'rcpt') expect(note).toBeUndefined();
    else expect(note?.text).toMatch(new RegExp(`^magic recipient: early\\.${stage} is a ${stage}-stage refusal: `));
    if (stage === 'connect') {
      // every 503 names the event that decided it
      const refused = transcript.filter((l) => l.direction === 'out' && l.text.startsWith('503 '));
      expect(refused.map((l) => l.rule)).toEqual(Array(9).fill('builtin:session-refused'));
    }
  });

  it('a closing refusal just closes', async () => {
    const server = await serve();
    const t = await dialog(server.smtp.port, [...OPEN, cmd('RCPT TO:<early.connect-closing@x.test>', '421 4.7.0 Refused as at connect')]);
    await t.closed;
    expect(server.sessions.list()[0]!.transcript.some((l) => l.text.includes('stage refusal'))).toBe(false);
  });

  it('pipelined commands after the refusal already meet the refused session', async () => {
    const server = await serve('replies:\n  starttls-pipelined: "523 5.7.10 Pipelined after STARTTLS"\n');
    const t = await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250')]);
    t.write('RCPT TO:<early.connect@x.test>\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<bob@x.test>\r\n');
    const replies = [await t.reply(), await t.reply(), await t.reply()];
    // STARTTLS with a command pipelined after it is refused like any other command
    t.write('STARTTLS\r\nNOOP\r\n');
    replies.push(await t.reply(), await t.reply(), await t.cmd('QUIT'));
    expect(replies.map((r) => r.code)).toEqual([554, 503, 503, 503, 503, 221]);
    await t.closed;
  });

  it("a scenario words the refusal in its provider's way (replies: session-refused)", async () => {
    const server = await serve('replies:\n  session-refused: "503 5.5.1 Bad sequence of commands"\n');
    const t = await dialog(server.smtp.port, [...OPEN, cmd('RCPT TO:<early.connect@x.test>', '554'), cmd('NOOP', '503 5.5.1 Bad sequence of commands')]);
    expect(server.sessions.list()[0]!.transcript.filter((l) => l.rule === 'replies.session-refused')).toHaveLength(1);
    t.close();
  });

  it('gmail words it with its bad-sequence entry', async () => {
    const server = await serve('gmail');
    const t = await dialog(server.smtp.port, [...OPEN, cmd('RCPT TO:<godaddy.rbl-reject@x.test>', '554 RBL Reject.')]);
    const reply = await t.cmd('RSET');
    expect(reply.lines.at(-1)).toMatch(/^503 5\.5\.1 .* - gsmtp$/);
    expect(reply.lines.join(' ')).toContain('Bad sequence of commands.');
    t.close();
  });
});
