/**
 * Gmail repeats the code on every line, ends the last one with its session token and " - gsmtp",
 * and breaks its lines at fixed places per template: where a capture shows them, the entry's
 * `lines` are those breaks (a URL that starts a line follows two spaces, i.e. one in the text;
 * some replies open with the client's `[ip]`, padded, and a small number). Otherwise it wraps at
 * about 70 columns with the help URL on a line of its own.
 */
import { DIGITS, HEX, LOWER, pick } from '../seeded.js';
import type { ProviderStyle } from '../types.js';

const GMAIL_WIDTH = 70;
/** Where Gmail writes `sm` in its ids: smtp.gmail.com (captured, pastebin.com/FbfKGUtT) and smtp-relay.gmail.com (github.com/calcom/cal.diy/issues/5254). */
const SUBMISSION = /^smtp(-relay)?\.gmail\.com$/i;
/** Width of the inside of the `[ip  n]` tag, as in `[xxx.59.88.xxx       4]` (a captured 421 4.7.28). */
const IP_TAG_WIDTH = 21;

/**
 * Gmail's per-transaction id, e.g. `98e67ed59e1d1-2c2d0e28189si6418580a91.13`: 13 and 11 hex
 * digits, `si` (`sm` on smtp.gmail.com), 7 to 10 digits, a letter and up to two more characters,
 * a dot and 1 to 3 digits, as in the captures the catalog cites.
 */
export function gmailToken(random: () => number, kind: 'si' | 'sm'): string {
  const digits = pick(random, DIGITS, 7 + Math.floor(random() * 4));
  const tail = pick(random, LOWER, 1) + pick(random, LOWER + DIGITS, Math.floor(random() * 3));
  return `${pick(random, HEX, 13)}-${pick(random, HEX, 11)}${kind}${digits}${tail}.${1 + Math.floor(random() * 999)}`;
}

export const style: ProviderStyle = {
  /** `gmailToken`, Gmail's per-session id (`sm` on its submission and relay servers); `gmailIpSlot`, the number in the `[ip  n]` tag. */
  session: (random, server) => ({ gmailToken: gmailToken(random, SUBMISSION.test(server.hostname) ? 'sm' : 'si'), gmailIpSlot: String(1 + Math.floor(random() * 20)) }),
  lines: (lines, ctx) => {
    const token = ctx['gmailToken'] ?? '';
    const laid = lines.length > 1 ? fixedLines(lines, ctx['gmailIpSlot'] ?? '1') : gmailLines(lines.join(' '));
    laid[laid.length - 1] = `${laid.at(-1)} ${token} - gsmtp`;
    return laid;
  },
};

/** A captured layout: kept line for line; a leading `[ip]` gets Gmail's padding and number. */
function fixedLines(lines: readonly string[], slot: string): string[] {
  return lines.map((line, i) => (i === 0 ? line.replace(/^\[([0-9a-fA-F:.]+)\](?= )/, (_, ip: string) => `[${ip}${' '.repeat(Math.max(1, IP_TAG_WIDTH - ip.length - slot.length))}${slot}]`) : line));
}

function gmailLines(text: string): string[] {
  const url = /\s(https?:\/\/\S+)$/.exec(text);
  const body = url ? text.slice(0, url.index) : text;
  const lines = wrap(body, GMAIL_WIDTH);
  // a short tail such as "go to" stays on the line before, as Gmail's own wrapping does
  const last = lines.at(-1)!;
  if (lines.length > 1 && last.length < 12 && lines.at(-2)!.length + 1 + last.length <= GMAIL_WIDTH + 12) {
    lines.splice(-2, 2, `${lines.at(-2)} ${last}`);
  }
  // Gmail puts the help link on a line of its own; a line that starts with a URL follows two spaces
  if (url) lines.push(url[1]!);
  return lines.map((l) => (/^https?:\/\//.test(l) ? ` ${l}` : l));
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
