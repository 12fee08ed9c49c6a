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
    const sep = i < last ? '-' : ' ';
    // an empty line keeps the space after its enhanced code, as Gmail's blank lines in 5.7.26 do
    const body = enhanced ? (text ? `${enhanced} ${text}` : lines.length > 1 ? `${enhanced} ` : enhanced) : text;
    out[i] = body ? `${code}${sep}${body}` : `${code}${sep === '-' ? '-' : ''}`;
  }
  return out;
}

/** The reply's text lines with placeholders filled in. */
export function replyTexts(reply: Reply, values: Placeholders | PlaceholderLookup): string[] {
  return reply.lines.map((l) => (l.includes('{') ? fillPlaceholders(l, values) : l));
}
