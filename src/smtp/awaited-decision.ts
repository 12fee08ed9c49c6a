/**
 * A decision that waits for shared state (--redis): the session is not idle meanwhile (smtp-server's
 * idle timer skips a session with a handler pending), and an answer for a session that closed
 * while it waited is dropped.
 */
import type { StageDecision } from '../engine/policy.js';

export interface WaitingSession {
  _handlerPending: boolean;
  readonly _closed: boolean;
}

export function whenDecided(session: WaitingSession, decided: Promise<StageDecision>, then: (decision: StageDecision) => void, failed: (err: unknown) => void): void {
  const wasPending = session._handlerPending;
  session._handlerPending = true;
  decided.then(
    (decision) => {
      session._handlerPending = wasPending;
      if (!session._closed) then(decision);
    },
    (err: unknown) => {
      session._handlerPending = wasPending;
      failed(err);
    },
  );
}
