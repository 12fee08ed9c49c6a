/**
 * Adding a provider is one folder plus one line: a registry built from the real list plus the
 * fixture provider (test/fixtures/providers/acme/) finds its entries, lays its lines out, words
 * its bounces, loads and extends its scenario and documents it — and the real registry, used
 * everywhere else, never hears of it.
 */
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { catalogMarkdown } from '../../src/catalog/markdown.js';
import { composeDsn, type DsnInput } from '../../src/outbound/dsn.js';
import { createRegistry, PROVIDERS, REGISTRY } from '../../src/providers/index.js';
import { seededRandom } from '../../src/engine/random.js';
import { loadScenario, loadScenarioText, shippedScenarioNames } from '../../src/scenario/load.js';
import { fillPlaceholders, wireLines } from '../../src/smtp/write.js';
import { acme } from '../fixtures/providers/acme/index.js';

const registry = createRegistry([...PROVIDERS, acme]); // the one line

describe('a registry with the fixture provider', () => {
  it('finds its entries by id, by provider and in the id list; the real registry does not', () => {
    expect(registry.names).toEqual([...REGISTRY.names, 'acme']);
    expect(registry.findEntry('ACME.Mailbox-Full')?.code).toBe(552);
    expect(registry.entriesOf('acme').map((e) => e.id)).toEqual(['acme.mailbox-full', 'acme.try-later', 'acme.spam']);
    expect(registry.catalogIds()).toEqual([...REGISTRY.catalogIds(), 'acme.mailbox-full', 'acme.try-later', 'acme.spam']);
    expect(registry.entriesOf('gmail')).toEqual(REGISTRY.entriesOf('gmail'));
    expect(REGISTRY.findEntry('acme.spam')).toBeUndefined();
  });

  it('replays an entry the way a magic recipient does: its reply, in its style, on the wire', () => {
    const entry = registry.findEntry('acme.mailbox-full')!; // RCPT TO:<acme.mailbox-full@x.test>
    const reply = registry.entryReply(entry);
    expect(reply).toMatchObject({ code: 552, enhanced: '5.2.2', close: false, style: 'acme' });
    const ctx = registry.styleContext(seededRandom(7));
    expect(ctx['acmeRef']).toMatch(/^[A-Z]{6}$/);
    const lines = registry.styleLines(reply.style!, reply.lines.map((l) => fillPlaceholders(l, { recipient: 'bob@x.test' })), ctx);
    expect(wireLines(reply.code, reply.enhanced, lines)).toEqual([`552 5.2.2 MAILBOX OF BOB@X.TEST IS FULL (ref ${ctx['acmeRef']})`]);
    expect(registry.styleLines('acme', ['one', 'two'], ctx)).toEqual(['ONE', `TWO (ref ${ctx['acmeRef']})`]);
  });

  it('draws the existing providers’ session values first, so a seed replays the same tokens as before', () => {
    const ctx = registry.styleContext(seededRandom(7));
    expect({ ...ctx, acmeRef: undefined }).toEqual({ ...REGISTRY.styleContext(seededRandom(7)), acmeRef: undefined });
  });

  it('words its bounces in its own DSN wording; a registry without it falls back to a plain MTA', async () => {
    const input: DsnInput = {
      action: 'failed',
      status: '5.2.2',
      diagnostic: ['552 5.2.2 MAILBOX FULL'],
      recipients: [{ address: 'bob@x.test' }],
      to: 'alice@y.test',
      reportingMta: 'mx.acme.test',
      arrivalDate: new Date(0),
      date: new Date(0),
      ret: 'HDRS',
      original: Buffer.from('Subject: Invoice\r\n\r\nbody\r\n'),
      originalSubject: 'Invoice',
      provider: 'acme',
      messageId: '<dsn@acme.test>',
    };
    const own = await simpleParser(await composeDsn(input, registry));
    expect(own.subject).toBe('Acme could not deliver: Invoice');
    expect(own.from?.value[0]).toMatchObject({ name: 'Acme Postmaster', address: 'postmaster@mx.acme.test' });
    expect(own.text).toContain('Acme Mail gave up on bob@x.test.\n\n552 5.2.2 MAILBOX FULL');
    const plain = await simpleParser(await composeDsn(input));
    expect(plain.subject).toBe('Undelivered Mail Returned to Sender');
  });

  it('loads its scenario by name, with its catalog ids resolved and laid out in its style', () => {
    const scenario = loadScenario('acme', process.cwd(), registry);
    expect(scenario.name).toBe('acme');
    const full = scenario.rules.find((r) => r.id === 'acme-full')!;
    expect(full.action).toMatchObject({ kind: 'reply', reply: { code: 552, style: 'acme' } });
    expect([...full.stages]).toEqual(['rcpt']);
    expect(shippedScenarioNames(registry)).toEqual([...shippedScenarioNames(), 'acme'].sort());
    expect(() => loadScenario('acme')).toThrow(/scenario not found/);
  });

  it('is extended by name, like a shipped scenario', () => {
    const mine = loadScenarioText('extends: acme\nrules:\n  - { id: mine, when: { rcpt: "x@*" }, then: acme.try-later }\n', 'mine.yaml', registry);
    expect(mine.rules.map((r) => r.id)).toEqual(['mine', 'acme-full', 'acme-later', 'acme-spam']);
    expect(mine.files.at(-1)).toMatch(/fixtures\/providers\/acme\/scenarios\/acme\.yaml$/);
    expect(() => loadScenarioText('rules:\n  - { then: acme.spam }\n', 'mine.yaml')).toThrow(/unknown reply id "acme\.spam"/);
  });

  it('gets its own section in the generated catalog', () => {
    const markdown = catalogMarkdown(registry);
    expect(markdown).toContain('## acme (3)\n');
    expect(markdown).toContain('| `acme.spam` | 550 | 5.7.1 | message |');
    // every other provider's section is as it was, and the summary gains a line
    for (const name of REGISTRY.names) expect(markdown).toContain(catalogMarkdown().split(`\n## ${name} (`)[1]!.split('\n## ')[0]!);
    expect(markdown).toContain('| [acme](#acme-3) | Acme Mail | 3 | 3 | 1 | `acme` |');
  });
});

describe('createRegistry refuses a provider folder that contradicts itself', () => {
  it('a name twice, an entry filed under another provider, an id or scenario name twice', () => {
    expect(() => createRegistry([acme, acme])).toThrow(/provider "acme" appears twice/);
    const stray = { ...acme, name: 'other' };
    expect(() => createRegistry([stray])).toThrow(/acme\.mailbox-full is listed under other/);
    const again = { ...acme, entries: [...acme.entries, acme.entries[0]!] };
    expect(() => createRegistry([again])).toThrow(/catalog id "acme\.mailbox-full" appears twice/);
    const clash = { ...acme, scenarios: [PROVIDERS[0].scenarios[0]!] };
    expect(() => createRegistry([...PROVIDERS, clash])).toThrow(/scenario "gmail" appears twice/);
  });
});
