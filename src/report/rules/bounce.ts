/**
 * no-resend-after-5xx: a recipient refused for good at RCPT is never mailed again by that sender;
 * a message refused for good at the end of data is never sent again (same messageKey) to the
 * recipients it was refused for. Refusals nobody repeated pass at report time.
 */
import { BoundedMap } from '../bounded-map.js';
import { isPermanentRefusal } from '../classify.js';
import { evidence, evidenceOf } from '../evidence.js';
import { addressKey, instant } from '../format.js';
import type { ReportOptions } from '../options.js';
import { refOfReply, type Ref } from '../reply.js';
import type { Rule } from '../rule.js';
import { Slot } from '../slots.js';

interface Refusal {
  readonly rcpt: string;
  readonly ref: Ref;
  repeated: number;
}

export function bounceRule(options: ReportOptions): Rule {
  const memory = new Slot(() => ({
    /** Addresses refused at RCPT. */
    addresses: new BoundedMap<string, Refusal>(options.maxTrackedPerSender),
    /** Messages refused at the end of data: messageKey → recipients. */
    messages: new BoundedMap<string, Map<string, Refusal>>(options.maxTrackedPerSender),
  }));
  const max = options.maxEvidenceLines;
  const earlier = (r: Refusal) => `session ${r.ref.session} at ${instant(r.ref.at)}`;

  return {
    reply(_g, s, reply) {
      const tx = s.tx;
      if (!tx || !isPermanentRefusal(reply)) return;
      const held = tx.sender.slot(memory);
      const ref = refOfReply(reply, max);
      const rcpt = reply.rcpts[0];
      if (reply.verb === 'RCPT' && rcpt !== undefined) {
        if (!held.addresses.has(addressKey(rcpt))) held.addresses.set(addressKey(rcpt), { rcpt, ref, repeated: 0 });
      } else if (reply.answersMessage && tx.messageKey !== undefined) {
        const refused = held.messages.upsert(tx.messageKey, () => new Map());
        for (const r of reply.rcpts) if (!refused.has(addressKey(r))) refused.set(addressKey(r), { rcpt: r, ref, repeated: 0 });
      }
    },

    command(g, s, line) {
      const rcpt = line.rcpts?.[0];
      if (line.verb !== 'RCPT' || !s.tx || rcpt === undefined) return;
      const refusal = s.tx.sender.existing(memory)?.addresses.get(addressKey(rcpt));
      if (!refusal) return;
      refusal.repeated++;
      g.credit(s.tx.sender, 'no-resend-after-5xx', false, evidence(line, `sent to <${rcpt}> again after it was refused for good (${earlier(refusal)})`, max, refusal.ref.lines, [line.text]));
    },

    message(g, s, line) {
      if (!s.tx || line.messageKey === undefined) return;
      const refused = s.tx.sender.existing(memory)?.messages.get(line.messageKey);
      if (!refused) return;
      for (const rcpt of line.rcpts ?? []) {
        const refusal = refused.get(addressKey(rcpt));
        if (!refusal) continue;
        refusal.repeated++;
        g.credit(s.tx.sender, 'no-resend-after-5xx', false, evidence(line, `sent message ${line.messageKey} to <${rcpt}> again after it was refused for good (${earlier(refusal)})`, max, refusal.ref.lines, [line.text]));
      }
    },

    pending(_g, sender, _now, credit) {
      const held = sender.existing(memory);
      if (!held) return;
      for (const r of held.addresses.values()) if (!r.repeated) credit('no-resend-after-5xx', true, evidenceOf(r.ref, `did not send to <${r.rcpt}> again after the 5xx`, max));
      for (const [key, refused] of held.messages.entries()) {
        for (const r of refused.values()) if (!r.repeated) credit('no-resend-after-5xx', true, evidenceOf(r.ref, `did not send message ${key} to <${r.rcpt}> again after the 5xx`, max));
      }
    },
  };
}
