/**
 * Wire hygiene: what the adapter saw (`client` notes with a ClientFinding) and what MAIL
 * parameters and addresses show against the EHLO reply — CRLF line ends, line lengths,
 * pipelining only when advertised and not past STARTTLS, dot-stuffing, 8-bit data only with
 * BODY=8BITMIME where advertised, SMTPUTF8 only when needed and offered. A check whose situation
 * arose in a session and found nothing passes for that session.
 */
import type { CheckId } from '../checks.js';
import { evidence } from '../evidence.js';
import { needsUtf8 } from '../format.js';
import type { ReportOptions } from '../options.js';
import type { Grading, Rule } from '../rule.js';
import type { SessionState } from '../session.js';
import type { ClientFinding, TranscriptRecord } from '../../transcript/record.js';

/** Which check each finding fails, and how the evidence words it (size-exceeded-declared is size.ts's). */
export const FINDING_CHECKS: Readonly<Record<Exclude<ClientFinding, 'size-exceeded-declared'>, readonly [CheckId, string]>> = Object.freeze({
  'bare-lf': ['hygiene-crlf', 'a line ended in a bare LF'],
  'bare-cr': ['hygiene-crlf', 'a line ended in a bare CR'],
  'line-too-long': ['hygiene-line-length', 'a line was longer than SMTP allows'],
  'pipelining-unadvertised': ['hygiene-pipelining', 'pipelined commands though PIPELINING was not advertised'],
  'pipelining-after-starttls': ['hygiene-pipelining', 'sent commands after STARTTLS in the same group'],
  'dot-stuffing': ['hygiene-dot-stuffing', 'a data line starting with a period was not dot-stuffed'],
  'eight-bit-undeclared': ['hygiene-8bitmime', 'sent 8-bit data without BODY=8BITMIME'],
  'smtputf8-unneeded': ['hygiene-smtputf8', 'gave SMTPUTF8 for an all-ASCII envelope and header section'],
  'smtputf8-unoffered': ['hygiene-smtputf8', 'sent UTF-8 in the envelope or headers though SMTPUTF8 was not advertised'],
});

export function hygieneWireRule(options: ReportOptions): Rule {
  const max = options.maxEvidenceLines;

  function fail(g: Grading, s: SessionState, check: CheckId, line: TranscriptRecord, detail: string, earlier: readonly string[] = []): void {
    g.exercise(s, check);
    if (!s.failed.has(check)) g.failSession(s, check, evidence(line, detail, max, earlier, [line.text]));
  }

  return {
    command(g, s, line) {
      g.exercise(s, 'hygiene-crlf');
      g.exercise(s, 'hygiene-line-length');
      const tx = s.tx;
      if (line.verb === 'MAIL' && tx) {
        if (!s.caps?.pipelining) g.exercise(s, 'hygiene-pipelining');
        const { body, smtputf8 } = tx.params;
        if (body === '8BITMIME') {
          g.exercise(s, 'hygiene-8bitmime');
          if (!s.caps?.eightBitMime) fail(g, s, 'hygiene-8bitmime', line, 'declared BODY=8BITMIME though 8BITMIME was not advertised');
        }
        if (smtputf8) {
          g.exercise(s, 'hygiene-smtputf8');
          if (!s.caps?.smtputf8) fail(g, s, 'hygiene-smtputf8', line, 'gave SMTPUTF8 though the server did not advertise it');
        }
        if (line.sender !== undefined && needsUtf8(line.sender) && !smtputf8) fail(g, s, 'hygiene-smtputf8', line, 'a UTF-8 sender address without SMTPUTF8');
      }
      const rcpt = line.rcpts?.[0];
      if (line.verb === 'RCPT' && tx && rcpt !== undefined && needsUtf8(rcpt) && !tx.params.smtputf8) {
        fail(g, s, 'hygiene-smtputf8', line, `a UTF-8 recipient address <${rcpt}> without SMTPUTF8 on MAIL`, [tx.mail.text]);
      }
    },

    message(g, s) {
      g.exercise(s, 'hygiene-dot-stuffing');
      g.exercise(s, 'hygiene-8bitmime');
      g.exercise(s, 'hygiene-crlf');
      g.exercise(s, 'hygiene-line-length');
    },

    reply(g, s, reply) {
      if (reply.verb === 'STARTTLS' && reply.code === 220) g.exercise(s, 'hygiene-pipelining');
    },

    note(g, s, line) {
      if (line.note !== 'client' || line.finding === undefined || line.finding === 'size-exceeded-declared') return;
      const known = FINDING_CHECKS[line.finding];
      if (!known) return; // a finding newer than this card
      const [check, words] = known;
      fail(g, s, check, line, words, s.lastCommand ? [s.lastCommand.text] : []);
    },
  };
}
