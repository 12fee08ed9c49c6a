/**
 * The smtp-server subclass stays a thin adapter (issue 13): it translates wire ⇄ facts and
 * decisions, and what grows (wording, chunking, aftermath, waiting for shared state) goes into
 * modules of its own beside it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const MAX_LINES = 400;

describe('src/smtp/connection.ts', () => {
  it(`is at most ${MAX_LINES} lines`, () => {
    const lines = readFileSync(new URL('../../src/smtp/connection.ts', import.meta.url), 'utf8').split('\n').length;
    expect(lines, 'move a concept out into its own module under src/smtp/').toBeLessThanOrEqual(MAX_LINES);
  });
});
