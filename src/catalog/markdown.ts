/** docs/catalog.md: every catalog entry as a table, generated (npm run docs) and kept fresh by a test. */
import { REGISTRY, type Registry } from '../providers/index.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/** One section per provider of `providers`, in registry order. */
export function catalogMarkdown(providers: Registry = REGISTRY): string {
  const sections = providers.names.map((provider) => {
    const rows = providers.entriesOf(provider).map(
      (e) => `| \`${e.id}\` | ${e.code} | ${e.enhanced ?? ''} | ${e.stage} | ${e.close || e.code === 421 ? 'yes' : ''} | ${cell(e.text)} | ${cell(e.cause)} |`,
    );
    return `## ${provider} (${rows.length})\n\n| id | code | enhanced | stage | closes | text | cause |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`;
  });
  return `# The catalog\n\nEvery documented provider reply mockmx can send, generated from \`src/catalog/\` by \`npm run docs\`.\nUse an id as a rule's reply (\`then: gmail.user-unknown\`), or as a magic recipient\n(\`RCPT TO:<gmail.user-unknown@example.com>\`; add \`+bounce\` for a bounce instead).\n\n${sections.join('\n')}`;
}
