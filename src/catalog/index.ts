/**
 * The provider catalogs: every documented reply of Gmail, GoDaddy and Microsoft 365 as data,
 * looked up by stable id.
 */
import type { Reply } from '../engine/reply.js';
import { gmail } from './gmail.js';
import { godaddy } from './godaddy.js';
import { microsoft365 } from './microsoft365.js';
import type { CatalogEntry, Provider } from './types.js';

export type { CatalogEntry, Provider } from './types.js';
export { PROVIDERS } from './types.js';

export const CATALOG: readonly CatalogEntry[] = Object.freeze([...gmail, ...godaddy, ...microsoft365]);

const byId: ReadonlyMap<string, CatalogEntry> = new Map(CATALOG.map((e) => [e.id.toLowerCase(), e]));

export function findEntry(id: string): CatalogEntry | undefined {
  return byId.get(id.toLowerCase());
}

export function catalogIds(): string[] {
  return CATALOG.map((e) => e.id);
}

export function entriesOf(provider?: Provider): CatalogEntry[] {
  return provider ? CATALOG.filter((e) => e.provider === provider) : [...CATALOG];
}

/** The reply an entry sends. Every line carries the entry's enhanced code. */
export function entryReply(entry: CatalogEntry): Reply {
  return Object.freeze({
    code: entry.code,
    enhanced: entry.enhanced,
    lines: Object.freeze([entry.text]),
    close: entry.close || entry.code === 421,
    style: entry.provider,
  });
}
