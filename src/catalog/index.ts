/**
 * The provider catalogs: every documented reply of the registered providers (src/providers/)
 * as data, looked up by stable id. A facade over the registry, so importers keep one place.
 */
import type { Reply } from '../engine/reply.js';
import { REGISTRY, type ProviderName } from '../providers/index.js';
import type { CatalogEntry } from '../providers/entry.js';

export type { CatalogEntry } from '../providers/entry.js';
/** A registered provider's name. */
export type Provider = ProviderName;

/** The registered providers' names, in registry order. */
export const PROVIDERS = REGISTRY.names as readonly Provider[];

export const CATALOG: readonly CatalogEntry[] = REGISTRY.entries;

export function findEntry(id: string): CatalogEntry | undefined {
  return REGISTRY.findEntry(id);
}

export function catalogIds(): string[] {
  return REGISTRY.catalogIds();
}

export function entriesOf(provider?: Provider): CatalogEntry[] {
  return REGISTRY.entriesOf(provider);
}

/** The reply an entry sends. Every line carries the entry's enhanced code. */
export function entryReply(entry: CatalogEntry): Reply {
  return REGISTRY.entryReply(entry);
}
