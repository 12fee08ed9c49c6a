/**
 * Every catalog entry says where its wording comes from and how that was checked, and the
 * verbatim ones hold: an entry with a captured reply renders, in its provider's style, to the
 * captured lines (the session's own values aside), and one matched against a page reads as the
 * page's row. Also the issue-15 corrections, row by row, and the captured session ids' shape.
 */
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/providers/index.js';
import type { CatalogEntry, EntrySource } from '../../src/providers/entry.js';
import { todaysOnly } from '../../src/providers/gmail/entries.js';
import { gmailToken } from '../../src/providers/gmail/style.js';
import { seededRandom } from '../../src/engine/random.js';
import { GMAIL_TOKEN } from '../scenarios/layout.js';

const entries = REGISTRY.entries;
/** Providers whose verbatim sources keep the captured lines (`quote`), which the entry is held to. */
const QUOTED = new Set(['gmail', 'godaddy', 'microsoft365']);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A line of ours as a pattern: `{placeholders}` (and the session's values) match whatever the capture had there. */
const pattern = (template: string) => new RegExp(`^${template.split(/(\{[a-zA-Z]+\})/).map((part) => (/^\{[a-zA-Z]+\}$/.test(part) ? '(.+?)' : escape(part))).join('')}$`);

/** Every style value as a placeholder, so a rendered line still says where the session's values go. */
const MARKERS = new Proxy({} as Record<string, string>, { get: (_, key) => (typeof key === 'string' && key !== 'now' ? `{${key}}` : undefined) });

/** The entry's lines as its provider writes them, placeholders left in. */
const rendered = (e: CatalogEntry) => REGISTRY.styleLines(e.provider, e.lines ?? [e.text], MARKERS);

const verbatim = (e: CatalogEntry) => e.sources.filter((s): s is EntrySource & { quote: NonNullable<EntrySource['quote']> } => s.verified !== 'seed-translation' && s.quote !== undefined);

describe('every catalog entry', () => {
  it.each(entries.map((e) => [e.id, e] as const))('%s names at least one source, with how it was verified', (_, e) => {
    expect(e.sources.length).toBeGreaterThan(0);
    for (const s of e.sources) {
      expect(s.url).toMatch(/^https?:\/\/[^\s/]+\.[a-z]{2,}\//);
      expect(s.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(new Date(`${s.date}T00:00:00Z`).toISOString().slice(0, 10)).toBe(s.date);
      expect(['verbatim-page', 'verbatim-capture', 'seed-translation']).toContain(s.verified);
      // a translation says so, and what it was checked against; a verbatim source stores what it shows
      if (s.verified === 'seed-translation') expect(s.note?.length).toBeGreaterThan(20);
      // the first three providers store each capture's lines; the newer ones (issue 17) cite pages and
      // collections that show the reply, quoting it in the note where the page holds more than it
      else if (QUOTED.has(e.provider)) expect(s.quote, `${e.id}: a verbatim source stores its quote`).toBeDefined();
    }
  });

  it('keeps captured line breaks that read as its text', () => {
    const withLines = entries.filter((e) => e.lines);
    expect(withLines.length).toBeGreaterThanOrEqual(4);
    for (const e of withLines) {
      expect(e.lines!.length, e.id).toBeGreaterThan(1);
      expect(e.lines!.join(' ').replace(/\s+/g, ' ').trim(), e.id).toBe(e.text);
    }
  });
});

describe('verbatim sources', () => {
  const captured = entries.flatMap((e) => verbatim(e).filter((s) => s.verified === 'verbatim-capture').map((s) => [e.id, e, s] as const));
  const paged = entries.flatMap((e) => verbatim(e).filter((s) => s.verified === 'verbatim-page').map((s) => [e.id, e, s] as const));

  it('exist for each provider that has public captures or an English page', () => {
    expect(captured.length).toBeGreaterThanOrEqual(4);
    expect(paged.length).toBeGreaterThanOrEqual(5);
  });

  it.each(captured)('%s renders line for line as its capture', (_, e, s) => {
    const quote = s.quote as readonly string[];
    const lines = rendered(e);
    expect(lines).toHaveLength(quote.length);
    lines.forEach((line, i) => expect(quote[i], `line ${i + 1} of ${e.id}`).toMatch(pattern(line)));
  });

  it.each(paged)('%s reads as the page row', (_, e, s) => {
    expect(s.quote).toMatch(pattern(e.text));
  });

  it('fail when the wording drifts from the capture', () => {
    const e = REGISTRY.findEntry('gmail.unauthenticated-blocked')!;
    const drifted = { ...e, lines: e.lines!.map((l, i) => (i === 1 ? l.replace('SPF or DKIM', 'SPF and DKIM') : l)) };
    const quote = verbatim(e)[0]!.quote as readonly string[];
    expect(rendered(drifted).every((line, i) => pattern(line).test(quote[i] ?? ''))).toBe(false);
  });
});

describe('Gmail session ids', () => {
  it('have the shape of the captured ones', () => {
    const seen = ['98e67ed59e1d1-2ee8501748asi8563552a91.78', '41be03b00d2f7-7fc9c37aa3dsi13433956a12.671', 'a640c23a62f3a-aac0eff19desi1759812166b.313', 'ffacd0b85a97d-390e47aafc6si10583781f8f.246', 'ffacd0b85a97d-36d2728ab0fsi1176860f8f.752', 'af79cd13be357-794f3061475sm18893085a.74'];
    for (const id of seen) expect(id).toMatch(GMAIL_TOKEN);
    const random = seededRandom(7);
    for (let i = 0; i < 200; i++) expect(gmailToken(random, 'si')).toMatch(GMAIL_TOKEN);
    expect(gmailToken(random, 'sm')).toMatch(/^[0-9a-f]{13}-[0-9a-f]{11}sm\d{7,10}[a-z]/);
  });
});

// issue 15's list of known differences, row by row: what the entry must (and must no longer) say
const CORRECTED: readonly (readonly [id: string, says: string, not?: string])[] = [
  ['gmail.relay-peak-limit', 'exceeded for this customer. This is a temporary error. For more information on SMTP relay limits, contact your administrator or go to https://', 'please contact'],
  ['gmail.unauthenticated-rate-limited', '= did not pass. To resolve this issue, go to https://', 'For instructions'],
  ['gmail.spf-rate-limited', 'This mail has been rate limited because SPF does not pass.', "didn't pass"],
  ['gmail.tls-not-used-rate-limited', 'TLS/SSL for SMTP connections. To set up TLS for email, visit https://support.google.com/a?p=tls-ssl To learn more'],
  ['gmail.message-size-limit', "exceeded Google's message size limits of {limit} bytes.", 'exceeds'],
  ['gmail.daily-sending-limit', 'For more information on Gmail sending limits go to https://', "Gmail's"],
  ['gmail.helo-invalid', 'closing connection. https://support.google.com/mail/?p=helo', 'For more information'],
  ['gmail.helo-empty', 'closing connection. https://support.google.com/mail/?p=helo', 'For more information'],
  ['gmail.relay-invalid-credentials', 'or has empty envelope-from:, you must'],
  ['gmail.ip-not-authorized', 'servers. Use the SMTP relay at your service provider instead.', 'Please use'],
  ['godaddy.ib007-too-many-sessions', 'from This IP. Lower the number of concurrent sessions. IB007', 'Please lower'],
];

describe('the corrections of issue 15', () => {
  it.each(CORRECTED.map(([id, says, not]) => [id, says, not ?? ''] as const))('%s', (id, says, not) => {
    const e = REGISTRY.findEntry(id)!;
    expect(e.text).toContain(says);
    if (not) expect(e.text).not.toContain(not);
  });

  it("ships the DKIM rows under both the seed's codes and today's, each sourced", () => {
    const code = (id: string) => `${REGISTRY.findEntry(id)!.code} ${REGISTRY.findEntry(id)!.enhanced}`;
    expect([code('gmail.dkim-rate-limited'), code('gmail.dkim-blocked')]).toEqual(['421 4.7.28', '550 5.7.28']);
    expect(todaysOnly.map((e) => `${e.code} ${e.enhanced}`)).toEqual(['421 4.7.30', '550 5.7.30']);
    for (const e of todaysOnly) {
      expect(e.text).toBe(REGISTRY.findEntry(e.id.replace(/-\d-\d-30$/, ''))!.text);
      expect(e.sources[0].note).toMatch(/4\.7\.30|5\.7\.30/);
    }
  });
});
