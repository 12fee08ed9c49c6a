/** Messages in memory, oldest evicted beyond `maxMessages` so a long run cannot grow without bound. */
import { parseMessage } from './parse.js';
import type { MessageStore, NewMessage, ParsedMessage, StoredMessage } from './types.js';

export interface MemoryStoreOptions {
  readonly maxMessages: number;
  readonly now?: () => number;
}

export class MemoryMessageStore implements MessageStore {
  // a Map keeps insertion order, so the first key is always the oldest message
  private readonly messages = new Map<string, StoredMessage>();
  private sequence = 0;
  private readonly now: () => number;

  constructor(private readonly options: MemoryStoreOptions) {
    if (!Number.isInteger(options.maxMessages) || options.maxMessages < 1) throw new RangeError('maxMessages must be a positive integer');
    this.now = options.now ?? Date.now;
  }

  async add(message: NewMessage): Promise<StoredMessage> {
    const id = `m${(++this.sequence).toString(36).padStart(6, '0')}`;
    let parsed: Promise<ParsedMessage> | undefined;
    const stored: StoredMessage = Object.freeze({
      ...message,
      envelope: Object.freeze({ mailFrom: message.envelope.mailFrom, rcptTo: Object.freeze([...message.envelope.rcptTo]) }),
      id,
      receivedAt: this.now(),
      size: message.raw.length,
      parsed: () => (parsed ??= parseMessage(message.raw)),
    });
    this.messages.set(id, stored);
    while (this.messages.size > this.options.maxMessages) {
      this.messages.delete(this.messages.keys().next().value!);
    }
    return stored;
  }

  async get(id: string): Promise<StoredMessage | undefined> {
    return this.messages.get(id);
  }

  async list(): Promise<StoredMessage[]> {
    return [...this.messages.values()].reverse();
  }

  async delete(id: string): Promise<boolean> {
    return this.messages.delete(id);
  }

  async clear(): Promise<void> {
    this.messages.clear();
  }

  async count(): Promise<number> {
    return this.messages.size;
  }
}
