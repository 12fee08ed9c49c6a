/**
 * The one decision path. A stage is answered by the scenario's rules first, then by the
 * server's built-in policy — magic recipients, known mailboxes and their quotas, the defaults
 * of protocol events — as ordinary Decisions, each naming what decided (`builtin:<name>`,
 * `magic:<entry id>`, `replies.<event>`). Pure like decide(): the caller applies the updates.
 *
 * Two preconditions (TLS required before MAIL, RCPT and DATA) are checked before the rules, as
 * smtp-server's own sequence checks are: a rule never sees a command the server refuses anyway.
 */
import { hasMailRecords } from '../auth/zone.js';
import type { StateUpdate, StateView } from '../state/types.js';
import { decide, type Decision, type DecideInput } from './decide.js';
import type { EventName } from './events.js';
import type { Facts } from './facts.js';
import { mailboxUsageKey } from './keys.js';
import type { Reply } from './reply.js';
import type { Stage } from './stages.js';
import type { CompiledScenario, NoticeSpec } from './scenario.js';

const reply = (code: number, enhanced: string | null, text: string): Reply =>
  Object.freeze({ code, enhanced, lines: Object.freeze([text]), close: code === 421 });

/** The default wording of the refusals mockmx itself decides (a scenario's `replies:` table rewords them). */
export const BUILTIN_REPLIES: Readonly<Partial<Record<EventName, Reply>>> = Object.freeze({
  'tls-required': reply(530, '5.7.0', 'Must issue a STARTTLS command first'),
  'user-unknown': reply(550, '5.1.1', '<{rcpt}>: Recipient address rejected: User unknown'),
  'mailbox-disabled': reply(550, '5.2.1', '<{rcpt}>: The email account that you tried to reach is disabled'),
  'mailbox-full': reply(452, '4.2.2', "<{rcpt}>: The recipient's inbox is out of storage space"),
  'mailbox-quota-exceeded': reply(552, '5.2.2', '<{rcpt}>: Mailbox full: the message does not fit in the quota'),
  'message-too-big': reply(552, '5.3.4', 'Message size exceeds fixed maximum message size'),
  // worded like smtp-server's other bad sequences ("Error: need MAIL command"), coded as they are
  'session-refused': reply(503, '5.5.1', 'Error: session refused, only QUIT is allowed'),
});

export const RULE_ERROR_REPLY = reply(451, '4.3.0', 'Temporary local problem evaluating rules; try again later');
export const AUTH_OK_REPLY = reply(235, '2.7.0', 'Authentication successful');
export const DISCARD_REPLY = reply(250, '2.0.0', 'OK: message accepted');
export const UNKNOWN_ACCEPTED_REPLY = reply(250, '2.0.0', 'OK');

/** A provider reply a magic recipient can replay: a catalog entry as the engine needs it. */
export interface MagicEntry {
  readonly id: string;
  /** Where the provider naturally sends it. */
  readonly stage: Stage;
  readonly reply: Reply;
}

/** Finds a catalog entry by id (case-insensitive); injected, since the catalog is data above the engine. */
export type EntryLookup = (id: string) => MagicEntry | undefined;

/** What a stage decision needs besides the facts. */
export interface PolicyInput {
  readonly facts: Facts;
  readonly scenario: CompiledScenario;
  readonly state: StateView;
  readonly now: number;
  readonly random: () => number;
  readonly entries: EntryLookup;
  /** The rule evaluator (injectable so tests can make it fail); default decide(). */
  readonly rules?: (input: DecideInput) => Decision;
}

/**
 * What a refusal leaves of the session, when a magic recipient replays at RCPT an entry whose
 * provider sends it earlier: the session as that earlier refusal would have left it.
 * `session-refused` (a connect-stage refusal): every command but QUIT is a bad sequence (RFC 5321 §3.1);
 * `greeting-void` (helo): MAIL needs a new EHLO/HELO; `transaction-void` (starttls, auth, mail): a new MAIL.
 */
export type Aftermath = 'session-refused' | 'greeting-void' | 'transaction-void';

const AFTERMATH: Readonly<Partial<Record<Stage, Aftermath>>> = { connect: 'session-refused', helo: 'greeting-void', starttls: 'transaction-void', auth: 'transaction-void', mail: 'transaction-void' };

const AFTERMATH_NOTES: Readonly<Record<Aftermath, string>> = {
  'session-refused': 'the session is refused, every command but QUIT gets 503',
  'greeting-void': 'the greeting is void, MAIL needs a new EHLO/HELO',
  'transaction-void': 'the transaction is void, a new MAIL starts over',
};

/** A decision that names its decider; `values` fill placeholders the reply quotes (e.g. the full mailbox's `{rcpt}`). */
export interface StageDecision extends Decision {
  readonly by?: string;
  /** The protocol event it answers, if any. */
  readonly event?: EventName;
  readonly values?: Readonly<Record<string, string>>;
  /** A line for the transcript explaining a decision: a magic recipient answering later, or what its refusal leaves. */
  readonly note?: string;
  /** At message: updates to apply once the message is kept (mailbox usage). */
  readonly afterStore?: readonly StateUpdate[];
  /** What the session is left as once the reply is written (see Aftermath). */
  readonly leaves?: Aftermath;
}

const NONE: StageDecision = Object.freeze({ updates: Object.freeze([]) as readonly StateUpdate[] });

/** The first check before any rule: a command the scenario's TLS policy refuses. */
export function precondition(scenario: CompiledScenario, verb: string, heloDone: boolean, secure: boolean): EventName | undefined {
  if (heloDone && !secure && scenario.server.tls.starttls === 'required' && (verb === 'MAIL' || verb === 'RCPT' || verb === 'DATA')) return 'tls-required';
  return undefined;
}

/** Rules, then built-in policy, for the facts' stage. */
export function decideStage(input: PolicyInput): StageDecision {
  const ruled = ruleDecision(input);
  if (ruled.action) return withStoreUpdates(ruled, input);
  const builtin = builtinDecision(input);
  if (!builtin) return withStoreUpdates(ruled, input);
  const updates = ruled.updates.length ? [...ruled.updates, ...builtin.updates] : builtin.updates;
  return withStoreUpdates({ ...builtin, updates }, input);
}

/**
 * A protocol event (the server refusing something): event rules, then the scenario's `replies:`
 * wording, then mockmx's default for the refusals it decides itself. No action means "the
 * server's own refusal, as it words it" — still named `builtin:<event>`.
 * Events answer at once: a rule's delay is not waited for; accept/discard mean the usual refusal.
 */
export function decideEvent(event: EventName, input: PolicyInput): StageDecision {
  const { scenario } = input;
  let updates: readonly StateUpdate[] = [];
  if (scenario.eventRules.length) {
    const decided = (input.rules ?? decide)({ ...ruleInput(input), facts: { ...input.facts, event }, rules: scenario.eventRules });
    updates = decided.updates;
    const { action, rule } = decided;
    if (rule && action && (action.kind === 'reply' || action.kind === 'drop' || action.kind === 'reset')) {
      return { by: rule.id, rule, event, updates, action: action.kind === 'reply' ? { kind: 'reply', reply: action.reply!, delayMs: 0 } : { kind: action.kind, delayMs: 0 } };
    }
  }
  const worded = scenario.replies.get(event);
  if (worded) return { by: `replies.${event}`, event, updates, action: { kind: 'reply', reply: worded, delayMs: 0 } };
  const builtin = BUILTIN_REPLIES[event];
  return { by: `builtin:${event}`, event, updates, ...(builtin ? { action: { kind: 'reply', reply: builtin, delayMs: 0 } } : {}) };
}

function ruleInput(input: PolicyInput): DecideInput {
  const { scenario } = input;
  return {
    facts: input.facts,
    rules: scenario.rulesByStage.get(input.facts.stage) ?? [],
    state: input.state,
    now: input.now,
    random: input.random,
    ...(scenario.dnsDeclared ? { domainExists: (domain: string) => hasMailRecords(scenario.zone, domain) } : {}),
  };
}

function ruleDecision(input: PolicyInput): StageDecision {
  if (!input.scenario.activeStages.has(input.facts.stage)) return NONE;
  const decided = (input.rules ?? decide)(ruleInput(input));
  return decided.rule ? { ...decided, by: decided.rule.id } : decided;
}

/** What the server does when no rule answered. */
function builtinDecision(input: PolicyInput): StageDecision | undefined {
  const { facts } = input;
  switch (facts.stage) {
    case 'auth':
      return facts.auth && !facts.auth.valid ? decideEvent('auth-failed', input) : undefined;
    case 'rcpt':
      return recipientDecision(facts.rcpt ?? '', input);
    case 'data': {
      const entry = magicLater(facts.envelope.rcptTo, input);
      return entry?.stage === 'data' ? magicReply(entry) : undefined;
    }
    case 'message': {
      const entry = magicLater(facts.envelope.rcptTo, input);
      if (entry?.stage === 'message') return magicReply(entry);
      const full = overQuota(facts, input);
      if (!full) return undefined;
      const refused = decideEvent('mailbox-quota-exceeded', input);
      return { ...refused, values: { rcpt: full } };
    }
    default:
      return undefined;
  }
}

function recipientDecision(rcpt: string, input: PolicyInput): StageDecision | undefined {
  const notice = magicNotice(rcpt, input);
  if (notice) return { by: notice.by, updates: [], action: { kind: 'notice', notice: notice.spec, delayMs: 0 } };
  const entry = magicEntry(rcpt, input);
  if (entry && (entry.stage === 'message' || entry.stage === 'data')) {
    // accepted now, answered at its own stage; the first such recipient of a transaction wins
    const first = !magicLater(input.facts.envelope.rcptTo.slice(0, -1), input);
    return { by: `magic:${entry.id}`, updates: [], action: { kind: 'accept', delayMs: 0 }, ...(first ? { note: `magic recipient: ${entry.id} answers at ${entry.stage}` } : {}) };
  }
  if (entry) return earlierRefusal(entry);
  const event = mailboxEvent(rcpt, input);
  return event ? decideEvent(event, input) : undefined;
}

function mailboxEvent(rcpt: string, { scenario, state, now }: PolicyInput): EventName | undefined {
  const box = scenario.mailboxes.get(rcpt.toLowerCase());
  if (!box) return scenario.server.recipients === 'known' ? 'user-unknown' : undefined;
  if (box.disabled) return 'mailbox-disabled';
  if (box.quota !== undefined && state.count(mailboxUsageKey(box.address), now) >= box.quota) return 'mailbox-full';
  return undefined;
}

/** The first recipient whose mailbox the message would overflow. */
function overQuota({ envelope, message }: Facts, { scenario, state, now }: PolicyInput): string | undefined {
  const size = message?.size ?? 0;
  for (const rcpt of envelope.rcptTo) {
    const box = scenario.mailboxes.get(rcpt.toLowerCase());
    if (box?.quota !== undefined && state.count(mailboxUsageKey(box.address), now) + size > box.quota) return rcpt;
  }
  return undefined;
}

/** A positive message-stage decision fills the recipients' mailboxes once the message is kept. */
function withStoreUpdates(decision: StageDecision, { facts, scenario }: PolicyInput): StageDecision {
  if (facts.stage !== 'message' || !scenario.mailboxes.size) return decision;
  const size = facts.message?.size ?? 0;
  const afterStore = facts.envelope.rcptTo
    .filter((rcpt) => scenario.mailboxes.has(rcpt.toLowerCase()))
    .map((rcpt) => ({ op: 'count' as const, key: mailboxUsageKey(rcpt), by: size }));
  return afterStore.length ? { ...decision, afterStore } : decision;
}

/** An entry of a stage before RCPT, replayed at RCPT: a refusal leaves the session as its own stage would. */
function earlierRefusal(entry: MagicEntry): StageDecision {
  // a closing refusal leaves no session behind
  const leaves = entry.reply.code >= 400 && !entry.reply.close ? AFTERMATH[entry.stage] : undefined;
  if (!leaves) return magicReply(entry);
  return { ...magicReply(entry), leaves, note: `magic recipient: ${entry.id} is a ${entry.stage}-stage refusal: ${AFTERMATH_NOTES[leaves]}` };
}

const magicReply = (entry: MagicEntry): StageDecision => ({ by: `magic:${entry.id}`, updates: [], action: { kind: 'reply', reply: entry.reply, delayMs: 0 } });

type MagicInput = Pick<PolicyInput, 'scenario' | 'entries'>;

/** A recipient whose local part is a catalog id replays that entry (unless the scenario turns it off). */
export function magicEntry(rcpt: string, { scenario, entries }: MagicInput): MagicEntry | undefined {
  if (!scenario.server.magicRecipients) return undefined;
  const at = rcpt.lastIndexOf('@');
  return at > 0 ? entries(rcpt.slice(0, at)) : undefined;
}

/** The entry a transaction's recipients make answer at DATA or after the message: the first such recipient's. */
export function magicLater(rcptTo: readonly string[], input: MagicInput): MagicEntry | undefined {
  if (!input.scenario.server.magicRecipients) return undefined;
  for (const rcpt of rcptTo) {
    const entry = magicEntry(rcpt, input);
    if (entry && (entry.stage === 'message' || entry.stage === 'data')) return entry;
  }
  return undefined;
}

/**
 * Magic recipients for notices: `<catalog id>+bounce@…` accepts, then bounces with that
 * entry; `<catalog id>+delay@…` sends a delay notice with a 4xx entry, then delivers;
 * `<anything>+autoreply@…` answers with an out-of-office reply.
 */
function magicNotice(rcpt: string, { scenario, entries }: MagicInput): { spec: NoticeSpec; by: string } | undefined {
  if (!scenario.server.magicRecipients) return undefined;
  const local = rcpt.slice(0, Math.max(0, rcpt.lastIndexOf('@')));
  const m = /^(.*)\+(bounce|delay|autoreply)$/i.exec(local);
  if (!m) return undefined;
  const suffix = m[2]!.toLowerCase();
  if (suffix === 'autoreply') return { spec: { kind: 'auto-reply', afterMs: 0, autoReply: { text: 'I am out of the office and will reply when I am back.' } }, by: 'magic:autoreply' };
  const entry = entries(m[1]!);
  const code = entry?.reply.code ?? 0;
  if (!entry || code < 400 || (suffix === 'delay' && code >= 500)) return undefined;
  return { spec: { kind: suffix === 'bounce' ? 'failure' : 'delay', reply: entry.reply, afterMs: 0 }, by: `magic:${entry.id}+${suffix}` };
}
