/**
 * What a provider is: its documented replies, how it lays reply lines out, how it words its
 * bounces, and the scenarios that make mockmx behave like it. One folder under src/providers/
 * holds one of these; the registry (./index.ts) lists them.
 */
import type { CatalogEntry } from './entry.js';

/**
 * Per-session values the styles need, made once per session from the seeded random source
 * (so runs replay): e.g. `gmailToken`, `microsoftServer`. Each provider names its own keys.
 */
export type StyleContext = Readonly<Record<string, string>>;

/** The server a session talks to, as its scenario names it. */
export interface SessionServer {
  readonly hostname: string;
}

export interface ProviderStyle {
  /**
   * This provider's per-session values; called in registry order, so the random draws stay in
   * one fixed order. `server` is what the session's scenario calls itself (a provider may sign
   * its submission servers differently from its MX).
   */
  session?(random: () => number, server: SessionServer): Record<string, string>;
  /**
   * The reply lines (placeholders already filled) as this provider writes them: one line is a
   * text to lay out, several are an entry's captured breaks. `ctx` also holds `now`, the time
   * of the reply (ISO 8601), where the writer knows it.
   */
  lines(lines: readonly string[], ctx: StyleContext): string[];
}

/** What a notice's human-readable part is made from. */
export interface NoticeText {
  readonly failed: boolean;
  readonly recipients: readonly string[];
  /** The reply as it went on the wire, one line per line. */
  readonly reply: string;
  readonly reportingMta: string;
  /** For delay notices: how many more hours delivery is retried. */
  readonly retryHours: number;
}

/** How a provider words the delivery status notifications it sends. */
export interface DsnWording {
  /** Subject of a failure notice; `{subject}` is the original's. */
  readonly failed: string;
  /** Subject of a delay notice; `{subject}` is the original's. */
  readonly delayed: string;
  /** The From header; `{mta}` is the reporting MTA. */
  readonly from: string;
  /** The human-readable text part. */
  body(notice: NoticeText): string;
}

export interface Provider<Name extends string = string> {
  /** The id prefix of its entries, the `--provider` value, the name of its main scenario. */
  readonly name: Name;
  /** How people write it: `Microsoft 365`. */
  readonly title: string;
  readonly entries: readonly CatalogEntry[];
  readonly style: ProviderStyle;
  /** How it words its bounces; absent where no sourced wording was found (a plain MTA's is used). */
  readonly dsn?: DsnWording;
  /**
   * Absolute paths of the scenario files it ships; each is found by its base name (`gmail` →
   * gmail.yaml). The built-in providers' files stay in <package>/scenarios: their paths show in
   * the API, the page and error messages, compose mounts that folder, and users copy them.
   */
  readonly scenarios: readonly string[];
  /**
   * Marks its replies and logs carry (host-name parts such as `protection.outlook.com`, tokens such
   * as `gsmtp`), lower case: `mockmx explain` ranks this provider's entries first when a bounce shows one.
   */
  readonly hints?: readonly string[];
}

/** Keeps the literal name, so the registry can derive the union of provider names. */
export function defineProvider<const Name extends string>(provider: Provider<Name>): Provider<Name> {
  return Object.freeze(provider);
}

/** The entry maker of one provider's entries.ts: each entry is filed under `provider`, frozen. */
export function entryOf(provider: string): (entry: Omit<CatalogEntry, 'provider'>) => CatalogEntry {
  return (entry) => Object.freeze({ provider, ...entry });
}
