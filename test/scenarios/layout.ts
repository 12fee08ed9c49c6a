/**
 * The bytes a catalog entry must put on the wire in each provider's layout: Gmail wraps (or
 * keeps an entry's captured breaks) and signs with `<token> - gsmtp`, Microsoft 365 ends with
 * the front-end server, the time and an id in brackets,
 * GoDaddy writes one line. The per-session values (token, server) are read back from the reply
 * itself and checked for shape, since they are seeded per session rather than fixed.
 * (The only module of these tests that imports the catalog's internals, so a move of provider
 * code touches one import block.)
 */
import { expect } from 'vitest';
import { findEntry, type CatalogEntry, type Provider } from '../../src/index.js';
import { styleLines, type StyleContext } from '../../src/catalog/style.js';
import { fillPlaceholders, wireLines } from '../../src/smtp/write.js';

/** Gmail's per-session id, as it signs the greeting and every reply (`<id> - gsmtp`): `si` on its MX, `sm` on smtp.gmail.com. */
export const GMAIL_TOKEN = /^[0-9a-f]{13}-[0-9a-f]{11}s[im]\d{7,10}[a-z][a-z0-9]{0,2}\.\d{1,3}$/;

/** Every test session comes from here, so `{ip}` needs no value of its own. */
const LOOPBACK = '127.0.0.1';

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
      // the number in a leading [ip  n] tag is the session's
      const gmailIpSlot = /^\d{3}[ -](?:\S+ )?\[[0-9a-f:.]+ +(\d+)\] /.exec(raw)?.[1] ?? '1';
      return { gmailToken, gmailIpSlot, microsoftServer: '' };
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
      // [server time id], as newer Exchange Online replies end
      const [, microsoftServer = '', now = '', microsoftId = ''] = / \[(\S+) (\S+) (\S+)\]$/.exec(lastLine(raw)) ?? [];
      expect(microsoftServer, `front-end server at the end of ${JSON.stringify(raw)}`).toMatch(FRONT_END);
      expect(now).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(microsoftId).toMatch(/^[0-9A-F]{16}$/);
      return { gmailToken: '', microsoftServer, now, microsoftId };
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
  // the captured breaks where the entry has them, else its text for the style to wrap
  const texts = (entry.lines ?? [entry.text]).map((l) => fillPlaceholders(l, { ip: LOOPBACK, ...values }));
  for (const t of texts) expect(t, `the row gives every placeholder of ${id} a value`).not.toMatch(/\{[a-zA-Z]+\}/);
  const lines = styleLines(entry.provider, texts, session);
  return wireLines(entry.code, entry.enhanced, lines)
    .map((l) => `${l}\r\n`)
    .join('');
}
