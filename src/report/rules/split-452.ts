/**
 * split-after-452: 452 4.5.3 refuses a recipient for this transaction only (RFC 5321
 * §4.5.3.1.10). The client goes on with DATA for the recipients already accepted, and sends the
 * refused ones in a later transaction — at once if it likes: this is not a retry after a failure.
 * Repeating the refused RCPT in the same transaction, giving the transaction up, or never
 * sending the rest (treating 452 like a permanent 552) fails.
 */
import { BoundedMap } from '../bounded-map.js';
import { isTooManyRecipients } from '../classify.js';
import { evidence, evidenceOf } from '../evidence.js';
import { addressKey, duration, instant } from '../format.js';
import type { ReportOptions } from '../options.js';
import { refOfReply, type Ref } from '../reply.js';
import type { Rule } from '../rule.js';
import type { Transaction } from '../session.js';
import { Slot } from '../slots.js';

interface Rest {
  readonly rcpt: string;
  readonly ref: Ref;
  readonly tx: Transaction;
}

export function split452Rule(options: ReportOptions): Rule {
  /** Per transaction: its first 452 4.5.3, and whether its continuation was judged. */
  const split = new Slot<{ ref: Ref | undefined; judged: boolean }>(() => ({ ref: undefined, judged: false }));
  /** Per sender: recipients refused with 452 4.5.3 and not yet sent in another transaction. */
  const rest = new Slot(() => new BoundedMap<string, Rest>(options.maxTrackedPerSender));
  const max = options.maxEvidenceLines;

  return {
    reply(_g, s, reply) {
      const rcpt = reply.rcpts[0];
      if (!s.tx || reply.verb !== 'RCPT' || rcpt === undefined || !isTooManyRecipients(reply)) return;
      const ref = refOfReply(reply, max);
      const st = s.tx.slot(split);
      st.ref ??= ref;
      s.tx.sender.slot(rest).set(addressKey(rcpt), { rcpt, ref, tx: s.tx });
    },

    command(g, s, line) {
      const tx = s.tx;
      if (!tx) return;
      if (line.verb === 'DATA') {
        const st = tx.existing(split);
        if (!st?.ref || st.judged || tx.accepted.size === 0) return;
        st.judged = true;
        g.credit(tx.sender, 'split-after-452', true, evidence(line, `went on with DATA for the ${tx.accepted.size} accepted recipient(s) after 452 4.5.3`, max, st.ref.lines, [line.text]));
        return;
      }
      const rcpt = line.rcpts?.[0];
      if (line.verb !== 'RCPT' || rcpt === undefined) return;
      const pending = tx.sender.existing(rest);
      const r = pending?.get(addressKey(rcpt));
      if (!r) return;
      if (r.tx === tx) {
        g.credit(tx.sender, 'split-after-452', false, evidence(line, `asked for <${rcpt}> again in the same transaction after 452 4.5.3; send it in a new transaction`, max, r.ref.lines, [line.text]));
        return;
      }
      pending!.delete(addressKey(rcpt));
      g.credit(tx.sender, 'split-after-452', true, evidence(line, `sent <${rcpt}> in a later transaction, ${duration(line.at - r.ref.at)} after the 452 4.5.3 in session ${r.ref.session}`, max, r.ref.lines, [line.text]));
    },

    transactionEnded(g, s, tx, how) {
      const st = tx.existing(split);
      if (!st?.ref || st.judged || (how !== 'client' && how !== 'disconnect') || tx.accepted.size === 0) return;
      st.judged = true;
      const last = how === 'client' ? s.lastCommand : undefined;
      const detail = `gave the transaction up (${last ? `"${last.text}"` : 'closed the connection'}) instead of delivering to the ${tx.accepted.size} accepted recipient(s) after 452 4.5.3`;
      g.credit(tx.sender, 'split-after-452', false, evidence(last ?? { session: s.id, at: s.lastCommand?.at ?? st.ref.at }, detail, max, st.ref.lines, last ? [last.text] : []));
    },

    pending(_g, sender, now, credit) {
      for (const r of sender.existing(rest)?.values() ?? []) {
        if (now - r.ref.at < options.neverRetriedAfterMs) continue;
        credit('split-after-452', false, evidenceOf(r.ref, `never sent <${r.rcpt}> in another transaction (refused with 452 4.5.3 at ${instant(r.ref.at)}): 452 is not a permanent failure`, max));
      }
    },
  };
}
