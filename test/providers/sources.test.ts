/**
 * Providers added from public sources (issue 17) carry, on every entry, where its wording was
 * found: a URL, the day it was read and how it was checked. An entry without one is not shipped.
 */
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/providers/index.js';

/** Providers whose every entry must be sourced (the first three are being sourced on another branch). */
const SOURCED = REGISTRY.names.filter((n) => !['gmail', 'godaddy', 'microsoft365'].includes(n));
const VERIFIED = ['verbatim-page', 'verbatim-capture', 'seed-translation'];

describe.each(SOURCED)('%s', (name) => {
  const entries = REGISTRY.entriesOf(name);

  it('has entries, each with at least one source: an http(s) URL, a real date, how it was verified', () => {
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(e.sources?.length, `${e.id} has sources`).toBeGreaterThan(0);
      for (const s of e.sources ?? []) {
        expect(s.url, e.id).toMatch(/^https?:\/\/[^\s]+$/);
        expect(s.date, e.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(Number.isNaN(Date.parse(s.date)), e.id).toBe(false);
        expect(VERIFIED, e.id).toContain(s.verified);
      }
    }
  });

  it('ships a scenario named after it, and declares the marks its bounces carry', () => {
    const provider = REGISTRY.provider(name)!;
    expect(REGISTRY.scenarioFile(name)).toBeDefined();
    expect(provider.hints?.length).toBeGreaterThan(0);
  });
});
