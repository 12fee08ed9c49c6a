/**
 * The providers mockmx knows. Adding one is a folder beside these (entries, style, DSN wording,
 * scenarios; see types.ts) and one line here: the catalog, `--provider`, magic recipients, the
 * reply styles, bounce wording, `--scenario NAME`, `extends: NAME` and docs/catalog.md follow.
 */
import { gmail } from './gmail/index.js';
import { godaddy } from './godaddy/index.js';
import { icloud } from './icloud/index.js';
import { microsoft365 } from './microsoft365/index.js';
import { mimecast } from './mimecast/index.js';
import { outlook } from './outlook/index.js';
import { proofpoint } from './proofpoint/index.js';
import { createRegistry } from './registry.js';
import { yahoo } from './yahoo/index.js';

export const PROVIDERS = [gmail, godaddy, microsoft365, yahoo, outlook, icloud, proofpoint, mimecast] as const;

/** The union of the registered names (`'gmail' | 'godaddy' | 'microsoft365'`), derived from the list. */
export type ProviderName = (typeof PROVIDERS)[number]['name'];

export const REGISTRY = createRegistry(PROVIDERS);

export { createRegistry, type CatalogLookup, type Registry } from './registry.js';
export type { EntrySource, Verification } from './entry.js';
export type { DsnWording, NoticeText, Provider, ProviderStyle, SessionServer, StyleContext } from './types.js';
