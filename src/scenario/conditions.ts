/**
 * Turns the `when` block of a rule into predicates over Facts, and knows at which stages
 * each fact exists, so a rule that reads a fact before it is known fails at load time.
 */
import { CHECKS, DEFAULT_LIMITS, MEASURE_NAMES, MEASURES, type CheckName, type ContentLimits, type Depth } from '../engine/content.js';
import type { Facts } from '../engine/facts.js';
import { stateKey, type CountKey } from '../engine/keys.js';
import type { Condition } from '../engine/scenario.js';
import { STAGES, type Stage } from '../engine/stages.js';
import { anyMatch, domainOf, recipients, someValue, textCondition, TEXT_FIELDS, type TextFieldName } from '../engine/text-fields.js';
import { parseComparison, parseIpMatcher, parsePattern, type Comparison, type Matcher, type Parsed } from '../engine/values.js';
import type { ConditionsSpec } from './schema.js';

const COMMAND_STAGES: readonly Stage[] = STAGES.filter((s) => s !== 'connect' && s !== 'message');
const ALL: readonly Stage[] = STAGES;
const FROM_HELO: readonly Stage[] = STAGES.filter((s) => s !== 'connect');
const ENVELOPE_SENDER: readonly Stage[] = ['mail', 'rcpt', 'data', 'message'];
const ENVELOPE_RCPT: readonly Stage[] = ['rcpt', 'data', 'message'];

/** Where each condition's fact exists. */
export const CONDITION_STAGES: Readonly<Record<Exclude<keyof ConditionsSpec, 'stage'>, readonly Stage[]>> = {
  ip: ALL,
  tls: ALL,
  helo: FROM_HELO,
  authenticated: ALL,
  authUser: ALL,
  authMechanism: ALL,
  authValid: ['auth'],
  sender: ENVELOPE_SENDER,
  senderDomain: ENVELOPE_SENDER,
  rcpt: ENVELOPE_RCPT,
  rcptDomain: ENVELOPE_RCPT,
  rcptCount: ENVELOPE_RCPT,
  rcptDomainCount: ENVELOPE_RCPT,
  event: ALL,
  transactions: ALL,
  ipConnections: ALL,
  flagged: ALL,
  verb: COMMAND_STAGES,
  arg: COMMAND_STAGES,
  size: ['mail', 'data', 'message'],
  chunk: ['data'],
  chunkSize: ['data'],
  lastChunk: ['data'],
  header: ['message'],
  subject: ['message'],
  body: ['message'],
  check: ['message'],
  ptr: ALL,
  ptrName: ALL,
  senderDomainExists: ENVELOPE_SENDER,
  rcptDomainExists: ENVELOPE_RCPT,
  spf: ENVELOPE_SENDER,
  dkim: ['message'],
  dkimDomain: ['message'],
  dmarc: ['message'],
  dmarcPolicy: ['message'],
  arc: ['message'],
  headerBytes: ['message'],
  headerCount: ['message'],
  headerValueBytes: ['message'],
  headerNameBytes: ['message'],
  subjectBytes: ['message'],
  receivedCount: ['message'],
  attachmentCount: ['message'],
};

/** How deep the adapter must analyse a message for a rule's conditions (see content.ts). */
export function depthOf(spec: ConditionsSpec): Depth {
  let depth: Depth = 0;
  const need = (d: Depth) => {
    if (d > depth) depth = d;
  };
  if (spec.header !== undefined || spec.subject !== undefined) need(1);
  if (spec.body !== undefined) need(2);
  for (const name of MEASURE_NAMES) if (spec[name] !== undefined) need(MEASURES[name].depth);
  const checks = spec.check === undefined ? [] : Array.isArray(spec.check) ? spec.check : [spec.check];
  for (const name of checks) need(CHECKS[name as CheckName].depth);
  return depth;
}

export type ConditionKey = keyof typeof CONDITION_STAGES;

/** Raised with the key path of the offending value; values were already validated by zod. */
export class ConditionError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

function must<T>(parsed: Parsed<T>, path: (string | number)[]): T {
  if (!parsed.ok) throw new ConditionError(path, parsed.error);
  return parsed.value;
}

function matchers(spec: string | string[], path: (string | number)[]): Matcher[] {
  const list = Array.isArray(spec) ? spec : [spec];
  return list.map((s, i) => must(parsePattern(s), Array.isArray(spec) ? [...path, i] : path));
}

/** Flags are set on, and read from, the client IP unless a rule says otherwise. */
export const FLAG_PER: readonly CountKey[] = ['ip'];

export const perList = (per: CountKey | readonly CountKey[] | undefined): readonly CountKey[] | undefined =>
  per === undefined ? undefined : typeof per === 'string' ? [per] : per;

export function compileConditions(spec: ConditionsSpec, path: (string | number)[], limits: ContentLimits = DEFAULT_LIMITS): Condition[] {
  const out: Condition[] = [];
  const add = (key: string, test: Condition['test']) => out.push({ key, test });
  const at = (key: string) => [...path, key];
  const text = (name: TextFieldName) => {
    const written = spec[name];
    if (written !== undefined) out.push(textCondition(TEXT_FIELDS[name], matchers(written, at(name))));
  };

  if (spec.ip !== undefined) {
    const list = Array.isArray(spec.ip) ? spec.ip : [spec.ip];
    const ms = list.map((s, i) => must(parseIpMatcher(s), Array.isArray(spec.ip) ? [...at('ip'), i] : at('ip')));
    add('ip', (f) => ms.some((m) => m.test(f.session.clientIp)));
  }
  if (spec.tls !== undefined) {
    const want = spec.tls;
    add('tls', (f) => f.session.tls === want);
  }
  text('helo');
  if (spec.authenticated !== undefined) {
    const want = spec.authenticated;
    add('authenticated', (f) => (f.session.authUser !== undefined) === want);
  }
  text('authUser');
  text('authMechanism');
  if (spec.authValid !== undefined) {
    const want = spec.authValid;
    add('authValid', (f) => f.auth?.valid === want);
  }
  text('sender');
  text('senderDomain');
  text('rcpt');
  text('rcptDomain');
  if (spec.rcptCount !== undefined) {
    const cmp = must(parseComparison(spec.rcptCount), at('rcptCount'));
    add('rcptCount', (f) => cmp.test(f.envelope.rcptTo.length));
  }
  if (spec.rcptDomainCount !== undefined) {
    const cmp = must(parseComparison(spec.rcptDomainCount), at('rcptDomainCount'));
    add('rcptDomainCount', (f) => cmp.test(new Set(f.envelope.rcptTo.map((r) => domainOf(r).toLowerCase())).size));
  }
  if (spec.event !== undefined) {
    const wanted = new Set<string>(Array.isArray(spec.event) ? spec.event : [spec.event]);
    add('event', (f) => f.event !== undefined && wanted.has(f.event));
  }
  if (spec.transactions !== undefined) {
    const cmp = must(parseComparison(spec.transactions), at('transactions'));
    add('transactions', (f) => cmp.test(f.session.transactions));
  }
  if (spec.ipConnections !== undefined) {
    const cmp = must(parseComparison(spec.ipConnections), at('ipConnections'));
    add('ipConnections', (f) => f.session.ipConnections !== undefined && cmp.test(f.session.ipConnections));
  }
  if (spec.flagged !== undefined) {
    const written = spec.flagged;
    const wanted: { name: string; per?: CountKey | CountKey[] }[] =
      typeof written === 'string' ? [{ name: written }] : Array.isArray(written) ? written.map((name) => ({ name })) : [written];
    const flags = wanted.map((w) => ({ name: w.name, per: perList(w.per) ?? FLAG_PER }));
    add('flagged', (f, env) => flags.some((flag) => env.state.entry(stateKey('flag', flag.name, flag.per, f), env.now) !== undefined));
  }
  text('verb');
  text('arg');
  if (spec.size !== undefined) {
    const cmp: Comparison = must(parseComparison(spec.size), at('size'));
    add('size', (f) => {
      const size = f.message?.size ?? f.chunk?.received ?? f.envelope.declaredSize;
      return size !== undefined && cmp.test(size);
    });
  }
  if (spec.chunk !== undefined) {
    const cmp = must(parseComparison(spec.chunk), at('chunk'));
    add('chunk', (f) => f.chunk !== undefined && cmp.test(f.chunk.number));
  }
  if (spec.chunkSize !== undefined) {
    const cmp = must(parseComparison(spec.chunkSize), at('chunkSize'));
    add('chunkSize', (f) => f.chunk !== undefined && cmp.test(f.chunk.size));
  }
  if (spec.lastChunk !== undefined) {
    const want = spec.lastChunk;
    add('lastChunk', (f) => f.chunk !== undefined && f.chunk.last === want);
  }
  if (spec.header !== undefined) {
    for (const [name, cond] of Object.entries(spec.header)) {
      const key = name.toLowerCase();
      const hpath = [...at('header'), name];
      const values = (f: Facts) => f.message?.headers?.get(key) ?? [];
      if (typeof cond === 'string') {
        const ms = matchers(cond, hpath);
        add(`header.${name}`, (f) => values(f).some((v) => anyMatch(ms, v)));
        continue;
      }
      if (cond.present !== undefined) {
        const want = cond.present;
        add(`header.${name}.present`, (f) => values(f).length > 0 === want);
      }
      if (cond.count !== undefined) {
        const cmp = must(parseComparison(cond.count), [...hpath, 'count']);
        add(`header.${name}.count`, (f) => cmp.test(values(f).length));
      }
      if (cond.value !== undefined) {
        const ms = matchers(cond.value, [...hpath, 'value']);
        add(`header.${name}.value`, (f) => values(f).some((v) => anyMatch(ms, v)));
      }
    }
  }
  if (spec.subject !== undefined) {
    const ms = matchers(spec.subject, at('subject'));
    add('subject', (f) => anyMatch(ms, f.message?.subject ?? ''));
  }
  if (spec.body !== undefined) {
    const ms = matchers(spec.body, at('body'));
    add('body', (f) => anyMatch(ms, f.message?.text ?? ''));
  }
  const oneOf = <T extends string>(v: T | readonly T[]) => new Set<string>(typeof v === 'string' ? [v] : v);
  if (spec.ptr !== undefined) {
    const wanted = oneOf(spec.ptr);
    add('ptr', (f) => f.session.ptr !== undefined && wanted.has(f.session.ptr.result));
  }
  text('ptrName');
  if (spec.senderDomainExists !== undefined) {
    const want = spec.senderDomainExists;
    add('senderDomainExists', (f, env) => {
      const sender = f.envelope.mailFrom;
      return !!sender && env.domainExists?.(domainOf(sender)) === want;
    });
  }
  if (spec.rcptDomainExists !== undefined) {
    const want = spec.rcptDomainExists;
    add('rcptDomainExists', (f, env) => someValue(recipients(f), (r) => env.domainExists?.(domainOf(r)) === want));
  }
  if (spec.spf !== undefined) {
    const wanted = oneOf(spec.spf);
    // at the message stage the message check carries SPF too
    add('spf', (f) => {
      const result = f.spf?.result ?? f.message?.authentication?.spf;
      return result !== undefined && wanted.has(result);
    });
  }
  if (spec.dkim !== undefined) {
    const wanted = oneOf(spec.dkim);
    add('dkim', (f) => {
      const sigs = f.message?.authentication?.dkim;
      if (!sigs) return false;
      const summary = sigs.length === 0 ? 'none' : sigs.some((s) => s.result === 'pass') ? 'pass' : sigs[0]!.result;
      return wanted.has(summary);
    });
  }
  if (spec.dkimDomain !== undefined) {
    const ms = matchers(spec.dkimDomain, at('dkimDomain'));
    add('dkimDomain', (f) => (f.message?.authentication?.dkim ?? []).some((s) => s.result === 'pass' && anyMatch(ms, s.domain)));
  }
  if (spec.dmarc !== undefined) {
    const wanted = oneOf(spec.dmarc);
    add('dmarc', (f) => f.message?.authentication !== undefined && wanted.has(f.message.authentication.dmarc.result));
  }
  if (spec.dmarcPolicy !== undefined) {
    const wanted = oneOf(spec.dmarcPolicy);
    add('dmarcPolicy', (f) => f.message?.authentication !== undefined && wanted.has(f.message.authentication.dmarc.policy));
  }
  if (spec.arc !== undefined) {
    const wanted = oneOf(spec.arc);
    add('arc', (f) => f.message?.authentication !== undefined && wanted.has(f.message.authentication.arc));
  }
  if (spec.check !== undefined) {
    const checks = (Array.isArray(spec.check) ? spec.check : [spec.check]).map((n) => CHECKS[n as CheckName]);
    add('check', (f) => f.message !== undefined && checks.some((c) => c.test(f.message!, limits)));
  }
  for (const name of MEASURE_NAMES) {
    const written = spec[name];
    if (written === undefined) continue;
    const cmp = must(parseComparison(written), at(name));
    const measure = MEASURES[name].value;
    add(name, (f) => {
      const value = f.message ? measure(f.message) : undefined;
      return value !== undefined && cmp.test(value);
    });
  }
  return out;
}
