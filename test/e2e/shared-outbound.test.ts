/**
 * Waiting notices are listed fleet-wide (--redis), and a flush on any instance flushes every
 * instance's queue — each instance sending its own notices, to where it was told. In-process
 * servers with their APIs and spawned `mockmx` processes, against a private redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpApi } from '../../src/app.js';
import type { HttpListener } from '../../src/http/index.js';
import { startMockMx } from '../../src/testing/index.js';
import { startCli } from '../helpers/cli.js';
import { sendMessage, until } from '../helpers/fleet.js';
import { PrivateRedis, requireRedis } from '../helpers/redis.js';
import { serve } from '../helpers/server.js';

const T0 = Date.UTC(2026, 10, 26, 9, 0, 0);
const MIN = 60_000;
const BOUNCE = 'rules:\n  - { when: { rcpt: "*" }, then: { bounce: "550 5.1.1 No such user", notifyAfter: 10m } }\n';
type Notice = { instance?: string; kind: string; dueAt: string; to: string; about: string };
type Pending = { total: number; items: Notice[]; problem?: string };

describe.skipIf(!requireRedis())('waiting notices across instances', () => {
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
  const apiOf = async (server: Awaited<ReturnType<typeof serve>>) => {
    const http = await startHttpApi(server, { host: '127.0.0.1', port: 0 });
    apis.push(http);
    return (path: string, init?: RequestInit) => fetch(`${http.url}/api/v1${path}`, init);
  };

  it('every instance lists every instance\'s waiting notices; a flush on a third makes each owner send its own', async () => {
    const clock = { now: T0 };
    const shared = url();
    // where the notices go: a plain mockmx of its own, no Redis
    const sink = await serve('default');
    const bounceTo = { host: '127.0.0.1', port: sink.smtp.port };
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => serve(BOUNCE, { redis: shared, now: () => clock.now, bounceTo })));
    const [toA, , toC] = await Promise.all([a!, b!, c!].map(apiOf));
    expect(await sendMessage(a!.smtp.port, 'nobody@example.test')).toMatch(/^250 /);
    expect(await sendMessage(b!.smtp.port, 'ghost@example.test')).toMatch(/^250 /);
    const [aMsg] = await a!.messages.list();
    const [bMsg] = (await b!.messages.list()).filter((m) => m.instance === undefined);

    const onC = await until(async () => (await (await toC!('/outbound/pending')).json()) as Pending, (p) => p.total === 2);
    // on A, its own notice names A and is about its own id
    const onA = (await (await toA!('/outbound/pending')).json()) as Pending;
    const aName = onA.items.find((n) => n.about === aMsg!.id)!.instance;
    const bName = onC.items.find((n) => n.instance !== aName)!.instance;
    expect(aName).toMatch(/^[0-9a-f]{6}$/);
    expect(bName).toMatch(/^[0-9a-f]{6}$/);
    expect(aName).not.toBe(bName);
    // each names its instance; `about` is the message's id as C shows it
    expect(onC.items).toEqual(
      expect.arrayContaining([
        { instance: aName, kind: 'failure', dueAt: new Date(T0 + 10 * MIN).toISOString(), to: 'alice@client.test', about: `${aName}-${aMsg!.id}`, links: { about: `/api/v1/messages/${aName}-${aMsg!.id}` } },
        { instance: bName, kind: 'failure', dueAt: new Date(T0 + 10 * MIN).toISOString(), to: 'alice@client.test', about: `${bName}-${bMsg!.id}`, links: { about: `/api/v1/messages/${bName}-${bMsg!.id}` } },
      ]),
    );
    expect(a!.outbound.pending()).toHaveLength(1);

    // not due yet: every instance answers, none sends
    const early = (await (await toC!('/outbound/flush', { method: 'POST' })).json()) as { sent: number; instances: Record<string, number>; unanswered: string[] };
    expect(early.sent).toBe(0);
    expect(Object.keys(early.instances)).toHaveLength(3);
    expect(early.unanswered).toEqual([]);

    clock.now += 11 * MIN;
    const flushed = (await (await toC!('/outbound/flush', { method: 'POST' })).json()) as typeof early;
    expect(flushed.sent).toBe(2);
    expect(flushed.instances).toMatchObject({ [aName!]: 1, [bName!]: 1 });
    expect(flushed.unanswered).toEqual([]);
    // each owner sent and kept its own notice; C sent none
    const sentBy = async (s: typeof a) => (await s!.messages.list()).filter((m) => m.outbound && m.instance === undefined).map((m) => m.outbound!);
    expect(await sentBy(a)).toEqual([{ kind: 'dsn-failure', about: aMsg!.id, delivery: `delivered to 127.0.0.1:${sink.smtp.port}` }]);
    expect(await sentBy(b)).toEqual([{ kind: 'dsn-failure', about: bMsg!.id, delivery: `delivered to 127.0.0.1:${sink.smtp.port}` }]);
    expect(await sentBy(c)).toEqual([]);
    expect((await sink.messages.list()).map((m) => m.envelope)).toEqual([
      { mailFrom: '', rcptTo: ['alice@client.test'] },
      { mailFrom: '', rcptTo: ['alice@client.test'] },
    ]);
    await until(async () => ((await (await toC!('/outbound/pending')).json()) as Pending).total, (n) => n === 0);
  });

  it('an instance that does not answer is named after the wait; one that closed is not waited for', async () => {
    const shared = url();
    const [a, b] = await Promise.all([serve(BOUNCE, { redis: shared }), serve(BOUNCE, { redis: shared })]);
    const toA = await apiOf(a);
    // a live-looking instance that never answers (its process hung), written as instances write themselves
    const { Redis } = await import('ioredis');
    const peek = new Redis(shared);
    try {
      const notice = { kind: 'failure', dueAt: Date.now(), to: 'x@client.test', about: 'm000001' };
      await peek.hset('mockmx:outbound', 'hung00', JSON.stringify({ at: Date.now(), total: 1, notices: [notice] }));
      const listed = (await (await toA('/outbound/pending')).json()) as Pending;
      expect(listed.items).toEqual([{ ...notice, instance: 'hung00', dueAt: new Date(notice.dueAt).toISOString(), about: 'hung00-m000001', links: { about: '/api/v1/messages/hung00-m000001' } }]);
      const started = Date.now();
      const flushed = (await (await toA('/outbound/flush', { method: 'POST' })).json()) as { sent: number; unanswered: string[]; instances: Record<string, number> };
      expect(flushed.unanswered).toEqual(['hung00']);
      expect(Object.keys(flushed.instances)).toHaveLength(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);

      await peek.hdel('mockmx:outbound', 'hung00');
      await b.close(0);
      expect(await peek.hkeys('mockmx:outbound')).toHaveLength(1);
      expect((await (await toA('/outbound/flush', { method: 'POST' })).json()) as object).toMatchObject({ sent: 0, unanswered: [] });
    } finally {
      peek.disconnect();
    }
  });

  it('the test helper\'s flushNotices() on one sends the other\'s due notices', async () => {
    const clock = { now: T0 };
    const shared = url();
    const [a, b] = await Promise.all([startMockMx({ scenario: BOUNCE, redis: shared, now: () => clock.now }), startMockMx({ scenario: BOUNCE, redis: shared, now: () => clock.now })]);
    try {
      expect(await sendMessage(b.smtp.port, 'nobody@example.test')).toMatch(/^250 /);
      clock.now += 11 * MIN;
      expect(await a.flushNotices()).toBe(1);
      expect((await b.server.messages.list()).filter((m) => m.outbound && m.instance === undefined)).toHaveLength(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('as processes: one `mockmx --redis` lists the other\'s waiting notice, and its flush is answered by both', async () => {
    const own = await PrivateRedis.start();
    try {
      const { writeFileSync, rmSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const file = join(tmpdir(), `mockmx-outbound-${process.pid}.yaml`);
      writeFileSync(file, BOUNCE.replace('10m', '1h'));
      try {
        const [a, b] = await Promise.all([startCli(['--scenario', file, '--redis', own.url]), startCli(['--scenario', file, '--redis', own.url])]);
        expect(await sendMessage(a.smtp, 'nobody@example.test')).toMatch(/^250 /);
        const onB = await until(async () => (await (await fetch(`http://127.0.0.1:${b.http}/api/v1/outbound/pending`)).json()) as Pending, (p) => p.total === 1);
        expect(onB.items[0]).toMatchObject({ kind: 'failure', to: 'alice@client.test', about: `${onB.items[0]!.instance}-m000001` });
        const flushed = (await (await fetch(`http://127.0.0.1:${b.http}/api/v1/outbound/flush`, { method: 'POST' })).json()) as { sent: number; instances: Record<string, number>; unanswered: string[] };
        // due in an hour on the real clock: nothing goes, but both answered
        expect(flushed).toMatchObject({ sent: 0, unanswered: [] });
        const answered = Object.keys(flushed.instances);
        expect(answered).toHaveLength(2);
        expect(answered).toContain(onB.items[0]!.instance);
      } finally {
        rmSync(file, { force: true });
      }
    } finally {
      await own.stop();
    }
  });
});
