/**
 * wireLines keeps lines it rendered and hands them out again; what it returns must never depend
 * on what it rendered before. Checked against the layout spelled out here, over seeded random
 * replies that repeat, fill one prefix past its bound and use more prefixes than it keeps.
 * RecipientLists shares one array while the recipients stay the same, and only then.
 */
import { describe, expect, it } from 'vitest';
import { RecipientLists } from '../../src/smtp/records.js';
import { wireLines } from '../../src/smtp/write.js';

/** The wire layout (RFC 5321 §4.2.1 with RFC 2034's enhanced code on every line), written out plainly. */
function expected(code: number, enhanced: string | null, lines: readonly string[]): string[] {
  const list = lines.length ? lines : [''];
  return list.map((raw, i) => {
    const text = raw.replace(/[\x00-\x1f\x7f]/g, ' ');
    const sep = i < list.length - 1 ? '-' : ' ';
    const body = enhanced ? (text ? `${enhanced} ${text}` : lines.length > 1 ? `${enhanced} ` : enhanced) : text;
    return body ? `${code}${sep}${body}` : `${code}${sep === '-' ? '-' : ''}`;
  });
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('wireLines', () => {
  it('renders every reply as laid out, whatever it rendered before', () => {
    const random = seeded(20261205);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const texts = ['Accepted', 'OK', '', 'End data with <CR><LF>.<CR><LF>', 'a\tb\x7f', 'Go ahead'];
    for (let i = 0; i < 5000; i++) {
      // a few codes and enhanced codes most of the time; now and then one of hundreds, past what is kept
      const code = random() < 0.9 ? pick([250, 354, 421, 550]) : 200 + Math.floor(random() * 400);
      const enhanced = random() < 0.2 ? null : random() < 0.9 ? pick(['2.1.0', '2.0.0', '5.7.1']) : `5.${Math.floor(random() * 9)}.${Math.floor(random() * 999)}`;
      const n = Math.floor(random() * 4);
      const lines = Array.from({ length: n }, () => (random() < 0.7 ? pick(texts) : `OK: queued as m${Math.floor(random() * 1e6)}`));
      expect(wireLines(code, enhanced, lines), JSON.stringify({ code, enhanced, lines })).toEqual(expected(code, enhanced, lines));
    }
  });

  it('renders a text right after its prefix let its texts go', () => {
    for (let i = 0; i < 200; i++) wireLines(250, '2.0.0', [`OK: queued as m${i}`]);
    expect(wireLines(250, '2.0.0', ['OK: queued as m3'])).toEqual(['250 2.0.0 OK: queued as m3']);
    expect(wireLines(250, '2.0.0', ['first', 'OK'])).toEqual(['250-2.0.0 first', '250 2.0.0 OK']);
  });
});

describe('RecipientLists', () => {
  const envelope = (...addresses: string[]) => ({ mailFrom: { address: 's@example.com', args: {} }, rcptTo: addresses.map((address) => ({ address, args: {} })) }) as never;

  it('shares the array while the recipients are the same', () => {
    const lists = new RecipientLists();
    const named = lists.named('a@example.com');
    expect(named).toEqual(['a@example.com']);
    const atData = lists.accepted(envelope('a@example.com'));
    expect(atData).toBe(named);
    expect(lists.accepted(envelope('a@example.com'))).toBe(named);
  });

  it('makes a new one when they differ, and leaves the ones handed out alone', () => {
    const lists = new RecipientLists();
    const first = lists.named('a@example.com');
    const second = lists.named('b@example.com');
    expect(second).not.toBe(first);
    const both = lists.accepted(envelope('a@example.com', 'b@example.com'));
    expect(both).toEqual(['a@example.com', 'b@example.com']);
    expect(lists.accepted(envelope('b@example.com', 'a@example.com'))).toEqual(['b@example.com', 'a@example.com']);
    expect(lists.accepted(undefined)).toEqual([]);
    expect([first, second, both]).toEqual([['a@example.com'], ['b@example.com'], ['a@example.com', 'b@example.com']]);
  });
});
