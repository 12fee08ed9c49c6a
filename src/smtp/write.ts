/** Renders replies to wire lines. One place decides how a reply looks on the wire. */
import type { Reply } from '../engine/reply.js';

/** Values that reply text can quote as `{name}`. */
export type Placeholders = Readonly<Record<string, string | undefined>>;

const CONTROL = /[\x00-\x1f\x7f]/g;

export function fillPlaceholders(line: string, values: Placeholders): string {
  return line.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/**
 * `code-enh text` for every line but the last, `code enh text` for the last, CRLF after each:
 * receivers such as Postfix read the status from the last line, so every line carries it.
 */
export function wireLines(code: number, enhanced: string | null, lines: readonly string[]): string[] {
  const list = lines.length ? lines : [''];
  return list.map((raw, i) => {
    const text = raw.replace(CONTROL, ' ');
    const sep = i < list.length - 1 ? '-' : ' ';
    // an empty line keeps the space after its enhanced code, as Gmail's blank lines in 5.7.26 do
    const body = enhanced && !text && lines.length > 1 ? `${enhanced} ` : [enhanced, text].filter((part) => part).join(' ');
    return body ? `${code}${sep}${body}` : `${code}${sep === '-' ? '-' : ''}`;
  });
}

/** The reply's text lines with placeholders filled in; the values are gathered only when a line has one. */
export function replyTexts(reply: Reply, values: Placeholders | (() => Placeholders)): string[] {
  let known: Placeholders | undefined = typeof values === 'function' ? undefined : values;
  return reply.lines.map((l) => (l.includes('{') ? fillPlaceholders(l, (known ??= (values as () => Placeholders)())) : l));
}
