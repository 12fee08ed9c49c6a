/**
 * A long-lived SMTP connection over HTTP once its transcript is past what memory keeps: the
 * session shows its first lines, a note and its latest lines, and its outcome and /metrics
 * still count everything it did.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/server.js';
import { cmd, dialog, type Telnet } from '../helpers/telnet.js';
import { serveHttp } from './helpers.js';

const RULES = `
rules:
  - { id: no-carol, when: { rcpt: "carol@*" }, then: "550 5.1.1 no such user" }
`;

async function message(t: Telnet, n: number): Promise<void> {
  await t.expect('MAIL FROM:<alice@example.com>', '250');
  await t.expect(`RCPT TO:<bob${n}@example.com>`, '250');
  await t.expect('DATA', '354');
  await t.expect(`Subject: ${n}\r\n\r\nbody ${n}\r\n.`, '250');
}

/** Pipelined NOOPs, `count` of them, every reply read. */
async function noops(t: Telnet, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 500) {
    const batch = Math.min(500, count - sent);
    t.write('NOOP\r\n'.repeat(batch));
    for (let i = 0; i < batch; i++) expect((await t.reply()).code).toBe(250);
  }
}

describe('a session past the transcript line budget', () => {
  it('the API shows its greeting, a note and its latest lines; the outcome and /metrics count it all', async () => {
    const { mx, api } = await serveHttp(RULES);
    const t = await dialog(mx.smtp.port, [cmd('EHLO client.test', '250')]);
    await message(t, 1);
    await message(t, 2);
    await t.expect('MAIL FROM:<alice@example.com>', '250');
    await t.expect('RCPT TO:<carol@example.com>', '550 5.1.1');
    await t.expect('RSET', '250');
    await message(t, 3);
    // one open session keeps at most 10,000 lines: 6,000 NOOPs are 12,000 more
    await noops(t, 6_000);
    await message(t, 4);
    await t.expect('QUIT', '221');
    await t.closed;
    const record = await eventually(() => mx.sessions.list().find((s) => s.endedAt !== undefined));

    const { body: s } = await api(`/api/v1/sessions/${record.id}`);
    const texts: string[] = s.transcript.map((l: { direction: string; text: string }) => `${l.direction} ${l.text}`);
    expect(texts.length).toBeLessThanOrEqual(10_000);
    expect(texts[0]).toMatch(/^out 220 /);
    expect(texts[1]).toBe('in EHLO client.test');
    const notes = texts.filter((l) => / lines not kept in memory /.test(l));
    expect(notes).toHaveLength(1);
    const dropped = Number(/^note (\d+) /.exec(notes[0]!)![1]);
    // lines kept and lines counted by the note add up to all that was logged
    const logged = mx.sessions.get(record.id)!.transcript.length - 1 + dropped;
    expect(logged).toBeGreaterThan(12_000);
    // the latest: the fourth message, then QUIT
    expect(texts.slice(-10)).toEqual([
      'in MAIL FROM:<alice@example.com>',
      expect.stringMatching(/^out 250 /),
      'in RCPT TO:<bob4@example.com>',
      expect.stringMatching(/^out 250 /),
      'in DATA',
      expect.stringMatching(/^out 354 /),
      expect.stringMatching(/^in <\d+ bytes of message data>$/),
      expect.stringMatching(/^out 250 /),
      'in QUIT',
      expect.stringMatching(/^out 221 /),
    ]);
    // the refusal and the first three messages are no longer in memory; the outcome still counts them
    expect(texts).not.toContain('in RCPT TO:<carol@example.com>');
    expect(s.outcome).toMatchObject({
      status: 'delivered',
      messages: 4,
      refusals: 1,
      lastRefusal: { code: 550, enhanced: '5.1.1', rule: 'no-carol', command: 'RCPT TO:<carol@example.com>', sender: 'alice@example.com' },
    });
    expect(s.messages).toHaveLength(4);
    // the latest message's transaction is still read from the transcript
    const latest = await api(`/api/v1/messages/${s.messages.at(-1)}`);
    expect(latest.body.transaction.reply).toMatchObject({ code: 250, recipients: ['bob4@example.com'] });

    const delivered = await api('/api/v1/sessions?status=delivered&transcript=false');
    expect(delivered.body.items.map((i: { id: string }) => i.id)).toEqual([record.id]);
    const metrics = (await api('/metrics')).body as string;
    expect(metrics).toMatch(/^mockmx_sessions_ended_total\{outcome="delivered"\} 1$/m);
  });
  it('a message whose lines left memory still shows its reply and the recipients refused in its transaction', async () => {
    const { mx, api } = await serveHttp(RULES);
    const t = await dialog(mx.smtp.port, [cmd('EHLO client.test', '250')]);
    for (const n of [10, 11, 12]) await message(t, n); // past the first lines, which stay
    await t.expect('MAIL FROM:<alice@example.com>', '250');
    await t.expect('RCPT TO:<carol@example.com>', '550 5.1.1');
    await t.expect('RCPT TO:<bob1@example.com>', '250');
    await t.expect('DATA', '354');
    await t.expect('Subject: 1\r\n\r\nbody 1\r\n.', '250');
    await noops(t, 6_000);
    await message(t, 2);
    await t.expect('QUIT', '221');
    await t.closed;
    const record = await eventually(() => mx.sessions.list().find((s) => s.endedAt !== undefined));
    expect(record.transcript.map((l) => l.text)).not.toContain('RCPT TO:<carol@example.com>'); // gone from memory

    const [, , , first, second] = (await api(`/api/v1/sessions/${record.id}`)).body.messages as string[];
    const one = (await api(`/api/v1/messages/${first}`)).body.transaction;
    expect(one.reply).toMatchObject({ code: 250, recipients: ['bob1@example.com'] });
    expect(one.refused).toEqual([expect.objectContaining({ code: 550, enhanced: '5.1.1', rule: 'no-carol', command: 'RCPT TO:<carol@example.com>' })]);
    const two = (await api(`/api/v1/messages/${second}`)).body.transaction;
    expect(two.reply).toMatchObject({ code: 250, recipients: ['bob2@example.com'] });
    expect(two.refused).toEqual([]);
    // searching by the refusing rule finds the first message
    const found = await api('/api/v1/messages?rule=no-carol');
    expect(found.body.items.map((m: { id: string }) => m.id)).toEqual([first]);
  });
});
