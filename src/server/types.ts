/**
 * A running mockmx as its users see it: the interface app.ts's startServer returns. Kept apart
 * from app.ts (the composition root, which imports every adapter) so the HTTP API, the test
 * helper and library users can depend on the interface without importing the root.
 */
import type { EventEmitter } from 'node:events';
import type { CompiledScenario } from '../engine/scenario.js';
import type { PendingNotice } from '../outbound/queue.js';
import type { FleetPending, FlushReport } from '../outbound/fleet.js';
import type { RuleSpec } from '../scenario/schema.js';
import type { StateEntry } from '../state/types.js';
import type { SessionRecord, SessionStore, TranscriptLine } from '../store/sessions.js';
import type { MessageStore, StoredMessage } from '../store/types.js';
import type { Report, ReportFilter, ReportOptions } from '../report/index.js';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface MockMxEvents {
  session: [SessionRecord];
  line: [SessionRecord, TranscriptLine];
  sessionEnd: [SessionRecord];
  message: [StoredMessage];
  /** With --redis: a message left this instance's view (deleted or cleared here or on another instance). */
  messageDeleted: [string];
  /** The scenario in force changed: switched, replaced, or rules pushed or cleared. */
  scenario: [CompiledScenario];
}

export interface MockMxServer {
  readonly smtp: Endpoint;
  readonly smtps?: Endpoint;
  readonly seed: number;
  readonly messages: MessageStore;
  readonly sessions: SessionStore;
  /** Forgets every session transcript (messages stay); with --redis on every instance, those started before the clear. Resolves how many went here. */
  clearSessions(): Promise<number>;
  readonly events: EventEmitter<MockMxEvents>;
  scenario(): CompiledScenario;
  /** Replaces the scenario for new decisions; rule state and pushed rules start over. */
  useScenario(scenario: CompiledScenario | string): CompiledScenario;
  /**
   * Pushes one-off rules in front of the scenario's own (newest first), e.g.
   * `{ when: { rcpt: "bob@*" }, then: gmail.rate-limited-recipient, times: 2 }` — with `times`
   * they expire after that many uses. YAML text (a rule or a list) or objects; invalid rules
   * throw a ScenarioError and change nothing. Returns the rule ids.
   */
  addRules(rules: string | RuleSpec | readonly RuleSpec[]): string[];
  /** Removes every pushed rule. */
  clearRules(): void;
  /** Notices waiting to be sent (DSNs, auto-replies). */
  readonly outbound: {
    /** Sends those due on the clock now (with --redis every instance sends its own); resolves to how many went. */
    flush(): Promise<number>;
    /** This instance's waiting notices. */
    pending(): readonly PendingNotice[];
    /** With --redis every instance's, each naming its instance (`about` as this instance shows that message); else this one's, without. */
    pendingEverywhere(): Promise<FleetPending | { readonly items: readonly PendingNotice[] }>;
    /** flush(), saying with --redis what each instance sent and which did not answer in time. */
    flushEverywhere(): Promise<FlushReport | { readonly sent: number }>;
  };
  /** Forgets rule state (counters, windows, greylist entries, flags, mailbox usage), or the keys starting with `prefix`; returns how many. */
  resetState(prefix?: string): Promise<number>;
  /** The rule state as it is now, optionally only keys starting with `prefix`. */
  stateEntries(prefix?: string): Promise<StateEntry[]>;
  /**
   * The sender report card as of now: how each SMTP client (IP + envelope sender) handled the
   * failures it met, check by check, narrowed by `filter`. Throws RangeError on a bad filter.
   */
  report(filter?: ReportFilter): Report;
  /** The thresholds the card grades by (the scenario's `report:` settings over the defaults). */
  reportOptions(): ReportOptions;
  /** Forgets what the card saw (sessions still open are followed from their next line on). */
  resetReport(): void;
  /**
   * With --redis: this instance's HTTP API listens at `url` (startHttpApi says so), so the other
   * instances fetch the bodies of the messages it took from there, with `token`.
   */
  apiAt?(url: string, token: string | undefined): void;
  /** Stops listening; open sessions get 421 (busy ones after their current command, within graceMs). */
  close(graceMs?: number): Promise<void>;
}
