/**
 * greylist-and-rate-limit, for throttling that names no recipient: a greylisting or rate-limit
 * reply at the greeting, EHLO or MAIL (Gmail's 421 4.7.28, 450 4.2.1 at MAIL). The client's next
 * MAIL — from the same sender when the reply answered a MAIL, else from the same IP — must come
 * no sooner than `minRetryDelayMs`. Recipient-level throttling is retry.ts's.
 */
import { BoundedMap } from '../bounded-map.js';
import { evidence, evidenceOf } from '../evidence.js';
import { duration, instant } from '../format.js';
import type { ReportOptions } from '../options.js';
import { refOfReply, type Ref } from '../reply.js';
import type { Rule } from '../rule.js';
import { Slot } from '../slots.js';

interface Throttled {
  ref: Ref;
}

export function throttleRule(options: ReportOptions): Rule {
  /** Throttled with no sender known: per client IP, for the next MAIL from it. */
  const byIp = new BoundedMap<string, Throttled>(options.maxSenders);
  /** Throttled at MAIL: per sender. */
  const bySender = new Slot<{ throttled: Throttled | undefined }>(() => ({ throttled: undefined }));
  const max = options.maxEvidenceLines;

  return {
    reply(g, s, reply) {
      if (!g.isThrottle(reply) || reply.rcpts.length > 0 || reply.verb === 'DATA' || reply.answersMessage) return;
      const throttled = { ref: refOfReply(reply, max) };
      if (reply.verb === 'MAIL' && s.tx) s.tx.sender.slot(bySender).throttled = throttled;
      else byIp.set(s.clientIp, throttled);
    },

    command(g, s, line) {
      if (line.verb !== 'MAIL' || !s.tx) return;
      const own = s.tx.sender.slot(bySender);
      const throttled = own.throttled ?? byIp.get(s.clientIp);
      if (!throttled) return;
      if (own.throttled) own.throttled = undefined;
      else byIp.delete(s.clientIp);
      const gap = line.at - throttled.ref.at;
      const since = `the throttling reply in session ${throttled.ref.session} at ${instant(throttled.ref.at)}`;
      const ok = gap >= options.minRetryDelayMs;
      const detail = ok ? `tried again ${duration(gap)} after ${since}` : `tried again ${duration(gap)} after ${since}; wait at least ${duration(options.minRetryDelayMs)}`;
      g.credit(s.tx.sender, 'greylist-and-rate-limit', ok, evidence(line, detail, max, throttled.ref.lines, [line.text]));
    },

    pending(_g, sender, now, credit) {
      const throttled = sender.existing(bySender)?.throttled;
      if (!throttled || now - throttled.ref.at < options.neverRetriedAfterMs) return;
      credit('greylist-and-rate-limit', false, evidenceOf(throttled.ref, `never tried again: throttled ${duration(now - throttled.ref.at)} before the report`, max));
    },
  };
}
