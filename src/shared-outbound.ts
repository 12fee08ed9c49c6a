/**
 * With --redis, the notices every instance has waiting (DSNs and auto-replies not sent yet) are
 * listed on each, and a flush on any instance flushes them all. The queues stay where they are:
 * each instance sends only its own notices (mockmx never hands mail to another sender), so the
 * others are asked, not trusted with them. Each instance writes what it has waiting to one Redis
 * hash (a field per instance, rewritten on change and every few seconds, so a stopped instance's
 * field shows as stale), and listens on a channel for flush requests, answering each with how
 * many it sent; the asking instance waits for every live instance's answer, within a bound.
 */
import { randomUUID } from 'node:crypto';
import type { FleetNotice, FleetPending, FlushReport } from './outbound/fleet.js';
import type { PendingNotice } from './outbound/queue.js';
import { connectPair } from './state/redis.js';

export interface OutboundHooks {
  /** This instance's name among the others (the one its messages carry). */
  readonly name: string;
  pending(): readonly PendingNotice[];
  flush(): Promise<number>;
  onError(err: unknown, context: string): void;
}

export interface SharedOutboundOptions {
  /** How often an instance rewrites its field; one not rewritten for 3 times this is stale. Default 5000 ms. */
  readonly heartbeatMs?: number;
  /** How long a flush waits for the others' answers. Default 5000 ms. */
  readonly flushWaitMs?: number;
}

export interface SharedOutbound {
  /** This instance's waiting notices changed: the others see the new list soon. */
  changed(): void;
  pending(): Promise<FleetPending>;
  flush(): Promise<FlushReport>;
  close(): Promise<void>;
}

/** What one instance publishes: its waiting notices (the first PUBLISHED_MAX by due time), how many in all, when. */
interface Field {
  readonly at: number;
  readonly total: number;
  readonly notices: readonly PendingNotice[];
}
const PUBLISHED_MAX = 1000;

function parseField(json: string): Field | undefined {
  try {
    const field = JSON.parse(json) as Field;
    return typeof field.at === 'number' && Array.isArray(field.notices) ? field : undefined;
  } catch {
    return undefined;
  }
}

export async function shareOutbound(url: string, keyPrefix: string, hooks: OutboundHooks, options: SharedOutboundOptions = {}): Promise<SharedOutbound> {
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const [client, sub] = await connectPair(url, { enableOfflineQueue: false, commandTimeout: 2000 }, {});
  const key = `${keyPrefix}outbound`;
  // pub/sub ignores the database number: the channels carry it, so fleets on other databases of one server stay apart
  const channels = { ask: `${key}:${client.options.db ?? 0}:flush`, answer: `${key}:${client.options.db ?? 0}:flushed` };
  /** Flushes this instance asked for, waiting for answers. */
  const asked = new Map<string, { waiting: Set<string>; answers: Map<string, number>; done: () => void }>();

  // writes are coalesced: one in flight, and one more if the list changed meanwhile
  let dirty = false;
  let scheduled = false;
  let writing = false;
  let closed = false;
  const write = async () => {
    if (writing || closed) return;
    writing = true;
    try {
      while (dirty && !closed) {
        dirty = false;
        const all = hooks.pending();
        const notices = [...all].sort((a, b) => a.dueAt - b.dueAt).slice(0, PUBLISHED_MAX);
        const field: Field = { at: Date.now(), total: all.length, notices };
        await client.hset(key, hooks.name, JSON.stringify(field)).catch(() => undefined);
      }
    } finally {
      writing = false;
    }
  };
  const changed = () => {
    dirty = true;
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void write();
    });
  };
  const heartbeat = setInterval(changed, heartbeatMs);
  heartbeat.unref();
  changed();

  /**
   * The other instances' fields that are fresh (wall time: the injected clock of a test is no
   * guide to liveness). Stale ones (an instance that died) are removed: a live one writes its
   * field again within a heartbeat.
   */
  const others = async (): Promise<Map<string, Field>> => {
    const fields = await client.hgetall(key);
    const live = new Map<string, Field>();
    const stale: string[] = [];
    for (const [name, json] of Object.entries(fields)) {
      if (name === hooks.name) continue;
      const field = parseField(json);
      if (field && Date.now() - field.at <= 3 * heartbeatMs) live.set(name, field);
      else stale.push(name);
    }
    if (stale.length) client.hdel(key, ...stale).catch(() => undefined);
    return live;
  };

  sub.on('message', (channel: string, message: string) => {
    let m: { request: string; by: string; sent?: number };
    try {
      m = JSON.parse(message) as typeof m;
    } catch (err) {
      return hooks.onError(err, `a malformed message on ${channel}`);
    }
    if (channel === channels.ask && m.by !== hooks.name) {
      hooks
        .flush()
        .then((sent) => client.publish(channels.answer, JSON.stringify({ request: m.request, by: hooks.name, sent })))
        .catch((err: unknown) => hooks.onError(err, `a flush asked for by instance ${m.by}`));
    } else if (channel === channels.answer) {
      const wait = asked.get(m.request);
      if (!wait) return;
      wait.answers.set(m.by, m.sent ?? 0);
      wait.waiting.delete(m.by);
      if (wait.waiting.size === 0) wait.done();
    }
  });
  await sub.subscribe(channels.ask, channels.answer);

  return {
    changed,
    async pending() {
      const own = hooks.pending().map((n) => ({ ...n, instance: hooks.name }));
      let problem: string | undefined;
      const items: FleetNotice[] = [...own];
      try {
        for (const [instance, field] of await others()) for (const n of field.notices) items.push({ ...n, about: `${instance}-${n.about}`, instance });
      } catch (err) {
        problem = `only this instance's notices: Redis: ${(err as Error).message}`;
      }
      items.sort((a, b) => a.dueAt - b.dueAt);
      return problem === undefined ? { items } : { items, problem };
    },
    async flush() {
      const request = randomUUID();
      let expected: string[] = [];
      let problem: string | undefined;
      try {
        expected = [...(await others()).keys()];
      } catch (err) {
        problem = `only this instance flushed: Redis: ${(err as Error).message}`;
      }
      const answers = new Map<string, number>();
      const waiting = new Set(expected);
      let timer: NodeJS.Timeout | undefined;
      const answered = new Promise<void>((done) => {
        if (waiting.size === 0) return done();
        asked.set(request, { waiting, answers, done });
        timer = setTimeout(done, options.flushWaitMs ?? 5000);
      });
      if (waiting.size) await client.publish(channels.ask, JSON.stringify({ request, by: hooks.name })).catch((err: Error) => (problem = `the others could not be asked: Redis: ${err.message}`));
      // this instance's own, while the others flush theirs
      const own = await hooks.flush();
      if (problem === undefined) await answered;
      clearTimeout(timer);
      asked.delete(request);
      const instances = { [hooks.name]: own, ...Object.fromEntries(answers) };
      const sent = Object.values(instances).reduce((n, m) => n + m, 0);
      return { sent, instances, unanswered: [...waiting], ...(problem === undefined ? {} : { problem }) };
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      for (const wait of asked.values()) wait.done();
      await client.hdel(key, hooks.name).catch(() => undefined);
      await Promise.all([client.quit().catch(() => client.disconnect()), sub.quit().catch(() => sub.disconnect())]);
    },
  };
}
