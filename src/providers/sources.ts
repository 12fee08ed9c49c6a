/**
 * Small makers for an entry's sources (entry.ts), so each provider's entries.ts cites a page or a
 * capture in one line. The date is when the source was read.
 */
import type { EntrySource } from './entry.js';

/** A capture: the reply as a provider really sent it, published in a log, bounce or issue thread. */
export function capture(url: string, date: string, quote: readonly string[], note?: string): EntrySource {
  return Object.freeze({ url, date, verified: 'verbatim-capture', quote: Object.freeze([...quote]), ...(note ? { note } : {}) });
}

/** The provider's English page, matched word for word (`quote` is the row as the page shows it). */
export function page(url: string, date: string, quote: string, note?: string): EntrySource {
  return Object.freeze({ url, date, verified: 'verbatim-page', quote, ...(note ? { note } : {}) });
}

/** Wording translated back from a non-English seed of `url`: not matched word for word against an English source. */
export function seedTranslation(url: string, date: string, note: string): EntrySource {
  return Object.freeze({ url, date, verified: 'seed-translation', note });
}
