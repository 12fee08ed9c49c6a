/**
 * How each provider lays its replies out on the wire. Gmail wraps its text at about 70
 * columns, repeats the code on every line, puts the help URL on the last line and ends with
 * a session token and " - gsmtp"; Microsoft 365 ends with the front-end server in brackets;
 * GoDaddy writes one line ending in its IB code (already part of the catalog text).
 */
import type { Provider } from './types.js';

/** Per-session values a style needs, made by the adapter (seeded, so runs replay). */
export interface StyleContext {
  /** Gmail's per-transaction token, e.g. `d2e1a72fcca58-7f1b4b2e1b8si1234567qtb.105`. */
  readonly gmailToken: string;
  /** The Microsoft 365 front-end that "answered", e.g. `BN8NAM12FT061.eop-nam12.prod.protection.outlook.com`. */
  readonly microsoftServer: string;
}

const GMAIL_WIDTH = 70;

export function styleLines(provider: Provider, lines: readonly string[], ctx: StyleContext): string[] {
  switch (provider) {
    case 'gmail':
      return gmailLines(lines.join(' '), ctx.gmailToken);
    case 'microsoft365':
      return [...lines.slice(0, -1), `${lines.at(-1) ?? ''} [${ctx.microsoftServer}]`];
    case 'godaddy':
      return [...lines];
  }
}

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

/** Seeded per-session style values: the same seed and session order give the same tokens. */
export function styleContext(random: () => number): StyleContext {
  // a plain loop: this runs for every session, and Array.from + join cost more than the rest of it
  const pick = (alphabet: string, n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(random() * alphabet.length)];
    return s;
  };
  const hex = '0123456789abcdef';
  const digits = '0123456789';
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return {
    gmailToken: `${pick(hex, 13)}-${pick(hex, 11)}si${pick(digits, 7)}${pick(lower, 3)}.${pick(digits, 3)}`,
    microsoftServer: `${pick(upper, 2)}${pick(digits, 1)}${pick(upper, 3)}${pick(digits, 2)}FT${pick(digits, 3)}.eop-${pick(lower, 3)}${pick(digits, 2)}.prod.protection.outlook.com`,
  };
}
