/**
 * Parsers for the small value languages used inside scenario files: patterns, numeric
 * comparisons, durations and byte sizes. Each returns either a value or an error string
 * that reads like advice, so the zod schema and the compiler can share them. They live in
 * engine/ because compiled patterns are engine data (their keys index rules), and the
 * scenario compiler sits above the engine, never below it.
 */
import { ipToBigInt } from '../util/ip.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** A compiled text pattern: `/regex/flags`, a glob with `*`/`?`, or an exact (case-insensitive) text. */
export interface Matcher {
  readonly source: string;
  test(value: string): boolean;
  /** What every value it matches has, once lower-cased; absent when that is not known (regexes, `*x*`). */
  readonly key?: PatternKey;
}

/** A part of a lower-cased value: all of it, the text before its first `@`, or after its last. */
export type KeyPart = 'whole' | 'local' | 'domain';

/** A literal that part of every matching value equals: what lets rules be indexed (engine/index-rules.ts). */
export interface PatternKey {
  readonly part: KeyPart;
  readonly text: string;
}

/** The part of an already lower-cased value; undefined for `local`/`domain` of a value without `@`. */
export function partOf(lowered: string, part: KeyPart): string | undefined {
  if (part === 'whole') return lowered;
  const at = part === 'local' ? lowered.indexOf('@') : lowered.lastIndexOf('@');
  if (at < 0) return undefined;
  return part === 'local' ? lowered.slice(0, at) : lowered.slice(at + 1);
}

/**
 * The key of a glob whose matches start with `head` and end with `tail` (its lower-cased
 * literal ends): a head holding `@` fixes the local part, a tail holding `@` the domain.
 */
function globKey(head: string, tail: string): PatternKey | undefined {
  if (head.includes('@')) return { part: 'local', text: head.slice(0, head.indexOf('@')) };
  if (tail.includes('@')) return { part: 'domain', text: tail.slice(tail.lastIndexOf('@') + 1) };
  return undefined;
}

/**
 * A regex's `i` flag folds case differently from toLowerCase (it matches "µ" to "μ"), but for
 * ASCII text the two agree and no other character folds onto ASCII: only ASCII ends give keys.
 */
const asciiLower = (text: string) => (/^[\x00-\x7f]*$/.test(text) ? text.toLowerCase() : '');

const REGEX_LITERAL = /^\/(.*)\/([a-z]*)$/s;

/**
 * Lower case, remembering the last answer: a thousand rules testing the same recipient
 * lower-case it once, not a thousand times.
 */
let lastIn = '';
let lastOut = '';
export function lower(v: string): string {
  if (v !== lastIn) {
    lastIn = v;
    lastOut = v.toLowerCase();
  }
  return lastOut;
}

export function parsePattern(source: string): Parsed<Matcher> {
  const literal = REGEX_LITERAL.exec(source);
  if (literal) {
    const [, body = '', flags = ''] = literal;
    try {
      const re = new RegExp(body, flags.replace(/g|y/g, ''));
      return ok({ source, test: (v) => re.test(v) });
    } catch (err) {
      return fail(`bad regex ${source}: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
  }
  // the common globs ("bob@*", "*@example.com", "*invoice*") need no regex: plain string tests are cheaper
  const simple = /^(\*?)([^*?]+)(\*?)$/.exec(source);
  if (simple && (simple[1] || simple[3])) {
    const core = simple[2]!.toLowerCase();
    const [, lead, , trail] = simple;
    const test =
      lead && trail ? (v: string) => lower(v).includes(core) : lead ? (v: string) => lower(v).endsWith(core) : (v: string) => lower(v).startsWith(core);
    // these test the lower-cased value, as keys are read, so any literal end gives a key
    const key = lead && trail ? undefined : lead ? globKey('', core) : globKey(core, '');
    return ok({ source, test, ...(key ? { key } : {}) });
  }
  if (/[*?]/.test(source)) {
    const body = source
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    const re = new RegExp(`^${body}$`, 'is');
    const key = globKey(asciiLower(source.slice(0, source.search(/[*?]/))), asciiLower(source.slice(source.search(/[^*?]*$/))));
    return ok({ source, test: (v) => re.test(v), ...(key ? { key } : {}) });
  }
  const exact = source.toLowerCase();
  return ok({ source, test: (v) => lower(v) === exact, key: { part: 'whole', text: exact } });
}

/** A numeric comparison such as `3`, `>= 3`, `< 10MB`, `!= 0`, or a range `2..5`. */
export interface Comparison {
  readonly source: string;
  test(value: number): boolean;
}

const COMPARISON = /^\s*(>=|<=|==|!=|>|<|=)?\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/;
const RANGE = /^\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*\.\.\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/;

export function parseComparison(source: string | number): Parsed<Comparison> {
  if (typeof source === 'number') {
    return ok({ source: String(source), test: (v) => v === source });
  }
  const range = RANGE.exec(source);
  if (range) {
    const low = withUnit(range[1]!, range[2]!);
    const high = withUnit(range[3]!, range[4]!);
    if (!low.ok) return fail(low.error);
    if (!high.ok) return fail(high.error);
    return ok({ source, test: (v) => v >= low.value && v <= high.value });
  }
  const m = COMPARISON.exec(source);
  if (!m) {
    return fail(`"${source}" is not a comparison; write a number or one like ">= 3", "< 10MB" or "2..5"`);
  }
  const n = withUnit(m[2]!, m[3]!);
  if (!n.ok) return fail(n.error);
  const x = n.value;
  const tests: Record<string, (v: number) => boolean> = {
    '>': (v) => v > x,
    '>=': (v) => v >= x,
    '<': (v) => v < x,
    '<=': (v) => v <= x,
    '!=': (v) => v !== x,
    '=': (v) => v === x,
    '==': (v) => v === x,
  };
  return ok({ source, test: tests[m[1] ?? '=']! });
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

function withUnit(digits: string, unit: string): Parsed<number> {
  const factor = SIZE_UNITS[unit.toLowerCase()];
  if (factor === undefined) {
    return fail(`unknown unit "${unit}"; use B, KB, MB or GB`);
  }
  return ok(Number(digits.replace(/_/g, '')) * factor);
}

/** A byte size: a number of bytes, or text such as `10MB`, `512 KB`. */
export function parseSize(source: string | number): Parsed<number> {
  if (typeof source === 'number') {
    return Number.isInteger(source) && source >= 0 ? ok(source) : fail(`size must be a whole number of bytes, got ${source}`);
  }
  const m = /^\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(source);
  if (!m) return fail(`"${source}" is not a size; write bytes or a size like "10MB"`);
  const n = withUnit(m[1]!, m[2]!);
  return n.ok ? ok(Math.round(n.value)) : n;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: a number of milliseconds, or text such as `250ms`, `30s`, `5m`, `1h`, `1d`. */
export function parseDuration(source: string | number): Parsed<number> {
  if (typeof source === 'number') {
    return Number.isFinite(source) && source >= 0 ? ok(source) : fail(`duration must be a non-negative number of milliseconds, got ${source}`);
  }
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)?\s*$/.exec(source);
  if (!m) return fail(`"${source}" is not a duration; write milliseconds or one like "500ms", "30s", "5m", "1h"`);
  return ok(Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!));
}

/** An IPv4/IPv6 address or CIDR block. */
export interface IpMatcher {
  readonly source: string;
  test(ip: string): boolean;
}

export function parseIpMatcher(source: string): Parsed<IpMatcher> {
  const [addr = '', bitsText] = source.split('/');
  const parsed = ipToBigInt(addr);
  if (!parsed) return fail(`"${source}" is not an IP address or CIDR block (e.g. "192.0.2.0/24", "2001:db8::/32")`);
  const width = parsed.v6 ? 128 : 32;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) {
    return fail(`"${source}": prefix length must be 0..${width}`);
  }
  const shift = BigInt(width - bits);
  const net = parsed.value >> shift;
  return ok({
    source,
    test: (ip) => {
      const candidate = ipToBigInt(ip);
      return !!candidate && candidate.v6 === parsed.v6 && candidate.value >> shift === net;
    },
  });
}

/** A rate such as `10/1h`, `100/1d`, `5/30s`: at most N per window. */
export function parseRate(source: string): Parsed<{ limit: number; windowMs: number }> {
  const m = /^\s*(\d+)\s*\/\s*(.+)$/.exec(source);
  if (!m) return fail(`"${source}" is not a rate; write it like "10/1h" (at most 10 per hour)`);
  const window = parseDuration(/^\d/.test(m[2]!.trim()) ? m[2]! : `1${m[2]}`);
  if (!window.ok) return fail(`"${source}": ${window.error}`);
  if (window.value <= 0) return fail(`"${source}": the window must be longer than 0`);
  return ok({ limit: Number(m[1]), windowMs: window.value });
}
