/**
 * Several mockmx instances sharing rule state on one Redis (--redis): in-process servers and
 * spawned `mockmx` processes against a private redis-server. A greylisted retry that reaches
 * another instance passes; a rate limit counts across instances, even under concurrent
 * sessions; Redis killed mid-run gives 4xx and loses no accepted message, and its return
 * heals everything without a restart.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, spawnTracked, CLI } from '../helpers/cli.js';
import { freePort, PrivateRedis, requireRedis } from '../helpers/redis.js';
import { startHttpApi } from '../../src/app.js';
import { startMockMx } from '../../src/testing/index.js';
import type { HttpListener } from '../../src/http/index.js';
import type { StoredMessage } from '../../src/store/types.js';
import { serve } from '../helpers/server.js';
import { Telnet } from '../helpers/telnet.js';

const T0 = 1_704_067_200_000;
const MIN = 60_000;

/** One SMTP dialogue up to RCPT on a fresh connection; resolves with the RCPT reply's first line. */
async function rcpt(port: number, to: string, from = 'alice@client.test'): Promise<string> {
  const t = await Telnet.connect(port);
  try {
    await t.reply();
    await t.cmd('EHLO client.test');
    await t.cmd(`MAIL FROM:<${from}>`);
    return (await t.cmd(`RCPT TO:<${to}>`)).lines[0]!;
  } finally {
    t.close();
  }
}

/** A whole message; resolves with the reply to the final dot (or to the first refused command). */
async function send(port: number, to: string, body = 'hello'): Promise<string> {
  const t = await Telnet.connect(port);
  try {
    await t.reply();
    await t.cmd('EHLO client.test');
    await t.cmd('MAIL FROM:<alice@client.test>');
    const r = await t.cmd(`RCPT TO:<${to}>`);
    if (r.code >= 400) return r.lines[0]!;
    await t.cmd('DATA');
    return (await t.cmd(`Subject: to ${to}\r\n\r\n${body}\r\n.`)).lines[0]!;
  } finally {
    t.close();
  }
}

/** Polls `attempt` until `ok` holds for its result, or fails after the deadline with the last result. */
async function until<T>(attempt: () => Promise<T>, ok: (v: T) => boolean, deadlineMs = 15_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await attempt();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${deadlineMs} ms; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const GREYLIST = `
name: greylisting
rules:
  - id: grey
    when: { stage: rcpt }
    greylist: { delay: 5m }
    then: "450 4.7.1 Greylisted, please try again later"
`;

const RATE = (limit: number) => `
name: rate
rules:
  - id: per-rcpt
    when: { stage: rcpt }
    rate: ${limit}/1h
    per: rcpt
    then: gmail.rate-limited-recipient
`;

describe.skipIf(!requireRedis())('several instances, one Redis', () => {
  let redis: PrivateRedis;
  let db = 0;
  /** Each test its own Redis database, so nothing carries over. */
  const url = () => `redis://127.0.0.1:${redis.port}/${++db}`;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a greylisted retry that reaches the other instance passes, and both show the same state', async () => {
    let now = T0;
    const shared = url();
    const [a, b] = await Promise.all([serve(GREYLIST, { redis: shared, now: () => now }), serve(GREYLIST, { redis: shared, now: () => now })]);
    expect(await rcpt(a.smtp.port, 'bob@example.test')).toBe('450 4.7.1 Greylisted, please try again later');
    // too early, on the other instance: still greylisted (the first attempt started the clock for both)
    now += 2 * MIN;
    expect(await rcpt(b.smtp.port, 'bob@example.test')).toBe('450 4.7.1 Greylisted, please try again later');
    now += 4 * MIN;
    expect(await rcpt(b.smtp.port, 'bob@example.test')).toMatch(/^250 /);
    const passed = 'greylist-passed:grey|ip=127.0.0.1|sender=alice@client.test|rcpt=bob@example.test';
    expect((await a.stateEntries('greylist')).map((e) => e.key)).toEqual([passed]);
    expect(await b.stateEntries('greylist')).toEqual(await a.stateEntries('greylist'));
    // and remembered on the first instance too
    expect(await rcpt(a.smtp.port, 'bob@example.test')).toMatch(/^250 /);
    // a reset on one is a reset for all
    expect(await b.resetState('greylist')).toBe(1);
    expect(await a.stateEntries()).toEqual([]);
  });

  it('a rate limit counts across three instances, one after another and all at once', async () => {
    const shared = url();
    const servers = await Promise.all([0, 1, 2].map(() => serve(RATE(3), { redis: shared, now: () => T0 })));
    const ports = servers.map((s) => s.smtp.port);
    const replies: string[] = [];
    for (const port of [...ports, ports[0]!]) replies.push(await rcpt(port, 'bob@example.test'));
    expect(replies.slice(0, 3).every((r) => r.startsWith('250 '))).toBe(true);
    expect(replies[3]).toMatch(/^450[ -]4\.2\.1 /);

    // 12 sessions at once, 4 per instance, for a fresh recipient: exactly 3 pass
    const racing = await Promise.all(Array.from({ length: 12 }, (_, i) => rcpt(ports[i % 3]!, 'carol@example.test')));
    expect(racing.filter((r) => r.startsWith('250 '))).toHaveLength(3);
    expect(racing.filter((r) => /^450[ -]4\.2\.1 /.test(r))).toHaveLength(9);
    expect(await servers[2]!.stateEntries('rate:per-rcpt|rcpt=carol')).toEqual([{ key: 'rate:per-rcpt|rcpt=carol@example.test', kind: 'window', value: 3, expiresAt: T0 + 60 * MIN }]);
  });

  it('Redis killed mid-run: 451 4.3.0 named builtin:state-unavailable, accepted messages stay; back up, it heals by itself', async () => {
    const own = await PrivateRedis.start();
    try {
      const server = await serve(RATE(100), { redis: own.url });
      expect(await send(server.smtp.port, 'bob@example.test')).toMatch(/^250 /);
      await own.stop();
      expect(await send(server.smtp.port, 'bob@example.test')).toBe('451 4.3.0 Temporary local problem: rule state unavailable; try again later');
      // a stage that needs no state still works: the greeting, EHLO and MAIL went through above
      const refused = server.sessions.list().flatMap((x) => x.transcript).find((l) => l.text.startsWith('451 4.3.0'));
      expect(refused?.rule).toBe('builtin:state-unavailable');
      // the message that got 250 is still there
      expect((await server.messages.list()).map((m) => m.envelope.rcptTo)).toEqual([['bob@example.test']]);
      await own.restart();
      expect(await until(() => send(server.smtp.port, 'bob@example.test'), (r) => !r.startsWith('451'))).toMatch(/^250 /);
      expect(await server.messages.list()).toHaveLength(2);
    } finally {
      await own.stop();
    }
  });

  it('the scenario\'s replies table words the refusal', async () => {
    const own = await PrivateRedis.start();
    try {
      const server = await serve(`${RATE(100)}replies:\n  state-unavailable: "421 4.3.2 System not accepting network messages"\n`, { redis: own.url });
      await own.stop();
      expect(await rcpt(server.smtp.port, 'bob@example.test')).toBe('421 4.3.2 System not accepting network messages');
    } finally {
      await own.stop();
    }
  });

  it('the test helper takes the same option: two helpers, one greylist', async () => {
    let now = T0;
    const shared = url();
    const [a, b] = await Promise.all([startMockMx({ scenario: GREYLIST, redis: shared, now: () => now }), startMockMx({ scenario: GREYLIST, redis: shared, now: () => now })]);
    try {
      expect(await rcpt(a.smtp.port, 'bob@example.test')).toMatch(/^450 /);
      now += 6 * MIN;
      expect(await rcpt(b.smtp.port, 'bob@example.test')).toMatch(/^250 /);
      expect((await a.state('greylist-passed:')).length).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('startServer rejects when Redis cannot be reached', async () => {
    const port = await freePort();
    await expect(serve(GREYLIST, { redis: `redis://127.0.0.1:${port}/0` })).rejects.toThrow(`cannot reach Redis at redis://127.0.0.1:${port}/0`);
  });

  describe('the scenario is the fleet\'s', () => {
    const apis: HttpListener[] = [];
    afterAll(async () => {
      await Promise.all(apis.map((h) => h.close()));
    });
    const api = async (server: Awaited<ReturnType<typeof serve>>) => {
      const http = await startHttpApi(server, { host: '127.0.0.1', port: 0 });
      apis.push(http);
      return (path: string, init?: RequestInit) => fetch(`${http.url}/api/v1${path}`, init);
    };
    const PUT_YAML = 'name: from-put\nrules:\n  - id: nope\n    when: { stage: rcpt, rcpt: "bob@*" }\n    then: "550 5.1.1 put on one instance"\n';

    it('a PUT, a switch, pushed and cleared rules on one instance apply on the others; a late one adopts them', async () => {
      const shared = url();
      const [a, b] = await Promise.all([serve('default', { redis: shared }), serve('default', { redis: shared })]);
      const [toA, toB] = await Promise.all([api(a), api(b)]);

      expect((await toA('/scenario', { method: 'PUT', headers: { 'content-type': 'text/yaml' }, body: PUT_YAML })).status).toBe(200);
      await until(async () => b.scenario().name, (n) => n === 'from-put', 5000);
      expect(await rcpt(b.smtp.port, 'bob@example.test')).toBe('550 5.1.1 put on one instance');

      // rules pushed on b reach a, in front of the PUT scenario's own
      expect((await toB('/scenario/rules', { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: 'when: { stage: rcpt, rcpt: "carol@*" }\nthen: "452 4.2.2 pushed on b"\n' })).status).toBe(201);
      await until(async () => a.scenario().rules.map((r) => r.id), (ids) => ids.includes('pushed-1'), 5000);
      expect(await rcpt(a.smtp.port, 'carol@example.test')).toBe('452 4.2.2 pushed on b');
      // a's own next push does not take an id b already gave out
      expect(a.addRules({ when: { stage: 'rcpt', rcpt: 'dave@*' }, then: '451 4.3.0 pushed on a' } as never)).toEqual(['pushed-2']);
      await until(async () => b.scenario().rules.map((r) => r.id), (ids) => ids.includes('pushed-2'), 5000);

      // an instance started now runs what the others run
      const c = await serve('default', { redis: shared });
      expect(c.scenario().rules.map((r) => r.id)).toEqual(['pushed-2', 'pushed-1', 'nope']);

      (await toA('/scenario/rules', { method: 'DELETE' })).body?.cancel();
      await until(async () => [b, c].map((s) => s.scenario().rules.length), (n) => n.every((x) => x === 1), 5000);

      expect((await toB('/scenario/name/gmail', { method: 'PUT' })).status).toBe(200);
      await until(async () => [a, c].map((s) => s.scenario().name), (n) => n.every((x) => x === b.scenario().name), 5000);
    });

    it('a change made while Redis is away reaches the others once it is back (a restarted, empty Redis included)', async () => {
      const own = await PrivateRedis.start();
      try {
        const [a, b] = await Promise.all([serve('default', { redis: own.url }), serve('default', { redis: own.url })]);
        a.addRules({ id: 'before', when: { stage: 'rcpt' }, then: '250 2.1.5 ok' } as never);
        await until(async () => b.scenario().rules.map((r) => r.id), (ids) => ids.includes('before'), 5000);
        await own.stop();
        // applied here at once; the others cannot hear of it yet
        expect(a.addRules({ id: 'while-away', when: { stage: 'rcpt', rcpt: 'erin@*' }, then: '550 5.1.1 pushed while Redis was away' } as never)).toEqual(['while-away']);
        await own.restart();
        await until(async () => b.scenario().rules.map((r) => r.id), (ids) => ids.includes('while-away'), 10_000);
        expect(await rcpt(b.smtp.port, 'erin@example.test')).toBe('550 5.1.1 pushed while Redis was away');
      } finally {
        await own.stop();
      }
    });

    it('an invalid scenario is refused with 400 on every instance, and the running one stays everywhere', async () => {
      const shared = url();
      const [a, b] = await Promise.all([serve(RATE(3), { redis: shared }), serve(RATE(3), { redis: shared })]);
      for (const to of await Promise.all([api(a), api(b)])) {
        const res = await to('/scenario', { method: 'PUT', headers: { 'content-type': 'text/yaml' }, body: 'name: broken\nrules:\n  - whne: {}\n' });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { problems: { message: string }[] }).problems.some((p) => p.message.includes('"whne"'))).toBe(true);
        const rules = await to('/scenario/rules', { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: 'then: "550 no when"\nwhen: { stage: nowhere }\n' });
        expect(rules.status).toBe(400);
        await rules.body?.cancel();
      }
      // a valid change still travels, so the broken ones had their chance to: none did
      a.addRules({ id: 'marker', when: { stage: 'rcpt' }, then: '250 2.1.5 ok' } as never);
      await until(async () => b.scenario().rules.map((r) => r.id), (ids) => ids.includes('marker'), 5000);
      expect([a, b].map((s) => s.scenario().name)).toEqual(['rate', 'rate']);
    });
  });

  describe('what one instance saw shows on every one', () => {
    const apis: HttpListener[] = [];
    afterAll(async () => {
      await Promise.all(apis.map((h) => h.close()));
    });
    const TOKEN = 'fleet-token';
    const api = async (server: Awaited<ReturnType<typeof serve>>) => {
      const http = await startHttpApi(server, { host: '127.0.0.1', port: 0, token: TOKEN });
      apis.push(http);
      return Object.assign((path: string) => fetch(`${http.url}/api/v1${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }), { http });
    };
    type Summary = { id: string; instance?: string; envelope: { mailFrom: string; rcptTo: string[] }; subject: string; size: number };

    it('a message taken by A is listed, read (raw bytes equal, a large one too) and waited for through B; no body goes through Redis', async () => {
      const shared = url();
      // A spools bodies over 1 KiB to a file: B's copy is fetched from A's API, never stored in Redis
      const [a, b] = await Promise.all([serve('default', { redis: shared, spoolAboveBytes: 1024 }), serve('default', { redis: shared })]);
      const [toA, toB] = await Promise.all([api(a), api(b)]);
      const big = Array.from({ length: 3000 }, (_, i) => `line ${i} of a large body`).join('\r\n');
      expect(await send(a.smtp.port, 'bob@example.test', big)).toMatch(/^250 /);
      const own = (await a.messages.list())[0]!;

      const listed = await until(async () => (await (await toB('/messages')).json()) as { total: number; items: Summary[] }, (p) => p.total === 1);
      const seen = listed.items[0]!;
      expect(seen.id).toMatch(new RegExp(`^[0-9a-f]{6}-${own.id}$`));
      expect(seen).toMatchObject({ envelope: { mailFrom: 'alice@client.test', rcptTo: ['bob@example.test'] }, subject: 'to bob@example.test', size: own.size });
      expect(seen.id).toBe(`${seen.instance}-${own.id}`);
      const raw = await toB(`/messages/${seen.id}/raw`);
      expect(raw.status).toBe(200);
      expect(Buffer.from(await raw.arrayBuffer()).equals(own.raw)).toBe(true);
      const detail = (await (await toB(`/messages/${seen.id}`)).json()) as { text: string };
      expect(detail.text).toContain('line 2999 of a large body');
      // B's own messages and A's are listed together, newest first, with ids that do not clash
      expect(await send(b.smtp.port, 'carol@example.test')).toMatch(/^250 /);
      const both = await until(async () => (await (await toA('/messages')).json()) as { items: Summary[] }, (p) => p.items.length === 2);
      expect(both.items.map((m) => m.envelope.rcptTo[0])).toEqual(['carol@example.test', 'bob@example.test']);
      expect(both.items[1]!.id).toBe(own.id);
      // metrics stay each instance's own: A counts the one message it accepted, not B's
      const metrics = await (await fetch(`${toA.http.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
      expect(metrics).toMatch(/^mockmx_messages_accepted_total 1$/m);
      expect(metrics).toMatch(/^mockmx_sessions_total\{listener="smtp"\} 1$/m);

      // B tells of it as of its own (the event behind SSE and waits), and a wait on B resolves for it
      const heard = new Promise<StoredMessage>((resolve) => b.events.once('message', resolve));
      const waiting = toB('/messages/wait?to=dave@example.test&timeout=10s');
      expect(await send(a.smtp.port, 'dave@example.test')).toMatch(/^250 /);
      const h = await heard;
      expect(h.envelope.rcptTo).toEqual(['dave@example.test']);
      const waited = await waiting;
      expect(waited.status).toBe(200);
      expect(((await waited.json()) as Summary).envelope.rcptTo).toEqual(['dave@example.test']);

      // Redis holds the announcement only: no stream entry carries a body
      const { Redis } = await import('ioredis');
      const peek = new Redis(shared);
      try {
        const entries = (await peek.xrange('mockmx:messages', '-', '+')) as [string, string[]][];
        expect(entries).toHaveLength(3);
        expect(entries.every(([, fields]) => !fields.join(' ').includes('large body') && fields.join(' ').length < 1000)).toBe(true);
      } finally {
        peek.disconnect();
      }
    });

    it('a notice A sent (a DSN) is listed and read through B like any message', async () => {
      const shared = url();
      const BOUNCE = 'rules:\n  - { when: { rcpt: "*" }, then: { bounce: "550 5.1.1 No such user" } }\n';
      const [a, b] = await Promise.all([serve(BOUNCE, { redis: shared }), serve(BOUNCE, { redis: shared })]);
      const [toA, toB] = await Promise.all([api(a), api(b)]);
      expect(await send(a.smtp.port, 'nobody@example.test')).toMatch(/^250 /);
      await a.outbound.flush();
      const dsn = (await a.messages.list()).find((m) => m.outbound)!;
      expect(dsn).toBeDefined();
      const listed = await until(async () => (await (await toB('/messages?outbound=true')).json()) as { items: Summary[] }, (p) => p.items.length === 1);
      expect(listed.items[0]!.id).toMatch(new RegExp(`-${dsn.id}$`));
      expect(listed.items[0]!.envelope).toEqual({ mailFrom: '', rcptTo: ['alice@client.test'] });
      const raw = await toB(`/messages/${listed.items[0]!.id}/raw`);
      expect(Buffer.from(await raw.arrayBuffer()).equals(dsn.raw)).toBe(true);
      // received mail is not a notice, on either
      expect(((await (await toB('/messages?outbound=false')).json()) as { items: Summary[] }).items.map((m) => m.envelope.rcptTo)).toEqual([['nobody@example.test']]);

      // A's API gone: B still lists what A takes, and says why its body cannot be read
      await toA.http.close();
      expect(await send(a.smtp.port, 'later@example.test')).toMatch(/^250 /);
      const after = await until(async () => (await (await toB('/messages?outbound=false')).json()) as { items: Summary[] }, (p) => p.items.length === 2);
      expect(after.items[0]!.envelope.rcptTo).toEqual(['later@example.test']);
      const detail = (await (await toB(`/messages/${after.items[0]!.id}`)).json()) as { text: string };
      expect(detail.text).toMatch(/^\[mockmx: the body is unavailable here: fetching message .* from instance [0-9a-f]{6} at http:\/\/127\.0\.0\.1:\d+: fetch failed \(ECONNREFUSED\)\]$/);
      const gone = await toB(`/messages/${after.items[0]!.id}/raw`);
      expect(gone.status).toBe(502);
      expect(((await gone.json()) as { error: string }).error).toMatch(/^fetching message .* fetch failed \(ECONNREFUSED\)$/);
    });

    it('A\'s sessions show on B as they happen: the session list, one session, the event stream and a refusal wait', async () => {
      const shared = url();
      const [a, b] = await Promise.all([serve(GREYLIST, { redis: shared }), serve(GREYLIST, { redis: shared })]);
      const toB = await api(b);
      // the event stream on B, read as it comes, until A's session has ended there
      const stream = await toB('/events');
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      let seen = '';
      const ended = (async () => {
        for (let reads = 0; reads < 1000 && !/event: session-end\ndata: [^\n]*"instance"/.test(seen); reads++) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += Buffer.from(value).toString();
        }
        await reader.cancel();
      })();
      const refusal = toB('/rejections/wait?code=450&timeout=10s');

      expect(await rcpt(a.smtp.port, 'bob@example.test')).toBe('450 4.7.1 Greylisted, please try again later');
      const own = a.sessions.list()[0]!;
      const waited = await refusal;
      expect(waited.status).toBe(200);
      expect(((await waited.json()) as { sessionId: string }).sessionId).toMatch(new RegExp(`^[0-9a-f]{6}-${own.id}$`));

      await ended;
      expect(seen).toMatch(new RegExp(`event: session\ndata: \\{"id":"[0-9a-f]{6}-${own.id}"`));
      expect(seen).toContain('"text":"450 4.7.1 Greylisted, please try again later"');
      type Head = { id: string; instance?: string; clientIp: string; heloName?: string; transcript?: { text: string }[] };
      const list = (await (await toB('/sessions')).json()) as { items: Head[] };
      const theirs = list.items.find((x) => x.id.endsWith(`-${own.id}`))!;
      expect(theirs).toMatchObject({ clientIp: '127.0.0.1', heloName: 'client.test' });
      expect(theirs.id).toBe(`${theirs.instance}-${own.id}`);
      const one = (await (await toB(`/sessions/${theirs.id}`)).json()) as Head;
      expect(one.transcript!.map((l) => l.text)).toEqual(own.transcript.map((l) => l.text));
    });

    it('Redis restarted without its data: what A takes afterwards still shows on B', async () => {
      const own = await PrivateRedis.start();
      try {
        const [a, b] = await Promise.all([serve('default', { redis: own.url }), serve('default', { redis: own.url })]);
        await Promise.all([api(a), api(b)]);
        expect(await send(a.smtp.port, 'before@example.test')).toMatch(/^250 /);
        await until(async () => (await b.messages.list()).length, (n) => n === 1);
        await own.stop();
        await own.restart();
        expect(await until(() => send(a.smtp.port, 'after@example.test'), (r) => !r.startsWith('451'))).toMatch(/^250 /);
        const listed = await until(async () => await b.messages.list(), (r) => r.length === 2);
        expect(listed.map((m) => m.envelope.rcptTo[0])).toEqual(['after@example.test', 'before@example.test']);
        // A announced its API again when Redis came back, so B still reads A's bodies
        expect((await listed[0]!.parsed()).subject).toBe('to after@example.test');
      } finally {
        await own.stop();
      }
    });

    it('the report on B grades a greylisted sender whose retry reached B after the 450 on A as one retry', async () => {
      let now = T0;
      const shared = url();
      const [a, b] = await Promise.all([serve(GREYLIST, { redis: shared, now: () => now }), serve(GREYLIST, { redis: shared, now: () => now })]);
      const toB = await api(b);
      expect(await send(a.smtp.port, 'bob@example.test')).toBe('450 4.7.1 Greylisted, please try again later');
      // B has seen A's session end before the retry starts (in real life minutes pass between them)
      await until(async () => b.report().senders.map((s) => s.sender), (s) => s.includes('alice@client.test'));
      now += 6 * MIN;
      expect(await send(b.smtp.port, 'bob@example.test')).toMatch(/^250 /);
      type Senders = { senders: { sender: string | null; checks: { id: string; verdict: string; evidence: { detail: string }[] }[] }[] };
      // graded once B's session has ended (the client hung up after the 250)
      const report = await until(async () => (await (await toB('/report')).json()) as Senders, (r) => r.senders.some((s) => s.checks.some((c) => c.id === 'greylist-and-rate-limit' && c.verdict !== 'not-exercised')));
      const alice = report.senders.filter((s) => s.sender === 'alice@client.test');
      expect(alice).toHaveLength(1);
      const check = alice[0]!.checks.find((c) => c.id === 'greylist-and-rate-limit')!;
      expect(check.verdict).toBe('pass');
      expect(check.evidence[0]!.detail).toMatch(/^delivered to <bob@example\.test> once, 6 min after it was deferred$/);
      // and A's card, fed B's sessions, says the same
      await until(async () => a.report().senders.find((s) => s.sender === 'alice@client.test')?.checks.find((c) => c.id === 'greylist-and-rate-limit')?.verdict, (v) => v === 'pass');
    });
  });

  describe('as processes (the built CLI)', () => {
    it('two `mockmx --redis` processes share a rate limit; killing Redis gives 451, restarting it recovers', async () => {
      const own = await PrivateRedis.start();
      try {
        const file = join(tmpdir(), `mockmx-shared-${process.pid}.yaml`);
        writeFileSync(file, RATE(1));
        try {
          const [a, b] = await Promise.all([startCli(['--scenario', file, '--redis', own.url]), startCli(['--scenario', file], { env: { ...process.env, MOCKMX_REDIS_URL: own.url } })]);
          expect(await rcpt(a.smtp, 'bob@example.test')).toMatch(/^250 /);
          expect(await rcpt(b.smtp, 'bob@example.test')).toMatch(/^450[ -]4\.2\.1 /);
          // the state API of either shows the shared window
          const state = (await (await fetch(`http://127.0.0.1:${b.http}/api/v1/state?prefix=rate:`)).json()) as { total: number };
          expect(state.total).toBe(1);
          // a message taken by one process is listed and read through the other's API
          expect(await send(a.smtp, 'zed@example.test')).toMatch(/^250 /);
          const listed = await until(async () => (await (await fetch(`http://127.0.0.1:${b.http}/api/v1/messages`)).json()) as { items: { id: string }[] }, (p) => p.items.length === 1);
          const raw = await (await fetch(`http://127.0.0.1:${b.http}/api/v1/messages/${listed.items[0]!.id}/raw`)).text();
          expect(raw).toBe('Subject: to zed@example.test\r\n\r\nhello\r\n');

          await own.stop();
          expect(await rcpt(a.smtp, 'carol@example.test')).toBe('451 4.3.0 Temporary local problem: rule state unavailable; try again later');
          expect(await rcpt(b.smtp, 'carol@example.test')).toBe('451 4.3.0 Temporary local problem: rule state unavailable; try again later');
          await own.restart();
          // the restarted Redis kept nothing (no persistence): carol's first message passes, on either
          expect(await until(() => rcpt(b.smtp, 'carol@example.test'), (r) => !r.startsWith('451'))).toMatch(/^250 /);
          expect(await until(() => rcpt(a.smtp, 'carol@example.test'), (r) => !r.startsWith('451'))).toMatch(/^450[ -]4\.2\.1 /);
          await until(async () => a.stderr() + b.stderr(), (e) => (e.match(/reconnected to Redis/g) ?? []).length === 2);
          expect(a.stderr()).toMatch(/mockmx: lost the connection to Redis \(.*\); commands that need rule state get the state-unavailable reply \(451 4\.3\.0\) until it is back/);
          expect(a.stderr()).not.toMatch(/\n\s+at /);
        } finally {
          rmSync(file, { force: true });
        }
      } finally {
        await own.stop();
      }
    });

    it('Redis unreachable at start: one clear line and exit code 69, no stack trace', async () => {
      const port = await freePort();
      const proc = spawnTracked([CLI, '--smtp-port', '0', '--http-port', '0', '--redis', `redis://127.0.0.1:${port}/0`]);
      let err = '';
      proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const [code] = (await new Promise((resolve) => proc.once('exit', (code) => resolve([code])))) as [number | null];
      expect(code).toBe(69);
      expect(err).toBe(`mockmx: cannot reach Redis at redis://127.0.0.1:${port}/0: connect ECONNREFUSED 127.0.0.1:${port}; start Redis or fix --redis (MOCKMX_REDIS_URL)\n`);
    });

    it('a malformed --redis is refused by config validation', async () => {
      const proc = spawnTracked([CLI, '--smtp-port', '0', '--http-port', '0', '--redis', 'localhost:6379']);
      let err = '';
      proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const [code] = (await new Promise((resolve) => proc.once('exit', (code) => resolve([code])))) as [number | null];
      expect(code).toBe(2);
      expect(err).toBe('mockmx: --redis (MOCKMX_REDIS_URL): expected a Redis URL such as redis://127.0.0.1:6379/0, got "localhost:6379"\n');
    });
  });
});
