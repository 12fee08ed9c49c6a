/**
 * retry-after-4xx, and the recipient half of greylist-and-rate-limit: a recipient refused with a
 * 4xx (at RCPT, DATA or the end of data; or left hanging by a 421) is an episode that lasts until
 * the recipient is delivered or refused for good. Each retry is judged as it comes: not before
 * `minRetryDelayMs`, and not sooner than the retry before it waited. Sending a message again to a
 * recipient that already accepted it is a duplicate. A recipient still refused when the report is
 * made, long after its latest refusal, fails too: "never retried", or "gave up" after retries
 * (an early retry fails on its own, and the recipient's fate is reported besides).
 */
import { BoundedMap } from '../bounded-map.js';
import { isClosing, isPositive, isTemporary, isTooManyRecipients } from '../classify.js';
import { evidence, evidenceOf } from '../evidence.js';
import { addressKey, duration, instant } from '../format.js';
import type { ReportOptions } from '../options.js';
import { refOfReply, type Ref, type Reply } from '../reply.js';
import type { Grading, Rule } from '../rule.js';
import type { SenderState } from '../senders.js';
import type { Transaction } from '../session.js';
import { Slot } from '../slots.js';
import type { TranscriptRecord } from '../../transcript/record.js';

interface Episode {
  readonly rcpt: string;
  /** The latest refusal. */
  refused: Ref;
  /** Some refusal of it was greylisting or a rate limit. */
  throttled: boolean;
  /** Retries seen. */
  attempts: number;
  /** How long the latest retry waited after the refusal before it. */
  lastGap: number | undefined;
  /** Refused and not tried since. */
  awaiting: boolean;
  throttleFaulted: boolean;
}

/**
 * Where a message (by messageKey) was delivered, and whether a temporary failure was involved.
 * Kept for the latest `maxTrackedPerSender` messages of each sender, most with one recipient: the
 * first acceptance is held in place and any others in a list, so a delivery is one object (a Map,
 * or a list of objects, each cost the most of the card's memory and of its garbage collection).
 */
interface Delivery extends Accepted {
  /** Acceptances for other recipients, when it had several. */
  others: Accepted[] | undefined;
  deferred: boolean;
  throttled: boolean;
}

interface Accepted {
  /** The recipient (lower-case address). */
  key: string;
  session: string;
  at: number;
}

/** When and where the delivery was accepted for the recipient `key`, if it was. */
function acceptedFor(d: Delivery, key: string): Accepted | undefined {
  return d.key === key ? d : d.others?.find((a) => a.key === key);
}

/** Records an acceptance for `key`, over an earlier one for the same recipient. */
function accept(d: Delivery, key: string, session: string, at: number): void {
  const earlier = acceptedFor(d, key);
  if (earlier) {
    earlier.session = session;
    earlier.at = at;
  } else (d.others ??= []).push({ key, session, at });
}

/** A transaction that retries a refused recipient, or was refused for one. */
interface Involvement {
  deferred: boolean;
  throttled: boolean;
}

export function retryRule(options: ReportOptions): Rule {
  const memory = new Slot(() => ({ episodes: new BoundedMap<string, Episode>(options.maxTrackedPerSender), deliveries: new BoundedMap<string, Delivery>(options.maxTrackedPerSender) }));
  const involvement = new Slot<Involvement>(() => ({ deferred: false, throttled: false }));
  const max = options.maxEvidenceLines;

  function refuse(g: Grading, tx: Transaction, rcpt: string, reply: Reply, ref: Ref): void {
    const { episodes } = tx.sender.slot(memory);
    const e = episodes.upsert(addressKey(rcpt), () => ({ rcpt, refused: ref, throttled: false, attempts: 0, lastGap: undefined, awaiting: true, throttleFaulted: false }));
    e.refused = ref;
    e.awaiting = true;
    const throttled = g.isThrottle(reply);
    e.throttled ||= throttled;
    const involved = tx.slot(involvement);
    involved.deferred = true;
    involved.throttled ||= throttled;
  }

  function judgeRetry(g: Grading, sender: SenderState, e: Episode, line: TranscriptRecord): void {
    const gap = line.at - e.refused.at;
    const since = `the refusal in session ${e.refused.session} at ${instant(e.refused.at)}`;
    const show = (detail: string) => evidence(line, detail, max, e.refused.lines, [line.text]);
    if (gap < options.minRetryDelayMs) {
      const detail = `retried <${e.rcpt}> ${duration(gap)} after ${since}; wait at least ${duration(options.minRetryDelayMs)}`;
      g.credit(sender, 'retry-after-4xx', false, show(detail));
      if (e.throttled) {
        g.credit(sender, 'greylist-and-rate-limit', false, show(detail));
        e.throttleFaulted = true;
      }
    } else if (e.lastGap !== undefined && gap < e.lastGap * (1 - options.backoffTolerance)) {
      g.credit(sender, 'retry-after-4xx', false, show(`retry ${e.attempts + 1} of <${e.rcpt}> waited ${duration(gap)}, less than the ${duration(e.lastGap)} the retry before it waited: the back-off must not shrink`));
    } else {
      const before = e.lastGap === undefined ? '' : ` (the retry before waited ${duration(e.lastGap)})`;
      g.credit(sender, 'retry-after-4xx', true, show(`retried <${e.rcpt}> ${duration(gap)} after ${since}${before}`));
    }
    e.awaiting = false;
    e.attempts++;
    e.lastGap = gap;
  }

  function delivered(g: Grading, tx: Transaction, reply: Reply): void {
    const { episodes, deliveries } = tx.sender.slot(memory);
    const involved = tx.slot(involvement);
    let delivery = tx.messageKey === undefined ? undefined : deliveries.get(tx.messageKey);
    if (delivery) {
      delivery.deferred ||= involved.deferred;
      delivery.throttled ||= involved.throttled;
    }
    for (const rcpt of reply.rcpts) {
      const key = addressKey(rcpt);
      const e = episodes.peek(key);
      if (e) {
        if (e.throttled && !e.throttleFaulted && e.attempts > 0) {
          g.credit(tx.sender, 'greylist-and-rate-limit', true, evidence(reply, `delivered to <${rcpt}> once, ${duration(reply.at - e.refused.at)} after it was deferred`, max, e.refused.lines, reply.lines));
        }
        episodes.delete(key);
      }
      if (tx.messageKey === undefined) continue;
      if (delivery) accept(delivery, key, reply.session, reply.at);
      else deliveries.set(tx.messageKey, (delivery = { key, session: reply.session, at: reply.at, others: undefined, deferred: involved.deferred, throttled: involved.throttled }));
    }
  }

  return {
    command(g, s, line) {
      const rcpt = line.rcpts?.[0];
      if (line.verb !== 'RCPT' || !s.tx || rcpt === undefined) return;
      const e = s.tx.sender.slot(memory).episodes.get(addressKey(rcpt));
      if (!e) return;
      const involved = s.tx.slot(involvement);
      involved.deferred = true;
      involved.throttled ||= e.throttled;
      if (e.awaiting) judgeRetry(g, s.tx.sender, e, line);
    },

    message(g, s, line) {
      const tx = s.tx;
      if (!tx || line.messageKey === undefined) return;
      const delivery = tx.sender.slot(memory).deliveries.get(line.messageKey);
      if (!delivery) return;
      const involved = tx.slot(involvement);
      const deferred = delivery.deferred || involved.deferred;
      const throttled = delivery.throttled || involved.throttled;
      for (const rcpt of line.rcpts ?? []) {
        const key = addressKey(rcpt);
        const before = acceptedFor(delivery, key);
        if (!before || !deferred) continue;
        const show = (detail: string) => evidence(line, detail, max, [tx.mail.text], [line.text]);
        const detail = `sent message ${line.messageKey} to <${rcpt}> again, though it accepted it in session ${before.session} at ${instant(before.at)}: retry only the refused recipients`;
        g.credit(tx.sender, 'retry-after-4xx', false, show(detail));
        if (throttled) g.credit(tx.sender, 'greylist-and-rate-limit', false, show(detail));
      }
    },

    reply(g, s, reply) {
      const tx = s.tx;
      if (!tx || tx.ended) return;
      // the evidence is made only for a refusal: most replies accept
      let ref: Ref | undefined;
      const concerned = reply.verb === 'RCPT' || reply.verb === 'DATA' || reply.answersMessage;
      if (concerned && isTemporary(reply) && !isTooManyRecipients(reply)) for (const rcpt of reply.rcpts) refuse(g, tx, rcpt, reply, (ref ??= refOfReply(reply, max)));
      else if (concerned && reply.code >= 500) for (const rcpt of reply.rcpts) tx.sender.slot(memory).episodes.delete(addressKey(rcpt));
      else if (reply.answersMessage && isPositive(reply)) delivered(g, tx, reply);
      // RFC 5321 §3.8: a transaction cut by 421 failed for every recipient it had accepted
      if (isClosing(reply) && !reply.answersMessage) for (const rcpt of tx.accepted.values()) if (!reply.rcpts.includes(rcpt)) refuse(g, tx, rcpt, reply, (ref ??= refOfReply(reply, max)));
    },

    pending(_g, sender, now, credit) {
      const held = sender.existing(memory);
      if (!held) return;
      for (const e of held.episodes.values()) {
        if (!e.awaiting) continue;
        const waited = now - e.refused.at;
        if (waited < givenUpAfter(e)) continue;
        // a retry that was itself refused and never followed up leaves the recipient undelivered
        // as surely as no retry at all: the outcome is reported whatever the retries were worth
        const detail =
          e.attempts === 0
            ? `never retried <${e.rcpt}>: refused ${duration(waited)} before the report`
            : `gave up on <${e.rcpt}> after ${e.attempts} ${e.attempts === 1 ? 'retry' : 'retries'}: refused again ${duration(waited)} before the report, not tried since, never delivered`;
        const shown = evidenceOf(e.refused, detail, max);
        credit('retry-after-4xx', false, shown);
        if (e.throttled) credit('greylist-and-rate-limit', false, shown);
      }
    },
  };

  /**
   * How long after its latest refusal a recipient counts as given up: neverRetriedAfterMs, but
   * after retries never less than twice the last wait (with the jitter tolerance), so a
   * back-off that doubles past the threshold is not called giving up while its next try is due.
   */
  function givenUpAfter(e: Episode): number {
    if (e.lastGap === undefined) return options.neverRetriedAfterMs;
    return Math.max(options.neverRetriedAfterMs, 2 * e.lastGap * (1 + options.backoffTolerance));
  }
}
