/**
 * Messages in memory, oldest evicted beyond `maxMessages` so a long run cannot grow without
 * bound. A message that arrived spooled to a file stays in that file (memory holds only its
 * metadata); the file is removed when the message is evicted, deleted or cleared.
 */
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Oldest } from '../util/oldest.js';
import { fileBody, memoryBody, type MessageBody } from '../spool/body.js';
import { parseMessage, parseSpooledMessage } from './parse.js';
import type { MessageStore, NewMessage, ParsedMessage, StoredMessage } from './types.js';

export interface MemoryStoreOptions {
  readonly maxMessages: number;
  readonly now?: () => number;
}

interface Kept {
  readonly message: StoredMessage;
  readonly body: MessageBody;
}

export class MemoryMessageStore implements MessageStore {
  // a Map keeps insertion order, so the first key is always the oldest message
  private readonly messages = new Map<string, Kept>();
  private readonly oldest = new Oldest(() => this.messages.keys());
  private sequence = 0;
  private readonly now: () => number;

  constructor(private readonly options: MemoryStoreOptions) {
    if (!Number.isInteger(options.maxMessages) || options.maxMessages < 1) throw new RangeError('maxMessages must be a positive integer');
    this.now = options.now ?? Date.now;
  }

  async add(message: NewMessage): Promise<StoredMessage> {
    const body = message.spooled ? fileBody(message.spooled.path, message.spooled.size) : memoryBody(message.raw);
    const id = `m${(++this.sequence).toString(36).padStart(6, '0')}`;
    const stored = new KeptMessage(message, body, id, this.now());
    this.messages.set(id, { message: stored, body });
    if (this.messages.size > this.options.maxMessages) await this.evict();
    return stored;
  }

  private async evict(): Promise<void> {
    while (this.messages.size > this.options.maxMessages) await this.drop(this.oldest.take()!);
  }

  async get(id: string): Promise<StoredMessage | undefined> {
    return this.messages.get(id)?.message;
  }

  async list(): Promise<StoredMessage[]> {
    return [...this.messages.values()].map((k) => k.message).reverse();
  }

  async delete(id: string): Promise<boolean> {
    return this.drop(id);
  }

  async clear(): Promise<void> {
    await Promise.all([...this.messages.keys()].map((id) => this.drop(id)));
    this.oldest.reset();
  }

  async count(): Promise<number> {
    return this.messages.size;
  }

  private async drop(id: string): Promise<boolean> {
    const kept = this.messages.get(id);
    if (!kept) return false;
    this.messages.delete(id);
    await kept.body.discard();
    return true;
  }
}

/**
 * A stored message as a class with fixed fields: built for every accepted message, so it is
 * kept cheap (an object literal with spreads, a getter and freeze cost ~6 µs a message).
 * `raw` is an own property for a message in memory, a getter reading the file for a spooled one.
 */
class KeptMessage implements StoredMessage {
  readonly sessionId: string;
  readonly envelope: StoredMessage['envelope'];
  readonly rule?: string;
  readonly authenticationResults?: string;
  readonly outbound?: StoredMessage['outbound'];
  readonly size: number;
  declare readonly raw: Buffer;
  // private fields: not own properties, so nothing to hide with defineProperty (that cost ~1 µs each)
  readonly #body: MessageBody;
  /** The parse, once asked for (the message itself is frozen). */
  readonly #parsing: { promise?: Promise<ParsedMessage> } = {};

  constructor(
    message: NewMessage,
    body: MessageBody,
    readonly id: string,
    readonly receivedAt: number,
  ) {
    this.sessionId = message.sessionId;
    this.envelope = Object.freeze({ mailFrom: message.envelope.mailFrom, rcptTo: Object.freeze([...message.envelope.rcptTo]) });
    if (message.rule !== undefined) this.rule = message.rule;
    if (message.authenticationResults !== undefined) this.authenticationResults = message.authenticationResults;
    if (message.outbound !== undefined) this.outbound = message.outbound;
    this.size = body.size;
    this.#body = body;
    if (body.buffer) (this as { raw: Buffer }).raw = body.buffer;
    else Object.defineProperty(this, 'raw', { get: () => readFileSync(body.path!), enumerable: true });
    Object.freeze(this);
  }

  rawStream(): Readable {
    return this.#body.stream();
  }

  parsed(): Promise<ParsedMessage> {
    return (this.#parsing.promise ??= this.#body.buffer ? parseMessage(this.#body.buffer) : parseSpooledMessage(this.#body));
  }
}
