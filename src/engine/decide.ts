/**
 * The rule engine: pure. Given the stage's facts, the rules, a read-only view of rule state,
 * the time and a random source, it says which rule answers and what it does, and which state
 * updates the caller must apply. It performs no I/O and keeps nothing itself.
 */
import type { StateUpdate, StateView } from '../state/types.js';
import type { Facts } from './facts.js';
import { rulesToTry } from './index-rules.js';
import { stateKey } from './keys.js';
import type { Action, CompiledRule } from './scenario.js';

export interface Decision {
  /** The rule that answered, or undefined for the stage's normal behaviour. */
  readonly rule?: CompiledRule;
  readonly action?: Action;
  /** What the caller must write to the state store, whether or not a rule answered. */
  readonly updates: readonly StateUpdate[];
}

export interface DecideInput {
  readonly facts: Facts;
  /** In order; a list from `indexRules` (as in CompiledScenario.rulesByStage) is answered from its index. */
  readonly rules: readonly CompiledRule[];
  readonly state: StateView;
  /** Milliseconds since the epoch, from the caller's (injectable) clock. */
  readonly now: number;
  /** A number in [0, 1); seeded by the caller so runs replay. */
  readonly random: () => number;
  /** See ConditionEnv.domainExists. */
  readonly domainExists?: (domain: string) => boolean | undefined;
}

/** Greylisting remembers ip + sender + recipient unless the rule says otherwise. */
const GREYLIST_PER = ['ip', 'sender', 'rcpt'] as const;

export function decide({ facts, rules, state, now, random, domainExists }: DecideInput): Decision {
  const updates: StateUpdate[] = [];
  const env = { state, now, ...(domainExists ? { domainExists } : {}) };
  // the index leaves out only rules whose conditions cannot hold, which would make no updates
  for (const rule of rulesToTry(rules, facts)) {
    if (!rule.stages.has(facts.stage)) continue;
    if (!rule.conditions.every((c) => c.test(facts, env))) continue;
    if (!modifiersLetFire(rule, facts, state, now, random, updates)) continue;
    for (const flag of rule.flags ?? []) {
      updates.push({ op: 'set', key: stateKey('flag', flag.name, flag.per, facts), value: now, expiresAt: now + flag.forMs });
    }
    return { rule, action: rule.action, updates };
  }
  return { updates };
}

/** times/after, rate, greylist and probability, in that order; each may let the match fall through. */
function modifiersLetFire(rule: CompiledRule, facts: Facts, state: StateView, now: number, random: () => number, updates: StateUpdate[]): boolean {
  if (rule.times !== undefined || rule.after !== undefined) {
    const key = stateKey('count', rule.id, rule.per, facts);
    const before = state.count(key, now);
    updates.push({ op: 'count', key });
    const after = rule.after ?? 0;
    if (before < after) return false;
    if (rule.times !== undefined && before - after >= rule.times) return false;
  }
  if (rule.rate) {
    // at most `limit` events per window pass; the rule answers the rest until the window slides
    const key = stateKey('rate', rule.id, rule.per, facts);
    if (state.windowCount(key, rule.rate.windowMs, now) < rule.rate.limit) {
      updates.push({ op: 'hit', key, windowMs: rule.rate.windowMs });
      return false;
    }
  }
  if (rule.greylist) {
    const { delayMs, expireMs, rememberMs } = rule.greylist;
    const per = rule.per ?? GREYLIST_PER;
    const passed = stateKey('greylist-passed', rule.id, per, facts);
    if (state.entry(passed, now) !== undefined) {
      // as in Postgrey, a triplet that keeps coming is remembered from the last time it was seen
      updates.push({ op: 'set', key: passed, value: now, expiresAt: now + rememberMs });
      return false;
    }
    const pending = stateKey('greylist', rule.id, per, facts);
    const firstSeen = state.entry(pending, now);
    if (firstSeen === undefined) {
      updates.push({ op: 'set', key: pending, value: now, expiresAt: now + expireMs });
    } else if (now - firstSeen >= delayMs) {
      // a retry after the delay and before expiry: remembered as good from now on
      updates.push({ op: 'delete', key: pending }, { op: 'set', key: passed, value: now, expiresAt: now + rememberMs });
      return false;
    }
  }
  if (rule.probability !== undefined && !(random() < rule.probability)) return false;
  return true;
}
