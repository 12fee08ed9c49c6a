/**
 * The session's door to the engine: runs a decision with the session's seeded randomness and
 * the runtime's clock and state, applies the state updates in the same tick (no races), and
 * notes what the decision explains. Errors of a stage decision propagate to the caller, which
 * answers 451; an event decision never throws (its error becomes that answer).
 */
import { decideEvent, decideStage, RULE_ERROR_REPLY, type PolicyInput, type StageDecision } from '../engine/policy.js';
import type { EventName } from '../engine/events.js';
import type { Facts } from '../engine/facts.js';
import { catalogEntries } from './entries.js';
import type { ReplyWriter } from './reply-writer.js';
import type { SmtpRuntime } from './runtime.js';

export class SessionDecisions {
  constructor(
    private readonly rt: SmtpRuntime,
    private readonly random: () => number,
    private readonly writer: ReplyWriter,
  ) {}

  stage(facts: Facts): StageDecision {
    return this.run((input) => decideStage(input), facts);
  }

  event(event: EventName, facts: () => Facts): StageDecision {
    this.writer.note('event', `event ${event}`);
    try {
      return this.run((input) => decideEvent(event, input), facts());
    } catch (err) {
      this.rt.reportError(err, `rules for event ${event}`);
      return { by: 'error', updates: [], action: { kind: 'reply', reply: RULE_ERROR_REPLY, delayMs: 0 } };
    }
  }

  private run(decideWith: (input: PolicyInput) => StageDecision, facts: Facts): StageDecision {
    const now = this.rt.now();
    const decision = decideWith({ facts, scenario: this.rt.scenario(), state: this.rt.state, now, random: this.random, entries: catalogEntries, rules: this.rt.decide });
    if (decision.updates.length) this.rt.state.apply(decision.updates, now);
    // a refusal about another recipient than the one being added (a full mailbox at the message)
    if (decision.values?.rcpt) this.writer.answering.rcpt = decision.values.rcpt;
    if (decision.note) this.writer.note('magic', decision.note);
    return decision;
  }
}
