/**
 * One scenario file as text: parsed with `yaml` keeping positions, so every problem, from
 * YAML syntax to a zod issue to an unknown reply id, can be reported as `file:line:col`.
 */
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type * as z from 'zod';
import { didYouMean } from '../util/suggest.js';
import type { Problem, ProblemCode } from './errors.js';
import { ScenarioFileSchema, type ScenarioFile } from './schema.js';

export type Path = readonly (string | number)[];

export interface SourceFile {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

export function parseSource(file: string, text: string): { source: SourceFile; problems: Problem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = { file, text, doc, lines };
  const problems = doc.errors.map((err) => {
    const pos = lines.linePos(err.pos[0]);
    return { code: 'MX_YAML' as const, file, line: pos.line, column: pos.col, message: err.message.split('\n')[0]! };
  });
  return { source, problems };
}

/** Where a path points in the file; for a key problem, the key itself. Falls back to the nearest parent. */
export function locate(source: SourceFile, path: Path, options: { key?: boolean } = {}): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const offset = offsetOf(source, path.slice(0, depth), options.key === true && depth === path.length);
    if (offset !== undefined) {
      const pos = source.lines.linePos(offset);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 1, column: 1 };
}

function offsetOf(source: SourceFile, path: Path, wantKey: boolean): number | undefined {
  if (path.length === 0) return source.doc.contents?.range?.[0] ?? 0;
  const parent = path.length === 1 ? source.doc.contents : source.doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === last);
    if (!pair) return undefined;
    const node = (wantKey ? pair.key : pair.value ?? pair.key) as Node | null;
    return node?.range?.[0];
  }
  const node = source.doc.getIn(path, true) as Node | undefined;
  return node && typeof node === 'object' && 'range' in node ? node.range?.[0] : undefined;
}

export function problemAt(source: SourceFile, path: Path, code: ProblemCode, message: string, key = false): Problem {
  return { code, file: source.file, ...locate(source, path, { key }), message };
}

/** Validates the parsed file against the schema; every zod issue becomes a located problem. */
export function validateSource(source: SourceFile): { value?: ScenarioFile; problems: Problem[] } {
  const data: unknown = source.doc.toJS() ?? {};
  const result = ScenarioFileSchema.safeParse(data);
  if (result.success) return { value: result.data, problems: [] };
  const problems = result.error.issues
    .flatMap((issue) => issueProblems(source, data, issue, []))
    .sort((a, b) => a.line - b.line || a.column - b.column);
  return { problems };
}

type Issue = z.core.$ZodIssue;

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : typeof v === 'string' ? `"${v}"` : `${typeof v} ${String(v)}`;

function issueProblems(source: SourceFile, data: unknown, issue: Issue, base: Path): Problem[] {
  const path = [...base, ...(issue.path as (string | number)[])];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const messages = issue.message.split('\n');
      return issue.keys.map((key, i) =>
        problemAt(source, [...path, key], 'MX_UNKNOWN_KEY', messages[i] ?? `unknown key "${key}"`, true),
      );
    }
    case 'invalid_union': {
      // Prefer the branch whose type matched (its issues are all deeper than the union itself).
      const branches = issue.errors.filter((errs) => errs.every((e) => e.path.length > 0 || e.code === 'custom' || e.code === 'too_small' || e.code === 'too_big'));
      if (branches.length > 0) {
        const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
        return best.flatMap((e) => issueProblems(source, data, e, path));
      }
      // A value of the right type but not an allowed one (a misspelt stage) says more than "wrong type".
      const valueBranch = issue.errors.find((errs) => errs.length === 1 && errs[0]!.code === 'invalid_value');
      if (valueBranch && typeof valueAt(data, path) !== 'object') return issueProblems(source, data, valueBranch[0]!, path);
      const expected = issue.errors.flatMap((errs) => errs.map((e) => expectation(e))).filter((x, i, all) => all.indexOf(x) === i);
      return [problemAt(source, path, 'MX_TYPE', `expected ${expected.join(' or ')}; got ${describe(valueAt(data, path))}`)];
    }
    case 'invalid_type': {
      const got = valueAt(data, path);
      if (got === undefined) {
        const key = path[path.length - 1];
        return [problemAt(source, path.slice(0, -1), 'MX_TYPE', `missing required key "${String(key)}" (${issue.expected})`)];
      }
      return [problemAt(source, path, 'MX_TYPE', `expected ${expectation(issue)}; got ${describe(got)}`)];
    }
    case 'invalid_value': {
      const got = valueAt(data, path);
      const allowed = issue.values.map(String);
      const hint = typeof got === 'string' ? didYouMean(got, allowed) : '';
      return [problemAt(source, path, 'MX_VALUE', `expected one of ${allowed.join(', ')}; got ${describe(got)}${hint}`)];
    }
    default:
      return [problemAt(source, path, 'MX_VALUE', issue.message)];
  }
}

function expectation(issue: Issue): string {
  if (issue.code === 'invalid_type') {
    return issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
  }
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(', ');
  return issue.message;
}
