/** Evidence items, built the same way by every check. */
import type { Ref } from './reply.js';
import type { Evidence } from './types.js';

/**
 * Evidence observed at `where`, showing an earlier ref's lines (a refusal) followed by the
 * lines of the act itself, within `max` lines: the act's lines are kept whole, the earlier ones trimmed.
 */
export function evidence(where: { readonly session: string; readonly at: number }, detail: string, max: number, earlier: readonly string[], act: readonly string[] = []): Evidence {
  const own = act.slice(-max);
  return { session: where.session, at: where.at, lines: [...earlier.slice(0, Math.max(0, max - own.length)), ...own], detail };
}

/** Evidence that is one ref's lines. */
export const evidenceOf = (ref: Ref, detail: string, max: number): Evidence => evidence(ref, detail, max, ref.lines);

