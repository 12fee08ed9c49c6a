/**
 * The compiled form of a scenario: what the engine and the adapter run on. Built once by
 * `scenario/compile.ts`, then frozen. Conditions are predicates over Facts.
 */
import type { ContentLimits, Depth } from './content.js';
import type { EventName } from './events.js';
import type { SuccessName } from './success.js';
import type { CountKey } from './keys.js';
import type { StateView } from '../state/types.js';
import type { Zone } from '../auth/zone.js';
import type { Facts } from './facts.js';
import type { Reply } from './reply.js';
import type { Stage } from './stages.js';
import type { PatternKey } from './values.js';
import type { TextField } from './text-fields.js';

export type ActionKind = 'reply' | 'accept' | 'drop' | 'reset' | 'discard' | 'continue' | 'notice';

export interface Action {
  /** `continue` (a lone delay) means: after the delay, do what the stage normally does. */
  readonly kind: ActionKind;
  readonly reply?: Reply;
  readonly delayMs: number;
  /** For `notice`: accept now (250), and send this later. */
  readonly notice?: NoticeSpec;
}

/** A notice sent after accepting: a failure DSN, a delay DSN (then delivery or a failure), an auto-reply. */
export interface NoticeSpec {
  readonly kind: 'failure' | 'delay' | 'auto-reply';
  /** The reply the DSN reports (its status and Diagnostic-Code). */
  readonly reply?: Reply;
  /** How long after acceptance it is sent. */
  readonly afterMs: number;
  /** For a delay notice: the failure that follows, and when (after acceptance). */
  readonly final?: { readonly reply: Reply; readonly afterMs: number };
  readonly autoReply?: { readonly subject?: string; readonly text: string };
}

/** What a condition may read besides the facts: rule state (for `flagged`) and the time. */
export interface ConditionEnv {
  readonly state: StateView;
  readonly now: number;
  /** Whether a domain has MX or A/AAAA records; undefined when the scenario has no DNS data to say. */
  readonly domainExists?: (domain: string) => boolean | undefined;
}

export interface Condition {
  /** The key as written in the scenario, for explanations. */
  readonly key: string;
  readonly test: (facts: Facts, env: ConditionEnv) => boolean;
  /** Set when the condition can hold only if some value of `field` has one of `keys`: lets rules be indexed. */
  readonly index?: ConditionIndex;
}

export interface ConditionIndex {
  readonly field: TextField;
  readonly keys: readonly PatternKey[];
}

export interface FlagSpec {
  readonly name: string;
  readonly forMs: number;
  readonly per: readonly CountKey[];
}

export interface RuleSource {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface AuthNeeds {
  readonly ptr: boolean;
  readonly spf: boolean;
  readonly message: boolean;
}

export interface CompiledRule {
  readonly id: string;
  readonly description?: string;
  readonly stages: ReadonlySet<Stage>;
  readonly conditions: readonly Condition[];
  readonly action: Action;
  readonly times?: number;
  readonly after?: number;
  readonly probability?: number;
  /** Count `times`/`after`, `rate` and `greylist` per these keys; absent: once for the server. */
  readonly per?: readonly CountKey[];
  /** At most `limit` matches per window pass; the rule answers the rest. */
  readonly rate?: { readonly limit: number; readonly windowMs: number };
  readonly greylist?: { readonly delayMs: number; readonly expireMs: number; readonly rememberMs: number };
  /** Flags set (on the keys `per` names) when the rule answers, read by `when.flagged`. */
  readonly flags?: readonly FlagSpec[];
  readonly source: RuleSource;
  /** How deep its conditions read the message: 0 not, 1 the header section, 2 the MIME body. */
  readonly messageDepth: Depth;
  /** True when the rule answers protocol events (`when.event`); only those see events. */
  readonly readsEvent: boolean;
  /** The authentication checks its conditions read. */
  readonly readsAuth: AuthNeeds;
}

/** The SMTP AUTH mechanisms a scenario can offer (the schema's `server.auth.mechanisms`). */
export const AUTH_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'] as const;
export type AuthMechanism = (typeof AUTH_MECHANISMS)[number];

export interface AuthUser {
  readonly user: string;
  readonly password?: string;
  readonly token?: string;
}

/** The scenario's `report:` thresholds, in milliseconds; absent keys take the report card's defaults. */
export interface ReportSettings {
  readonly minRetryDelayMs?: number;
  readonly minReconnectDelayMs?: number;
  readonly neverRetriedAfterMs?: number;
  readonly backoffTolerance?: number;
  readonly throttleReplies?: readonly string[];
}

export interface ServerSettings {
  readonly hostname: string;
  readonly banner: string;
  /** The whole greeting text, with placeholders; empty for "<hostname> ESMTP <banner>". */
  readonly greeting: string;
  /** First line of the HELO/EHLO reply, with placeholders; empty for smtp-server's own. */
  readonly heloGreeting: string;
  /** The order of the EHLO capability lines by keyword (upper case); empty for smtp-server's order. */
  readonly capabilities: readonly string[];
  readonly greetDelayMs: number;
  /** Maximum message size in bytes; 0 for no limit. */
  readonly size: number;
  readonly maxRecipients: number;
  /** Concurrent connections; 0 for no limit. */
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
  readonly recipients: 'any' | 'known';
  readonly magicRecipients: boolean;
  /** CHUNKING is advertised and BDAT accepted (RFC 3030). */
  readonly chunking: boolean;
  /** BINARYMIME is advertised (only with chunking). */
  readonly binaryMime: boolean;
  /** Text of the reply to a BDAT chunk that is not the last, with placeholders; empty for the default. */
  readonly chunkReply: string;
  /** DSN is advertised (and its MAIL/RCPT parameters honoured). */
  readonly dsn: boolean;
  /** Where notices are delivered over SMTP; undefined: kept only. */
  readonly bounceTo?: { readonly host: string; readonly port: number };
  readonly tls: { readonly starttls: 'offered' | 'required' | 'off'; readonly implicit: boolean };
  readonly limits: ContentLimits;
  readonly auth: {
    readonly mechanisms: readonly AuthMechanism[];
    readonly required: boolean;
    readonly allowInsecure: boolean;
    readonly users: readonly AuthUser[];
  };
}

export interface Mailbox {
  readonly address: string;
  readonly disabled: boolean;
  /** Bytes it can hold; undefined for no limit. */
  readonly quota?: number;
}

export interface CompiledScenario {
  readonly name: string;
  readonly description?: string;
  /** Files it was loaded from, the scenario itself first, then what it extends. */
  readonly files: readonly string[];
  /** The YAML text of each of those files, in the same order (for showing and editing it). */
  readonly sources: readonly { readonly file: string; readonly text: string }[];
  readonly server: ServerSettings;
  /** Known mailboxes by lower-case address. */
  readonly mailboxes: ReadonlyMap<string, Mailbox>;
  readonly rules: readonly CompiledRule[];
  /** The non-event rules of each stage, in order: a decision only tries its own stage's, and through their index (engine/index-rules.ts) only those that can hold. */
  readonly rulesByStage: ReadonlyMap<Stage, readonly CompiledRule[]>;
  /** Stages that some rule can answer at, so the adapter skips building facts elsewhere. */
  readonly activeStages: ReadonlySet<Stage>;
  /** How deep the adapter must analyse messages for the rules (0, 1 headers, 2 body). */
  readonly messageDepth: Depth;
  /** How the server's own refusals are worded (the scenario's `replies:` table). */
  readonly replies: ReadonlyMap<EventName, Reply>;
  /** How the server's own positive answers are worded (the scenario's `success:` table). */
  readonly success: ReadonlyMap<SuccessName, Reply>;
  /** The rules that read `event`, in order: the only ones consulted when an event happens. */
  readonly eventRules: readonly CompiledRule[];
  /** DNS for the authentication checks (the scenario's `dns:` plus localhost). */
  readonly zone: Zone;
  /** The scenario has a `dns:` table, so names it does not list do not exist. */
  readonly dnsDeclared: boolean;
  /** Which checks to run: only what rules read; the message check also whenever `dns:` is given. */
  readonly authNeeds: AuthNeeds;
  /** Thresholds for the sender report card. */
  readonly report: ReportSettings;
}
