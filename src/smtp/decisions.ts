/**
 * The session's door to the engine: runs a decision with the session's seeded randomness and
 * the runtime's clock and state, applies the state updates, and notes what the decision
 * explains. With state in this process the decision and its updates happen in the same tick
 * (no races) and `stage` returns the decision itself; with a shared store (Redis) it reads,
 * decides and writes through transact() and returns a promise. A store that cannot be reached
 * is answered with the `state-unavailable` event (451 4.3.0 by default). Errors of a stage
 * decision propagate to the caller, which answers 451; an event decision never throws.
 */
import { decideEvent, decideStage, RULE_ERROR_REPLY, type PolicyInput, type StageDecision } from '../engine/policy.js';
import type { EventName } from '../engine/events.js';
import type { Facts } from '../engine/facts.js';
import { EMPTY_SNAPSHOT, SnapshotView, transact } from '../state/transact.js';
import { StateUnavailableError, type LocalStateStore, type StateUpdate, type StateView } from '../state/types.js';
import { catalogEntries } from './entries.js';
import type { ReplyWriter } from './reply-writer.js';
import type { SmtpRuntime } from './runtime.js';

export class SessionDecisions {
  constructor(
    private readonly rt: SmtpRuntime,
    private readonly random: () => number,
    private readonly writer: ReplyWriter,
  ) {}

  stage(facts: Facts): StageDecision | Promise<StageDecision> {
    return this.run((input) => decideStage(input), facts);
  }

  /** Decided at once, whatever the store: protocol events answer inside smtp-server's own replies. */
  event(event: EventName, facts: () => Facts): StageDecision {
    this.writer.note('event', `event ${event}`);
    try {
      const local = this.rt.state.local;
      if (local) return this.inTick((input) => decideEvent(event, input), facts(), local);
      // a shared store cannot be read in this tick: event rules see no state, and their updates are written after
      const decision = decideEvent(event, this.policyInput(facts(), new SnapshotView(EMPTY_SNAPSHOT), this.random));
      this.commit(decision.updates);
      return this.noted(decision);
    } catch (err) {
      this.rt.reportError(err, `rules for event ${event}`);
      return { by: 'error', updates: [], action: { kind: 'reply', reply: RULE_ERROR_REPLY, delayMs: 0 } };
    }
  }

  /** Writes updates decided earlier (a kept message's mailbox usage): now in memory, in the background to a shared store. */
  commit(updates: readonly StateUpdate[]): void {
    if (!updates.length) return;
    const { state } = this.rt;
    if (state.local) return state.local.apply(updates, this.rt.now());
    state.write(updates, this.rt.now()).catch((err: unknown) => this.rt.reportError(err, 'writing rule state'));
  }

  private run(decideWith: (input: PolicyInput) => StageDecision, facts: Facts): StageDecision | Promise<StageDecision> {
    const local = this.rt.state.local;
    if (local) return this.inTick(decideWith, facts, local);
    const now = this.rt.now();
    return transact(this.rt.state, now, this.random, (view, random) => decideWith(this.policyInput(facts, view, random, now))).then(
      (decision) => this.noted(decision),
      (err: unknown) => {
        // the outage is told once by the store; each answer names it in the transcript
        if (!(err instanceof StateUnavailableError)) throw err;
        return this.noted(decideEvent('state-unavailable', this.policyInput(facts, new SnapshotView(EMPTY_SNAPSHOT), this.random, now)));
      },
    );
  }

  /** Decides and applies the updates in this tick: nothing can come in between. */
  private inTick(decideWith: (input: PolicyInput) => StageDecision, facts: Facts, local: LocalStateStore): StageDecision {
    const now = this.rt.now();
    const decision = decideWith(this.policyInput(facts, local, this.random, now));
    if (decision.updates.length) local.apply(decision.updates, now);
    return this.noted(decision);
  }

  private policyInput(facts: Facts, state: StateView, random: () => number, now = this.rt.now()): PolicyInput {
    return { facts, scenario: this.rt.scenario(), state, now, random, entries: catalogEntries, rules: this.rt.decide };
  }

  private noted(decision: StageDecision): StageDecision {
    // a refusal about another recipient than the one being added (a full mailbox at the message)
    if (decision.values?.rcpt) this.writer.answering.rcpt = decision.values.rcpt;
    if (decision.note) this.writer.note('magic', decision.note);
    return decision;
  }
}
