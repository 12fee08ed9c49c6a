/**
 * Waiting notices and flushes across several instances (--redis), as the API reports them; the
 * sharing itself is src/shared-outbound.ts.
 */
import type { PendingNotice } from './queue.js';

/** A notice waiting on some instance; `about` is that message's id as this instance shows it. */
export interface FleetNotice extends PendingNotice {
  readonly instance: string;
}

export interface FleetPending {
  readonly items: readonly FleetNotice[];
  /** Set when only this instance's could be listed (Redis away). */
  readonly problem?: string;
}

export interface FlushReport {
  /** Notices sent, by every instance that answered. */
  readonly sent: number;
  /** How many each instance sent (this one included). */
  readonly instances: Readonly<Record<string, number>>;
  /** Live instances that did not answer in time. */
  readonly unanswered: readonly string[];
  readonly problem?: string;
}
