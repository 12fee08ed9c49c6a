/**
 * Senders, the unit of the report: a client IP with an envelope sender. Each holds its checks'
 * tallies and, in slots, what each check remembers about it; the book keeps the latest
 * `maxSenders` by activity.
 */
import { BoundedMap } from './bounded-map.js';
import type { CheckId } from './checks.js';
import { addressKey } from './format.js';
import { Slots } from './slots.js';
import { Tally, type TallyLimits } from './tally.js';

export class SenderState extends Slots {
  readonly tallies = new Map<CheckId, Tally>();
  lastSeen: number;

  constructor(
    readonly key: string,
    readonly clientIp: string,
    /** As first written; `''` the null sender; null for sessions that never sent MAIL. */
    readonly sender: string | null,
    readonly firstSeen: number,
  ) {
    super();
    this.lastSeen = firstSeen;
  }
}

export const senderKey = (clientIp: string, sender: string | null): string => `${clientIp}\n${sender === null ? '\u0000' : addressKey(sender)}`;

export class SenderBook {
  private readonly book: BoundedMap<string, SenderState>;

  constructor(
    maxSenders: number,
    private readonly limits: TallyLimits,
  ) {
    this.book = new BoundedMap(maxSenders);
  }

  /** The sender, made on first sight; seen at `at`. */
  get(clientIp: string, sender: string | null, at: number): SenderState {
    const state = this.book.upsert(senderKey(clientIp, sender), () => new SenderState(senderKey(clientIp, sender), clientIp, sender, at));
    if (at > state.lastSeen) state.lastSeen = at;
    return state;
  }

  peek(clientIp: string, sender: string | null): SenderState | undefined {
    return this.book.peek(senderKey(clientIp, sender));
  }

  all(): SenderState[] {
    return [...this.book.values()];
  }

  /** A new tally with the card's limits. */
  tally(): Tally {
    return new Tally(this.limits);
  }
}
