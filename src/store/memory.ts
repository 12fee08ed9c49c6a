/**
 * Messages in memory, oldest evicted beyond `maxMessages` so a long run cannot grow without
 * bound. A message that arrived spooled to a file stays in that file (memory holds only its
 * metadata); the file is removed when the message is evicted, deleted or cleared.
 */
import { readFileSync } from 'node:fs';
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
    const { raw, spooled, ...meta } = message;
    const body = spooled ? fileBody(spooled.path, spooled.size) : memoryBody(raw);
    const id = `m${(++this.sequence).toString(36).padStart(6, '0')}`;
    let parsed: Promise<ParsedMessage> | undefined;
    const stored: StoredMessage = Object.freeze({
      ...meta,
      envelope: Object.freeze({ mailFrom: message.envelope.mailFrom, rcptTo: Object.freeze([...message.envelope.rcptTo]) }),
      id,
      receivedAt: this.now(),
      size: body.size,
      get raw() {
        return body.buffer ?? readFileSync(body.path!);
      },
      rawStream: () => body.stream(),
      parsed: () => (parsed ??= body.buffer ? parseMessage(body.buffer) : parseSpooledMessage(body)),
    });
    this.messages.set(id, { message: stored, body });
    while (this.messages.size > this.options.maxMessages) await this.drop(this.oldest.take()!);
    return stored;
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
