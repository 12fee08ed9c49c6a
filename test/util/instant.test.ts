import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/util/instant.js';

describe('parseInstant', () => {
  it.each([
    ['1764842400000', 1764842400000],
    [' 1764842400000 ', 1764842400000],
    ['2026-12-04T10:00:00Z', Date.UTC(2026, 11, 4, 10)],
    ['2026-12-04T11:00:00+01:00', Date.UTC(2026, 11, 4, 10)],
    ['0', 0],
    ['2026-12-04', Date.UTC(2026, 11, 4)],
    ['2026-12-04T10:00:00.250Z', Date.UTC(2026, 11, 4, 10, 0, 0, 250)],
  ])('reads %j', (text, ms) => expect(parseInstant(text)).toBe(ms));

  it.each(['', '  ', 'yesterday', 'now', '-5', '1e3', '2026-13-45', 'Dec 4 2026', '2026-12-04T10:00:00+0100x'])('refuses %j', (text) => expect(parseInstant(text)).toBeUndefined());
});
