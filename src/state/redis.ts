/**
 * Rule state in Redis or Valkey, shared by every mockmx instance pointed at it: a greylisted
 * retry that reaches another instance passes, a rate limit counts across instances. Writes
 * are Lua scripts (redis-scripts.ts): atomic, version-checked, with TTLs that reclaim what
 * expired. ioredis reconnects by itself; while Redis is away every call rejects at once with
 * StateUnavailableError (no queue that would hold SMTP sessions hostage), so sessions get the
 * `state-unavailable` reply (451 4.3.0 by default) and retry later.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { CLEAR, ENTRIES, READ, WRITE } from './redis-scripts.js';
import { readId, StateUnavailableError, type StateEntry, type StateRead, type StateSnapshot, type StateStore, type StateUpdate } from './types.js';

export interface RedisStateOptions {
  /** `redis://[user:password@]host:port/db` (or `rediss://` for TLS). */
  readonly url: string;
  /** Prefix of every Redis key; instances that share state share it. Default `mockmx:state:`. */
  readonly keyPrefix?: string;
  /** Keys kept at most; beyond, the least recently written go (as in memory). Default 100,000. */
  readonly maxKeys?: number;
  /** How long to wait for the first connection, and for any command. Default 2000 ms. */
  readonly timeoutMs?: number;
  /** Told when the connection is lost (once per outage) and when it is back. */
  readonly onStatus?: (status: 'lost' | 'back', detail: string) => void;
}

type Script = (...args: string[]) => Promise<unknown>;
type Scripted = Redis & { mockmxRead: Script; mockmxWrite: Script; mockmxEntries: Script; mockmxClear: Script };

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** How long a claim (see WRITE) reserves keys: a few round trips, and not long if its holder dies. */
const CLAIM_MS = 250;

/** Reconnects by itself after the first connection, backing off to 1 s; calls fail while Redis is away. */
const AFTER_START = { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: (n: number) => Math.min(50 * n, 1000) } as const;

/**
 * Two connections of one helper (a writer and a blocking reader or subscriber), each `AFTER_START`
 * plus its own options, both connected or neither: an unreachable Redis rejects with a clear error.
 * Their outages are told by the state store, so their own error events are ignored.
 */
export async function connectPair(url: string, first: RedisOptions, second: RedisOptions): Promise<[Redis, Redis]> {
  const pair = [new Redis(url, { ...AFTER_START, ...first }), new Redis(url, { ...AFTER_START, ...second })] as [Redis, Redis];
  for (const c of pair) c.on('error', () => undefined);
  try {
    await Promise.all(pair.map((c) => c.connect()));
  } catch (err) {
    for (const c of pair) c.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  return pair;
}

/** Connects (rejecting with StateUnavailableError and a clear message if Redis cannot be reached) and returns the store. */
export async function openRedisStateStore(options: RedisStateOptions): Promise<RedisStateStore> {
  const timeoutMs = options.timeoutMs ?? 2000;
  let connected = false;
  const client = new Redis(options.url, {
    lazyConnect: true,
    // no offline queue: a call made while Redis is away fails now, and the session is answered 4xx now
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // no retry for the first connection (the caller reports it); after that, forever, backing off to 1 s
    retryStrategy: (times) => (connected ? Math.min(50 * times, 1000) : null),
  }) as Scripted;
  client.defineCommand('mockmxRead', { numberOfKeys: 0, lua: READ });
  client.defineCommand('mockmxWrite', { numberOfKeys: 0, lua: WRITE });
  client.defineCommand('mockmxEntries', { numberOfKeys: 0, lua: ENTRIES });
  client.defineCommand('mockmxClear', { numberOfKeys: 0, lua: CLEAR });
  let lastError: Error | undefined;
  let down = false;
  let closing = false;
  // one line per outage, whichever notices first: ioredis's events or a failed call
  const lost = (detail: string) => {
    if (!connected || down || client.status === 'end' || closing) return;
    down = true;
    options.onStatus?.('lost', detail);
  };
  client.on('error', (err: Error) => {
    lastError = err;
    lost(err.message);
  });
  client.on('close', () => lost('connection closed'));
  client.on('ready', () => {
    if (down) options.onStatus?.('back', redactUrl(options.url));
    down = false;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    const why = lastError?.message ?? (err as Error).message;
    throw new StateUnavailableError(`cannot reach Redis at ${redactUrl(options.url)}: ${why}`, { cause: err });
  }
  connected = true;
  return new RedisStateStore(client, options.keyPrefix ?? 'mockmx:state:', options.maxKeys ?? 100_000, lost, () => void (closing = true));
}

export class RedisStateStore implements StateStore {
  constructor(
    private readonly client: Scripted,
    private readonly prefix: string,
    private readonly maxKeys: number,
    private readonly failed: (detail: string) => void = () => undefined,
    private readonly closing: () => void = () => undefined,
  ) {}

  async read(reads: readonly StateRead[], now: number): Promise<StateSnapshot> {
    const args = reads.flatMap((r) => [r.kind, r.key, r.kind === 'window' ? String(r.windowMs) : '']);
    const out = (await this.call(() => this.client.mockmxRead(this.prefix, String(now), ...args))) as string[];
    const values = new Map<string, number | undefined>();
    const versions = new Map<string, number>();
    reads.forEach((r, i) => {
      const value = out[2 * i]!;
      values.set(readId(r), value === '' ? undefined : Number(value));
      versions.set(r.key, Number(out[2 * i + 1]));
    });
    return { values, versions };
  }

  async write(updates: readonly StateUpdate[], now: number, expected?: ReadonlyMap<string, number>, claim = ''): Promise<boolean> {
    const checks = [...(expected ?? [])].flatMap(([key, version]) => [key, String(version)]);
    const ops = updates.flatMap((u) => {
      switch (u.op) {
        case 'count':
          return ['count', u.key, String(u.by ?? 1), u.ttlMs === undefined ? '' : String(u.ttlMs)];
        case 'hit':
          return ['hit', u.key, String(u.windowMs), ''];
        case 'set':
          return ['set', u.key, String(u.value), String(u.expiresAt)];
        case 'delete':
          return ['delete', u.key, '', ''];
      }
    });
    const done = await this.call(() => this.client.mockmxWrite(this.prefix, String(now), String(this.maxKeys), claim, String(CLAIM_MS), String(checks.length / 2), ...checks, ...ops));
    return done === 1;
  }

  async entries(now: number, prefix = ''): Promise<StateEntry[]> {
    const out = (await this.call(() => this.client.mockmxEntries(this.prefix, String(now), prefix))) as string[];
    const list: StateEntry[] = [];
    for (let i = 0; i < out.length; i += 4) {
      const expiresAt = out[i + 3]!;
      list.push({ key: out[i]!, kind: out[i + 1] as StateEntry['kind'], value: Number(out[i + 2]), ...(expiresAt === '' ? {} : { expiresAt: Number(expiresAt) }) });
    }
    return list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async clear(prefix = ''): Promise<number> {
    return (await this.call(() => this.client.mockmxClear(this.prefix, prefix))) as number;
  }

  async close(): Promise<void> {
    this.closing();
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.failed((err as Error).message);
      throw new StateUnavailableError(`Redis: ${(err as Error).message}`, { cause: err });
    }
  }
}
