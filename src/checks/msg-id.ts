/**
 * RFC 5322 §3.6.4 msg-id lists (Message-ID, In-Reply-To, References):
 * `"<" id-left "@" id-right ">"`, where id-left is a dot-atom-text or (obsolete) a quoted
 * string, and id-right a dot-atom-text or a `[...]` literal. A manual scan, linear in length.
 */
import { isAtext, stripComments } from './lexer.js';

export interface MsgIdList {
  readonly ok: boolean;
  /** Message identifiers read before the end or the first error. */
  readonly count: number;
}

/** End index of a dot-atom-text starting at `i`, or -1 when there is none or a dot is misplaced. */
function dotAtomText(s: string, i: number): number {
  const start = i;
  let lastDot = true; // a leading dot is not allowed
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (lastDot) return -1;
      lastDot = true;
    } else if (isAtext(c)) {
      lastDot = false;
    } else {
      break;
    }
  }
  return i === start || lastDot ? -1 : i;
}

/** End index after a delimited run (`"..."` or `[...]`), or -1. */
function delimited(s: string, i: number, close: string, forbidden: string): number {
  for (i++; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      if (close === ']') return -1; // no quoted pairs in a no-fold-literal
      i++;
    } else if (ch === close) return i + 1;
    else if (ch === forbidden) return -1;
  }
  return -1;
}

function msgId(s: string, i: number): number {
  if (s[i] !== '<') return -1;
  i++;
  i = s[i] === '"' ? delimited(s, i, '"', '') : dotAtomText(s, i);
  if (i === -1 || s[i] !== '@') return -1;
  i++;
  i = s[i] === '[' ? delimited(s, i, ']', '[') : dotAtomText(s, i);
  if (i === -1 || s[i] !== '>') return -1;
  return i + 1;
}

/**
 * Parses white-space separated msg-ids. `commas` also accepts commas between them, which some
 * mailers put in References and In-Reply-To.
 */
export function parseMsgIds(value: string, commas = false): MsgIdList {
  const s = stripComments(value);
  if (s === null) return { ok: false, count: 0 };
  let i = 0;
  let count = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || (commas && c === ',')) {
      i++;
      continue;
    }
    i = msgId(s, i);
    if (i === -1) return { ok: false, count };
    count++;
  }
  return { ok: count > 0, count };
}
