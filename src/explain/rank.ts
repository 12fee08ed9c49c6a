/**
 * Ranking catalog entries against a parsed bounce, deterministically: the enhanced code (exact,
 * or the same class and subject), the basic code, the text's TF-IDF cosine similarity to the
 * entry's wording (IDF over the whole catalog, so words every provider uses weigh little and
 * `NoSuchUser` or `IB212` weigh a lot), and the provider the bounce's hosts point at.
 */
import type { CatalogEntry } from '../providers/entry.js';
import type { ParsedBounce } from './parse.js';

export interface Scored {
  readonly entry: CatalogEntry;
  /** 0…1, three decimals. */
  readonly score: number;
  /** What made the score, for people reading it. */
  readonly why: readonly string[];
}

const WEIGHT = { text: 0.5, enhanced: 0.3, code: 0.1, provider: 0.1 } as const;
/** Below this text similarity, a match needs its enhanced code to count. */
const MIN_TEXT = 0.2;
const STOP = new Set(['the', 'to', 'of', 'and', 'a', 'an', 'is', 'in', 'for', 'from', 'this', 'that', 'be', 'or', 'on', 'at', 'by', 'it', 'was', 'with', 'are', 'as', 'your', 'you', 'please', 'not']);

/** Lower-case words, placeholders (`{domain}`) and session tokens left out. */
export function tokens(text: string): string[] {
  return (text.replace(/\{[a-z]+\}/gi, ' ').toLowerCase().match(/[a-z][a-z0-9]*(?:\.[a-z0-9]+)*|\d+(?:\.\d+)+/g) ?? []).filter((t) => t.length > 1 && !STOP.has(t));
}

type Vector = Map<string, number>;

export class Ranker {
  private readonly idf = new Map<string, number>();
  private readonly vectors: Vector[];

  constructor(
    private readonly entries: readonly CatalogEntry[],
    /** Provider name → its hints (lower case). */
    private readonly hints: ReadonlyMap<string, readonly string[]>,
  ) {
    const docs = entries.map((e) => tokens(`${e.text} ${e.providerCode ?? ''}`));
    const df = new Map<string, number>();
    for (const doc of docs) for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1);
    for (const [t, n] of df) this.idf.set(t, Math.log(1 + entries.length / n));
    this.vectors = docs.map((d) => this.vector(d));
  }

  /** The providers `bounce` points at, by its hosts and text. */
  providersHinted(bounce: ParsedBounce): string[] {
    const haystack = `${bounce.hosts.join(' ')} ${bounce.text}`.toLowerCase();
    return [...this.hints].filter(([, marks]) => marks.some((m) => haystack.includes(m))).map(([name]) => name);
  }

  rank(bounce: ParsedBounce, limit: number): Scored[] {
    const query = this.vector(tokens(bounce.text));
    const hinted = new Set(this.providersHinted(bounce));
    const scored: Scored[] = [];
    for (const [i, entry] of this.entries.entries()) {
      const why: string[] = [];
      const text = cosine(query, this.vectors[i]!);
      const enhanced = enhancedMatch(bounce.enhanced, entry.enhanced);
      const code = bounce.code === null ? 0 : bounce.code === entry.code ? 1 : Math.floor(bounce.code / 100) === Math.floor(entry.code / 100) ? 0.5 : 0;
      // a 4xx is not a 5xx: a bounce of the other class is never this entry
      const klass = bounce.code ?? (bounce.enhanced ? Number(bounce.enhanced[0]) * 100 : null);
      if (klass !== null && Math.floor(klass / 100) !== Math.floor(entry.code / 100)) continue;
      if (text < MIN_TEXT && enhanced < 1) continue;
      if (enhanced === 1) why.push(`enhanced code ${entry.enhanced}`);
      if (code === 1) why.push(`code ${entry.code}`);
      if (text >= MIN_TEXT) why.push(`text ${Math.round(text * 100)}% alike`);
      const provider = hinted.has(entry.provider) ? 1 : 0;
      if (provider) why.push(`the bounce names ${entry.provider}`);
      const score = WEIGHT.text * text + WEIGHT.enhanced * enhanced + WEIGHT.code * code + WEIGHT.provider * provider;
      scored.push({ entry, score: Math.round(score * 1000) / 1000, why });
    }
    return scored.sort((a, b) => b.score - a.score || a.entry.id.localeCompare(b.entry.id)).slice(0, limit);
  }

  private vector(words: readonly string[]): Vector {
    const v: Vector = new Map();
    for (const w of words) if (this.idf.has(w)) v.set(w, (v.get(w) ?? 0) + 1);
    for (const [w, tf] of v) v.set(w, tf * this.idf.get(w)!);
    return v;
  }
}

/** 1 for the same code, 0.3 for the same class and subject (5.7.x), else 0. */
function enhancedMatch(a: string | null, b: string | null): number {
  if (!a || !b) return 0;
  if (a === b) return 1;
  return a.split('.').slice(0, 2).join('.') === b.split('.').slice(0, 2).join('.') ? 0.3 : 0;
}

function cosine(a: Vector, b: Vector): number {
  let dot = 0;
  for (const [w, x] of a) dot += x * (b.get(w) ?? 0);
  if (!dot) return 0;
  const norm = (v: Vector) => Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0));
  return dot / (norm(a) * norm(b));
}
