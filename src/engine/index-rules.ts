/**
 * A rule index: with a thousand rules such as `rcpt: "nobody-5@*"`, a decision should test the
 * few rules that can hold for the facts at hand, not all of them. Built once per rule list
 * (at compile, and when rules are pushed); read by `decide`, which stays pure.
 *
 * A rule goes under one of its text conditions whose patterns all have a key (a literal that
 * part of every matching value equals, see PatternKey): the condition, and so the rule, can
 * only hold when some value of that field has one of those keys. Rules without such a
 * condition are always tried. Candidates come back in the rules' original order, so the first
 * match — and every state update, made only once a rule's conditions hold — is what a walk over
 * all rules gives.
 */
import { lower, partOf, type KeyPart } from './values.js';
import type { ConditionIndex, CompiledRule } from './scenario.js';
import type { TextField, TextFieldName } from './text-fields.js';
import type { Facts } from './facts.js';

/** For one field: per key part, the positions of the rules under each key, ascending. */
interface FieldIndex {
  readonly field: TextField;
  readonly parts: ReadonlyMap<KeyPart, ReadonlyMap<string, readonly number[]>>;
}

interface RuleIndex {
  readonly rules: readonly CompiledRule[];
  /** Positions of the rules that must always be tried, ascending, and those rules. */
  readonly always: readonly number[];
  readonly alwaysRules: readonly CompiledRule[];
  readonly fields: readonly FieldIndex[];
}

const INDEXES = new WeakMap<readonly CompiledRule[], RuleIndex>();

/**
 * A frozen copy of `rules` that `rulesToTry` (and so `decide`) answers from its index. The
 * copy is an ordinary array: callers that walk it see every rule, in order.
 */
export function indexRules(rules: readonly CompiledRule[]): readonly CompiledRule[] {
  const list = Object.freeze([...rules]);
  INDEXES.set(list, buildIndex(list));
  return list;
}

/** The rules of `rules` that can answer for these facts, in order: all of them for a list without an index. */
export function rulesToTry(rules: readonly CompiledRule[], facts: Facts): readonly CompiledRule[] {
  const index = INDEXES.get(rules);
  return index ? candidates(index, facts) : rules;
}

function buildIndex(rules: readonly CompiledRule[]): RuleIndex {
  const always: number[] = [];
  const byField = new Map<TextFieldName, { field: TextField; parts: Map<KeyPart, Map<string, number[]>> }>();
  rules.forEach((rule, position) => {
    const chosen = bestIndexedCondition(rule);
    if (!chosen) {
      always.push(position);
      return;
    }
    let entry = byField.get(chosen.field.name);
    if (!entry) byField.set(chosen.field.name, (entry = { field: chosen.field, parts: new Map() }));
    for (const { part, text } of chosen.keys) {
      let keys = entry.parts.get(part);
      if (!keys) entry.parts.set(part, (keys = new Map()));
      const positions = keys.get(text);
      // a list may name one key twice ("a@x", "A@x"): the rule is listed once
      if (!positions) keys.set(text, [position]);
      else if (positions[positions.length - 1] !== position) positions.push(position);
    }
  });
  return {
    rules,
    always,
    alwaysRules: always.map((p) => rules[p]!),
    fields: [...byField.values()],
  };
}

/** How broad a key is: a whole value narrows most, a domain (shared by many addresses) least. */
const BREADTH: Readonly<Record<KeyPart, number>> = { whole: 0, local: 1, domain: 2 };

/** Of the rule's indexable conditions, the one with the fewest, narrowest keys. */
function bestIndexedCondition(rule: CompiledRule): ConditionIndex | undefined {
  let best: ConditionIndex | undefined;
  let bestCost = Infinity;
  for (const { index } of rule.conditions) {
    if (!index) continue;
    const cost = index.keys.reduce((sum, k) => sum + 3 + BREADTH[k.part], 0);
    if (cost < bestCost) [best, bestCost] = [index, cost];
  }
  return best;
}

function candidates(index: RuleIndex, facts: Facts): readonly CompiledRule[] {
  let hits: readonly number[] = [];
  for (const { field, parts } of index.fields) {
    const lookUp = (value: string) => {
      // lower-cased and cut as the patterns' own tests do (values.ts), so keys compare exactly
      const lowered = lower(field.part ? field.part(value) : value);
      for (const [part, keys] of parts) {
        const text = partOf(lowered, part);
        const found = text === undefined ? undefined : keys.get(text);
        if (found) hits = mergeSorted(hits, found);
      }
    };
    const values = field.values(facts);
    if (typeof values === 'string') lookUp(values);
    else values?.forEach(lookUp);
  }
  if (hits.length === 0) return index.alwaysRules;
  return mergeSorted(index.always, hits).map((p) => index.rules[p]!);
}

/** The union of two ascending position lists, ascending, each position once. */
function mergeSorted(a: readonly number[], b: readonly number[]): readonly number[] {
  if (a.length === 0) return b;
  if (b.length === 0 || a === b) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i]! : Infinity;
    const y = j < b.length ? b[j]! : Infinity;
    out.push(x <= y ? x : y);
    if (x <= y) i++;
    if (y <= x) j++;
  }
  return out;
}
