/**
 * One subscription to the server's events per HTTP listener, fanned out to any number of
 * event streams and waiting requests, so their count never trips the emitter's listener
 * limit, and all of them are detached in one go when the listener closes.
 */
import { EventEmitter } from 'node:events';
import type { MockMxEvents, MockMxServer } from '../server/types.js';

export class Hub {
  private readonly fanout = new EventEmitter<MockMxEvents>();
  private readonly detach: (() => void)[] = [];
  private readonly aborter = new AbortController();

  constructor(mx: MockMxServer) {
    this.fanout.setMaxListeners(0);
    for (const name of ['session', 'line', 'sessionEnd', 'message', 'messageDeleted', 'scenario'] as const) {
      // every transcript line passes here: fixed arity (no rest array), and nothing to do while no stream or wait listens
      const emit = this.fanout.emit as (n: string, a: unknown, b: unknown) => boolean;
      const forward = (a: unknown, b: unknown) => void (this.fanout.listenerCount(name) > 0 && emit.call(this.fanout, name, a, b));
      mx.events.on(name, forward as never);
      this.detach.push(() => mx.events.off(name, forward as never));
    }
  }

  /** Aborted when the listener closes: streams end and waits give up. */
  get closing(): AbortSignal {
    return this.aborter.signal;
  }

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof MockMxEvents>(name: K, listener: (...args: MockMxEvents[K]) => void): () => void {
    this.fanout.on(name, listener as never);
    return () => this.fanout.off(name, listener as never);
  }

  /** Subscriptions held now (a leak shows here). */
  count(): number {
    return this.fanout.eventNames().reduce((n, name) => n + this.fanout.listenerCount(name), 0);
  }

  close(): void {
    this.aborter.abort();
    for (const d of this.detach) d();
    this.fanout.removeAllListeners();
  }
}
