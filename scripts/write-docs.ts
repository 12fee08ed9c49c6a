/** Writes docs/catalog.md from the catalog (npm run docs). */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogMarkdown } from '../src/catalog/markdown.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
writeFileSync(join(root, 'docs', 'catalog.md'), catalogMarkdown());
console.log('wrote docs/catalog.md');
