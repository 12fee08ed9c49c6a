/** Waiting without polling: a request that answers when a matching message or refusal arrives, or 408. */
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/server.js';
import { cmd, dialog } from '../helpers/telnet.js';
import { send, serveHttp, type Served } from './helpers.js';

/** Starts a request and resolves once the server is waiting on it (it holds one more subscription). */
async function waiting(served: Served, path: string): Promise<{ response: Promise<{ status: number; body: any; headers: Headers }> }> {
  const before = served.http.subscriptions();
  const response = served.api(path);
  await eventually(() => (served.http.subscriptions() > before ? true : undefined));
  return { response };
}

describe('GET /api/v1/messages/wait', () => {
  it('answers with a message sent while it waits, once its 250 is in the transcript', async () => {
    const served = await serveHttp();
    const { response: pending } = await waiting(served, '/api/v1/messages/wait?to=dave@&subject=report&since=now&timeout=5s');
    await send(served.mx, { to: 'carol@example.com', subject: 'report' }); // not for dave
    await send(served.mx, { to: 'dave@example.com', subject: 'other' }); // not the subject
    const started = Date.now();
    await send(served.mx, { to: 'Dave@Example.com', subject: 'Weekly REPORT' });
    const { status, body } = await pending;
    expect(status).toBe(200);
    expect(body).toMatchObject({ subject: 'Weekly REPORT', envelope: { rcptTo: ['Dave@example.com'] }, transaction: { reply: { code: 250 } } });
    expect(Date.now() - started).toBeLessThan(2000);
    const session = await served.api(body.links.session);
    expect(session.body.outcome).toMatchObject({ messages: 1 });
    expect(served.http.subscriptions()).toBe(4);
  });

  it('a message already there matches at once (newest first), unless since= says otherwise', async () => {
    const served = await serveHttp();
    await send(served.mx, { subject: 'first' });
    await send(served.mx, { subject: 'second' });
    const now = await served.api('/api/v1/messages/wait?to=bob&timeout=1s');
    expect(now).toMatchObject({ status: 200, body: { subject: 'second' } });
    const [newest] = await served.mx.messages.list();
    // since a time after both: only a new one will do
    const later = new Date(newest!.receivedAt + 1).toISOString();
    expect((await served.api(`/api/v1/messages/wait?to=bob&since=${later}&timeout=100ms`)).status).toBe(408);
    const since = await served.api(`/api/v1/messages/wait?subject=first&since=${newest!.receivedAt - 60_000}&timeout=1s`);
    expect(since.body.subject).toBe('first');
  });

  it('408 at the timeout, as JSON; bad timeouts are 400', async () => {
    const served = await serveHttp();
    const started = Date.now();
    const res = await served.api('/api/v1/messages/wait?to=nobody&timeout=200ms');
    expect(res.status).toBe(408);
    expect(res.body).toMatchObject({ error: expect.stringMatching(/no message matching to="nobody" within 200 ms/), timeoutMs: 200 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(served.http.subscriptions()).toBe(4);
    expect((await served.api('/api/v1/messages/wait?timeout=soon')).status).toBe(400);
    expect((await served.api('/api/v1/messages/wait?timeout=2h')).status).toBe(400);
    expect((await served.api('/api/v1/messages/wait?since=whenever')).status).toBe(400);
  });

  it('a waiting request gives up when its client goes, and when the listener closes', async () => {
    const served = await serveHttp();
    const controller = new AbortController();
    const gone = fetch(`${served.url}/api/v1/messages/wait?to=nobody&timeout=30s`, { signal: controller.signal }).catch((e: Error) => e);
    await eventually(() => (served.http.subscriptions() > 4 ? true : undefined));
    controller.abort();
    expect(await gone).toBeInstanceOf(Error);
    await eventually(() => (served.http.subscriptions() === 4 ? true : undefined));

    const { response } = await waiting(served, '/api/v1/messages/wait?to=nobody&timeout=30s');
    await served.http.close();
    const closed = await response.then(
      (r) => r.status,
      (e: Error) => e.message,
    );
    // answered 503 while closing, or cut off with the connection: either way not left hanging
    expect([503, 'fetch failed']).toContain(closed);
    expect(served.http.subscriptions()).toBe(0);
  });
});

describe('GET /api/v1/rejections/wait', () => {
  it('answers with a refusal sent while it waits', async () => {
    const served = await serveHttp('rules:\n  - { id: slow-bob, when: { rcpt: "bob@*" }, then: "450 4.2.1 slow down" }\n  - { id: no-eve, when: { rcpt: "eve@*" }, then: "550 5.1.1 no eve" }\n');
    const { response: pending } = await waiting(served, '/api/v1/rejections/wait?code=5&rcpt=eve&timeout=5s');
    const t = await dialog(served.mx.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250'), cmd('RCPT TO:<bob@x.test>', '450'), cmd('RCPT TO:<eve@x.test>', '550')]);
    const { status, body } = await pending;
    expect(status).toBe(200);
    expect(body).toMatchObject({ code: 550, enhanced: '5.1.1', text: 'no eve', rule: 'no-eve', recipients: ['eve@x.test'], sender: 'a@x.test', command: 'RCPT TO:<eve@x.test>' });
    t.close();

    // already there: at once; since=now: only new ones
    expect((await served.api('/api/v1/rejections/wait?rule=slow-bob&timeout=1s')).body).toMatchObject({ code: 450 });
    const res = await served.api('/api/v1/rejections/wait?rule=slow-bob&since=now&timeout=200ms');
    expect(res.status).toBe(408);
    expect(res.body.error).toMatch(/no refusal matching rule="slow-bob"/);
    expect(served.http.subscriptions()).toBe(4);
  });
});
