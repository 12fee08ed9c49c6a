/**
 * The bytes a catalog entry must put on the wire in each provider's layout: Gmail wraps and
 * signs with `<token> - gsmtp`, Microsoft 365 ends with the front-end server in brackets,
 * GoDaddy writes one line. The per-session values (token, server) are read back from the reply
 * itself and checked for shape, since they are seeded per session rather than fixed.
 * (The only module of these tests that imports the catalog's internals, so a move of provider
 * code touches one import block.)
 */
import { expect } from 'vitest';
import { findEntry, type CatalogEntry, type Provider } from '../../src/index.js';
import { styleLines, type StyleContext } from '../../src/catalog/style.js';
import { fillPlaceholders, wireLines } from '../../src/smtp/write.js';

/** Gmail's per-session token, as it signs the greeting and every refusal (`<token> - gsmtp`). */
export const GMAIL_TOKEN = /^[0-9a-f]{13}-[0-9a-f]{11}si\d{7}[a-z]{3}\.\d{3}$/;

/** The Microsoft 365 front-end server that ends every refusal, in brackets. */
const FRONT_END = /^[A-Z]{2}\d[A-Z]{3}\d{2}FT\d{3}\.eop-[a-z]{3}\d{2}\.prod\.protection\.outlook\.com$/;

interface ProviderLayout {
  /** Whether every entry a test names must be this provider's (gmail rows may name other providers' entries). */
  readonly ownEntriesOnly: boolean;
  /** The session's style values, taken from the reply `raw` as the server sent it and checked for shape. */
  session(raw: string, entry: CatalogEntry): StyleContext;
}

const lastLine = (raw: string) => raw.replace(/\r\n$/, '').split('\r\n').at(-1) ?? '';

/** The Gmail token that signs a reply's last line ('' when there is none). */
export const gmailTokenOf = (raw: string) => / (\S+) - gsmtp$/.exec(lastLine(raw))?.[1] ?? '';

const LAYOUTS: Record<Provider, ProviderLayout> = {
  gmail: {
    ownEntriesOnly: false,
    session(raw, entry) {
      const gmailToken = gmailTokenOf(raw);
      if (entry.provider === 'gmail') expect(gmailToken, `Gmail token on the last line of ${JSON.stringify(raw)}`).toMatch(GMAIL_TOKEN);
      return { gmailToken, microsoftServer: '' };
    },
  },
  godaddy: {
    ownEntriesOnly: true,
    session: () => ({ gmailToken: '', microsoftServer: '' }),
  },
  yahoo: { ownEntriesOnly: true, session: () => ({}) },
  icloud: { ownEntriesOnly: true, session: () => ({}) },
  proofpoint: { ownEntriesOnly: true, session: () => ({}) },
  mimecast: {
    ownEntriesOnly: true,
    session(raw) {
      const mimecastRef = / \[([^\]]+)\]$/.exec(lastLine(raw))?.[1] ?? '';
      expect(mimecastRef, `Mimecast's reference at the end of ${JSON.stringify(raw)}`).toMatch(/^[A-Za-z0-9_-]{22}\.(us|eu|uk|za|au)\d{2}$/);
      return { mimecastRef };
    },
  },
  outlook: {
    ownEntriesOnly: true,
    session(raw) {
      const outlookServer = / \[([^\]]+)\]$/.exec(lastLine(raw))?.[1] ?? '';
      expect(outlookServer, `front-end server at the end of ${JSON.stringify(raw)}`).toMatch(FRONT_END);
      return { outlookServer };
    },
  },
  microsoft365: {
    ownEntriesOnly: true,
    session(raw) {
      const microsoftServer = / \[([^\]]+)\]$/.exec(lastLine(raw))?.[1] ?? '';
      expect(microsoftServer, `front-end server at the end of ${JSON.stringify(raw)}`).toMatch(FRONT_END);
      return { gmailToken: '', microsoftServer };
    },
  },
};

/** Catalog entry `id` as `provider` puts it on the wire, with the session's values (token, server) taken from `raw`. */
export function expectedBytes(provider: Provider, raw: string, id: string, values: Readonly<Record<string, string>> = {}): string {
  const layout = LAYOUTS[provider];
  const entry = findEntry(id);
  if (!entry) throw new Error(`no catalog entry ${id}`);
  if (layout.ownEntriesOnly) expect(entry.provider, `${id} is a ${provider} entry`).toBe(provider);
  const session = layout.session(raw, entry);
  const text = fillPlaceholders(entry.text, values);
  expect(text, `the row gives every placeholder of ${id} a value`).not.toMatch(/\{[a-zA-Z]+\}/);
  const lines = styleLines(entry.provider, [text], session);
  return wireLines(entry.code, entry.enhanced, lines)
    .map((l) => `${l}\r\n`)
    .join('');
}
