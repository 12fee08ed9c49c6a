/**
 * Gmail wraps its text at about 70 columns, repeats the code on every line, puts the help URL
 * on the last line and ends with a session token and " - gsmtp".
 */
import { DIGITS, HEX, LOWER, pick } from '../seeded.js';
import type { ProviderStyle } from '../types.js';

const GMAIL_WIDTH = 70;

export const style: ProviderStyle = {
  /** `gmailToken`, e.g. `d2e1a72fcca58-7f1b4b2e1b8si1234567qtb.105`: Gmail's per-transaction token. */
  session: (random) => ({
    gmailToken: `${pick(random, HEX, 13)}-${pick(random, HEX, 11)}si${pick(random, DIGITS, 7)}${pick(random, LOWER, 3)}.${pick(random, DIGITS, 3)}`,
  }),
  lines: (lines, ctx) => gmailLines(lines.join(' '), ctx['gmailToken'] ?? ''),
};

function gmailLines(text: string, token: string): string[] {
  const url = /\s(https?:\/\/\S+)$/.exec(text);
  const body = url ? text.slice(0, url.index) : text;
  const lines = wrap(body, GMAIL_WIDTH);
  // a short tail such as "go to" stays on the line before, as Gmail's own wrapping does
  const last = lines.at(-1)!;
  if (lines.length > 1 && last.length < 12 && lines.at(-2)!.length + 1 + last.length <= GMAIL_WIDTH + 12) {
    lines.splice(-2, 2, `${lines.at(-2)} ${last}`);
  }
  // Gmail puts the help link on a line of its own, after two spaces, followed by its token
  if (url) lines.push(` ${url[1]} ${token} - gsmtp`);
  else lines[lines.length - 1] = `${lines.at(-1)} ${token} - gsmtp`;
  return lines;
}

/** Word-wraps at `width` columns; a word longer than the width gets a line of its own. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  lines.push(current);
  return lines;
}
