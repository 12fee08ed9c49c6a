import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { entriesOf, PROVIDERS, type CatalogEntry, type Provider } from '../../src/catalog/index.js';
import { entries as allGmail, todaysOnly } from '../../src/providers/gmail/entries.js';
import { entries as godaddy } from '../../src/providers/godaddy/entries.js';
import { entries as microsoft365 } from '../../src/providers/microsoft365/entries.js';
import { STAGES } from '../../src/engine/stages.js';

/** Gmail's rows of the seed; today's variants of a row (other codes) ship beside them. */
const gmail = allGmail.filter((e) => !todaysOnly.includes(e));

const seed = (name: string): string => readFileSync(new URL(`../fixtures/seeds/${name}`, import.meta.url), 'utf8');

/** The non-empty lines of a document, trimmed. */
const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

// ── Gmail: "SMTP errors and codes" ─────────────────────────────────────────────────────────────

interface GmailRow {
  code: number;
  enhanced: string;
}

/** A row is a line that is exactly a 3-digit reply code, followed by a line that is an enhanced code. */
function gmailRows(text: string): GmailRow[] {
  const ls = lines(text);
  const rows: GmailRow[] = [];
  ls.forEach((line, i) => {
    const next = ls[i + 1];
    if (/^\d{3}$/.test(line) && next !== undefined && /^\d\.\d{1,3}\.\d{1,3}$/.test(next)) {
      rows.push({ code: Number(line), enhanced: next });
    }
  });
  return rows;
}

// ── GoDaddy: "Fix rejected email with a bounce error" ──────────────────────────────────────────

interface Section {
  title: string;
  rows: string[];
}

const TABLE_HEADER = /^Avvisningsfel\s*Orsak\s*Lösning$/;
const TABLE_END = 'Överst på sidan';
/** A row that starts with a reply code (the guide's garbled "50 4.4.318" included) or an enhanced code. */
const CODED_ROW = /^(\d{2,3} \S|\d\.\d{1,3}\.\d{1,4} )/;
/** The rows that carry no code; each must be found in the document. */
const CODELESS_ROWS = [
  'Gräns för lagringsutrymme',
  'Kontot finns inte',
  'Kontot har inaktiverats',
  'Tidsgräns för leverans',
  'Det här meddelandet kretsar',
  'Din organisation tillåter inte extern vidarebefordran',
];

/**
 * Splits the guide into its tables. Each table sits between an `Avvisningsfel…Orsak…Lösning`
 * header and the next `Överst på sidan`, under a section title two lines above the header. A row
 * may run over several paragraphs; only a paragraph that starts with a code or with one of the
 * codeless row titles starts a new row, the others continue the row before.
 */
function godaddySections(text: string): Section[] {
  const ls = lines(text);
  const sections: Section[] = [];
  let current: Section | undefined;
  ls.forEach((line, i) => {
    if (TABLE_HEADER.test(line)) {
      current = { title: ls[i - 2] ?? '', rows: [] };
      sections.push(current);
      return;
    }
    if (line === TABLE_END) {
      current = undefined;
      return;
    }
    if (!current) return;
    if (CODED_ROW.test(line) || CODELESS_ROWS.some((t) => line.startsWith(t))) current.rows.push(line);
    else if (current.rows.length > 0) current.rows[current.rows.length - 1] += `\n${line}`;
  });
  return sections;
}

const isMicrosoft = (s: Section): boolean => s.title.includes('Microsoft 365');

describe('Gmail catalog matches the Gmail document', () => {
  const rows = gmailRows(seed('000_6d6314b5fa1543f6.txt'));

  it('has one entry per document row', () => {
    expect(rows).toHaveLength(116);
    expect(gmail).toHaveLength(rows.length);
  });

  it('follows the document row by row', () => {
    expect(gmail.map((e) => `${e.code} ${e.enhanced}`)).toEqual(rows.map((r) => `${r.code} ${r.enhanced}`));
  });

  it('has the well-known ids with their meanings', () => {
    const at = (id: string): CatalogEntry | undefined => gmail.find((e) => e.id === id);
    expect(at('gmail.tls-required')).toMatchObject({ code: 421, enhanced: '4.7.0', stage: 'rcpt', close: true });
    expect(at('gmail.tls-required')?.text).toMatch(/^TLS required for RCPT domain, closing connection\./);
    expect(at('gmail.dmarc-policy')).toMatchObject({ code: 550, enhanced: '5.7.26' });
    expect(at('gmail.dmarc-policy')?.text).toMatch(/^Unauthenticated email from \{fromDomain\} is not accepted due to domain's DMARC policy\./);
    expect(at('gmail.user-unknown')).toMatchObject({ code: 550, enhanced: '5.1.1', stage: 'rcpt' });
    expect(at('gmail.user-unknown')?.text).toMatch(/^The email account that you tried to reach does not exist\./);
    expect(at('gmail.mailbox-full')).toMatchObject({ code: 452, enhanced: '4.2.2', stage: 'rcpt' });
    expect(at('gmail.mailbox-full')?.text).toMatch(/^The recipient's inbox is out of storage space\./);
    // The first 4.2.1 row is "receiving mail too quickly", the second "at a rate that prevents…".
    expect(gmail[0]?.id).toBe('gmail.receiving-too-fast');
    expect(gmail[0]?.text).toMatch(/receiving mail too quickly/);
    expect(gmail[1]?.id).toBe('gmail.rate-limited-recipient');
    expect(gmail[1]?.text).toMatch(/receiving mail at a rate that prevents additional messages from being delivered/);
  });
});

describe('GoDaddy and Microsoft 365 catalogs match the GoDaddy document', () => {
  const sections = godaddySections(seed('003_013b8c2ea07f144a.txt'));
  const godaddyRows = sections.filter((s) => !isMicrosoft(s)).flatMap((s) => s.rows);
  const microsoftRows = sections.filter(isMicrosoft).flatMap((s) => s.rows);

  it('finds the seven tables of the guide', () => {
    expect(sections.map((s) => s.title)).toEqual([
      'Mottagaren studsar',
      'Ogiltig mottagare studsar',
      'Avsändaren studsar',
      'Innehållet studsar',
      'Frekvensbegränsande avvisningar',
      'Fjärrblockeringslista (RBL) studsar',
      'Microsoft 365 studsar',
    ]);
  });

  it('finds every codeless row in the document exactly once', () => {
    for (const title of CODELESS_ROWS) {
      expect(sections.flatMap((s) => s.rows).filter((r) => r.startsWith(title)), title).toHaveLength(1);
    }
  });

  it('has one GoDaddy entry per row of the GoDaddy tables', () => {
    expect(godaddyRows.length).toBeGreaterThan(0);
    expect(godaddy).toHaveLength(godaddyRows.length);
  });

  it('has one Microsoft 365 entry per row of the Microsoft 365 table', () => {
    expect(microsoftRows.length).toBeGreaterThan(0);
    expect(microsoft365).toHaveLength(microsoftRows.length);
  });

  it('carries every IB code of the guide, in order, with the documented reply code', () => {
    const documented = godaddyRows.flatMap((row) => {
      const ib = /\bIB\d{3}(?!\d)/.exec(row)?.[0]; // the guide runs the cause on: "IB401Autentisering…"
      return ib ? [{ ib, code: Number(row.slice(0, 3)) }] : [];
    });
    const catalogued = godaddy.filter((e) => e.providerCode !== undefined).map((e) => ({ ib: e.providerCode, code: e.code }));
    expect(catalogued).toEqual(documented);
  });

  it('uses the documented reply code of every GoDaddy row that has one', () => {
    const documented = godaddyRows.map((row) => (/^\d{3} /.test(row) ? Number(row.slice(0, 3)) : undefined));
    documented.forEach((code, i) => {
      if (code !== undefined) expect(godaddy[i]?.code, godaddyRows[i]).toBe(code);
    });
  });

  it('covers every enhanced code of the Microsoft 365 table, or explains it in a note', () => {
    const codes = microsoftRows.flatMap((row) => [.../\b\d\.\d{1,3}\.\d{1,4}\b/.exec(row) ?? []]);
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) {
      const covered = microsoft365.some((e) => e.enhanced === code || (e.note ?? '').includes(code));
      expect(covered, code).toBe(true);
    }
  });
});

describe('every catalog entry', () => {
  // every registered provider, so a new provider folder is checked without touching this file
  const files: Readonly<Record<string, readonly CatalogEntry[]>> = Object.fromEntries(PROVIDERS.map((p) => [p, entriesOf(p)]));
  const all = Object.values(files).flat();
  // every placeholder the adapter fills (src/smtp/connection.ts placeholders())
  const PLACEHOLDERS = new Set(['domain', 'fromDomain', 'ip', 'command', 'address', 'argument', 'size', 'limit', 'sender', 'recipient', 'attachmentCount', 'attachmentLimit', 'headerBytesLimit', 'headerCountLimit', 'longestHeader', 'headerValueBytes', 'headerValueLimit', 'headerNameBytes', 'headerNameLimit', 'encodedHeader', 'duplicateHeader', 'malformedHeader']);

  it('has a unique id of the form <provider>.<slug>', () => {
    const ids = all.map((e) => e.id.toLowerCase());
    expect(new Set(ids).size).toBe(ids.length);
    for (const [provider, entries] of Object.entries(files)) {
      expect(PROVIDERS).toContain(provider);
      for (const e of entries) {
        expect(e.provider, e.id).toBe(provider);
        expect(e.id.startsWith(`${provider}.`), e.id).toBe(true);
        expect(e.id, e.id).toMatch(/^[a-z0-9]+\.[a-z0-9.-]+$/);
      }
    }
  });

  it('has a reply code of the same class as its enhanced code, unless a note explains', () => {
    for (const e of all) {
      expect(Number.isInteger(e.code) && e.code >= 400 && e.code <= 599, e.id).toBe(true);
      if (e.enhanced === null) continue;
      expect(e.enhanced, e.id).toMatch(/^[45]\.\d{1,3}\.\d{1,3}$/);
      if (e.note === undefined) expect(e.enhanced[0], e.id).toBe(String(e.code)[0]);
    }
  });

  it('has an English one-line text and a cause', () => {
    for (const e of all) {
      expect(e.text.trim(), e.id).not.toBe('');
      expect(e.text, e.id).toBe(e.text.trim());
      expect(e.text, e.id).not.toMatch(/[åäöÅÄÖ]/);
      expect(e.text, e.id).not.toMatch(/[\r\n]/);
      expect(e.cause.trim(), e.id).not.toBe('');
      expect(e.cause, e.id).not.toMatch(/[åäöÅÄÖ\r\n]/);
    }
  });

  it('uses only known placeholders', () => {
    for (const e of all) {
      for (const [, name] of e.text.matchAll(/\{([^}]*)\}/g)) expect(PLACEHOLDERS.has(name ?? ''), `${e.id}: {${name}}`).toBe(true);
    }
  });

  it('closes the connection after every 421', () => {
    for (const e of all.filter((x) => x.code === 421)) expect(e.close, e.id).toBe(true);
  });

  it('is sent at a valid stage', () => {
    for (const e of all) expect(STAGES, e.id).toContain(e.stage);
  });

  it('ends a GoDaddy text with its IB code', () => {
    for (const e of godaddy.filter((x) => x.providerCode !== undefined)) {
      expect(e.providerCode, e.id).toMatch(/^IB\d{3}$/);
      expect(e.text.endsWith(e.providerCode ?? ''), e.id).toBe(true);
    }
  });
});
