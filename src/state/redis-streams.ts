/**
 * Records several instances share through Redis streams: each instance appends what it saw
 * (XADD, capped with MAXLEN ~ so Redis holds a bounded tail, as the memory stores do) and
 * reads everyone's with one blocking XREAD loop on its own connection, skipping its own. An
 * instance that starts later reads the tail that is there. While Redis is away, appends are
 * dropped (these are views, not rule state: nothing an SMTP client was told depends on them)
 * and the reader tries again until it is back.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
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
  /** An entry another instance appended: its stream key, that instance's name, the data it appended. */
  readonly onEntry: (key: string, by: string, data: string) => void;
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
  /** Appends made while the writer was away, oldest first. */
  private readonly unsent: [string, string][] = [];
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
      for (const [key, data] of streams.unsent.splice(0)) streams.xadd(key, data);
    });
    streams.loop = streams.read();
    return streams;
  }

  /**
   * Appends `data` to the stream `key` (not awaited by callers: a lost append is a gap in a view).
   * While the writer reconnects, appends wait (the newest UNSENT_MAX of them): the state store may be
   * back first, and what it let through must not vanish from the other instances' views.
   */
  append(key: string, data: string): void {
    if (this.closed || !this.options.streams.some((s) => s.key === key)) return;
    if (this.writer.status !== 'ready') {
      this.unsent.push([key, data]);
      if (this.unsent.length > UNSENT_MAX) this.unsent.shift();
      return;
    }
    this.xadd(key, data);
  }

  private xadd(key: string, data: string): void {
    const spec = this.options.streams.find((s) => s.key === key)!;
    this.writer.xadd(key, 'MAXLEN', '~', String(spec.maxLen), '*', 'by', this.name, 'data', data).catch(() => undefined);
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
            this.options.onEntry(key, by, data);
          } catch (err) {
            this.options.onError(err);
          }
        }
      }
    }
  }
}

/** Orders two stream ids (`<ms>-<seq>`). */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? (as === bs ? 0 : as < bs ? -1 : 1) : am < bm ? -1 : 1;
}
