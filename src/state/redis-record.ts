/**
 * One small document several instances share through Redis, with a version and a change
 * signal: whoever changes it stores the new value under the next version and publishes that
 * version; the others hear it at once (pub/sub) and fetch it. Because a missed message (a
 * subscriber reconnecting) would leave an instance behind for good, each also compares
 * versions every `pollMs`: any change reaches every instance within that bound.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { redactUrl } from './redis.js';

export interface SharedRecordOptions {
  readonly url: string;
  /** The Redis key of the document (its channel is the same name). */
  readonly key: string;
  /** Default 1000 ms. */
  readonly pollMs?: number;
  /** A version another instance published (not this one's own). */
  readonly onChange: (version: number) => void;
  readonly onError: (err: unknown) => void;
}

/** Stores the value under the next version and tells the others; returns the version. */
const PUBLISH = `
local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'by', ARGV[2])
redis.call('PUBLISH', KEYS[1], v .. ' ' .. ARGV[2])
return v
`;

export class SharedRecord {
  private readonly id = randomUUID();
  private seen = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly client: Redis & { mockmxPublish(key: string, value: string, by: string): Promise<number> },
    private readonly sub: Redis,
    private readonly options: SharedRecordOptions,
  ) {}

  static async open(options: SharedRecordOptions): Promise<SharedRecord> {
    const base = { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, commandTimeout: 2000, retryStrategy: (n: number) => Math.min(50 * n, 1000) };
    const client = new Redis(options.url, { ...base, enableOfflineQueue: false });
    client.defineCommand('mockmxPublish', { numberOfKeys: 1, lua: PUBLISH });
    // the subscriber re-subscribes by itself after a reconnect (ioredis autoResubscribe)
    const sub = new Redis(options.url, base);
    for (const c of [client, sub]) c.on('error', () => undefined); // outages are told by the state store
    try {
      await Promise.all([client.connect(), sub.connect()]);
    } catch (err) {
      client.disconnect();
      sub.disconnect();
      throw new Error(`cannot reach Redis at ${redactUrl(options.url)}: ${(err as Error).message}`, { cause: err });
    }
    const record = new SharedRecord(client as never, sub, options);
    await sub.subscribe(options.key);
    sub.on('message', (_channel: string, message: string) => {
      const [version, by] = message.split(' ');
      if (by !== record.id) record.heard(Number(version));
    });
    record.timer = setInterval(() => void record.poll(), options.pollMs ?? 1000);
    record.timer.unref();
    return record;
  }

  /** The latest value and its version, or undefined when nobody ever published. */
  async latest(): Promise<{ version: number; value: string; mine: boolean } | undefined> {
    const [v, value, by] = await this.client.hmget(this.options.key, 'v', 'value', 'by');
    if (!v || value == null) return undefined;
    return { version: Number(v), value, mine: by === this.id };
  }

  async publish(value: string): Promise<number> {
    const version = Number(await this.client.mockmxPublish(this.options.key, value, this.id));
    this.seen = Math.max(this.seen, version);
    return version;
  }

  /** Versions up to this one are known here (applied, or this instance's own). */
  markSeen(version: number): void {
    this.seen = Math.max(this.seen, version);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.client.quit().catch(() => this.client.disconnect()), this.sub.quit().catch(() => this.sub.disconnect())]);
  }

  private heard(version: number): void {
    if (version <= this.seen) return;
    this.seen = version;
    this.options.onChange(version);
  }

  private async poll(): Promise<void> {
    try {
      const [v, by] = await this.client.hmget(this.options.key, 'v', 'by');
      if (v && by !== this.id) this.heard(Number(v));
    } catch {
      // Redis away: the next poll tries again
    }
  }
}
