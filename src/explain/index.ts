/**
 * `mockmx explain`: which catalog entries a production bounce is, ranked, each with its cause,
 * what a correct sender does next and how to make mockmx send it again. Pure: text in, data
 * out; the CLI, the HTTP route and the page all show this.
 */
import { REGISTRY, type Registry } from '../providers/index.js';
import { nextStep, type NextStep } from './advice.js';
import { parseBounce, type ParsedBounce } from './parse.js';
import { Ranker } from './rank.js';
import { reproduce, type Reproduction } from './reproduce.js';

export { parseBounce, splitReply, type InputFormat, type ParsedBounce } from './parse.js';
export { nextStep, type NextStep, type Retry } from './advice.js';
export { reproduce, type Reproduction } from './reproduce.js';

export interface Match {
  readonly id: string;
  readonly provider: string;
  readonly score: number;
  readonly why: readonly string[];
  readonly code: number;
  readonly enhanced: string | null;
  readonly stage: string;
  readonly text: string;
  readonly cause: string;
  readonly afterAcceptance: boolean;
  readonly next: NextStep;
  readonly reproduce: Reproduction;
}

export interface Explanation {
  /** What was read from the input. */
  readonly parsed: ParsedBounce;
  /** Providers the input's hosts or tokens point at. */
  readonly providers: readonly string[];
  /** What a sender does after the reply as given, even when no entry matches (null: the input has no code). */
  readonly next: NextStep | null;
  /** Best first; empty when nothing in the catalog is like it. */
  readonly matches: readonly Match[];
}

const rankers = new WeakMap<Registry, Ranker>();

function rankerOf(registry: Registry): Ranker {
  let ranker = rankers.get(registry);
  if (!ranker) {
    const hints = new Map(registry.providers.map((p) => [p.name, (p.hints ?? []).map((h) => h.toLowerCase())] as const));
    ranker = new Ranker(registry.entries, hints);
    rankers.set(registry, ranker);
  }
  return ranker;
}

export interface ExplainOptions {
  /** How many matches at most (default 5). */
  readonly limit?: number;
  readonly registry?: Registry;
}

export function explain(input: string, options: ExplainOptions = {}): Explanation {
  const registry = options.registry ?? REGISTRY;
  const ranker = rankerOf(registry);
  const parsed = parseBounce(input);
  const matches = ranker.rank(parsed, options.limit ?? 5).map(({ entry, score, why }): Match => ({
    id: entry.id,
    provider: entry.provider,
    score,
    why,
    code: entry.code,
    enhanced: entry.enhanced,
    stage: entry.stage,
    text: entry.text,
    cause: entry.cause,
    afterAcceptance: entry.afterAcceptance ?? false,
    next: nextStep(entry),
    reproduce: reproduce(entry),
  }));
  const stage = stageOfCommand(parsed.command);
  return {
    parsed,
    providers: ranker.providersHinted(parsed),
    next: parsed.code === null ? null : nextStep({ code: parsed.code, enhanced: parsed.enhanced, stage, close: parsed.code === 421 }),
    matches,
  };
}

/** The stage a logged command answers (`RCPT TO` → rcpt); unknown: rcpt, where most bounces are met. */
function stageOfCommand(command: string | null) {
  const c = (command ?? '').toUpperCase();
  if (c.startsWith('MAIL')) return 'mail' as const;
  if (c.includes('END OF DATA') || c.includes('DATA')) return c.startsWith('DATA') ? ('data' as const) : ('message' as const);
  if (c.startsWith('EHLO') || c.startsWith('HELO')) return 'helo' as const;
  if (c.includes('CONNECT') || c.includes('GREETING')) return 'connect' as const;
  return 'rcpt' as const;
}

/** The explanation as text for a terminal. */
export function explanationText(x: Explanation): string {
  const p = x.parsed;
  const out = [`read as ${p.format}: ${[p.code, p.enhanced].filter(Boolean).join(' ') || 'no reply code'}${p.command ? ` (in reply to ${p.command})` : ''}`];
  if (p.text) out.push(`  "${p.text.length > 160 ? `${p.text.slice(0, 159)}…` : p.text}"`);
  if (x.providers.length) out.push(`points at: ${x.providers.join(', ')}`);
  if (x.next) out.push(`next step: ${x.next.advice}`);
  if (!x.matches.length) {
    out.push('', 'no catalog entry is like it (mockmx explain matches on the enhanced code and the wording).');
    return `${out.join('\n')}\n`;
  }
  for (const [i, m] of x.matches.entries()) {
    out.push(
      '',
      `${i + 1}. ${m.id}  (score ${m.score.toFixed(3)}: ${m.why.join(', ')})`,
      `   ${m.code}${m.enhanced ? ` ${m.enhanced}` : ''} at ${m.stage}${m.afterAcceptance ? ', reported after acceptance' : ''}: ${m.text}`,
      `   cause: ${m.cause}`,
      `   next:  ${m.next.advice}`,
      `   magic recipient: RCPT TO:<${m.reproduce.magicRecipient}>`,
      '   rule:',
      ...m.reproduce.rule.trimEnd().split('\n').map((l) => `     ${l}`),
    );
  }
  return `${out.join('\n')}\n`;
}
