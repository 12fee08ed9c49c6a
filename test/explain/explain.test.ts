/**
 * The bounce explainer on real log lines (./lines.ts), on every catalog entry as Postfix, Exim
 * and a DSN would report it, and on input that is no bounce at all.
 */
import { describe, expect, it } from 'vitest';
import { explain, explanationText, parseBounce, splitReply } from '../../src/explain/index.js';
import { REGISTRY } from '../../src/providers/index.js';
import { seededRandom } from '../../src/engine/random.js';
import { wireLines } from '../../src/smtp/write.js';
import type { CatalogEntry } from '../../src/providers/entry.js';
import { LINES } from './lines.js';

describe('explain on real log lines', () => {
  for (const line of LINES) {
    it(line.name, () => {
      const x = explain(line.text);
      expect(x.parsed).toMatchObject({ format: line.format, code: line.code, enhanced: line.enhanced, command: line.command ?? null });
      expect(x.parsed.text).not.toMatch(/\b[245]\d\d[ -][245]\.\d/); // no repeated reply heads left inside
      expect(x.matches[0]?.id, JSON.stringify(x.matches.map((m) => [m.id, m.score]))).toBe(line.first);
      expect(x.next?.retry).toBe(line.retry);
      expect(x.matches[0]!.next.retry).toBe(line.retry);
      if (line.provider) expect(x.providers).toContain(line.provider);
      // best first, scores within 0…1, deterministic
      const scores = x.matches.map((m) => m.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(scores.every((s) => s > 0 && s <= 1)).toBe(true);
      expect(explain(line.text)).toEqual(x);
    });
  }

  it('gives each match its cause, next step, rule and magic recipient', () => {
    const x = explain(LINES[1]!.text);
    const top = x.matches[0]!;
    expect(top).toMatchObject({ provider: 'gmail', code: 550, enhanced: '5.1.1', stage: 'rcpt' });
    expect(top.cause).toBe(REGISTRY.findEntry(top.id)!.cause);
    expect(top.next.advice).toMatch(/^Permanent: do not retry this recipient/);
    expect(top.reproduce.magicRecipient).toBe('gmail.user-unknown@example.com');
    expect(top.reproduce.rule).toBe('rules:\n  - id: reproduce-gmail-user-unknown\n    when: { stage: rcpt, rcpt: "bob@*" }\n    then: gmail.user-unknown\n');
    const text = explanationText(x);
    expect(text).toContain('read as postfix: 550 5.1.1 (in reply to RCPT TO)');
    expect(text).toContain('1. gmail.user-unknown  (score ');
    expect(text).toContain('magic recipient: RCPT TO:<gmail.user-unknown@example.com>');
  });

  it('says what to do even when no entry matches, and matches nothing in text that is no bounce', () => {
    const odd = explain('Dec  3 21:41:36 mail postfix/smtp[1]: 1A2B3C: to=<x@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.4.2, status=deferred (lost connection with mx.example.org[192.0.2.1] while sending RCPT TO)');
    expect(odd.parsed).toMatchObject({ format: 'postfix', code: null, enhanced: '4.4.2' });
    for (const nothing of ['hello world', 'the quick brown fox', '']) {
      const x = explain(nothing);
      expect(x.matches).toEqual([]);
      expect(x.next).toBeNull();
      expect(explanationText(x)).toContain('no catalog entry is like it');
    }
    // a 4xx is never explained by a 5xx entry, however alike the words
    const temp = explain('451 4.1.1 The email account that you tried to reach does not exist.');
    expect(temp.matches.every((m) => m.code >= 400 && m.code < 500)).toBe(true);
  });
});

describe('parsing', () => {
  it('takes the repeated heads out of a joined multi-line reply, and only those', () => {
    expect(splitReply('550-5.7.1 one 550-5.7.1 two 550 5.7.1 three')).toEqual({ code: 550, enhanced: '5.7.1', text: 'one two three' });
    expect(splitReply('550 5.7.1 only 421 clients per hour from 550 addresses')).toEqual({ code: 550, enhanced: '5.7.1', text: 'only 421 clients per hour from 550 addresses' });
    expect(splitReply('554-mx.example ESMTP 554 no SMTP service here')).toEqual({ code: 554, enhanced: null, text: 'mx.example ESMTP no SMTP service here' });
    expect(splitReply('no code at all')).toEqual({ code: null, enhanced: null, text: 'no code at all' });
  });

  it('falls back to dsn= and Status: when the reply has no enhanced code', () => {
    expect(parseBounce(`Dec  3 21:41:36 mail postfix/smtp[1]: 1A: to=<a@b.example>, relay=b.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.0.0, status=bounced (host b.example[192.0.2.1] said: 550 No such user here (in reply to RCPT TO command))`)).toMatchObject({
      code: 550,
      enhanced: '5.0.0',
      text: 'No such user here',
      hosts: ['b.example'],
    });
    expect(parseBounce('Status: 5.1.1\nDiagnostic-Code: smtp; 550 sorry, no mailbox here by that name')).toMatchObject({ format: 'dsn', code: 550, enhanced: '5.1.1' });
  });
});

/** An entry's reply as its provider writes it on the wire, with its placeholders filled as a session would. */
function wire(entry: CatalogEntry): string[] {
  const reply = REGISTRY.entryReply(entry);
  const ctx = REGISTRY.styleContext(seededRandom(1));
  const lines = reply.lines.map((l) => l.replace(/\{(\w+)\}/g, (_, k: string) => ({ ip: '192.0.2.10', rcpt: 'bob@example.com', recipient: 'bob@example.com', domain: 'example.com', fromDomain: 'example.com', command: 'RCPT' })[k] ?? 'x'));
  return wireLines(reply.code, reply.enhanced, REGISTRY.styleLines(reply.style!, lines, ctx));
}

/** Two entries the explainer cannot tell apart: same code, enhanced code and words. */
const sameAs = (a: CatalogEntry, b: CatalogEntry) => a.code === b.code && a.enhanced === b.enhanced && a.text.replace(/\{\w+\}/g, '') === b.text.replace(/\{\w+\}/g, '');

describe('every catalog entry, reported by an MTA, is explained as itself', () => {
  const wrappers: [string, (lines: string[]) => string][] = [
    ['a Postfix bounce line', (l) => `Dec  3 21:41:36 mail postfix/smtp[1]: 1A2B: to=<bob@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.0.0, status=bounced (host mx.example.com[192.0.2.1] said: ${l.join(' ')} (in reply to RCPT TO command))`],
    ['an Exim mainlog line', (l) => `2024-05-14 09:30:00 1sABCD-000123-AB ** bob@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.1]: SMTP error from remote mail server after RCPT TO:<bob@example.com>: ${l.join('\\n')}`],
    ['a DSN Diagnostic-Code', (l) => `Action: failed\nDiagnostic-Code: smtp; ${l.join('\n    ')}`],
  ];
  for (const [what, wrap] of wrappers) {
    it(`as ${what}`, () => {
      const misses: string[] = [];
      for (const entry of REGISTRY.entries) {
        const x = explain(wrap(wire(entry)), { limit: 3 });
        const top = x.matches[0] ? REGISTRY.findEntry(x.matches[0].id)! : undefined;
        if (!top || (top.id !== entry.id && !sameAs(top, entry))) misses.push(`${entry.id} → ${x.matches.map((m) => `${m.id} ${m.score}`).join(', ') || 'nothing'}`);
      }
      expect(misses).toEqual([]);
    });
  }
});
