/** Renders replies to wire lines. One place decides how a reply looks on the wire. */
import type { Reply } from '../engine/reply.js';

/** Values that reply text can quote as `{name}`. */
export type Placeholders = Readonly<Record<string, string | undefined>>;

const CONTROL = /[\x00-\x1f\x7f]/g;
const HAS_CONTROL = /[\x00-\x1f\x7f]/;

/** A placeholder's value by name, computed when a reply quotes it (the session's values are many, a reply quotes one or two). */
export type PlaceholderLookup = (name: string) => string | undefined;

export function fillPlaceholders(line: string, values: Placeholders | PlaceholderLookup): string {
  const valueOf = typeof values === 'function' ? values : (name: string) => values[name];
  return line.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => valueOf(name) ?? whole);
}

/**
 * `code-enh text` for every line but the last, `code enh text` for the last, CRLF after each:
 * receivers such as Postfix read the status from the last line, so every line carries it.
 */
export function wireLines(code: number, enhanced: string | null, lines: readonly string[]): string[] {
  const list = lines.length ? lines : [''];
  const last = list.length - 1;
  const out = new Array<string>(list.length);
  for (let i = 0; i <= last; i++) {
    const raw = list[i]!;
    const text = HAS_CONTROL.test(raw) ? raw.replace(CONTROL, ' ') : raw;
    const more = i < last;
    // an empty line keeps the space after its enhanced code, as Gmail's blank lines in 5.7.26 do
    if (!text) out[i] = enhanced ? `${code}${more ? '-' : ' '}${enhanced}${lines.length > 1 ? ' ' : ''}` : `${code}${more ? '-' : ''}`;
    else out[i] = renderedLine(code, enhanced, more, text);
  }
  return out;
}

/**
 * Lines already rendered, by their prefix (`250 2.1.0 `) and text. Most replies repeat word for
 * word (every MAIL's `250 2.1.0 Accepted`): a repeat is then the same string, not a new one for
 * each transcript to keep. Each prefix keeps its latest texts only (a text with a session's
 * values in it is seldom seen twice).
 */
const rendered = new Map<string, Map<string, string>>();
const TEXTS_PER_PREFIX = 64;
const MAX_PREFIXES = 256;
/** `code[ -]enhanced ` by code, then enhanced code (`''`: none), then whether more lines follow. */
const prefixes = new Map<number, Map<string, readonly [last: string, more: string]>>();

function renderedLine(code: number, enhanced: string | null, more: boolean, text: string): string {
  const prefix = prefixOf(code, enhanced ?? '')[more ? 1 : 0];
  let lines = rendered.get(prefix);
  const known = lines?.get(text);
  if (known !== undefined) return known;
  if (!lines) {
    if (rendered.size >= MAX_PREFIXES) return prefix + text;
    rendered.set(prefix, (lines = new Map()));
  } else if (lines.size >= TEXTS_PER_PREFIX) lines.clear();
  const line = prefix + text;
  lines.set(text, line);
  return line;
}

function prefixOf(code: number, enhanced: string): readonly [string, string] {
  let byEnhanced = prefixes.get(code);
  let pair = byEnhanced?.get(enhanced);
  if (pair) return pair;
  const tail = enhanced ? `${enhanced} ` : '';
  pair = [`${code} ${tail}`, `${code}-${tail}`];
  // codes come from scenarios and smtp-server, a few dozen pairs; the bound only guards memory
  if (prefixes.size < MAX_PREFIXES) {
    if (!byEnhanced) prefixes.set(code, (byEnhanced = new Map()));
    if (byEnhanced.size < MAX_PREFIXES) byEnhanced.set(enhanced, pair);
  }
  return pair;
}

/** The reply's text lines with placeholders filled in. */
export function replyTexts(reply: Reply, values: Placeholders | PlaceholderLookup): string[] {
  return reply.lines.map((l) => (l.includes('{') ? fillPlaceholders(l, values) : l));
}
