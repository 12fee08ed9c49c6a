/**
 * The card fed as it will be in the app: by a SessionStore's events, with the store's own
 * TranscriptLine objects (whose fields are getters) — the new record fields must come through.
 */
import { describe, expect, it } from 'vitest';
import { ReportCard } from '../../src/report/index.js';
import { SessionStore } from '../../src/store/sessions.js';
import { command, messageData, note, reply } from '../helpers/records.js';
import { MIN, T0 } from './dsl.js';

describe('the report card fed by a SessionStore', () => {
  it('reads messageKey, client findings and notice fields through the store, and keeps grading after lines are elided', () => {
    let now = T0;
    const card = new ReportCard(() => now);
    const store = new SessionStore({ maxSessions: 10, maxLines: 40, now: () => now }, {
      sessionStarted: (r) => card.sessionStarted(r),
      line: (_r, line) => card.line(line),
      sessionEnded: (r) => card.sessionEnded(r),
    });
    const bob = 'bob@x.test';
    const session = (steps: (log: ReturnType<SessionStore['open']>) => void) => {
      const log = store.open({ clientIp: '192.0.2.1', clientPort: 1, listener: 'smtp' });
      steps(log);
      log.end();
    };
    const transaction = (log: ReturnType<SessionStore['open']>, key: string, rcptCode: number) => {
      log.record(command('MAIL FROM:<a@x.test> SIZE=10', { stage: 'mail', sender: 'a@x.test' }));
      log.record(reply(250, '2.1.0', 'OK', { verb: 'MAIL', sender: 'a@x.test' }));
      log.record(command(`RCPT TO:<${bob}>`, { stage: 'rcpt', rcpts: [bob], sender: 'a@x.test' }));
      log.record(reply(rcptCode, rcptCode === 250 ? '2.1.5' : '4.2.1', 'RCPT reply', { verb: 'RCPT', rcpts: [bob], sender: 'a@x.test' }));
      if (rcptCode !== 250) return;
      log.record(command('DATA', { stage: 'data', rcpts: [bob] }));
      log.record(reply(354, undefined, 'go ahead', { verb: 'DATA', rcpts: [bob] }));
      log.record(messageData(100, { rcpts: [bob], sender: 'a@x.test', messageKey: key }));
      log.record(note('client', 'bare LF in the message', { finding: 'bare-lf' }));
      log.record(note('notice', `failure notice for <${bob}> after 0 ms`, { noticeKind: 'failure', rcpts: [bob], dueAt: now }));
      log.record(reply(250, '2.0.0', 'queued', { stage: 'message', rcpts: [bob], sender: 'a@x.test' }));
    };
    session((log) => {
      log.record(command('EHLO me', { stage: 'helo' }));
      log.record(reply(250, undefined, 'mockmx.test', { verb: 'EHLO', more: true }));
      log.record(reply(250, undefined, 'SIZE 1000', { verb: 'EHLO' }));
      // a long session: the store keeps 40 lines of it, the card sees them all
      for (let i = 0; i < 10; i++) transaction(log, 'm1', 250);
      log.record(command('QUIT', { stage: 'quit' }));
      log.record(reply(221, '2.0.0', 'Bye', { verb: 'QUIT' }));
    });
    expect(store.get('s000001')!.elided).toBeDefined();
    now += 10 * MIN;
    session((log) => {
      log.record(command('EHLO me', { stage: 'helo' }));
      log.record(reply(250, undefined, 'mockmx.test', { verb: 'EHLO', more: true }));
      log.record(reply(250, undefined, 'SIZE 1000', { verb: 'EHLO' }));
      transaction(log, 'm2', 250);
    });

    const checks = Object.fromEntries(card.report().senders[0]!.checks.map((c) => [c.id, c]));
    expect(checks['hygiene-crlf']!.verdict).toBe('fail');
    expect(checks['no-mail-after-dsn']).toMatchObject({ verdict: 'fail', failed: 10 }); // the first session's own transactions after the first DSN, and the second session's
    expect(checks['size']).toMatchObject({ verdict: 'pass', passed: 11 });
  });
});
