/**
 * After the final dot: the received body is examined (checks, then authentication, only as deep
 * as the rules read), the engine decides, and an accepted message is stored and its notices
 * queued. The result is what to answer; the connection only writes it (or ends the session).
 */
import type { MessageFacts } from '../engine/facts.js';
import { DISCARD_REPLY, RULE_ERROR_REPLY, type StageDecision } from '../engine/policy.js';
import { isPositive, type Reply } from '../engine/reply.js';
import type { StateUpdate } from '../state/types.js';
import type { NoteKind } from '../transcript/record.js';
import type { MessageBody } from '../spool/body.js';
import { examineMessage, type Examined, type ExamineInput } from './message.js';
import type { NoticeJob } from './notices.js';

/** What to answer at the end of DATA, or a decision that ends the session (drop, reset). */
export type Verdict = { readonly reply: Reply; readonly rule?: string; readonly storedId?: string } | { readonly end: StageDecision };

export interface FinalDotSteps {
  readonly body: MessageBody;
  /** The scenario's wording of an accepted message (`success.message`), `{id}` the stored id; absent: "OK: queued as <id>". */
  readonly accepted?: Reply;
  readonly examine: ExamineInput;
  /** Runs the engine at the message stage (state updates applied); may throw. */
  decide(message: MessageFacts): StageDecision | Promise<StageDecision>;
  /** Resolves after `ms`, keeping the session from idling out (a tarpit). */
  wait(ms: number): Promise<void>;
  /** Hands the body to the message store; resolves to the stored id. */
  store(rule: string | undefined, authHeaders: string | undefined): Promise<string>;
  /** Queues the notices of a kept message: the per-recipient ones and `whole` for the message. */
  notify(id: string, examined: Examined, whole: NoticeJob | undefined): void;
  applyState(updates: readonly StateUpdate[]): void;
  note(kind: NoteKind, text: string, rule?: string): void;
  reportError(err: unknown, context: string): void;
  /** Placeholder values the message's analysis gives replies. */
  quote(message: MessageFacts): void;
}

const storeError = (): Reply => Object.freeze({ code: 451, enhanced: '4.3.0', lines: Object.freeze(['Temporary local problem storing the message; try again later']), close: false });
const queued = (id: string): Reply => Object.freeze({ code: 250, enhanced: '2.0.0', lines: Object.freeze([`OK: queued as ${id}`]), close: false });

const withId = (r: Reply, id: string): Reply => Object.freeze({ ...r, lines: Object.freeze(r.lines.map((l) => l.replaceAll('{id}', id))) });

/** Raised by `store` when the session closed before its message could be kept: nobody is told, nothing is reported. */
export const SESSION_CLOSED = new Error('the session closed before its message was stored');

export async function finalDot(steps: FinalDotSteps): Promise<Verdict> {
  const examined = await examineMessage(steps.body, steps.examine);
  steps.quote(examined.message);
  let decision: StageDecision;
  try {
    decision = await steps.decide(examined.message);
  } catch (err) {
    steps.reportError(err, 'rules at message');
    return { reply: RULE_ERROR_REPLY, rule: 'error' };
  }
  const { action, by } = decision;
  if (action && action.delayMs > 0) {
    steps.note('delay', `delaying ${action.delayMs} ms`, by);
    await steps.wait(action.delayMs);
  }
  const store = (answer?: Reply, whole?: NoticeJob, rule = by) => keep(steps, decision, examined, rule, answer, whole);
  switch (action?.kind) {
    case undefined:
    case 'continue':
      return store(undefined, undefined, undefined);
    case 'accept':
      return store();
    case 'drop':
    case 'reset':
      return { end: decision };
    case 'discard':
      steps.note('discarded', 'message discarded', by);
      return { reply: DISCARD_REPLY, ...(by ? { rule: by } : {}) };
    case 'notice': {
      const notice = action.notice!;
      steps.note('notice', `${notice.kind === 'auto-reply' ? 'auto-reply' : `${notice.kind} notice`} after ${notice.afterMs} ms`, by);
      return store(undefined, { notice, ...(by ? { rule: by } : {}) });
    }
    case 'reply':
      return isPositive(action.reply!) ? store(action.reply) : { reply: action.reply!, ...(by ? { rule: by } : {}) };
  }
}

async function keep(steps: FinalDotSteps, decision: StageDecision, examined: Examined, rule: string | undefined, answer: Reply | undefined, whole: NoticeJob | undefined): Promise<Verdict> {
  let id: string;
  try {
    id = await steps.store(rule, examined.authHeaders);
  } catch (err) {
    if (err !== SESSION_CLOSED) steps.reportError(err, 'store');
    void steps.body.discard();
    return { reply: storeError() };
  }
  // quotas fill once the message is kept
  if (decision.afterStore?.length) steps.applyState(decision.afterStore);
  steps.notify(id, examined, whole);
  return { reply: answer ?? (steps.accepted ? withId(steps.accepted, id) : queued(id)), ...(rule ? { rule } : {}), storedId: id };
}
