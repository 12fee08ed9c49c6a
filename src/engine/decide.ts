/**
 * The rule engine: pure. Given the stage's facts, the rules, how often each rule matched
 * before, and a random source, it says which rule answers and what it does. It performs no
 * I/O and keeps no state: the caller commits `counted` to its state store.
 */
import type { Facts } from './facts.js';
import { counterKey } from './keys.js';
import type { Action, CompiledRule } from './scenario.js';

export interface RuleCounters {
  /** How many times a rule's conditions matched before now, under a counter key (see keys.ts). */
  matches(key: string): number;
}

export interface Decision {
  /** The rule that answered, or undefined for the stage's normal behaviour. */
  readonly rule?: CompiledRule;
  readonly action?: Action;
  /** Counter keys of the rules whose conditions matched now: each goes up by one. */
  readonly counted: readonly string[];
}

export interface DecideInput {
  readonly facts: Facts;
  readonly rules: readonly CompiledRule[];
  readonly counters: RuleCounters;
  /** A number in [0, 1); seeded by the caller so runs replay. */
  readonly random: () => number;
}

export function decide({ facts, rules, counters, random }: DecideInput): Decision {
  const counted: string[] = [];
  for (const rule of rules) {
    if (!rule.stages.has(facts.stage)) continue;
    if (!rule.conditions.every((c) => c.test(facts))) continue;
    const key = counterKey(rule.id, rule.per, facts);
    const before = counters.matches(key);
    counted.push(key);
    const after = rule.after ?? 0;
    if (before < after) continue;
    if (rule.times !== undefined && before - after >= rule.times) continue;
    if (rule.probability !== undefined && !(random() < rule.probability)) continue;
    return { rule, action: rule.action, counted };
  }
  return { counted };
}
