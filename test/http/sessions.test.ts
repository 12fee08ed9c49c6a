/** Sessions over HTTP: transcripts with the answering rule, outcomes, and the refusals they hold. */
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/server.js';
import { cmd, dialog, Telnet } from '../helpers/telnet.js';
import { send, serveHttp } from './helpers.js';

const RULES = `
rules:
  - id: dmarc
    when: { rcpt: "dmarc@*" }
    then:
      reply: { code: 550, enhanced: 5.7.26, text: ["Unauthenticated email from {domain} is not accepted due to domain's", "DMARC policy."] }
  - { id: slow-bob, when: { rcpt: "bob@*" }, then: "450 4.2.1 slow down" }
  - { id: no-invoices, when: { stage: message, subject: "/invoice/i" }, then: "554 5.7.1 no invoices" }
  - { id: hang-up, when: { helo: dropper.test }, then: drop }
`;

describe('GET /api/v1/sessions', () => {
  it('shows each session with its full transcript (time, direction, text, answering rule) and outcome', async () => {
    const { mx, api } = await serveHttp(RULES);
    const t = await dialog(mx.smtp.port, [cmd('EHLO client.test', '250'), cmd('MAIL FROM:<alice@example.com>', '250'), cmd('RCPT TO:<dmarc@gmail.test>', '550'), cmd('QUIT', '221')]);
    await t.closed;
    await eventually(() => mx.sessions.list()[0]?.endedAt);
    const list = await api('/api/v1/sessions');
    expect(list.body).toMatchObject({ total: 1, offset: 0, limit: 50 });
    const [s] = list.body.items;
    expect(s).toMatchObject({ clientIp: '127.0.0.1', listener: 'smtp', heloName: 'client.test', messages: [] });
    expect(s.outcome).toMatchObject({
      status: 'rejected',
      messages: 0,
      refusals: 1,
      lastRefusal: {
        code: 550,
        enhanced: '5.7.26',
        text: "Unauthenticated email from example.com is not accepted due to domain's DMARC policy.",
        lines: ["550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's", '550 5.7.26 DMARC policy.'],
        rule: 'dmarc',
        command: 'RCPT TO:<dmarc@gmail.test>',
        sender: 'alice@example.com',
        recipients: ['dmarc@gmail.test'],
      },
    });
    const texts = s.transcript.map((l: any) => `${l.direction} ${l.text}${l.rule ? ` [${l.rule}]` : ''}`);
    expect(texts[0]).toBe('out 220 mockmx.test ESMTP');
    expect(texts).toContain('in RCPT TO:<dmarc@gmail.test>');
    expect(texts).toContain("out 550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's [dmarc]");
    expect(texts).toContain('out 550 5.7.26 DMARC policy. [dmarc]');
    expect(texts.at(-1)).toMatch(/^out 221 /);
    for (const line of s.transcript) expect(new Date(line.at).toISOString()).toBe(line.at);

    const one = await api(`/api/v1/sessions/${s.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(s);
    const missing = await api('/api/v1/sessions/s999999');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/s999999/);
  });

  it('outcomes: delivered (with a count), rejected, dropped, closed and open', async () => {
    const { mx, api } = await serveHttp(RULES);
    await send(mx, { to: 'carol@example.com' });
    await send(mx, { to: 'dave@example.com' });
    const delivered = mx.sessions.list()[0]!.id;
    await expect(send(mx, { to: 'erin@example.com', subject: 'Invoice 7' })).rejects.toThrow(/554/);
    const rejected = mx.sessions.list()[0]!.id;
    const dropper = await dialog(mx.smtp.port, []);
    dropper.write('EHLO dropper.test\r\n');
    await dropper.closed;
    const quitter = await dialog(mx.smtp.port, [cmd('EHLO c.test', '250'), cmd('QUIT', '221')]);
    await quitter.closed;
    const open = await dialog(mx.smtp.port, [cmd('EHLO still.here', '250')]);
    await eventually(() => (mx.sessions.list().filter((s) => s.endedAt !== undefined).length === 5 ? true : undefined));

    const { body } = await api('/api/v1/sessions?transcript=false');
    const statuses = body.items.map((s: any) => [s.outcome.status, s.outcome.messages]);
    expect(statuses).toEqual([
      ['open', 0],
      ['closed', 0],
      ['dropped', 0],
      ['rejected', 0],
      ['delivered', 1],
      ['delivered', 1],
    ]);
    expect(body.items[0].transcript).toBeUndefined();
    expect(body.items.find((s: any) => s.id === rejected).outcome.lastRefusal).toMatchObject({ code: 554, enhanced: '5.7.1', rule: 'no-invoices', command: expect.stringMatching(/^<\d+ bytes of message data>$/), recipients: ['erin@example.com'] });
    expect(body.items.find((s: any) => s.id === delivered).messages).toEqual([(await mx.messages.list())[0]!.id]);

    const filtered = await api('/api/v1/sessions?status=dropped');
    expect(filtered.body.total).toBe(1);
    expect(filtered.body.items[0].transcript.map((l: any) => l.text)).toContain('connection dropped without a reply');
    expect((await api('/api/v1/sessions?status=nonsense')).status).toBe(400);
    const paged = await api('/api/v1/sessions?limit=2&page=2&transcript=false');
    expect(paged.body.items.map((s: any) => s.outcome.status)).toEqual(['dropped', 'rejected']);
    open.close();
  });

  it('DELETE /api/v1/sessions forgets the transcripts but keeps the messages', async () => {
    const { mx, api } = await serveHttp();
    await send(mx, {});
    await eventually(() => mx.sessions.list()[0]?.endedAt);
    expect(await api('/api/v1/sessions', { method: 'DELETE' })).toMatchObject({ status: 200, body: { deleted: 1 } });
    expect((await api('/api/v1/sessions')).body.total).toBe(0);
    const { body } = await api('/api/v1/messages');
    expect(body.total).toBe(1);
    // the message still names its session, marked as no longer kept
    expect((await api(body.items[0].links.self)).body.session).toMatchObject({ expired: true });
  });
});

describe('GET /api/v1/rejections', () => {
  it('lists every refusal newest first with session, time, code, enhanced code, text, rule and what it answered; filters and pages', async () => {
    const { mx, api } = await serveHttp(RULES);
    await expect(send(mx, { to: ['bob@example.com', 'carol@example.com'] })).resolves.toBeDefined(); // bob 450, carol accepted
    await expect(send(mx, { to: 'dmarc@gmail.test' })).rejects.toThrow(/550/);
    const t = await Telnet.connect(mx.smtp.port);
    await t.reply();
    await t.expect('MAIL FROM:<x@y.test>', '503'); // smtp-server's own refusal: no rule
    t.close();

    const { body } = await api('/api/v1/rejections');
    expect(body.total).toBe(4);
    expect(body.items.map((r: any) => [r.code, r.enhanced, r.rule, r.command, r.recipients])).toEqual([
      // the server's own sequence refusals name the built-in policy that decided them
      [503, '5.5.1', 'builtin:helo-first', 'MAIL FROM:<x@y.test>', []],
      [503, '5.5.1', 'builtin:rcpt-first', 'DATA', []], // nodemailer pipelines DATA after the refused RCPT
      [550, '5.7.26', 'dmarc', 'RCPT TO:<dmarc@gmail.test>', ['dmarc@gmail.test']],
      [450, '4.2.1', 'slow-bob', 'RCPT TO:<bob@example.com>', ['bob@example.com']],
    ]);
    expect(body.items[0]).toMatchObject({ sender: 'x@y.test', text: 'Error: send HELO/EHLO first' });
    const slow = body.items[3];
    expect(slow).toMatchObject({ text: 'slow down', lines: ['450 4.2.1 slow down'], command: 'RCPT TO:<bob@example.com>', sender: 'alice@example.com', links: { session: `/api/v1/sessions/${slow.sessionId}` } });
    expect(mx.sessions.get(slow.sessionId)).toBeDefined();
    expect(new Date(slow.at).getTime()).toBeGreaterThan(0);

    const pick = async (q: string) => ((await api(`/api/v1/rejections?${q}`)).body.items as any[]).map((r) => r.code);
    expect(await pick('code=4')).toEqual([450]);
    expect(await pick('code=55')).toEqual([550]);
    expect(await pick('enhanced=5.')).toEqual([503, 503, 550]);
    expect(await pick('rule=DMARC')).toEqual([550]);
    expect(await pick('rcpt=bob')).toEqual([450]);
    expect(await pick('text=policy')).toEqual([550]);
    expect(await pick(`session=${slow.sessionId}`)).toEqual([450]);
    expect(await pick('from=alice')).toEqual([503, 550, 450]);
    expect(await pick('limit=2&offset=1')).toEqual([503, 550]);
    expect(await pick(`since=${encodeURIComponent(body.items[0].at)}`)).toEqual([503]);
    expect((await api('/api/v1/rejections?since=yesterday')).status).toBe(400);
  });
});
