/** docs/catalog.md: every catalog entry as a table, generated (npm run docs) and kept fresh by a test. */
import { REGISTRY, type Registry } from '../providers/index.js';
import type { CatalogEntry, EntrySource } from '../providers/entry.js';
import { VERIFICATION_MEANING, VERIFICATIONS, verificationCounts } from './sources.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/** Distinct source URLs of `entries`, first seen first. */
function sourceUrls(entries: readonly CatalogEntry[]): string[] {
  return [...new Set(entries.flatMap((e) => e.sources.map((s) => s.url)))];
}

/** One line per registered provider: its entries, how many carry sources, how many distinct sources. */
export function providerSummary(providers: Registry = REGISTRY): { name: string; title: string; entries: number; sourced: number; sources: number; scenarios: string[] }[] {
  return providers.providers.map((p) => {
    const entries = providers.entriesOf(p.name);
    return {
      name: p.name,
      title: p.title,
      entries: entries.length,
      sourced: entries.filter((e) => e.sources.length).length,
      sources: sourceUrls(entries).length,
      scenarios: p.scenarios.map((f) => f.replace(/^.*\//, '').replace(/\.ya?ml$/, '')),
    };
  });
}

function section(providers: Registry, provider: string): string {
  const entries = providers.entriesOf(provider);
  const rows = entries.map(
    (e) =>
      `| \`${e.id}\` | ${e.code} | ${e.enhanced ?? ''} | ${e.stage} | ${e.close || e.code === 421 ? 'yes' : ''} | ${cell(e.text)} | ${cell(e.cause)} | ${e.sources.map(sourceCell).join('<br>')} |`,
  );
  const counts = verificationCounts(entries);
  const tally = VERIFICATIONS.map((v) => `${counts[v]} ${v}`).join(', ');
  return `## ${provider} (${rows.length})\n\nBest source per entry: ${tally}.\n\n| id | code | enhanced | stage | closes | text | cause | source (verified, read) |\n|---|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`;
}

/** The providers' summary and the legend, then one section per provider of `providers`, in registry order. */
export function catalogMarkdown(providers: Registry = REGISTRY): string {
  const summary = providerSummary(providers)
    .map((p) => `| [${p.name}](#${p.name}-${p.entries}) | ${p.title} | ${p.entries} | ${p.sourced} | ${p.sources} | ${p.scenarios.map((s) => `\`${s}\``).join(', ')} |`)
    .join('\n');
  const legend = VERIFICATIONS.map((v) => `- \`${v}\`: ${VERIFICATION_MEANING[v]}`).join('\n');
  return `# The catalog\n\nEvery documented provider reply mockmx can send, generated from \`src/catalog/\` by \`npm run docs\`.\nUse an id as a rule's reply (\`then: gmail.user-unknown\`), or as a magic recipient\n(\`RCPT TO:<gmail.user-unknown@example.com>\`; add \`+bounce\` for a bounce instead).\n\n| provider | | entries | with sources | distinct sources | scenarios |\n|---|---|---|---|---|---|\n${summary}\n\nEach entry names where its wording comes from, best first, and how it was checked:\n\n${legend}\n\n${providers.names.map((n) => section(providers, n)).join('\n')}`;
}

/** `verbatim-capture: [github.com/…](url) 2026-12-04`: the host and path, linked. */
function sourceCell(s: EntrySource): string {
  const shown = s.url.replace(/^https?:\/\//, '').replace(/[?#].*$/, '');
  return `${s.verified}: [${cell(shown)}](${s.url}) ${s.date}`;
}
