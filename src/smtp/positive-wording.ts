/**
 * How smtp-server's own positive replies go out under the scenario: the `success:` table's
 * wording for the verb where it has one, else smtp-server's lines, with the scenario's HELO
 * greeting and its capability order for the answer to EHLO/HELO/LHLO; and the 220 greeting.
 */
import type { CompiledScenario } from '../engine/scenario.js';
import type { Reply } from '../engine/reply.js';
import { orderCapabilities } from './capabilities.js';
import { successReply } from './server-replies.js';
import { fillPlaceholders, type PlaceholderLookup } from './write.js';

export const HELO_VERBS: ReadonlySet<string> = new Set(['HELO', 'EHLO', 'LHLO']);

export type PositiveWording = { readonly reply: Reply } | { readonly lines: string[] };

export function positiveWording(scenario: CompiledScenario, verb: string, code: number, lines: string[], placeholders: () => PlaceholderLookup): PositiveWording {
  const worded = successReply(scenario.success, verb, code);
  if (worded) return { reply: worded };
  if (code !== 250 || !HELO_VERBS.has(verb)) return { lines };
  const { heloGreeting, capabilities } = scenario.server;
  const first = heloGreeting ? fillPlaceholders(heloGreeting, placeholders()) : lines[0]!;
  return { lines: [first, ...orderCapabilities(lines.slice(1), capabilities)] };
}

/** The 220 greeting: the scenario's `greeting`, else `<name> ESMTP <banner>` as smtp-server writes it. */
export function greetingText(scenario: CompiledScenario, name: string, banner: string | undefined, placeholders: () => PlaceholderLookup): string {
  const { greeting } = scenario.server;
  if (greeting) return fillPlaceholders(greeting, placeholders());
  return `${name} ESMTP${banner ? ` ${fillPlaceholders(banner, placeholders())}` : ''}`;
}
