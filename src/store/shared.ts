/**
 * With several instances (--redis), the messages every instance took, as one store: this
 * instance's own (the local store, unchanged) plus what the others announced — their metadata
 * only, bounded like the local store. Bodies stay with the instance that took them and are
 * fetched from it when asked for (its HTTP API), so large bodies never go through Redis, and
 * no instance holds the others' bodies beyond a parse it was asked for.
 *
 * Ids: another instance's message shows as `<instance>-<its id>` (its own id there), so ids
 * never clash; so do its session ids.
 */
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { OutboundInfo } from '../outbound/queue.js';
import { Oldest } from '../util/oldest.js';
import { parseMessage } from './parse.js';
import type { Envelope, MessageMeta, MessageStore, NewMessage, ParsedMessage, StoredMessage } from './types.js';

/** What an instance announces of a message it took: everything but the bytes. */
export interface MessageNotice extends MessageMeta {
  readonly id: string;
  readonly size: number;
  readonly receivedAt: number;
}

export const noticeOf = (m: StoredMessage): MessageNotice => ({
  id: m.id,
  sessionId: m.sessionId,
  envelope: m.envelope,
  ...(m.rule !== undefined ? { rule: m.rule } : {}),
  ...(m.authenticationResults !== undefined ? { authenticationResults: m.authenticationResults } : {}),
  ...(m.outbound !== undefined ? { outbound: m.outbound } : {}),
  size: m.size,
  receivedAt: m.receivedAt,
});

/** Opens the bytes of message `id` as instance `owner` keeps it; rejects with a clear reason. */
export type FetchBody = (owner: string, id: string) => Promise<Readable>;

/** Another instance's message: metadata here, bytes fetched from its owner when read. */
class RemoteMessage implements StoredMessage {
  readonly id: string;
  readonly sessionId: string;
  readonly envelope: Envelope;
  readonly rule?: string;
  readonly authenticationResults?: string;
  readonly outbound?: OutboundInfo;
  readonly size: number;
  readonly receivedAt: number;
  private parsing: Promise<ParsedMessage> | undefined;

  constructor(
    readonly instance: string,
    private readonly ownId: string,
    notice: MessageNotice,
    private readonly fetchBody: FetchBody,
  ) {
    this.id = `${instance}-${notice.id}`;
    this.sessionId = `${instance}-${notice.sessionId}`;
    this.envelope = notice.envelope;
    if (notice.rule !== undefined) this.rule = notice.rule;
    if (notice.authenticationResults !== undefined) this.authenticationResults = notice.authenticationResults;
    if (notice.outbound !== undefined) this.outbound = notice.outbound;
    this.size = notice.size;
    this.receivedAt = notice.receivedAt;
    Object.defineProperty(this, 'fetchBody', { enumerable: false });
    Object.defineProperty(this, 'parsing', { enumerable: false, writable: true });
  }

  /** The bytes live on another instance and can only be read asynchronously. */
  get raw(): Buffer {
    throw new Error(`message ${this.id} is kept by instance ${this.instance}: read it with rawStream() or parsed()`);
  }

  openRaw(): Promise<Readable> {
    return this.fetchBody(this.instance, this.ownId);
  }

  rawStream(): Readable {
    const out = new PassThrough();
    this.fetchBody(this.instance, this.ownId).then(
      (body) => {
        body.once('error', (err) => out.destroy(err));
        body.pipe(out);
      },
      (err: unknown) => out.destroy(err as Error),
    );
    return out;
  }

  /**
   * The parse of the fetched bytes. When the owner cannot be reached (stopped, its API not
   * started) this says so in the text instead of failing, so a listing still shows the rest,
   * and the fetch is tried again next time.
   */
  parsed(): Promise<ParsedMessage> {
    const p = (this.parsing ??= this.fetchBody(this.instance, this.ownId).then((body) => buffer(body)).then(parseMessage));
    return p.catch((err: unknown) => {
      if (this.parsing === p) this.parsing = undefined;
      return { headers: [], subject: '', to: [], text: `[mockmx: the body is unavailable here: ${(err as Error).message}]`, attachments: [] };
    });
  }
}

export class SharedMessageStore implements MessageStore {
  private readonly remote = new Map<string, RemoteMessage>();
  private readonly oldest = new Oldest(() => this.remote.keys());

  constructor(
    private readonly local: MessageStore,
    private readonly options: { readonly maxMessages: number; readonly fetchBody: FetchBody; readonly added: (m: StoredMessage) => void },
  ) {}

  /** A message another instance announced; undefined if it was already known. */
  heard(owner: string, notice: MessageNotice): StoredMessage | undefined {
    const m = new RemoteMessage(owner, notice.id, notice, this.options.fetchBody);
    if (this.remote.has(m.id)) return undefined;
    this.remote.set(m.id, m);
    while (this.remote.size > this.options.maxMessages) this.remote.delete(this.oldest.take()!);
    return m;
  }

  async add(message: NewMessage): Promise<StoredMessage> {
    const stored = await this.local.add(message);
    this.options.added(stored);
    return stored;
  }

  async get(id: string): Promise<StoredMessage | undefined> {
    return (await this.local.get(id)) ?? this.remote.get(id);
  }

  /** Newest first, this instance's and the others' interleaved by arrival. */
  async list(): Promise<StoredMessage[]> {
    const own = await this.local.list();
    if (this.remote.size === 0) return own;
    const others = [...this.remote.values()].reverse();
    const merged: StoredMessage[] = [];
    let i = 0;
    let j = 0;
    while (i < own.length || j < others.length) {
      if (j >= others.length || (i < own.length && own[i]!.receivedAt >= others[j]!.receivedAt)) merged.push(own[i++]!);
      else merged.push(others[j++]!);
    }
    return merged;
  }

  /** Deletes here: another instance's message leaves this instance's view (its owner keeps it). */
  async delete(id: string): Promise<boolean> {
    return (await this.local.delete(id)) || this.remote.delete(id);
  }

  async clear(): Promise<void> {
    await this.local.clear();
    this.remote.clear();
    this.oldest.reset();
  }

  async count(): Promise<number> {
    return (await this.local.count()) + this.remote.size;
  }
}

/** A response body as a stream, or a clear error for a failed fetch. */
export async function bodyOf(response: Response, what: string): Promise<Readable> {
  if (!response.ok || !response.body) throw new Error(`${what}: HTTP ${response.status}`);
  return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
}
