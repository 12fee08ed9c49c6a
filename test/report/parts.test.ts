import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/report/bounded-map.js';
import { duration } from '../../src/report/format.js';
import { OccurrenceRing } from '../../src/report/occurrences.js';
import { Tally } from '../../src/report/tally.js';
import { mailParameters, noCapabilities, readCapability } from '../../src/report/wire.js';

describe('the report card parts', () => {
  it.each([
    [250, '250 ms'],
    [12_000, '12 s'],
    [300_000, '5 min'],
    [61_000, '1 min 1 s'],
    [5_400_000, '1 h 30 min'],
    [3_600_000 + 5_000, '1 h'],
    [2 * 86_400_000 + 3 * 3_600_000, '2 d 3 h'],
  ])('words %d ms as "%s"', (ms, words) => expect(duration(ms)).toBe(words));

  it.each([
    ['MAIL FROM:<a@x.test>', { smtputf8: false, any: false }],
    ['MAIL FROM:<a@x.test> SIZE=1234 BODY=8bitmime SMTPUTF8', { size: 1234, body: '8BITMIME', smtputf8: true, any: true }],
    ['mail from: <> size=10', { size: 10, smtputf8: false, any: true }],
    ['MAIL FROM:<"a> b"@x.test> SIZE=7', { size: 7, smtputf8: false, any: true }],
    ['MAIL FROM:<a@x.test> SIZE=lots RET=HDRS', { smtputf8: false, any: true }],
  ])('reads the parameters of %s', (line, expected) => expect(mailParameters(line)).toEqual(expected));

  it('reads EHLO keywords', () => {
    const caps = noCapabilities();
    for (const line of ['250-PIPELINING', '250-starttls', '250-8BITMIME', '250-SMTPUTF8', '250-CHUNKING', '250 SIZE 26214400']) readCapability(line, caps);
    expect(caps).toEqual({ pipelining: true, starttls: true, eightBitMime: true, smtputf8: true, chunking: true, size: 26214400 });
    const bare = noCapabilities();
    readCapability('250 SIZE', bare);
    expect(bare.size).toBe(0);
  });

  it('keeps the latest occurrences within capacity and says how many went', () => {
    const ring = new OccurrenceRing(4);
    for (let at = 0; at < 10; at++) ring.push(at, at % 2 === 0);
    expect([...ring.entries()].map((e) => e.at)).toEqual([6, 7, 8, 9]);
    expect(ring.dropped).toBe(6);
    expect(ring.count(7, 10)).toEqual({ passed: 1, failed: 2 });
    expect(ring.clone().count(0, 100)).toEqual({ passed: 2, failed: 2 });
  });

  it('marks a time range that reaches past the kept occurrences as partial', () => {
    const tally = new Tally({ maxEvidence: 2, maxOccurrences: 2 });
    for (let at = 0; at < 5; at++) tally.add(false, { session: 's', at, lines: [], detail: String(at) });
    expect(tally.result()).toMatchObject({ failed: 5, partial: false, evidence: [{ detail: '0' }, { detail: '1' }] });
    expect(tally.result({ from: 3, to: 10 })).toMatchObject({ failed: 2, partial: false, evidence: [{ detail: '3' }, { detail: '4' }] });
    expect(tally.result({ from: 0, to: 10 })).toMatchObject({ partial: true });
  });

  it('absorbs another tally without changing it', () => {
    const a = new Tally({ maxEvidence: 2, maxOccurrences: 8 });
    const b = new Tally({ maxEvidence: 2, maxOccurrences: 8 });
    a.add(true, { session: 'a', at: 5, lines: [], detail: 'a5' });
    b.add(false, { session: 'b', at: 1, lines: [], detail: 'b1' });
    a.absorb(b);
    a.absorb(b);
    expect(a.result()).toMatchObject({ passed: 1, failed: 2, evidence: [{ detail: 'b1' }] });
    expect(b.result()).toMatchObject({ passed: 0, failed: 1 });
  });

  it('evicts the least recently touched entry', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.get('a');
    map.set('c', 3);
    expect([...map.entries()]).toEqual([
      ['a', 1],
      ['c', 3],
    ]);
    expect(map.upsert('d', () => 4)).toBe(4);
    expect(map.peek('a')).toBeUndefined();
  });
});
