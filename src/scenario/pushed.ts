/**
 * Rules pushed at run time as YAML text: one rule, a list, or `{ rules: [...] }`. Problems are
 * reported at their place in the text the client sent: the text is checked wrapped verbatim in
 * a scenario document (each line indented, so the positions shift by a known amount), not
 * re-serialised, whose lines and columns would be the serialiser's.
 */
import { parse as parseYaml, stringify } from 'yaml';
import type { CompiledRule } from '../engine/scenario.js';
import type { RuleSpec } from './schema.js';
import { ScenarioError, type Problem } from './errors.js';
import { loadScenarioText } from './load.js';

export const PUSHED_RULES_FILE = '<pushed rules>';

/** Compiles pushed rule specs (ids filled in) as POST /scenario/rules does (and as another instance's pushes are). */
export function compilePushed(specs: readonly unknown[]): CompiledRule[] {
  return specs.length ? [...loadScenarioText(stringify({ name: 'pushed', rules: specs }), PUSHED_RULES_FILE).rules] : [];
}

/** The rules in the text; throws a located ScenarioError for YAML or scenario problems. */
export function parsePushedRules(text: string): RuleSpec[] {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    const pos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new ScenarioError([{ code: 'MX_YAML', file: PUSHED_RULES_FILE, line: pos?.line ?? 1, column: pos?.col ?? 1, message: (err as Error).message.split('\n')[0]! }]);
  }
  const wrap = wrapping(parsed);
  if (wrap) checkInPlace(text, wrap);
  if (Array.isArray(parsed)) return parsed as RuleSpec[];
  if (isRulesDocument(parsed)) return parsed.rules;
  return [parsed as RuleSpec];
}

const isRulesDocument = (v: unknown): v is { rules: RuleSpec[] } => !!v && typeof v === 'object' && !Array.isArray(v) && 'rules' in v;

interface Wrapping {
  readonly head: string;
  readonly indent: number;
}

/** How the text sits inside a scenario document: after `head`, every line indented by `indent`. */
function wrapping(parsed: unknown): Wrapping | undefined {
  if (Array.isArray(parsed)) return { head: 'name: pushed\nrules:\n', indent: 2 };
  if (isRulesDocument(parsed)) return 'name' in parsed ? undefined : { head: 'name: pushed\n', indent: 0 };
  if (parsed && typeof parsed === 'object') return { head: 'name: pushed\nrules:\n  -\n', indent: 4 };
  return undefined; // not rules at all: the caller's compile says so
}

/**
 * Compiles the wrapped text only for its problems, moved back into the client's coordinates.
 * Rules without an id are fine here (the caller names them); a problem outside the client's
 * lines is pinned to its first line.
 */
function checkInPlace(text: string, { head, indent }: Wrapping): void {
  const pad = ' '.repeat(indent);
  const body = text.split('\n').map((line) => (line.trim() === '' ? line : pad + line)).join('\n');
  const headLines = head.split('\n').length - 1;
  try {
    loadScenarioText(head + body, PUSHED_RULES_FILE);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    throw new ScenarioError(err.problems.map((p): Problem => (p.line > headLines ? { ...p, line: p.line - headLines, column: Math.max(1, p.column - indent) } : { ...p, line: 1, column: 1 })));
  }
}
