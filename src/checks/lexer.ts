/**
 * RFC 5322 §3.2 lexical tokens for structured header values: atoms, quoted strings, domain
 * literals and specials, with comments and folding white space dropped. One linear pass, no
 * regular expressions. Non-ASCII characters count as atext/qtext/ctext/dtext (RFC 6532), so
 * UTF-8 addresses lex; whether 8-bit is allowed at all is judged separately.
 */

export type TokenType = 'atom' | 'qs' | 'dl' | '<' | '>' | ':' | ';' | '@' | ',' | '.';

export interface Token {
  readonly type: TokenType;
  /** The token as written (quoted strings and literals keep their delimiters). */
  readonly text: string;
}

export interface Lexed {
  readonly tokens: readonly Token[];
  /** False on an unclosed comment, quote or literal, a stray `)`/`]`/`\`, or a control character. */
  readonly ok: boolean;
}

const SPECIAL_TOKENS: ReadonlySet<string> = new Set(['<', '>', ':', ';', '@', ',', '.']);

/** atext of RFC 5322 §3.2.3, widened to non-ASCII by RFC 6532. */
export function isAtext(c: number): boolean {
  if (c >= 0x80) return true;
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) return true;
  switch (c) {
    case 0x21: // !
    case 0x23: // #
    case 0x24: // $
    case 0x25: // %
    case 0x26: // &
    case 0x27: // '
    case 0x2a: // *
    case 0x2b: // +
    case 0x2d: // -
    case 0x2f: // /
    case 0x3d: // =
    case 0x3f: // ?
    case 0x5e: // ^
    case 0x5f: // _
    case 0x60: // `
    case 0x7b: // {
    case 0x7c: // |
    case 0x7d: // }
    case 0x7e: // ~
      return true;
    default:
      return false;
  }
}

const isControl = (c: number) => (c < 0x20 && c !== 0x09) || c === 0x7f;

/**
 * Skips a comment starting at `i` (which holds `(`); comments nest and may hold quoted pairs.
 * Returns the index after it, or -1 when it never closes.
 */
function skipComment(s: string, i: number): number {
  let depth = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++; // quoted-pair
    else if (c === 0x28) depth++;
    else if (c === 0x29 && --depth === 0) return i + 1;
  }
  return -1;
}

/** Index after the closing delimiter `close` (quoted pairs honoured), or -1 if unclosed or broken. */
function skipDelimited(s: string, i: number, close: number, forbidden: number): number {
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === close) return i + 1;
    else if (c === forbidden || isControl(c)) return -1;
  }
  return -1;
}

export function lex(s: string): Lexed {
  const tokens: Token[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      i++;
    } else if (c === 0x28) {
      const end = skipComment(s, i);
      if (end === -1) return { tokens, ok: false };
      i = end;
    } else if (c === 0x22) {
      const end = skipDelimited(s, i, 0x22, -1);
      if (end === -1) return { tokens, ok: false };
      tokens.push({ type: 'qs', text: s.slice(i, end) });
      i = end;
    } else if (c === 0x5b) {
      // a domain literal may not contain another '['
      const end = skipDelimited(s, i, 0x5d, 0x5b);
      if (end === -1) return { tokens, ok: false };
      tokens.push({ type: 'dl', text: s.slice(i, end) });
      i = end;
    } else if (isAtext(c)) {
      const start = i;
      while (i < n && isAtext(s.charCodeAt(i))) i++;
      tokens.push({ type: 'atom', text: s.slice(start, i) });
    } else {
      const ch = s[i]!;
      if (!SPECIAL_TOKENS.has(ch)) return { tokens, ok: false }; // ) ] \ or a control character
      tokens.push({ type: ch as TokenType, text: ch });
      i++;
    }
  }
  return { tokens, ok: true };
}

/**
 * The value with comments removed and runs of WSP collapsed to one space, keeping quoted
 * strings and domain literals intact; null when a comment, quote or literal never closes.
 */
export function stripComments(s: string): string | null {
  let out = '';
  let i = 0;
  let from = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x28) {
      const end = skipComment(s, i);
      if (end === -1) return null;
      out += s.slice(from, i) + ' ';
      i = from = end;
    } else if (c === 0x22 || c === 0x5b) {
      const end = skipDelimited(s, i, c === 0x22 ? 0x22 : 0x5d, c === 0x22 ? -1 : 0x5b);
      if (end === -1) return null;
      i = end;
    } else {
      i++;
    }
  }
  out += s.slice(from);
  return out.replace(/[ \t]+/g, ' ').trim();
}
