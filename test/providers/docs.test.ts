/**
 * README's provider table says what the registry holds: one row per provider with its entry
 * count, how many entries carry sources, and how many distinct sources (as docs/catalog.md).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { providerSummary } from '../../src/catalog/markdown.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README lists every provider with its counts and sources', () => {
  it.each(providerSummary())('$name', ({ name, entries, sourced, sources }) => {
    expect(readme).toContain(`| \`${name}\` | ${entries} | ${sourced} | ${sources} |`);
  });
});
