import type { Stage } from '../engine/stages.js';

/**
 * How an entry's wording was checked: word for word against the provider's English page, word
 * for word against a real captured reply, or only translated back from a (non-English) seed.
 */
export type Verification = 'verbatim-page' | 'verbatim-capture' | 'seed-translation';

/** Where an entry's wording comes from. */
export interface EntrySource {
  /** The English page or the published capture (a log, a bounce collection, an issue thread). */
  readonly url: string;
  /** When it was read, `YYYY-MM-DD`. */
  readonly date: string;
  readonly verified: Verification;
  /** What the source shows beyond the URL, e.g. which line of a capture. */
  readonly note?: string;
  /**
   * The wording exactly as the source shows it, when it is stored: for `verbatim-capture` the
   * captured reply lines without code, enhanced code and session token (one string per line,
   * the client's values as the capture has them); for `verbatim-page` the row's text. A test
   * holds every entry to the quotes of its verbatim sources.
   */
  readonly quote?: string | readonly string[];
}

/**
 * One documented provider reply, as data. `text` is the provider's English wire text as one
 * logical string; the provider style decides how it is split into reply lines.
 */
export interface CatalogEntry {
  /** Stable id: `<provider>.<slug>`, e.g. `gmail.tls-required`, `godaddy.ib212-spam`. */
  readonly id: string;
  /** The name of the provider it belongs to (src/providers/<name>/). */
  readonly provider: string;
  /** Basic reply code (e.g. 550). */
  readonly code: number;
  /** Enhanced status code (e.g. `5.7.26`), or null where the provider sends none. */
  readonly enhanced: string | null;
  /** The English wire text, without code, enhanced code, session token or ` - gsmtp`. */
  readonly text: string;
  /**
   * The exact reply lines, where a capture shows how the provider breaks them (fixed breaks,
   * leading spaces, empty lines); joined by spaces they read as `text`. Absent: the provider's
   * style wraps `text` itself.
   */
  readonly lines?: readonly string[];
  /** The stage at which this provider naturally sends it. */
  readonly stage: Stage;
  /** Whether the provider closes the connection after sending it. */
  readonly close: boolean;
  /** The cause, in one sentence. */
  readonly cause: string;
  /** Provider-specific code such as GoDaddy's `IB212`, when the document gives one. */
  readonly providerCode?: string;
  /** Where the document's code is garbled or absent, what was used instead and why. */
  readonly note?: string;
  /** True when the provider reports this after accepting the message (a bounce, not an SMTP reply). */
  readonly afterAcceptance?: boolean;
  /** Where its wording comes from, best first; at least one, each saying how it was checked. */
  readonly sources: readonly [EntrySource, ...EntrySource[]];
}
