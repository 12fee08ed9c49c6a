/** Catalog entries as the engine replays them for magic recipients (looked up once per id). */
import { entryReply, findEntry } from '../catalog/index.js';
import type { EntryLookup, MagicEntry } from '../engine/policy.js';

const known = new Map<string, MagicEntry | undefined>();

export const catalogEntries: EntryLookup = (id) => {
  const key = id.toLowerCase();
  if (known.has(key)) return known.get(key);
  const entry = findEntry(key);
  const found = entry ? Object.freeze({ id: entry.id, stage: entry.stage, reply: entryReply(entry) }) : undefined;
  // bounded: only ids that are catalog entries are remembered, the rest are looked up each time
  if (found) known.set(key, found);
  return found;
};
