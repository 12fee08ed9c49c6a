/**
 * With several instances (--redis), the messages every instance took, as one store: this
 * instance's own (the local store, unchanged) plus what the others announced — their metadata
 * only, bounded like the local store. Bodies stay with the instance that took them and are
 * fetched from it when asked for (its HTTP API), so large bodies never go through Redis, and
 * no instance holds the others' bodies beyond a parse it was asked for.
 *
 * Ids: another instance's message shows as `<instance>-<its id>` (its own id there), so ids
 * never clash; so do its session ids.
 *
 * Deletes are the fleet's too: a delete goes on the same stream as the notices, after the notice
 * of what it deletes, so every instance drops the message from its view and its owner drops the
 * body. A clear sits at a position in that stream and takes every message announced before it,
 * on every instance — not one announced after it (a message taken meanwhile, elsewhere), so the
 * instances agree on what is left.
 */
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { OutboundInfo } from '../outbound/queue.js';
import { Oldest } from '../util/oldest.js';
import { compareIds } from '../util/stream-id.js';
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

/** What goes on the messages stream: a notice, a delete (of the appender's own message unless `owner` names another), or a clear. */
export type MessageEntry = MessageNotice | { readonly delete: string; readonly owner?: string } | { readonly clear: true };

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

  /** Where its notice sits in the shared stream (a clear takes what came before it). */
  declare readonly position: string;

  constructor(
    readonly instance: string,
    readonly ownId: string,
    notice: MessageNotice,
    private readonly fetchBody: FetchBody,
    position: string,
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
    Object.defineProperty(this, 'position', { enumerable: false, value: position });
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

export interface SharedStoreOptions {
  readonly maxMessages: number;
  readonly fetchBody: FetchBody;
  /** Puts an entry on the shared stream; resolves with its position there, or undefined if it was lost. */
  readonly announce: (entry: MessageEntry) => Promise<string | undefined>;
  /** A message left this view (deleted or cleared, here or on another instance). */
  readonly removed?: (id: string) => void;
  /** How long a clear waits to learn its position before clearing everything here (Redis away). Default 2000 ms. */
  readonly clearWaitMs?: number;
}

export class SharedMessageStore implements MessageStore {
  private readonly remote = new Map<string, RemoteMessage>();
  private readonly oldest = new Oldest(() => this.remote.keys());
  /** Stream positions of this instance's own notices (the newest maxMessages: older ones the local store evicted). */
  private readonly placed = new Map<string, string>();
  /** Own messages whose notice is on its way: its position, when it comes, says whether a clear took it. */
  private readonly placing = new Set<string>();
  /** The latest clear: anything announced before it is gone. */
  private clearedTo = '0-0';

  constructor(
    private readonly local: MessageStore,
    private readonly options: SharedStoreOptions,
  ) {}

  /** A message another instance announced at `position`; undefined if it was already known, or cleared since. */
  heard(owner: string, notice: MessageNotice, position: string): StoredMessage | undefined {
    // a clear made here may be ahead of what this instance has read
    if (compareIds(position, this.clearedTo) < 0) return undefined;
    const m = new RemoteMessage(owner, notice.id, notice, this.options.fetchBody, position);
    if (this.remote.has(m.id)) return undefined;
    this.remote.set(m.id, m);
    while (this.remote.size > this.options.maxMessages) this.remote.delete(this.oldest.take()!);
    return m;
  }

  /** Drops message `id` from this view, and its body if it is this instance's; told to `removed`. Announces nothing. */
  async forget(id: string): Promise<boolean> {
    const gone = this.remote.delete(id) || (await this.local.delete(id));
    this.placed.delete(id);
    if (gone) this.options.removed?.(id);
    return gone;
  }

  /** A clear at `position` (here or heard): every message announced before it goes, here and (for its own) its body. */
  async clearedAt(position: string): Promise<void> {
    if (compareIds(position, this.clearedTo) > 0) this.clearedTo = position;
    const gone: string[] = [];
    for (const m of this.remote.values()) if (compareIds(m.position, position) < 0) gone.push(m.id);
    for (const id of gone) this.remote.delete(id);
    for (const m of await this.local.list()) {
      if (this.placing.has(m.id)) continue;
      // never announced (reloaded from --store, or lost while Redis was away): any clear takes it
      const at = this.placed.get(m.id);
      if (at !== undefined && compareIds(at, position) >= 0) continue;
      this.placed.delete(m.id);
      if (await this.local.delete(m.id)) gone.push(m.id);
    }
    for (const id of gone) this.options.removed?.(id);
  }

  async add(message: NewMessage): Promise<StoredMessage> {
    const stored = await this.local.add(message);
    const clearedBefore = this.clearedTo;
    this.placing.add(stored.id);
    void this.options.announce(noticeOf(stored)).then((at) => this.placedAt(stored.id, at, clearedBefore));
    return stored;
  }

  private placedAt(id: string, at: string | undefined, clearedBefore: string): void {
    this.placing.delete(id);
    // a clear came meanwhile: it takes this one if it came after (or, unannounced, at all)
    if (at === undefined ? this.clearedTo !== clearedBefore : compareIds(at, this.clearedTo) < 0) {
      void this.forget(id);
      return;
    }
    if (at === undefined) return;
    this.placed.set(id, at);
    if (this.placed.size > this.options.maxMessages) this.placed.delete(this.placed.keys().next().value!);
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

  /** Deletes everywhere: here now, on the others (and the body on its owner) when they read the delete. */
  async delete(id: string): Promise<boolean> {
    const remote = this.remote.get(id);
    if (!(await this.forget(id))) return false;
    void this.options.announce(remote ? { delete: remote.ownId, owner: remote.instance } : { delete: id });
    return true;
  }

  /**
   * Clears everywhere what was announced before the clear. Redis away: everything here goes now,
   * and the others clear when the clear reaches them.
   */
  async clear(): Promise<void> {
    const placing = this.options.announce({ clear: true });
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.options.clearWaitMs ?? 2000)));
    const at = await Promise.race([placing, waited]);
    clearTimeout(timer);
    if (at !== undefined) return this.clearedAt(at);
    const gone = [...(await this.local.list()).map((m) => m.id), ...this.remote.keys()];
    await this.local.clear();
    this.remote.clear();
    this.oldest.reset();
    this.placed.clear();
    for (const id of gone) this.options.removed?.(id);
    void placing.then((later) => (later === undefined ? undefined : this.clearedAt(later)));
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
