/**
 * Records several instances share through Redis streams: each instance appends what it saw
 * (XADD, capped with MAXLEN ~ so Redis holds a bounded tail, as the memory stores do) and
 * reads everyone's with one blocking XREAD loop on its own connection, skipping its own. An
 * instance that starts later reads the tail that is there. While Redis is away, appends wait
 * (a bounded number; beyond, the oldest are dropped: these are views, not rule state) and the
 * reader tries again until it is back. An append resolves with its stream id, so a writer
 * knows where its entry sits among everyone's (a clear applies to what came before it).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { compareIds } from '../util/stream-id.js';
import { connectPair } from './redis.js';

export interface StreamSpec {
  /** The Redis key of the stream. */
  readonly key: string;
  /** Entries Redis keeps, about (MAXLEN ~). */
  readonly maxLen: number;
}

export interface SharedStreamsOptions {
  readonly url: string;
  readonly streams: readonly StreamSpec[];
  /** An entry another instance appended: its stream key, that instance's name, the data it appended, its stream id. */
  readonly onEntry: (key: string, by: string, data: string, id: string) => void;
  readonly onError: (err: unknown) => void;
}

/** Appends kept while Redis is away (entries are metadata and transcript lines, a few hundred bytes each). */
const UNSENT_MAX = 10_000;
/** Entries read per XREAD, and how long one blocks (so close() is never held longer). */
const BATCH = 500;
const BLOCK_MS = 1000;

export class SharedStreams {
  /** This instance's name among the others: short, random, new each run. */
  readonly name = randomBytes(3).toString('hex');
  private closed = false;
  /** Appends made while the writer was away, oldest first, each with whoever waits for its stream id. */
  private readonly unsent: [string, string, (id: string | undefined) => void][] = [];
  /** What this instance announced: said again whenever the connection is back (a restarted Redis may have lost it). */
  private readonly announced = new Map<string, string>();
  private loop: Promise<void> | undefined;

  private constructor(
    private readonly writer: Redis,
    private readonly reader: Redis,
    private readonly options: SharedStreamsOptions,
  ) {}

  static async open(options: SharedStreamsOptions): Promise<SharedStreams> {
    // the reader blocks in XREAD: no command timeout for it
    const [writer, reader] = await connectPair(options.url, { enableOfflineQueue: false, commandTimeout: 2000 }, {});
    const streams = new SharedStreams(writer, reader, options);
    writer.on('ready', () => {
      for (const [key, value] of streams.announced) writer.hset(key, streams.name, value).catch(() => undefined);
      for (const [key, data, placed] of streams.unsent.splice(0)) streams.xadd(key, data).then(placed);
    });
    streams.loop = streams.read();
    return streams;
  }

  /**
   * Appends `data` to the stream `key`; resolves with its stream id (where it sits among everyone's
   * entries), or undefined if it was lost — a gap in a view, so callers need not wait for it.
   * While the writer reconnects, appends wait (the newest UNSENT_MAX of them): the state store may be
   * back first, and what it let through must not vanish from the other instances' views.
   */
  append(key: string, data: string): Promise<string | undefined> {
    if (this.closed || !this.options.streams.some((s) => s.key === key)) return Promise.resolve(undefined);
    if (this.writer.status !== 'ready') {
      return new Promise((placed) => {
        this.unsent.push([key, data, placed]);
        if (this.unsent.length > UNSENT_MAX) this.unsent.shift()![2](undefined);
      });
    }
    return this.xadd(key, data);
  }

  private xadd(key: string, data: string): Promise<string | undefined> {
    const spec = this.options.streams.find((s) => s.key === key)!;
    return this.writer.xadd(key, 'MAXLEN', '~', String(spec.maxLen), '*', 'by', this.name, 'data', data).then(
      (id) => id ?? undefined,
      () => undefined,
    );
  }

  /** Another instance's key-value record (e.g. where its API listens), kept while it runs. */
  async announce(key: string, value: string): Promise<void> {
    this.announced.set(key, value);
    await this.writer.hset(key, this.name, value);
  }

  async lookup(key: string, name: string): Promise<string | undefined> {
    return (await this.writer.hget(key, name)) ?? undefined;
  }

  async close(forget?: string): Promise<void> {
    this.closed = true;
    for (const [, , placed] of this.unsent.splice(0)) placed(undefined);
    if (forget) await this.writer.hdel(forget, this.name).catch(() => undefined);
    this.reader.disconnect();
    await this.loop;
    await this.writer.quit().catch(() => this.writer.disconnect());
  }

  /** A Redis restarted without its data numbers entries from the start again: read those from the start. */
  private async rewindIfRestarted(keys: readonly string[], last: string[]): Promise<void> {
    for (const [i, key] of keys.entries()) {
      const top = ((await this.reader.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][])[0]?.[0] ?? '0-0';
      if (compareIds(top, last[i]!) < 0) last[i] = '0-0';
    }
  }

  private async read(): Promise<void> {
    const keys = this.options.streams.map((s) => s.key);
    const last = keys.map(() => '0-0');
    let interrupted = false;
    while (!this.closed) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        if (interrupted) await this.rewindIfRestarted(keys, last);
        interrupted = false;
        reply = (await this.reader.xread('COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...last)) as typeof reply;
      } catch {
        // Redis away (told once by the state store): try again until it is back
        if (this.closed) return;
        interrupted = true;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      for (const [key, entries] of reply ?? []) {
        const i = keys.indexOf(key);
        for (const [id, fields] of entries) {
          last[i] = id;
          const by = fields[fields.indexOf('by') + 1];
          const data = fields[fields.indexOf('data') + 1];
          if (by === undefined || data === undefined || by === this.name) continue;
          try {
            this.options.onEntry(key, by, data, id);
          } catch (err) {
            this.options.onError(err);
          }
        }
      }
    }
  }
}
