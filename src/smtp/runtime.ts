/**
 * What the SMTP adapter needs from the rest of mockmx, injected by the composition root:
 * the active scenario, the engine, state, a clock, randomness, and where sessions and
 * accepted messages go. The adapter never imports the store or the HTTP side.
 */
import type { Decision, DecideInput } from '../engine/decide.js';
import type { CompiledScenario } from '../engine/scenario.js';
import type { StateStore } from '../state/types.js';
import type { NoticeRequest } from '../outbound/queue.js';
import type { MessageBody, Spool } from '../spool/body.js';
import type { SessionInfo, SessionLog } from '../transcript/record.js';

// the session log's types live with the transcript record (store/ reads them from there, never from smtp/)
export type { LineDirection, SessionInfo, SessionLog, TranscriptEntry } from '../transcript/record.js';

export interface AcceptedMessage {
  readonly sessionId: string;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  /** In memory, or in a spool file the store takes over. */
  readonly body: MessageBody;
  /** The rule that accepted it, if one did. */
  readonly rule?: string;
  /** Received-SPF and Authentication-Results lines, when authentication was checked. */
  readonly authHeaders?: string;
}

export interface SmtpRuntime {
  scenario(): CompiledScenario;
  decide(input: DecideInput): Decision;
  /** Rule state (counters, windows, greylist entries, flags) the engine reads and updates. */
  readonly state: StateStore;
  /** Concurrent connections per client IP: opened returns the count including this one. */
  connectionOpened(ip: string): number;
  connectionClosed(ip: string): void;
  /** A seeded random stream of the n-th session since start: one for rules, one for reply styling. */
  randomFor(sessionIndex: number, purpose: 'rules' | 'style'): () => number;
  now(): number;
  openSession(info: SessionInfo): SessionLog;
  /** Where message bodies too large for memory are written while they arrive. */
  readonly spool: Spool;
  deliver(message: AcceptedMessage): Promise<{ id: string }>;
  /** Queues a notice (DSN or auto-reply) to send later. */
  notify(request: NoticeRequest): void;
  /** Called for errors that were caught and answered, so they are not silent. */
  reportError(err: unknown, context: string): void;
}
