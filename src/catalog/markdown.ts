/** docs/catalog.md: every catalog entry as a table, generated (npm run docs) and kept fresh by a test. */
import { REGISTRY, type Registry } from '../providers/index.js';
import type { CatalogEntry, EntrySource } from '../providers/entry.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/** Distinct source URLs of `entries`, first seen first. */
function sourceUrls(entries: readonly CatalogEntry[]): string[] {
  return [...new Set(entries.flatMap((e) => (e.sources ?? []).map((s) => s.url)))];
}

/** One line per registered provider: its entries, how many carry sources, how many distinct sources. */
export function providerSummary(providers: Registry = REGISTRY): { name: string; title: string; entries: number; sourced: number; sources: number; scenarios: string[] }[] {
  return providers.providers.map((p) => {
    const entries = providers.entriesOf(p.name);
    return {
      name: p.name,
      title: p.title,
      entries: entries.length,
      sourced: entries.filter((e) => e.sources?.length).length,
      sources: sourceUrls(entries).length,
      scenarios: p.scenarios.map((f) => f.replace(/^.*\//, '').replace(/\.ya?ml$/, '')),
    };
  });
}

const sourceLine = (s: EntrySource) => `[${s.verified}] <${s.url}> (${s.date})${s.note ? ` — ${cell(s.note)}` : ''}`;

function section(providers: Registry, provider: string): string {
  const entries = providers.entriesOf(provider);
  const rows = entries.map(
    (e) => `| \`${e.id}\` | ${e.code} | ${e.enhanced ?? ''} | ${e.stage} | ${e.close || e.code === 421 ? 'yes' : ''} | ${cell(e.text)} | ${cell(e.cause)} |`,
  );
  const sourced = entries.filter((e) => e.sources?.length);
  const sources = sourced.length
    ? `\n### ${provider}: sources\n\n${sourced.map((e) => `- \`${e.id}\`\n${e.sources!.map((s) => `  - ${sourceLine(s)}`).join('\n')}`).join('\n')}\n`
    : '';
  return `## ${provider} (${rows.length})\n\n| id | code | enhanced | stage | closes | text | cause |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}\n${sources}`;
}

/** The summary, then one section per provider of `providers`, in registry order. */
export function catalogMarkdown(providers: Registry = REGISTRY): string {
  const summary = providerSummary(providers)
    .map((p) => `| [${p.name}](#${p.name}-${p.entries}) | ${p.title} | ${p.entries} | ${p.sourced} | ${p.sources} | ${p.scenarios.map((s) => `\`${s}\``).join(', ')} |`)
    .join('\n');
  return `# The catalog\n\nEvery documented provider reply mockmx can send, generated from \`src/catalog/\` by \`npm run docs\`.\nUse an id as a rule's reply (\`then: gmail.user-unknown\`), or as a magic recipient\n(\`RCPT TO:<gmail.user-unknown@example.com>\`; add \`+bounce\` for a bounce instead).\n\n| provider | | entries | with sources | distinct sources | scenarios |\n|---|---|---|---|---|---|\n${summary}\n\nSources are listed under each provider's table: where each entry's wording was found, when, and how it\nwas checked (\`verbatim-page\`: word for word on the provider's page; \`verbatim-capture\`: word for word in a\npublished reply; \`seed-translation\`: translated back from a non-English seed document).\n\n${providers.names.map((n) => section(providers, n)).join('\n')}`;
}
