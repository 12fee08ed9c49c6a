/**
 * How to make mockmx send an entry again: a scenario rule (YAML, ready to paste under `rules:`)
 * and the magic recipient that replays it with no scenario at all. Derived from the entry's
 * stage and whether the provider reports it after acceptance, so every entry has one.
 */
import type { CatalogEntry } from '../providers/entry.js';
import type { Stage } from '../engine/stages.js';

export interface Reproduction {
  /** A scenario fragment with one rule (`rules:` included), answering `bob@…` like the provider. */
  readonly rule: string;
  /** `RCPT TO:<this>` replays the entry at its natural stage (or, after acceptance, as a notice). */
  readonly magicRecipient: string;
}

/** Stages where the recipient is known, so the rule can pick one recipient out. */
const WITH_RECIPIENT: ReadonlySet<Stage> = new Set(['rcpt', 'data', 'message']);

export function reproduce(entry: CatalogEntry): Reproduction {
  const slug = entry.id.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  if (entry.afterAcceptance && entry.code >= 400) {
    const notice = entry.code >= 500 ? 'bounce' : 'delayNotice';
    return {
      rule: `rules:\n  - id: reproduce-${slug}\n    when: { stage: rcpt, rcpt: "bob@*" }\n    then: { ${notice}: ${entry.id}, notifyAfter: 10m }\n`,
      magicRecipient: `${entry.id}+${entry.code >= 500 ? 'bounce' : 'delay'}@example.com`,
    };
  }
  const when = WITH_RECIPIENT.has(entry.stage) ? `{ stage: ${entry.stage}, rcpt: "bob@*" }` : `{ stage: ${entry.stage} }`;
  return {
    rule: `rules:\n  - id: reproduce-${slug}\n    when: ${when}\n    then: ${entry.id}\n`,
    magicRecipient: `${entry.id}@example.com`,
  };
}
