/** Oldest.take() is always the first entry still present, whatever was added or deleted meanwhile. */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/engine/random.js';
import { Oldest } from '../../src/util/oldest.js';

describe('Oldest', () => {
  it('agrees with "the first key still present" under 20,000 seeded random adds, deletes, takes and clears', () => {
    const map = new Map<number, number>();
    const oldest = new Oldest(() => map.keys());
    const random = seededRandom(5);
    let next = 0;
    for (let step = 0; step < 20_000; step++) {
      const r = random();
      if (r < 0.5) map.set(next++, step);
      else if (r < 0.7 && map.size) map.delete([...map.keys()][Math.floor(random() * map.size)]!);
      else if (r < 0.999) {
        const expected = map.keys().next();
        const taken = oldest.take();
        expect(taken, `step ${step}`).toBe(expected.done ? undefined : expected.value);
        if (taken !== undefined) map.delete(taken);
      } else {
        map.clear();
        oldest.reset();
      }
    }
  });

  it('sees entries added after it ran dry', () => {
    const set = new Set<string>();
    const oldest = new Oldest(() => set.values());
    expect(oldest.take()).toBeUndefined();
    set.add('a');
    expect(oldest.take()).toBe('a');
    set.delete('a');
    set.add('b');
    set.add('c');
    expect(oldest.take()).toBe('b');
  });
});
