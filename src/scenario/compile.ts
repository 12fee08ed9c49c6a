/**
 * Turns validated scenario files (a scenario and what it extends) into the frozen
 * CompiledScenario the engine runs: defaults filled in, shorthand normalised, catalog ids
 * resolved, stages inferred, and every remaining mistake reported with its position.
 */
import { hostname as osHostname } from 'node:os';
import { compileConditions, ConditionError, CONDITION_STAGES, depthOf, FLAG_PER, perList, type ConditionKey } from './conditions.js';
import { DEFAULT_LIMITS, type ContentLimits } from '../engine/content.js';
import type { CountKey } from '../engine/keys.js';
import type { Action, ActionKind, CompiledRule, CompiledScenario, Mailbox, NoticeSpec, ReportSettings, ServerSettings } from '../engine/scenario.js';
import { indexRules } from '../engine/index-rules.js';
import { STAGES, type Stage } from '../engine/stages.js';
import type { Problem } from './errors.js';
import type { EventName } from '../engine/events.js';
import { successClass, type SuccessName } from '../engine/success.js';
import type { Reply } from '../engine/reply.js';
import type { Depth } from '../engine/content.js';
import { buildZone, type MxRecord, type RecordType } from '../auth/zone.js';
import { REGISTRY, type CatalogLookup } from '../providers/index.js';
import { normaliseReply } from './reply.js';
import { ACTION_KEYWORDS, RuleSchema, type ActionSpec, type RuleSpec, type ScenarioFile, type ReportSettingsSpec, type ServerSpec } from './schema.js';
import { problemAt, type SourceFile } from './source.js';
import { parseDuration, parseRate, parseSize } from '../engine/values.js';
import { closest, didYouMean } from '../util/suggest.js';

export interface Layer {
  readonly source: SourceFile;
  readonly spec: ScenarioFile;
  /** The name rules of this file are numbered under. */
  readonly name: string;
}

/** Stages in session order, used to pick the earliest stage where a rule's facts exist. */
const SESSION_ORDER: readonly Stage[] = ['connect', 'helo', 'starttls', 'auth', 'mail', 'rcpt', 'data', 'message', 'rset', 'noop', 'vrfy', 'quit', 'unknown'];

export const DEFAULT_SIZE = 25 * 1024 * 1024;

/** `layers[0]` is the scenario itself, then what it extends, outermost last; catalog ids resolve in `catalog`. */
export function compileLayers(layers: readonly Layer[], catalog: CatalogLookup = REGISTRY): { scenario?: CompiledScenario; problems: Problem[] } {
  const problems: Problem[] = [];
  const top = layers[0]!;
  const server = mergeServer(layers.map((l) => l.spec.server ?? {}).reverse());

  const mailboxes = new Map<string, Mailbox>();
  for (const layer of [...layers].reverse()) {
    for (const [address, box] of Object.entries(layer.spec.mailboxes ?? {})) {
      const quota = box.quota === undefined ? undefined : sizeOf(box.quota);
      mailboxes.set(address.toLowerCase(), Object.freeze({ address, disabled: box.disabled ?? false, ...(quota === undefined ? {} : { quota }) }));
    }
  }

  // a BODY=BINARYMIME message can only come by BDAT (RFC 3030 §3), so one needs the other
  const binaryLayer = layers.find((l) => l.spec.server?.binaryMime !== undefined);
  if (server.binaryMime && !server.chunking && binaryLayer) {
    problems.push(problemAt(binaryLayer.source, ['server', 'binaryMime'], 'MX_VALUE', 'binaryMime needs chunking: true (a BODY=BINARYMIME message can only be sent with BDAT)'));
  }

  const rules: CompiledRule[] = [];
  const seen = new Map<string, string>();
  for (const layer of layers) {
    (layer.spec.rules ?? []).forEach((spec, index) => {
      const rule = compileRule(layer, spec, index, problems, catalog, server.limits);
      if (!rule) return;
      const where = `${rule.source.file}:${rule.source.line}`;
      const earlier = seen.get(rule.id);
      if (earlier) {
        problems.push(problemAt(layer.source, ['rules', index, 'id'], 'MX_DUPLICATE', `rule id "${rule.id}" is already used at ${earlier}; ids must be unique`));
        return;
      }
      seen.set(rule.id, where);
      rules.push(rule);
    });
  }
  const dnsTable: Record<string, Partial<Record<RecordType, (string | MxRecord)[]>>> = {};
  for (const layer of [...layers].reverse()) {
    for (const [name, records] of Object.entries(layer.spec.dns ?? {})) {
      dnsTable[name] = Object.fromEntries(
        Object.entries(records).map(([type, value]) => [type, (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' && type === 'MX' ? mxOf(v) : v))]),
      );
    }
  }
  const replies = new Map<EventName, Reply>();
  for (const layer of [...layers].reverse()) {
    for (const [event, spec] of Object.entries(layer.spec.replies ?? {})) {
      if (spec === undefined) continue;
      const result = normaliseReply(spec, catalog);
      if (result.ok) replies.set(event as EventName, result.reply);
      else problems.push(problemAt(layer.source, ['replies', event], result.code, result.error));
    }
  }
  const success = new Map<SuccessName, Reply>();
  for (const layer of [...layers].reverse()) {
    for (const [name, spec] of Object.entries(layer.spec.success ?? {})) {
      if (spec === undefined) continue;
      const result = normaliseReply(spec, catalog);
      const cls = successClass(name as SuccessName);
      if (!result.ok) problems.push(problemAt(layer.source, ['success', name], result.code, result.error));
      else if (Math.floor(result.reply.code / 100) !== cls) problems.push(problemAt(layer.source, ['success', name], 'MX_REPLY', `success.${name} must be a ${cls}xx reply (it answers a command that succeeded); write a refusal as a rule instead`));
      else success.set(name as SuccessName, result.reply);
    }
  }
  if (problems.length) return { problems };

  const scenario = withRules(
    {
      name: top.spec.name ?? top.name,
      ...(top.spec.description === undefined ? {} : { description: top.spec.description }),
      files: layers.map((l) => l.source.file),
      sources: layers.map((l) => Object.freeze({ file: l.source.file, text: l.source.text })),
      server,
      mailboxes,
      replies,
      success,
      zone: buildZone(dnsTable),
      dnsDeclared: Object.keys(dnsTable).length > 0,
      report: mergeReport(layers.map((l) => l.spec.report ?? {}).reverse()),
    },
    rules,
  );
  return { scenario, problems };
}

type ScenarioBase = Omit<CompiledScenario, 'rules' | 'rulesByStage' | 'activeStages' | 'messageDepth' | 'eventRules' | 'authNeeds'>;

/**
 * A scenario with the given rules, and everything derived from them recomputed: used at load
 * and when rules are pushed at run time (they go before the scenario's own).
 */
export function withRules(base: ScenarioBase, rules: readonly CompiledRule[]): CompiledScenario {
  return Object.freeze({
    ...base,
    rules: Object.freeze([...rules]),
    rulesByStage: new Map(STAGES.map((stage) => [stage, indexRules(rules.filter((r) => !r.readsEvent && r.stages.has(stage)))])),
    // event rules only run when an event happens, so they do not make a stage active
    activeStages: new Set<Stage>(rules.filter((r) => !r.readsEvent).flatMap((r) => [...r.stages])),
    messageDepth: rules.reduce<Depth>((d, r) => (r.stages.has('message') && r.messageDepth > d ? r.messageDepth : d), 0),
    eventRules: indexRules(rules.filter((r) => r.readsEvent)),
    authNeeds: Object.freeze({
      ptr: rules.some((r) => r.readsAuth.ptr),
      spf: rules.some((r) => r.readsAuth.spf),
      message: base.dnsDeclared || rules.some((r) => r.readsAuth.message),
    }),
  });
}

const sizeOf = (v: string | number): number => {
  const r = parseSize(v);
  return r.ok ? r.value : 0;
};
const msOf = (v: string | number): number => {
  const r = parseDuration(v);
  return r.ok ? r.value : 0;
};

/** Merges `report:` settings, outermost first, so the scenario's own win; durations in ms. */
function mergeReport(specs: ReportSettingsSpec[]): ReportSettings {
  const s: ReportSettingsSpec = Object.assign({}, ...specs);
  const out: { -readonly [K in keyof ReportSettings]: ReportSettings[K] } = {};
  if (s.minRetryDelay !== undefined) out.minRetryDelayMs = msOf(s.minRetryDelay);
  if (s.minReconnectDelay !== undefined) out.minReconnectDelayMs = msOf(s.minReconnectDelay);
  if (s.neverRetriedAfter !== undefined) out.neverRetriedAfterMs = msOf(s.neverRetriedAfter);
  if (s.backoffTolerance !== undefined) out.backoffTolerance = s.backoffTolerance;
  if (s.throttleReplies !== undefined) out.throttleReplies = Object.freeze([...s.throttleReplies]);
  return Object.freeze(out);
}

/** Merges server settings, outermost first, so the scenario's own settings win. */
function mergeServer(specs: ServerSpec[]): ServerSettings {
  const s: ServerSpec = {};
  for (const spec of specs) {
    Object.assign(s, spec, {
      tls: { ...s.tls, ...spec.tls },
      limits: { ...s.limits, ...spec.limits },
      auth: { ...s.auth, ...spec.auth },
    });
  }
  return Object.freeze({
    hostname: s.hostname ?? 'mockmx.test',
    banner: s.banner ?? '',
    greeting: s.greeting ?? '',
    heloGreeting: s.heloGreeting ?? '',
    capabilities: Object.freeze((s.capabilities ?? []).map((c) => c.toUpperCase())),
    greetDelayMs: s.greetDelay === undefined ? 0 : msOf(s.greetDelay),
    size: s.size === undefined ? DEFAULT_SIZE : sizeOf(s.size),
    maxRecipients: s.maxRecipients ?? 1000,
    maxConnections: s.maxConnections ?? 0,
    idleTimeoutMs: s.idleTimeout === undefined ? 300_000 : msOf(s.idleTimeout),
    recipients: s.recipients ?? 'any',
    magicRecipients: s.magicRecipients ?? true,
    chunking: s.chunking ?? false,
    binaryMime: s.binaryMime ?? false,
    chunkReply: s.chunkReply ?? '',
    dsn: s.dsn ?? true,
    ...(s.bounceTo ? { bounceTo: Object.freeze(hostPort(s.bounceTo)) } : {}),
    tls: Object.freeze({ starttls: s.tls?.starttls ?? 'offered', implicit: s.tls?.implicit ?? false }),
    limits: Object.freeze({
      headerBytes: s.limits?.headerBytes === undefined ? DEFAULT_LIMITS.headerBytes : sizeOf(s.limits.headerBytes),
      headerCount: s.limits?.headerCount ?? DEFAULT_LIMITS.headerCount,
      headerValueBytes: s.limits?.headerValueBytes === undefined ? DEFAULT_LIMITS.headerValueBytes : sizeOf(s.limits.headerValueBytes),
      headerNameBytes: s.limits?.headerNameBytes === undefined ? DEFAULT_LIMITS.headerNameBytes : sizeOf(s.limits.headerNameBytes),
      subjectBytes: s.limits?.subjectBytes === undefined ? DEFAULT_LIMITS.subjectBytes : sizeOf(s.limits.subjectBytes),
      attachments: s.limits?.attachments ?? DEFAULT_LIMITS.attachments,
      receivedHops: s.limits?.receivedHops ?? DEFAULT_LIMITS.receivedHops,
    }),
    auth: Object.freeze({
      mechanisms: Object.freeze([...(s.auth?.mechanisms ?? ['PLAIN', 'LOGIN'])]),
      required: s.auth?.required ?? false,
      allowInsecure: s.auth?.allowInsecure ?? true,
      users: Object.freeze((s.auth?.users ?? []).map((u) => Object.freeze({ ...u }))),
    }),
  });
}

/**
 * For a file that failed schema validation elsewhere: the problems its well-formed rules would
 * still have (unknown reply ids, stage mismatches), so one run reports everything.
 */
export function problemsOfValidRules(source: SourceFile, rules: unknown, catalog: CatalogLookup = REGISTRY): Problem[] {
  if (!Array.isArray(rules)) return [];
  const problems: Problem[] = [];
  const layer: Layer = { source, spec: {}, name: 'scenario' };
  rules.forEach((raw, index) => {
    const parsed = RuleSchema.safeParse(raw);
    if (parsed.success) compileRule(layer, parsed.data, index, problems, catalog);
  });
  return problems;
}

function compileRule(layer: Layer, spec: RuleSpec, index: number, problems: Problem[], catalog: CatalogLookup, limits: ContentLimits = DEFAULT_LIMITS): CompiledRule | undefined {
  const at = (...rest: (string | number)[]) => ['rules', index, ...rest];
  const before = problems.length;
  const report = (path: (string | number)[], code: Problem['code'], message: string) => problems.push(problemAt(layer.source, path, code, message));

  const when = spec.when ?? {};
  let conditions: CompiledRule['conditions'] = [];
  try {
    conditions = compileConditions(when, at('when'), limits);
  } catch (err) {
    if (!(err instanceof ConditionError)) throw err;
    report(err.path, 'MX_VALUE', err.message);
  }

  const { action, catalogStage } = compileAction(spec.then, at('then'), report, catalog);
  const keys = (Object.keys(when) as (keyof typeof when)[]).filter((k): k is ConditionKey => k !== 'stage');

  let stages: Stage[];
  if (when.stage !== undefined) {
    stages = Array.isArray(when.stage) ? [...when.stage] : [when.stage];
    for (const key of keys) {
      const known = CONDITION_STAGES[key];
      const missing = stages.filter((s) => !known.includes(s));
      if (missing.length) {
        report(at('when', key), 'MX_STAGE', `"${key}" is not known at stage ${missing.join(', ')}; it is known at: ${known.join(', ')}`);
      }
    }
  } else {
    stages = inferStages(keys, catalogStage, action?.kind === 'notice');
    if (stages.length === 0) {
      report(at('when'), 'MX_STAGE', `no stage knows all of ${keys.join(', ')}; split the rule or set "stage"`);
    }
  }
  if (action?.kind === 'notice' && stages.some((s) => s !== 'rcpt' && s !== 'message')) {
    report(at('then'), 'MX_STAGE', `bounce, delayNotice and autoReply follow an acceptance: they apply at rcpt or message, not ${stages.filter((s) => s !== 'rcpt' && s !== 'message').join(', ')}`);
  }
  if (action?.kind === 'discard' && stages.some((s) => s !== 'message')) {
    report(at('then'), 'MX_STAGE', `"discard" applies only at stage message (the rule applies at ${stages.join(', ')}); set when.stage: message`);
  }
  if (problems.length > before || !action) return undefined;

  const pos = problemAt(layer.source, at(), 'MX_VALUE', '');
  const per = perList(spec.per);
  const flags = (spec.flag === undefined ? [] : Array.isArray(spec.flag) ? spec.flag : [spec.flag]).map((f) =>
    Object.freeze({ name: f.name, forMs: msOf(f.for), per: perList(f.per) ?? FLAG_PER }),
  );
  return Object.freeze({
    id: spec.id ?? `${layer.name}#${index + 1}`,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    stages: new Set(stages),
    conditions: Object.freeze(conditions),
    action,
    ...(spec.times === undefined ? {} : { times: spec.times }),
    ...(spec.after === undefined ? {} : { after: spec.after }),
    ...(spec.probability === undefined ? {} : { probability: spec.probability }),
    ...(per === undefined ? {} : { per }),
    ...(spec.rate === undefined ? {} : { rate: Object.freeze(rateOf(spec.rate)) }),
    ...(spec.greylist === undefined ? {} : { greylist: Object.freeze(greylistOf(spec.greylist)) }),
    ...(flags.length ? { flags: Object.freeze(flags) } : {}),
    source: Object.freeze({ file: layer.source.file, line: pos.line, column: pos.column }),
    // a Message-ID key needs the header section even when no condition reads it
    messageDepth: Math.max(depthOf(when), keyDepth([...(per ?? []), ...flags.flatMap((f) => f.per)])) as Depth,
    readsEvent: keys.includes('event'),
    readsAuth: Object.freeze({
      ptr: keys.includes('ptr') || keys.includes('ptrName'),
      spf: keys.includes('spf'),
      message: keys.some((k) => MESSAGE_AUTH_KEYS.has(k)) || (per ?? []).includes('dkimDomain'),
    }),
  });
}

/**
 * With no explicit stage: command-verb rules apply at every command; otherwise the earliest
 * stage that knows every condition, or a catalog entry's own stage when it knows them too.
 */
function inferStages(keys: ConditionKey[], catalogStage: Stage | undefined, notice: boolean): Stage[] {
  // notices follow an acceptance: of a recipient, or of the whole message
  const candidates = STAGES.filter((s) => keys.every((k) => CONDITION_STAGES[k].includes(s)) && (!notice || s === 'rcpt' || s === 'message'));
  if (keys.includes('verb') || keys.includes('arg') || keys.includes('event')) return candidates;
  if (catalogStage && candidates.includes(catalogStage)) return [catalogStage];
  const earliest = SESSION_ORDER.find((s) => candidates.includes(s));
  return earliest ? [earliest] : [];
}

function rateOf(spec: NonNullable<RuleSpec['rate']>): { limit: number; windowMs: number } {
  if (typeof spec !== 'string') return { limit: spec.limit, windowMs: msOf(spec.window) };
  const parsed = parseRate(spec);
  return parsed.ok ? parsed.value : { limit: 0, windowMs: 0 };
}

/** Postgrey's defaults: retry after 5 minutes, within 4 hours; a good triplet passes for 35 days. */
function greylistOf(spec: NonNullable<RuleSpec['greylist']>): { delayMs: number; expireMs: number; rememberMs: number } {
  const o = spec === true ? {} : spec;
  return {
    delayMs: o.delay === undefined ? 300_000 : msOf(o.delay),
    expireMs: o.expire === undefined ? 4 * 3_600_000 : msOf(o.expire),
    rememberMs: o.remember === undefined ? 35 * 86_400_000 : msOf(o.remember),
  };
}

/** A Message-ID key needs the header section, a URL-domain key the body, even when no condition reads them. */
function keyDepth(keys: readonly CountKey[]): Depth {
  return keys.includes('urlDomain') ? 2 : keys.includes('messageId') ? 1 : 0;
}

export function hostPort(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) };
}

function mxOf(text: string): MxRecord {
  const [priority, exchange] = text.trim().split(/\s+/);
  return { priority: Number(priority), exchange: exchange ?? '' };
}

const MESSAGE_AUTH_KEYS: ReadonlySet<string> = new Set(['dkim', 'dkimDomain', 'dmarc', 'dmarcPolicy', 'arc']);

const KINDS = ['reply', 'accept', 'drop', 'reset', 'discard', 'bounce', 'delayNotice', 'autoReply'] as const;
const NOTICE_KEYS = ['notifyAfter', 'bounceAfter'] as const;

function compileAction(
  original: ActionSpec,
  path: (string | number)[],
  report: (path: (string | number)[], code: Problem['code'], message: string) => void,
  catalog: CatalogLookup,
): { action?: Action; catalogStage?: Stage } {
  let spec = original;
  if (typeof spec === 'string') {
    if ((ACTION_KEYWORDS as readonly string[]).includes(spec)) return { action: Object.freeze({ kind: spec as ActionKind, delayMs: 0 }) };
    spec = { reply: spec };
  }
  // a delay notice may name the bounce that follows it: one action, two fields
  const chosen = KINDS.filter((k) => spec[k] !== undefined && !(k === 'bounce' && spec.delayNotice !== undefined));
  const delayMs = spec.delay === undefined ? 0 : msOf(spec.delay);
  if (chosen.length > 1) {
    report(path, 'MX_VALUE', `an action does one thing; got ${chosen.join(' and ')} (delay may go with any one)`);
    return {};
  }
  const kind = chosen[0] ?? (spec.delay !== undefined ? 'continue' : undefined);
  if (!kind) {
    report(path, 'MX_VALUE', 'empty action; write one of reply, accept, drop, reset, discard, bounce, delayNotice, autoReply (optionally with delay)');
    return {};
  }
  const stray = NOTICE_KEYS.filter((k) => spec[k] !== undefined);
  if (stray.length && !['bounce', 'delayNotice', 'autoReply'].includes(kind)) {
    report([...path, stray[0]!], 'MX_VALUE', `"${stray[0]}" goes with bounce, delayNotice or autoReply`);
    return {};
  }
  const resolve = (key: 'reply' | 'bounce' | 'delayNotice'): { reply?: Reply; stage?: Stage } => {
    const result = normaliseReply(spec[key]!, catalog);
    if (!result.ok && key === 'reply' && typeof original === 'string' && result.code === 'MX_UNKNOWN_REPLY' && closest(original, ACTION_KEYWORDS)) {
      report(path, 'MX_VALUE', `unknown action "${original}"${didYouMean(original, ACTION_KEYWORDS)}; write ${ACTION_KEYWORDS.join(', ')}, a reply "550 5.1.1 text" or a catalog id`);
      return {};
    }
    if (!result.ok) {
      report(typeof original === 'string' ? path : [...path, key], result.code, result.error);
      return {};
    }
    return { reply: result.reply, ...(result.catalogStage ? { stage: result.catalogStage } : {}) };
  };
  switch (kind) {
    case 'reply': {
      const { reply, stage } = resolve('reply');
      return reply ? { action: Object.freeze({ kind, reply, delayMs }), ...(stage ? { catalogStage: stage } : {}) } : {};
    }
    case 'bounce':
    case 'delayNotice': {
      const { reply } = resolve(kind);
      if (!reply) return {};
      const want = kind === 'bounce' ? 'a 5xx or 4xx' : 'a 4xx';
      if (reply.code < 400 || (kind === 'delayNotice' && reply.code >= 500)) {
        report([...path, kind], 'MX_REPLY', `${kind} reports a delivery problem: ${want} reply, got ${reply.code}`);
        return {};
      }
      const afterMs = spec.notifyAfter === undefined ? 0 : msOf(spec.notifyAfter);
      let final: NoticeSpec['final'];
      if (kind === 'delayNotice' && spec.bounce !== undefined) {
        const bounced = resolve('bounce').reply;
        if (!bounced) return {};
        final = { reply: bounced, afterMs: spec.bounceAfter === undefined ? 4 * 3_600_000 : msOf(spec.bounceAfter) };
      }
      const notice: NoticeSpec = { kind: kind === 'bounce' ? 'failure' : 'delay', reply, afterMs, ...(final ? { final } : {}) };
      return { action: Object.freeze({ kind: 'notice', delayMs, notice: Object.freeze(notice) }) };
    }
    case 'autoReply': {
      const text = spec.autoReply === true ? undefined : spec.autoReply;
      const notice: NoticeSpec = {
        kind: 'auto-reply',
        afterMs: spec.notifyAfter === undefined ? 0 : msOf(spec.notifyAfter),
        autoReply: { text: text?.text ?? 'I am out of the office and will reply when I am back.', ...(text?.subject ? { subject: text.subject } : {}) },
      };
      return { action: Object.freeze({ kind: 'notice', delayMs, notice: Object.freeze(notice) }) };
    }
    default:
      return { action: Object.freeze({ kind, delayMs }) };
  }
}
