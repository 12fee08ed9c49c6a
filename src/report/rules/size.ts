/**
 * size (RFC 1870): where SIZE is advertised every MAIL declares `SIZE=`, never above the
 * advertised limit, and nothing larger than the limit is sent; `SIZE=` is not used where SIZE
 * was not advertised; a message refused as too big (5.3.4, 5.2.3) is not tried again — by its
 * messageKey at the end of data, by its declared size at MAIL. The adapter's
 * `size-exceeded-declared` finding fails it too.
 */
import { BoundedMap } from '../bounded-map.js';
import { isTooBig } from '../classify.js';
import { evidence, evidenceOf } from '../evidence.js';
import { instant } from '../format.js';
import type { ReportOptions } from '../options.js';
import { refOfReply, type Ref } from '../reply.js';
import type { Rule } from '../rule.js';
import { Slot } from '../slots.js';

interface TooBig {
  readonly ref: Ref;
  /** The size declared at MAIL, for a refusal there. */
  readonly declared?: number;
  retried: number;
}

export function sizeRule(options: ReportOptions): Rule {
  const memory = new Slot(() => ({ messages: new BoundedMap<string, TooBig>(options.maxTrackedPerSender), declared: undefined as TooBig | undefined }));
  const max = options.maxEvidenceLines;
  const refusedAt = (t: TooBig) => `refused as too big in session ${t.ref.session} at ${instant(t.ref.at)}`;

  return {
    command(g, s, line) {
      const tx = s.tx;
      if (line.verb !== 'MAIL' || !tx) return;
      const declared = tx.params.size;
      const limit = s.caps?.size;
      const fail = (detail: string) => g.credit(tx.sender, 'size', false, evidence(line, detail, max, [line.text]));
      if (limit === undefined) {
        if (declared !== undefined) fail(`declared SIZE=${declared} though the server did not advertise SIZE`);
      } else if (declared === undefined) fail('MAIL without SIZE= though the server advertised SIZE');
      else if (limit > 0 && declared > limit) fail(`declared SIZE=${declared}, above the advertised limit of ${limit}: the message should not have been offered`);
      else g.credit(tx.sender, 'size', true, evidence(line, `declared SIZE=${declared}${limit > 0 ? ` within the advertised ${limit}` : ''}`, max, [line.text]));
      const refused = tx.sender.existing(memory)?.declared;
      if (refused?.declared !== undefined && declared !== undefined && declared >= refused.declared) {
        refused.retried++;
        g.credit(tx.sender, 'size', false, evidence(line, `tried again with SIZE=${declared} after a message of SIZE=${refused.declared} was ${refusedAt(refused)}`, max, refused.ref.lines, [line.text]));
      }
    },

    message(g, s, line) {
      const tx = s.tx;
      if (!tx) return;
      const limit = s.caps?.size;
      if (limit && line.bytes !== undefined && line.bytes > limit) {
        g.credit(tx.sender, 'size', false, evidence(line, `sent ${line.bytes} octets; the advertised limit is ${limit}`, max, [tx.mail.text], [line.text]));
      }
      const refused = line.messageKey === undefined ? undefined : tx.sender.existing(memory)?.messages.get(line.messageKey);
      if (refused) {
        refused.retried++;
        g.credit(tx.sender, 'size', false, evidence(line, `sent message ${line.messageKey} again after it was ${refusedAt(refused)}`, max, refused.ref.lines, [line.text]));
      }
    },

    reply(_g, s, reply) {
      const tx = s.tx;
      if (!tx || !isTooBig(reply)) return;
      const held = tx.sender.slot(memory);
      const ref = refOfReply(reply, max);
      if (reply.verb === 'MAIL' && tx.params.size !== undefined) held.declared = { ref, declared: tx.params.size, retried: 0 };
      else if (reply.answersMessage && tx.messageKey !== undefined) held.messages.set(tx.messageKey, { ref, retried: 0 });
    },

    note(g, s, line) {
      if (line.note !== 'client' || line.finding !== 'size-exceeded-declared') return;
      const shown = evidence(line, `the message was larger than the SIZE= declared for it${s.tx?.params.size !== undefined ? ` (${s.tx.params.size})` : ''}`, max, s.tx ? [s.tx.mail.text] : s.lastCommand ? [s.lastCommand.text] : [], [line.text]);
      if (s.tx) g.credit(s.tx.sender, 'size', false, shown);
      else g.failSession(s, 'size', shown);
    },

    pending(_g, sender, _now, credit) {
      const held = sender.existing(memory);
      if (!held) return;
      for (const t of [...held.messages.values(), ...(held.declared ? [held.declared] : [])]) {
        if (!t.retried) credit('size', true, evidenceOf(t.ref, 'did not try again the message refused as too big', max));
      }
    },
  };
}
