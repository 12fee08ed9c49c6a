/**
 * What a refusal leaves of the session (the engine's Decision.leaves), applied once its reply
 * is on the wire — not before, since the reply may quote the HELO name or the sender it voids.
 * A refused session then answers every command but QUIT with the `session-refused` event; a
 * void greeting or transaction is smtp-server's own state reset, so its usual sequence refusals
 * (`helo-first`, `mail-first`, `rcpt-first`) follow.
 */
import type { Aftermath } from '../engine/policy.js';

/** The smtp-server connection state an aftermath resets. */
export interface AftermathHost {
  hostNameAppearsAs: string | false;
  openingCommand: string | false;
  _resetSession(): void;
}

export class SessionAftermath {
  private due: Aftermath | undefined;
  private refused = false;

  constructor(private readonly host: AftermathHost) {}

  /** A decision is being carried out: what it leaves applies after its reply. */
  expect(leaves: Aftermath | undefined): void {
    this.due = leaves;
  }

  /** A reply was written: a refusal leaves what its decision said; any reply ends the decision's turn. */
  written(code: number): void {
    const due = this.due;
    this.due = undefined;
    if (!due || code < 400) return;
    if (due === 'session-refused') this.refused = true;
    if (due === 'greeting-void') {
      this.host.hostNameAppearsAs = false;
      this.host.openingCommand = false;
    }
    // the greeting's own reset (EHLO is an implicit RSET) and the transaction's
    this.host._resetSession();
  }

  /** Whether a command meets a refused session (RFC 5321 §3.1: all but QUIT get 503). */
  refuses(verb: string): boolean {
    return this.refused && verb !== 'QUIT';
  }
}
