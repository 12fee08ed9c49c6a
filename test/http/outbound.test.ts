/**
 * The waiting notices over HTTP (one instance, no Redis): GET /outbound/pending lists them,
 * soonest first with ISO times and a link to the message each is about; POST /outbound/flush
 * sends what is due on the clock and says how many went.
 */
import { describe, expect, it } from 'vitest';
import { send, serveHttp } from './helpers.js';

const T0 = Date.UTC(2026, 10, 26, 9, 0, 0);
const MIN = 60_000;
const BOUNCES = `
rules:
  - { id: soon, when: { rcpt: "bob@*" }, then: { bounce: gmail.user-unknown, notifyAfter: 5m } }
  - { id: later, when: { rcpt: "carol@*" }, then: { bounce: gmail.user-unknown, notifyAfter: 30m } }
`;

describe('/api/v1/outbound', () => {
  it('lists the waiting notices soonest first, and a flush sends those due', async () => {
    const clock = { now: T0 };
    const { api, mx } = await serveHttp(BOUNCES, { now: () => clock.now });
    await send(mx, { to: 'carol@example.com' });
    await send(mx, { to: 'bob@example.com' });
    const [carol, bob] = (await mx.messages.list()).reverse();

    const listed = await api('/api/v1/outbound/pending');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      total: 2,
      items: [
        { kind: 'failure', dueAt: new Date(T0 + 5 * MIN).toISOString(), to: 'alice@example.com', about: bob!.id, links: { about: `/api/v1/messages/${bob!.id}` } },
        { kind: 'failure', dueAt: new Date(T0 + 30 * MIN).toISOString(), to: 'alice@example.com', about: carol!.id, links: { about: `/api/v1/messages/${carol!.id}` } },
      ],
    });

    // nothing due yet: nothing goes, and the answer says so (no instance fields without --redis)
    expect((await api('/api/v1/outbound/flush', { method: 'POST' })).body).toEqual({ sent: 0 });
    clock.now += 10 * MIN;
    const flushed = await api('/api/v1/outbound/flush', { method: 'POST' });
    expect(flushed).toMatchObject({ status: 200, body: { sent: 1 } });
    expect((await api('/api/v1/outbound/pending')).body.items.map((n: { about: string }) => n.about)).toEqual([carol!.id]);
    expect((await mx.messages.list()).filter((m) => m.outbound).map((m) => m.outbound!.about)).toEqual([bob!.id]);
  });

  it('the wrong method gets a clear answer', async () => {
    const { api } = await serveHttp(BOUNCES);
    expect((await api('/api/v1/outbound/flush')).status).toBe(404);
    expect((await api('/api/v1/outbound/pending', { method: 'POST' })).status).toBe(404);
  });
});
