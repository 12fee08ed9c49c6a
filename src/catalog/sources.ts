/** How an entry's sources read in the catalog listing and docs/catalog.md: how verified, where, when read. */
import type { CatalogEntry, EntrySource, Verification } from '../providers/entry.js';

export const VERIFICATIONS: readonly Verification[] = ['verbatim-page', 'verbatim-capture', 'seed-translation'];

/** What each verification means, for the docs' legend. */
export const VERIFICATION_MEANING: Readonly<Record<Verification, string>> = {
  'verbatim-page': "word for word against the provider's English page",
  'verbatim-capture': 'word for word (and line for line) against a real reply published in a log, bounce or issue thread',
  'seed-translation': "translated back from a non-English copy of the provider's page only",
};

/** `verbatim-capture https://… (read 2026-12-04)`. */
export const describeSource = (s: EntrySource): string => `${s.verified} ${s.url} (read ${s.date})`;

/** How many entries' best source is of each verification. */
export function verificationCounts(entries: readonly CatalogEntry[]): Record<Verification, number> {
  const counts = Object.fromEntries(VERIFICATIONS.map((v) => [v, 0])) as Record<Verification, number>;
  for (const e of entries) counts[e.sources[0].verified]++;
  return counts;
}
