/**
 * quit-after-421: after a 421 the server is closing (RFC 5321 §3.8), so the client sends nothing
 * more on that connection (a QUIT is tolerated: it ends the dialogue and asks for nothing), and
 * its next connection from the same IP comes no sooner than `minReconnectDelayMs`.
 */
import { BoundedMap } from '../bounded-map.js';
import { isClosing } from '../classify.js';
import { evidence } from '../evidence.js';
import { duration, instant } from '../format.js';
import type { ReportOptions } from '../options.js';
import { refOfReply, type Ref } from '../reply.js';
import type { Grading, Rule } from '../rule.js';
import type { SessionState } from '../session.js';
import { Slot } from '../slots.js';
import type { TranscriptRecord } from '../../transcript/record.js';

interface Closed {
  readonly ref: Ref;
  readonly owner: SessionState;
}

export function quit421Rule(options: ReportOptions): Rule {
  const closing = new Slot<{ ref: Ref | undefined; spoke: boolean }>(() => ({ ref: undefined, spoke: false }));
  /** The latest 421 per client IP, until the client's next connection. */
  const reconnects = new BoundedMap<string, Closed>(options.maxSenders);
  const max = options.maxEvidenceLines;

  function heard(g: Grading, s: SessionState, line: TranscriptRecord): void {
    const st = s.existing(closing);
    if (!st?.ref || st.spoke || line.verb === 'QUIT') return;
    st.spoke = true;
    g.failSession(s, 'quit-after-421', evidence(line, `sent "${line.text}" after the 421 instead of closing the connection`, max, st.ref.lines, [line.text]));
  }

  return {
    reply(g, s, reply) {
      if (!isClosing(reply)) return;
      const st = s.slot(closing);
      if (st.ref) return;
      st.ref = refOfReply(reply, max);
      g.exercise(s, 'quit-after-421');
      reconnects.set(s.clientIp, { ref: st.ref, owner: s });
    },

    command: heard,
    message: heard,

    sessionStarted(g, s) {
      const closed = reconnects.get(s.clientIp);
      if (!closed || closed.owner === s || s.startedAt < closed.ref.at) return;
      reconnects.delete(s.clientIp);
      const gap = s.startedAt - closed.ref.at;
      const ok = gap >= options.minReconnectDelayMs;
      const since = `the 421 in session ${closed.ref.session} at ${instant(closed.ref.at)}`;
      const detail = ok ? `reconnected ${duration(gap)} after ${since}` : `reconnected ${duration(gap)} after ${since}; wait at least ${duration(options.minReconnectDelayMs)}`;
      // the client that heard the 421 answers for it; a session that never said who it mailed as leaves it to the next one
      const who = closed.owner.senders.length ? closed.owner : s;
      g.creditSession(who, 'quit-after-421', ok, evidence({ session: s.id, at: s.startedAt }, detail, max, closed.ref.lines));
    },
  };
}
