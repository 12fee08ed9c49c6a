/**
 * RFC 5322 §3.4 address lists (From, Sender, Reply-To, To, Cc, Bcc) over the tokens of
 * `lexer.ts`: mailboxes, name-addrs, groups, and the obsolete forms still seen in the wild
 * (dots in display names, empty list elements, source routes). Recursive descent with an index,
 * so it is linear in the number of tokens.
 */
import { lex, type Token } from './lexer.js';

export interface Mailbox {
  /** `local@domain` as written, comments and white space removed. */
  readonly address: string;
  /** The domain as written: a dot-atom or a `[...]` literal. */
  readonly domain: string;
}

export interface AddressList {
  /** The value follows the grammar. An empty value is `ok` here; the caller decides if it is allowed. */
  readonly ok: boolean;
  /** Mailboxes parsed (up to the first error), group members included. */
  readonly mailboxes: readonly Mailbox[];
  /** No address at all: empty, only comments, `<>`, only empty groups or only commas. */
  readonly empty: boolean;
  /** List elements read: mailboxes and groups (an empty group counts, it is a valid address). */
  readonly elements: number;
}

interface Step<T> {
  readonly value: T;
  readonly next: number;
}

const isWord = (t: Token | undefined) => t !== undefined && (t.type === 'atom' || t.type === 'qs');
const isPhrasePart = (t: Token | undefined) => isWord(t) || t?.type === '.';

class Parser {
  readonly mailboxes: Mailbox[] = [];

  constructor(private readonly tokens: readonly Token[]) {}

  /** addr-spec = local-part "@" domain */
  addrSpec(k: number): Step<Mailbox> | null {
    const t = this.tokens;
    if (!isWord(t[k])) return null;
    let local = t[k]!.text;
    k++;
    while (t[k]?.type === '.') {
      if (!isWord(t[k + 1])) return null;
      local += '.' + t[k + 1]!.text;
      k += 2;
    }
    if (t[k]?.type !== '@') return null;
    k++;
    let domain: string;
    if (t[k]?.type === 'dl') {
      domain = t[k]!.text;
      k++;
    } else {
      if (t[k]?.type !== 'atom') return null;
      domain = t[k]!.text;
      k++;
      while (t[k]?.type === '.') {
        if (t[k + 1]?.type !== 'atom') return null;
        domain += '.' + t[k + 1]!.text;
        k += 2;
      }
    }
    return { value: { address: `${local}@${domain}`, domain }, next: k };
  }

  /** mailbox = name-addr / addr-spec */
  mailbox(i: number): number {
    const t = this.tokens;
    let j = i;
    while (isPhrasePart(t[j])) j++;
    if (t[j]?.type !== '<') {
      const spec = this.addrSpec(i);
      if (!spec) return -1;
      this.mailboxes.push(spec.value);
      return spec.next;
    }
    let k = j + 1;
    if (t[k]?.type === '@') {
      // obs-route "@a,@b:" before the address: skip to its colon
      while (k < t.length && t[k]!.type !== ':' && t[k]!.type !== '>') k++;
      if (t[k]?.type !== ':') return -1;
      k++;
    }
    const spec = this.addrSpec(k);
    if (!spec || t[spec.next]?.type !== '>') return -1;
    this.mailboxes.push(spec.value);
    return spec.next + 1;
  }

  /** address = mailbox / group; group = display-name ":" [group-list] ";" */
  address(i: number): number {
    const t = this.tokens;
    let j = i;
    while (isPhrasePart(t[j])) j++;
    if (t[j]?.type !== ':') return this.mailbox(i);
    if (j === i) return -1; // a group needs a display name
    j++;
    while (j < t.length && t[j]!.type !== ';') {
      if (t[j]!.type === ',') {
        j++;
        continue;
      }
      j = this.mailbox(j);
      if (j === -1) return -1;
      const sep = t[j]?.type;
      if (sep !== ',' && sep !== ';') return -1;
    }
    return t[j]?.type === ';' ? j + 1 : -1;
  }
}

export function parseAddressList(value: string): AddressList {
  const { tokens, ok } = lex(value);
  if (!ok) return { ok: false, mailboxes: [], empty: false, elements: 0 };
  if (tokens.length === 0) return { ok: true, mailboxes: [], empty: true, elements: 0 };
  if (tokens.length === 2 && tokens[0]!.type === '<' && tokens[1]!.type === '>') {
    return { ok: false, mailboxes: [], empty: true, elements: 0 }; // the null path belongs in MAIL FROM, not here
  }
  const p = new Parser(tokens);
  let i = 0;
  let elements = 0;
  while (i < tokens.length) {
    if (tokens[i]!.type === ',') {
      i++; // obsolete empty list element
      continue;
    }
    i = p.address(i);
    if (i === -1 || (i < tokens.length && tokens[i]!.type !== ',')) {
      return { ok: false, mailboxes: p.mailboxes, empty: false, elements };
    }
    elements++;
  }
  if (elements === 0) return { ok: false, mailboxes: [], empty: true, elements };
  return { ok: true, mailboxes: p.mailboxes, empty: p.mailboxes.length === 0, elements };
}
