/** docs/catalog.md: every catalog entry as a table, generated (npm run docs) and kept fresh by a test. */
import { REGISTRY, type Registry } from '../providers/index.js';
import type { EntrySource } from '../providers/entry.js';
import { VERIFICATION_MEANING, VERIFICATIONS, verificationCounts } from './sources.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/** One section per provider of `providers`, in registry order. */
export function catalogMarkdown(providers: Registry = REGISTRY): string {
  const sections = providers.names.map((provider) => {
    const entries = providers.entriesOf(provider);
    const rows = entries.map(
      (e) =>
        `| \`${e.id}\` | ${e.code} | ${e.enhanced ?? ''} | ${e.stage} | ${e.close || e.code === 421 ? 'yes' : ''} | ${cell(e.text)} | ${cell(e.cause)} | ${e.sources.map(sourceCell).join('<br>')} |`,
    );
    const counts = verificationCounts(entries);
    const tally = VERIFICATIONS.map((v) => `${counts[v]} ${v}`).join(', ');
    return `## ${provider} (${rows.length})\n\nBest source per entry: ${tally}.\n\n| id | code | enhanced | stage | closes | text | cause | source (verified, read) |\n|---|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`;
  });
  const legend = VERIFICATIONS.map((v) => `- \`${v}\`: ${VERIFICATION_MEANING[v]}`).join('\n');
  return `# The catalog\n\nEvery documented provider reply mockmx can send, generated from \`src/catalog/\` by \`npm run docs\`.\nUse an id as a rule's reply (\`then: gmail.user-unknown\`), or as a magic recipient\n(\`RCPT TO:<gmail.user-unknown@example.com>\`; add \`+bounce\` for a bounce instead).\n\nEach entry names where its wording comes from, best first, and how it was checked:\n\n${legend}\n\n${sections.join('\n')}`;
}

/** `verbatim-capture: [github.com/…](url) 2026-12-04`: the host and path, linked. */
function sourceCell(s: EntrySource): string {
  const shown = s.url.replace(/^https?:\/\//, '').replace(/[?#].*$/, '');
  return `${s.verified}: [${cell(shown)}](${s.url}) ${s.date}`;
}
