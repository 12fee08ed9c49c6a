/**
 * replayReport: stored sessions fed to the card as they happened, interleaved by time (not one
 * whole session after another), on a clock stopped at the last record.
 */
import { describe, expect, it } from 'vitest';
import { replayReport } from '../../src/server/report-replay.js';
import { TranscriptLine, type SessionRecord } from '../../src/store/sessions.js';
import type { TranscriptEntry } from '../../src/transcript/record.js';
import { command, reply } from '../helpers/records.js';
import { HOUR, MIN, SEC, T0 } from '../report/dsl.js';

const A = 'app@example.com';
const BOB = 'bob@example.net';

/** A stored session: its lines as [offset from T0, entry]. */
function stored(id: string, lines: readonly (readonly [number, TranscriptEntry])[], endedAt?: number): SessionRecord {
  const transcript = lines.map(([at, entry]) => TranscriptLine.from({ ...entry, at: T0 + at }, id));
  return { id, clientIp: '192.0.2.1', clientPort: 1, listener: 'smtp', startedAt: transcript[0]!.at, ...(endedAt === undefined ? {} : { endedAt: T0 + endedAt }), transcript } as SessionRecord;
}

const greet = (at: number) =>
  [
    [at, command('EHLO me', { stage: 'helo' })],
    [at, reply(250, undefined, 'mx.test', { verb: 'EHLO' })],
  ] as const;
const rcpt = (at: number, code: number, enhanced: string) =>
  [
    [at, command(`MAIL FROM:<${A}>`, { stage: 'mail', sender: A })],
    [at, reply(250, '2.1.0', 'OK', { verb: 'MAIL', sender: A })],
    [at, command(`RCPT TO:<${BOB}>`, { stage: 'rcpt', rcpts: [BOB], sender: A })],
    [at, reply(code, enhanced, code === 250 ? 'OK' : 'Try later', { verb: 'RCPT', rcpts: [BOB], sender: A })],
  ] as const;
const quit = (at: number) =>
  [
    [at, command('QUIT', { stage: 'quit' })],
    [at, reply(221, '2.0.0', 'Bye', { verb: 'QUIT' })],
  ] as const;

describe('replayReport', () => {
  it('interleaves sessions by time: a retry in a session that started first is judged against a refusal in one that started later', () => {
    // s1 opens first but sends its RCPT 10 s after s2's was refused
    const s1 = stored('s1', [...greet(0), ...rcpt(70 * SEC, 250, '2.1.5'), ...quit(71 * SEC)], 71 * SEC);
    const s2 = stored('s2', [...greet(SEC), ...rcpt(60 * SEC, 451, '4.3.0'), ...quit(61 * SEC)], 61 * SEC);
    const check = replayReport([s1, s2]).report().senders[0]!.checks.find((c) => c.id === 'retry-after-4xx')!;
    expect(check).toMatchObject({ verdict: 'fail', failed: 1 });
    expect(check.evidence[0]!.detail).toMatch(/^retried <bob@example\.net> 10 s after the refusal in session s2 /);
  });

  it('judges "never retried" at the last record of the log, with the thresholds given', () => {
    const refused = stored('s1', [...greet(0), ...rcpt(0, 450, '4.2.1'), ...quit(0)], 0);
    const later = (at: number) => stored('s2', [...greet(at), ...quit(at)], at);
    const verdict = (records: SessionRecord[], settings = {}) => replayReport(records, settings).report({ sender: A }).senders[0]!.checks.find((c) => c.id === 'retry-after-4xx')!.verdict;
    expect(verdict([refused, later(30 * MIN)])).toBe('not-exercised');
    expect(verdict([refused, later(2 * HOUR)])).toBe('fail');
    expect(verdict([refused, later(2 * HOUR)], { neverRetriedAfterMs: 3 * HOUR })).toBe('not-exercised');
    expect(replayReport([refused, later(2 * HOUR)]).report().generatedAt).toBe(T0 + 2 * HOUR);
  });

  it('grades nothing from nothing', () => {
    expect(replayReport([]).report()).toMatchObject({ senders: [], summary: { pass: 0, fail: 0, 'not-exercised': 0 } });
  });
});
