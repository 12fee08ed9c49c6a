/** /healthz, /metrics, the OpenAPI document, the API token, and JSON errors. */
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/server.js';
import { cmd, dialog } from '../helpers/telnet.js';
import { curl, openEvents, send, serveHttp } from './helpers.js';

/** The value of one sample in Prometheus text, e.g. sample(text, 'mockmx_replies_total{code="450",...}'). */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /healthz', () => {
  it('is 200 with the SMTP endpoint', async () => {
    const { mx, api } = await serveHttp();
    expect(await api('/healthz')).toMatchObject({ status: 200, body: { status: 'ok', smtp: { host: '127.0.0.1', port: mx.smtp.port }, scenario: 'default' } });
  });
});

describe('GET /metrics', () => {
  it('counts sessions, messages, bytes and replies by code, enhanced code and rule; gauges active sessions and connections', async () => {
    const { mx, api } = await serveHttp('rules:\n  - { id: slow-bob, when: { rcpt: "bob@*" }, then: "450 4.2.1 slow down" }\n');
    await send(mx, { to: 'carol@example.com' });
    await send(mx, { to: 'dave@example.com' });
    await expect(send(mx, { to: 'bob@example.com' })).rejects.toThrow(/450/);
    const open = await dialog(mx.smtp.port, [cmd('EHLO c.test', '250')]);
    await eventually(() => (mx.sessions.list().filter((s) => s.endedAt !== undefined).length === 3 ? true : undefined));
    const messages = await mx.messages.list();
    const bytes = messages.reduce((n, m) => n + m.size, 0);

    const res = await api('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body as string;
    expect(sample(text, 'mockmx_sessions_total{listener="smtp"}')).toBe(4);
    expect(sample(text, 'mockmx_sessions_active')).toBe(1);
    expect(sample(text, 'mockmx_connections_active{listener="smtp"}')).toBe(1);
    expect(sample(text, 'mockmx_sessions_ended_total{outcome="delivered"}')).toBe(2);
    expect(sample(text, 'mockmx_sessions_ended_total{outcome="rejected"}')).toBe(1);
    expect(sample(text, 'mockmx_messages_accepted_total')).toBe(2);
    expect(sample(text, 'mockmx_message_bytes_accepted_total')).toBe(bytes);
    expect(sample(text, 'mockmx_messages_stored')).toBe(2);
    expect(sample(text, 'mockmx_replies_total{code="450",enhanced="4.2.1",rule="slow-bob"}')).toBe(1);
    expect(sample(text, 'mockmx_replies_total{code="250",enhanced="2.0.0",rule=""}')).toBe(2);
    expect(sample(text, 'mockmx_replies_total{code="220",enhanced="",rule=""}')).toBe(4);
    // a multi-line reply counts once
    expect(sample(text, 'mockmx_replies_total{code="250",enhanced="",rule=""}')).toBe(4);
    expect(sample(text, 'mockmx_scenario_rules')).toBe(1);
    open.close();
  });

  it('two servers in one process keep their own numbers', async () => {
    const a = await serveHttp();
    const b = await serveHttp();
    await send(a.mx, {});
    await send(a.mx, {});
    await send(b.mx, {});
    const count = async (s: typeof a) => sample((await s.api('/metrics')).body, 'mockmx_messages_accepted_total');
    expect([await count(a), await count(b)]).toEqual([2, 1]);
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('is an OpenAPI 3 document describing every route served', async () => {
    const { api, http } = await serveHttp();
    const { status, body } = await api('/api/v1/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    expect(body.info.title).toBe('mockmx HTTP API');
    expect(http.routes.length).toBeGreaterThanOrEqual(25);
    for (const route of http.routes) {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      const operation = body.paths[path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.url} is not in the OpenAPI document`).toBeDefined();
      expect(operation.summary, `${route.method} ${route.url} has no summary`).toBeTruthy();
    }
    // and nothing is documented that is not served
    const documented = Object.entries(body.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(http.routes.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`).sort());
    expect(body.paths['/api/v1/messages'].get.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['limit', 'offset', 'page', 'from', 'to', 'subject', 'text', 'rule', 'outcome']));
  });
});

describe('--api-token', () => {
  it('every route but /healthz needs the bearer token (or ?token=); SMTP is unaffected', async () => {
    const { mx, api, url, http } = await serveHttp('default', { token: 's3cret' });
    expect((await api('/healthz')).status).toBe(200);
    for (const route of http.routes.filter((r) => r.url !== '/healthz')) {
      const path = route.url.replace(':id', 'm000001').replace(':index', '0').replace(':name', 'gmail');
      const res = await api(path, { method: route.method });
      expect(res.status, `${route.method} ${path}`).toBe(401);
      expect(res.body.error).toMatch(/token/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect((await api('/api/v1/messages', { headers: { authorization: 'Bearer wrong' } })).body).toEqual({ error: 'invalid API token' });
    expect((await api('/api/v1/messages?token=wrong')).status).toBe(401);

    await send(mx, { subject: 'still accepted' });
    const ok = await api('/api/v1/messages', { headers: { authorization: 'Bearer s3cret' } });
    expect(ok.status).toBe(200);
    expect(ok.body.items[0].subject).toBe('still accepted');
    expect((await api('/api/v1/messages?token=s3cret')).status).toBe(200);
    expect((await api('/metrics', { headers: { authorization: 'bearer s3cret' } })).status).toBe(200);
    const raw = await curl(['-H', 'Authorization: Bearer s3cret', `${url}${ok.body.items[0].links.raw}`]);
    expect(raw.status).toBe(200);
    // EventSource cannot set headers: the query works for the stream
    const stream = await openEvents(`${url}/api/v1/events?token=s3cret`);
    await send(mx, {});
    await stream.until(() => stream.events.some((e) => e.event === 'message'));
  });
});

describe('errors', () => {
  it('are JSON with the right status', async () => {
    const { api } = await serveHttp();
    expect(await api('/api/v1/nothing-here')).toMatchObject({ status: 404, body: { error: 'no route GET /api/v1/nothing-here' } });
    expect(await api('/api/v1/messages?limit=5000')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/limit/) } });
    const badJson = await api('/api/v1/scenario/rules', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{ nope' });
    expect(badJson.status).toBe(400);
    expect(typeof badJson.body.error).toBe('string');
  });
});
