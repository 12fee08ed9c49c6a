/** The README documents the language as it is: every condition, event, check, scenario and flag. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../src/config.js';
import { CHECK_NAMES } from '../src/engine/content.js';
import { EVENT_NAMES } from '../src/engine/events.js';
import { COUNT_KEYS } from '../src/engine/keys.js';
import { shippedScenarioNames } from '../src/scenario/load.js';
import { ConditionsSchema, ReportSettingsSchema, ServerSchema } from '../src/scenario/schema.js';
import { CHECKS } from '../src/report/checks.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const mentioned = (name: string) => readme.includes(`\`${name}\``) || readme.includes(`${name}:`);

describe('README', () => {
  it('starts with the two commands', () => {
    const top = readme.split('\n').slice(0, 15).join('\n');
    expect(top).toContain('npm ci && npm start');
    expect(top).toContain('npm ci && npm test');
  });
  it.each(Object.keys(ConditionsSchema.shape))('documents the condition %s', (key) => expect(mentioned(key)).toBe(true));
  it.each(Object.keys(ServerSchema.shape))('documents the server setting %s', (key) => expect(mentioned(key)).toBe(true));
  it.each(EVENT_NAMES)('documents the event %s', (name) => expect(mentioned(name)).toBe(true));
  it.each(CHECK_NAMES)('documents the check %s', (name) => expect(mentioned(name)).toBe(true));
  it.each(COUNT_KEYS)('documents the per key %s', (name) => expect(mentioned(name)).toBe(true));
  it.each(shippedScenarioNames())('documents the shipped scenario %s', (name) => expect(mentioned(name)).toBe(true));
  it.each(CHECKS.map((c) => [c.id, c.clause] as const))('documents the report card check %s with its clause %s', (id, clause) => {
    expect(readme).toMatch(new RegExp(`\\| \`${id}\` \\| ${clause.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').split(';')[0]}`));
  });
  it.each(Object.keys(ReportSettingsSchema.shape))('documents the report: threshold %s', (key) => expect(mentioned(key)).toBe(true));
  it.each(Object.values(OPTIONS))('documents --$flag and $env', ({ flag, env }) => {
    expect(readme).toContain(`--${flag}`);
    expect(readme).toContain(env);
  });
});

describe('README scenario examples', () => {
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  it('has examples', () => expect(blocks.length).toBeGreaterThan(2));
  it.each(blocks.map((b, i) => [i, b] as const))('example %i compiles', async (_i, yaml) => {
    const { loadScenarioText } = await import('../src/scenario/load.js');
    expect(() => loadScenarioText(yaml, new URL('../README-example.yaml', import.meta.url).pathname)).not.toThrow();
  });
});

describe('docs/catalog.md', () => {
  it('is the one generated from the catalog (run npm run docs)', async () => {
    const { catalogMarkdown } = await import('../src/catalog/markdown.js');
    expect(readFileSync(new URL('../docs/catalog.md', import.meta.url), 'utf8')).toBe(catalogMarkdown());
  });
});
