/**
 * One small document several instances share through Redis, with a change signal: whoever
 * changes it stores the new value under a fresh publication id and publishes that id; the
 * others hear it at once (pub/sub) and fetch it. A missed message (a subscriber reconnecting)
 * would leave an instance behind for good, so each also compares publication ids every
 * `pollMs`: any change reaches every instance within that bound. Ids, not counters: a Redis
 * restarted without its data starts counting again, and an instance would take a new change
 * for one it already has. A change made while Redis is away is published once it is back,
 * unless another instance changed the document meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { connectPair } from './redis.js';

export interface SharedRecordOptions {
  readonly url: string;
  /** The Redis key of the document (its channel has the same name). */
  readonly key: string;
  /** Default 1000 ms. */
  readonly pollMs?: number;
  /** Another instance published a value. */
  readonly onChange: () => void;
  readonly onError: (err: unknown) => void;
}

/** Stores the value with its publication id and publisher, and tells the others. */
const PUBLISH = `
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'pub', ARGV[2], 'by', ARGV[3])
redis.call('PUBLISH', KEYS[1], ARGV[2] .. ' ' .. ARGV[3])
return 1
`;

type Client = Redis & { mockmxPublish(key: string, value: string, pub: string, by: string): Promise<number> };

export class SharedRecord {
  private readonly id = randomUUID();
  /** The publication this instance has (its own last one, or the last it adopted). */
  private current: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A change that could not be published, and the publication it replaced. */
  private unsent: { value: string; replaced: string | undefined } | undefined;

  private constructor(
    private readonly client: Client,
    private readonly sub: Redis,
    private readonly options: SharedRecordOptions,
  ) {}

  static async open(options: SharedRecordOptions): Promise<SharedRecord> {
    // the subscriber subscribes again by itself after a reconnect (ioredis autoResubscribe)
    const [connected, sub] = await connectPair(options.url, { enableOfflineQueue: false, commandTimeout: 2000 }, { commandTimeout: 2000 });
    const client = connected as Client;
    client.defineCommand('mockmxPublish', { numberOfKeys: 1, lua: PUBLISH });
    const record = new SharedRecord(client, sub, options);
    await sub.subscribe(options.key);
    sub.on('message', (_channel: string, message: string) => {
      const [pub, by] = message.split(' ');
      record.heard(pub, by);
    });
    client.on('ready', () => void record.retry());
    record.timer = setInterval(() => void record.poll(), options.pollMs ?? 1000);
    record.timer.unref();
    return record;
  }

  /** The value last published by another instance, if it is not the one this instance has; marks it as had. */
  async take(): Promise<string | undefined> {
    const [value, pub, by] = await this.client.hmget(this.options.key, 'value', 'pub', 'by');
    if (value == null || !pub || by === this.id || pub === this.current) return undefined;
    this.current = pub;
    return value;
  }

  async publish(value: string): Promise<void> {
    const pub = randomUUID();
    try {
      await this.client.mockmxPublish(this.options.key, value, pub, this.id);
      this.current = pub;
      this.unsent = undefined;
    } catch (err) {
      this.unsent = { value, replaced: this.unsent?.replaced ?? this.current };
      throw err;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.client.quit().catch(() => this.client.disconnect()), this.sub.quit().catch(() => this.sub.disconnect())]);
  }

  private heard(pub: string | undefined, by: string | undefined): void {
    if (pub && by !== this.id && pub !== this.current) this.options.onChange();
  }

  private async retry(): Promise<void> {
    const unsent = this.unsent;
    if (!unsent) return;
    try {
      const [pub] = await this.client.hmget(this.options.key, 'pub');
      // another instance changed it since (Redis kept its data): theirs stands, and reaches us by poll
      if (pub && pub !== unsent.replaced) this.unsent = undefined;
      else await this.publish(unsent.value);
    } catch (err) {
      this.options.onError(err);
    }
  }

  private async poll(): Promise<void> {
    try {
      if (this.unsent) await this.retry();
      const [pub, by] = await this.client.hmget(this.options.key, 'pub', 'by');
      this.heard(pub ?? undefined, by ?? undefined);
    } catch {
      // Redis away: the next poll tries again
    }
  }
}
