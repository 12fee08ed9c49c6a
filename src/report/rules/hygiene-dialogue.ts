/**
 * The dialogue's order, read from the records: EHLO (or HELO) before MAIL and again after
 * STARTTLS (hygiene-ehlo-first), STARTTLS taken when offered (hygiene-starttls; a client that
 * tried and was refused may go on in clear), QUIT at the end unless the server hung up first
 * (hygiene-quit). Connection-level: each session counts once per check.
 */
import { evidence } from '../evidence.js';
import type { ReportOptions } from '../options.js';
import type { Rule } from '../rule.js';

export function hygieneDialogueRule(options: ReportOptions): Rule {
  const max = options.maxEvidenceLines;

  return {
    command(g, s, line) {
      if (line.verb !== 'MAIL') return;
      g.exercise(s, 'hygiene-ehlo-first');
      if (!s.greeted && !s.failed.has('hygiene-ehlo-first')) {
        g.failSession(s, 'hygiene-ehlo-first', evidence(line, s.tlsStarted ? 'MAIL after STARTTLS without a new EHLO' : 'MAIL before any EHLO or HELO', max, [line.text]));
      }
      if (!s.starttlsOffered) return;
      g.exercise(s, 'hygiene-starttls');
      if (!s.tls && !s.starttlsTried && !s.failed.has('hygiene-starttls')) {
        g.failSession(s, 'hygiene-starttls', evidence(line, 'sent MAIL in clear text though the server offered STARTTLS', max, [line.text]));
      }
    },

    sessionEnded(g, s, endedAt) {
      if (s.quitSent) {
        g.exercise(s, 'hygiene-quit');
        return;
      }
      if (s.serverClosed) return; // the server hung up: nobody owed it a QUIT
      g.exercise(s, 'hygiene-quit');
      const last = s.lastCommand;
      g.failSession(s, 'hygiene-quit', evidence(last ?? { session: s.id, at: endedAt }, 'closed the connection without QUIT', max, last ? [last.text] : []));
    },
  };
}
