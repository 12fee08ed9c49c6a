/**
 * A set of providers and everything derived from it: the catalog (entries by id, by provider),
 * style dispatch, DSN wording, provider scenarios by name. The real set is ./index.ts; tests
 * build their own (with a fixture provider) without touching it.
 */
import { basename, extname } from 'node:path';
import type { CatalogEntry } from './entry.js';
import type { Reply } from '../engine/reply.js';
import type { DsnWording, Provider, SessionServer, StyleContext } from './types.js';

/** What resolving a reply id needs: the scenario compiler takes any of these. */
export interface CatalogLookup {
  findEntry(id: string): CatalogEntry | undefined;
  catalogIds(): string[];
  entryReply(entry: CatalogEntry): Reply;
}

export interface Registry extends CatalogLookup {
  readonly providers: readonly Provider[];
  readonly names: readonly string[];
  /** Every entry, provider by provider in registry order. */
  readonly entries: readonly CatalogEntry[];
  provider(name: string): Provider | undefined;
  entriesOf(name?: string): CatalogEntry[];
  /** Every provider's per-session values, drawn in registry order (so a seed replays the same tokens). */
  styleContext(random: () => number, server?: SessionServer): StyleContext;
  /** `lines` laid out as provider `name` writes them; a name not in the registry leaves them as they are. */
  styleLines(name: string, lines: readonly string[], ctx: StyleContext): string[];
  dsnWording(name: string): DsnWording | undefined;
  /** The file of a provider scenario, by name (`gmail-submission`). */
  scenarioFile(name: string): string | undefined;
  scenarioNames(): string[];
}

const scenarioName = (file: string) => basename(file, extname(file));

export function createRegistry(providers: readonly Provider[]): Registry {
  check(providers);
  const byName = new Map(providers.map((p) => [p.name, p]));
  const entries: readonly CatalogEntry[] = Object.freeze(providers.flatMap((p) => p.entries));
  const byId = new Map(entries.map((e) => [e.id.toLowerCase(), e]));
  const scenarios = new Map(providers.flatMap((p) => p.scenarios.map((f) => [scenarioName(f), f] as const)));
  return Object.freeze({
    providers,
    names: Object.freeze(providers.map((p) => p.name)),
    entries,
    provider: (name: string) => byName.get(name),
    findEntry: (id: string) => byId.get(id.toLowerCase()),
    catalogIds: () => entries.map((e) => e.id),
    entriesOf: (name?: string) => (name ? entries.filter((e) => e.provider === name) : [...entries]),
    entryReply,
    styleContext: (random: () => number, server: SessionServer = { hostname: '' }) => Object.freeze(Object.assign({}, ...providers.map((p) => p.style.session?.(random, server) ?? {}))) as StyleContext,
    styleLines: (name: string, lines: readonly string[], ctx: StyleContext) => byName.get(name)?.style.lines(lines, ctx) ?? [...lines],
    dsnWording: (name: string) => byName.get(name)?.dsn,
    scenarioFile: (name: string) => scenarios.get(name),
    scenarioNames: () => [...scenarios.keys()],
  });
}

/** The reply an entry sends: its captured lines, or its text for the style to wrap. Every line carries the entry's enhanced code. */
function entryReply(entry: CatalogEntry): Reply {
  return Object.freeze({
    code: entry.code,
    enhanced: entry.enhanced,
    lines: Object.freeze([...(entry.lines ?? [entry.text])]),
    close: entry.close || entry.code === 421,
    style: entry.provider,
  });
}

/** A mistake in a provider folder fails at startup (and in every test), not on the wire. */
function check(providers: readonly Provider[]): void {
  const seen = { names: new Set<string>(), ids: new Set<string>(), scenarios: new Set<string>() };
  const once = (set: Set<string>, key: string, what: string) => {
    if (set.has(key)) throw new Error(`providers: ${what} "${key}" appears twice`);
    set.add(key);
  };
  for (const p of providers) {
    once(seen.names, p.name, 'provider');
    for (const e of p.entries) {
      if (e.provider !== p.name || !e.id.startsWith(`${p.name}.`)) throw new Error(`providers: entry ${e.id} is listed under ${p.name} but says provider "${e.provider}"`);
      once(seen.ids, e.id.toLowerCase(), 'catalog id');
    }
    for (const f of p.scenarios) once(seen.scenarios, scenarioName(f), 'scenario');
  }
}
