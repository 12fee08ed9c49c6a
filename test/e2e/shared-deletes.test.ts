/**
 * Deletes are the fleet's (--redis): a message deleted through any instance leaves every
 * instance's list, waits and event stream, and its owner drops the body; a clear on any
 * instance clears them all, but not a message taken after it. In-process servers with their
 * HTTP APIs and spawned `mockmx` processes, against a private redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpApi } from '../../src/app.js';
import type { HttpListener } from '../../src/http/index.js';
import { startMockMx } from '../../src/testing/index.js';
import { startCli } from '../helpers/cli.js';
import { readUntil, sendMessage, until } from '../helpers/fleet.js';
import { PrivateRedis, requireRedis } from '../helpers/redis.js';
import { serve } from '../helpers/server.js';

type Summary = { id: string; instance?: string; envelope: { rcptTo: string[] } };
type Listing = { total: number; items: Summary[] };
const TOKEN = 'fleet-token';

describe.skipIf(!requireRedis())('deleting messages across instances', () => {
  let redis: PrivateRedis;
  let db = 0;
  const url = () => `redis://127.0.0.1:${redis.port}/${++db}`;
  const apis: HttpListener[] = [];
  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(async () => {
    await Promise.all(apis.map((h) => h.close()));
    await redis?.stop();
  });

  /** Three instances on one Redis database, each with its API: `api(i)(path, init)` fetches from instance i. */
  async function fleet(size = 3) {
    const shared = url();
    const servers = await Promise.all(Array.from({ length: size }, () => serve('default', { redis: shared })));
    const https = await Promise.all(servers.map((s) => startHttpApi(s, { host: '127.0.0.1', port: 0, token: TOKEN })));
    apis.push(...https);
    const api = (i: number) => (path: string, init: RequestInit = {}) => fetch(`${https[i]!.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}` } });
    const listing = async (i: number) => (await (await api(i)('/messages')).json()) as Listing;
    const rcpts = async (i: number) => (await listing(i)).items.map((m) => m.envelope.rcptTo[0]).sort();
    return { servers, api, listing, rcpts };
  }

  it('one message deleted through a third instance: gone from every list, wait and event stream, and from its owner, body and all', async () => {
    const { servers, api, listing, rcpts } = await fleet();
    const [a, b] = servers;
    for (const to of ['one@example.test', 'two@example.test']) expect(await sendMessage(a!.smtp.port, to)).toMatch(/^250 /);
    expect(await sendMessage(b!.smtp.port, 'three@example.test')).toMatch(/^250 /);
    for (const i of [0, 1, 2]) await until(() => listing(i), (l) => l.total === 3);
    const one = (await a!.messages.list()).find((m) => m.envelope.rcptTo[0] === 'one@example.test')!;
    const onC = (await listing(2)).items.find((m) => m.envelope.rcptTo[0] === 'one@example.test')!;
    expect(onC.id).toBe(`${onC.instance}-${one.id}`);
    const events = await api(1)('/events?types=message-deleted');

    const deleted = await api(2)(`/messages/${onC.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ deleted: 1 });
    // gone on C at once; twice is a 404, as is an id nobody has
    expect(await rcpts(2)).toEqual(['three@example.test', 'two@example.test']);
    expect((await api(2)(`/messages/${onC.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await api(1)('/messages/nobody-m999999', { method: 'DELETE' })).status).toBe(404);

    // B's event stream says so, and B no longer lists it
    expect(await readUntil(events, /event: message-deleted\n/)).toContain(`data: {"id":"${onC.id}"}`);
    await until(() => rcpts(1), (r) => r.join() === 'three@example.test,two@example.test');
    // the owner drops it: not listed, not readable, not in its store
    await until(() => rcpts(0), (r) => r.join() === 'three@example.test,two@example.test');
    expect(await a!.messages.get(one.id)).toBeUndefined();
    expect((await api(0)(`/messages/${one.id}/raw`)).status).toBe(404);
    // a wait on any instance no longer finds it
    expect((await api(1)('/messages/wait?to=one@example.test&timeout=300ms')).status).toBe(408);

    // the owner deleting its own: gone everywhere too
    const three = (await b!.messages.list()).find((m) => m.envelope.rcptTo[0] === 'three@example.test')!;
    expect((await api(1)(`/messages/${three.id}`, { method: 'DELETE' })).status).toBe(200);
    for (const i of [0, 2]) await until(() => rcpts(i), (r) => r.join() === 'two@example.test');
  });

  it('a clear through one instance clears every instance and the owners\' stores; a message taken right after stays everywhere', async () => {
    const { servers, api, listing, rcpts } = await fleet();
    const [a, b, c] = servers;
    for (const [s, to] of [[a, 'a1'], [a, 'a2'], [b, 'b1'], [c, 'c1']] as const) expect(await sendMessage(s!.smtp.port, `${to}@example.test`)).toMatch(/^250 /);
    for (const i of [0, 1, 2]) await until(() => listing(i), (l) => l.total === 4);

    const cleared = await api(1)('/messages', { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ deleted: 4 });
    expect((await listing(1)).total).toBe(0);
    // taken by A after the clear answered: the clear is behind it, so no instance drops it
    expect(await sendMessage(a!.smtp.port, 'after@example.test')).toMatch(/^250 /);
    for (const i of [0, 1, 2]) await until(() => rcpts(i), (r) => r.join() === 'after@example.test');
    expect((await c!.messages.list()).map((m) => m.envelope.rcptTo[0])).toEqual(['after@example.test']);
    expect((await a!.messages.list()).filter((m) => m.instance === undefined)).toHaveLength(1);
    // and it is still readable through the others
    const seen = (await listing(2)).items[0]!;
    expect(await (await api(2)(`/messages/${seen.id}/raw`)).text()).toBe('Subject: to after@example.test\r\n\r\nhello\r\n');
  });

  it('DELETE /sessions through one instance forgets the sessions every instance saw before it; one started after stays everywhere', async () => {
    const { servers, api } = await fleet();
    const [a, b] = servers;
    type SessionList = { items: { id: string; instance?: string }[] };
    const sessionIds = async (i: number) => ((await (await api(i)('/sessions')).json()) as SessionList).items.map((s) => s.id);
    expect(await sendMessage(a!.smtp.port, 'a@example.test')).toMatch(/^250 /);
    expect(await sendMessage(b!.smtp.port, 'b@example.test')).toMatch(/^250 /);
    for (const i of [0, 1, 2]) await until(() => sessionIds(i), (ids) => ids.length === 2);

    const cleared = await api(2)('/sessions', { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ deleted: 2 });
    for (const i of [0, 1]) await until(() => sessionIds(i), (ids) => ids.length === 0);
    // messages stay
    expect((await a!.messages.list()).length).toBe(2);
    // a session after the clear is kept on every instance, its owner's included
    expect(await sendMessage(b!.smtp.port, 'after@example.test')).toMatch(/^250 /);
    for (const i of [0, 1, 2]) await until(() => sessionIds(i), (ids) => ids.length === 1);
    expect(b!.sessions.list()).toHaveLength(1);
  });

  it('the test helper\'s reset() on one clears the other\'s messages; a new one is waited for as usual', async () => {
    const shared = url();
    const [a, b] = await Promise.all([startMockMx({ redis: shared }), startMockMx({ redis: shared })]);
    try {
      expect(await sendMessage(b.smtp.port, 'old@example.test')).toMatch(/^250 /);
      await a.waitForMessage({ to: 'old@example.test' });
      await a.reset();
      await until(async () => (await b.messages()).length, (n) => n === 0);
      await until(async () => b.sessions().length, (n) => n === 0);
      expect(await sendMessage(b.smtp.port, 'new@example.test')).toMatch(/^250 /);
      expect((await a.waitForMessage({ to: 'new@example.test' })).envelope.rcptTo).toEqual(['new@example.test']);
      expect((await b.messages()).map((m) => m.envelope.rcptTo[0])).toEqual(['new@example.test']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('as processes: a delete and a clear through one `mockmx --redis` reach the other', async () => {
    const own = await PrivateRedis.start();
    try {
      const [a, b] = await Promise.all([startCli(['--redis', own.url]), startCli(['--redis', own.url])]);
      const on = (cli: typeof a) => (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${cli.http}/api/v1${path}`, init);
      const list = async (cli: typeof a) => ((await (await on(cli)('/messages')).json()) as Listing).items.map((m) => m.envelope.rcptTo[0]).sort();
      for (const to of ['x@example.test', 'y@example.test']) expect(await sendMessage(a.smtp, to)).toMatch(/^250 /);
      const seen = await until(async () => ((await (await on(b)('/messages')).json()) as Listing).items, (items) => items.length === 2);
      const x = seen.find((m) => m.envelope.rcptTo[0] === 'x@example.test')!;
      expect((await on(b)(`/messages/${x.id}`, { method: 'DELETE' })).status).toBe(200);
      await until(() => list(a), (r) => r.join() === 'y@example.test');
      expect((await on(a)(`/messages/${x.id.slice(x.instance!.length + 1)}/raw`)).status).toBe(404);
      expect((await on(a)('/messages', { method: 'DELETE' })).status).toBe(200);
      await until(() => list(b), (r) => r.length === 0);
      expect(a.stderr() + b.stderr()).not.toMatch(/error/i);
    } finally {
      await own.stop();
    }
  });
});
