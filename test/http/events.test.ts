/** The event stream: sessions, transcript lines, session ends and messages as they happen. */
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/server.js';
import { openEvents, send, serveHttp } from './helpers.js';

describe('GET /api/v1/events', () => {
  it('streams session, line (with the answering rule), message and session-end, in order', async () => {
    const { mx, url, http } = await serveHttp('rules:\n  - { id: slow-bob, when: { rcpt: "bob@*" }, then: "450 4.2.1 slow down" }\n');
    const stream = await openEvents(`${url}/api/v1/events`);
    await send(mx, { to: ['bob@example.com', 'carol@example.com'], subject: 'streamed' });
    const events = await stream.until(() => stream.events.some((e) => e.event === 'session-end'));

    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe('session');
    expect(kinds.indexOf('message')).toBeGreaterThan(0);
    expect(kinds.indexOf('message')).toBeLessThan(kinds.indexOf('session-end'));
    const session = events[0]!.data;
    expect(session).toMatchObject({ id: mx.sessions.list()[0]!.id, clientIp: '127.0.0.1', listener: 'smtp' });

    const lines = events.filter((e) => e.event === 'line').map((e) => e.data);
    expect(lines[0]).toMatchObject({ sessionId: session.id, index: 0, direction: 'out', text: '220 mockmx.test ESMTP' });
    expect(lines).toContainEqual(expect.objectContaining({ direction: 'in', text: 'RCPT TO:<bob@example.com>' }));
    expect(lines).toContainEqual(expect.objectContaining({ direction: 'out', text: '450 4.2.1 slow down', rule: 'slow-bob' }));
    expect(lines.map((l) => l.index)).toEqual(lines.map((_, i) => i));

    const [stored] = await mx.messages.list();
    expect(events.find((e) => e.event === 'message')!.data).toMatchObject({ id: stored!.id, subject: 'streamed', envelope: { rcptTo: ['carol@example.com'] } });
    expect(events.find((e) => e.event === 'session-end')!.data).toMatchObject({ id: session.id, outcome: { status: 'delivered', messages: 1, refusals: 1 } });
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));

    // the client goes: its subscriptions go with it
    const base = 4; // the metrics' own
    expect(http.subscriptions()).toBe(base + 6); // one per event type
    stream.close();
    await eventually(() => (http.subscriptions() === base ? true : undefined));
  });

  it('says when the scenario in force changes: switched, replaced, rules pushed or cleared', async () => {
    const { mx, url, api } = await serveHttp();
    const stream = await openEvents(`${url}/api/v1/events?types=scenario`);
    await stream.until(() => stream.comments.includes('connected to mockmx'));
    expect((await api('/api/v1/scenario/name/gmail', { method: 'PUT' })).status).toBe(200);
    const gmailRules = mx.scenario().rules.length;
    mx.addRules({ when: { rcpt: 'x@*' }, then: '450 4.2.0 later' });
    mx.clearRules();
    mx.useScenario('default');
    const events = await stream.until(() => stream.events.length >= 4);
    expect(events.map((e) => e.data)).toEqual([
      { name: 'gmail', rules: gmailRules },
      { name: 'gmail', rules: gmailRules + 1 },
      { name: 'gmail', rules: gmailRules },
      { name: 'default', rules: mx.scenario().rules.length },
    ]);
  });

  it('?types= picks event kinds; an unknown kind is 400', async () => {
    const { mx, url, api } = await serveHttp();
    const stream = await openEvents(`${url}/api/v1/events?types=message,session-end`);
    await send(mx, {});
    await stream.until(() => stream.events.some((e) => e.event === 'session-end'));
    expect(stream.events.map((e) => e.event)).toEqual(['message', 'session-end']);
    const bad = await api('/api/v1/events?types=message,lines');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/"lines"/);
  });

  it('sends heartbeat comments while idle, and ends the stream when the listener closes', async () => {
    const { url, http } = await serveHttp('default', { heartbeatMs: 20 });
    const stream = await openEvents(`${url}/api/v1/events`);
    await stream.until(() => stream.comments.includes('heartbeat'));
    expect(stream.comments[0]).toBe('connected to mockmx');
    await http.close();
    await stream.until(() => stream.ended);
    expect(stream.ended).toBe(true);
  });
});
