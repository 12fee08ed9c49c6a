/**
 * no-mail-after-dsn: once mockmx's failure DSN for an address is due (a `notice` note with
 * `noticeKind: 'failure'`, naming the address in `rcpts`, due at `dueAt`), the sender of the
 * message it reports mails that address no more. Delay DSNs and auto-replies ask nothing of it.
 */
import { BoundedMap } from '../bounded-map.js';
import { evidence, evidenceOf } from '../evidence.js';
import { addressKey, instant } from '../format.js';
import type { ReportOptions } from '../options.js';
import { refOfLine, type Ref } from '../reply.js';
import type { Rule } from '../rule.js';
import { Slot } from '../slots.js';

interface Bounced {
  readonly rcpt: string;
  readonly dueAt: number;
  readonly ref: Ref;
  mailed: number;
}

export function dsnRule(options: ReportOptions): Rule {
  const memory = new Slot(() => new BoundedMap<string, Bounced>(options.maxTrackedPerSender));
  const max = options.maxEvidenceLines;

  return {
    note(_g, s, line) {
      if (line.note !== 'notice' || line.noticeKind !== 'failure' || !s.tx || !line.rcpts) return;
      const bounced = s.tx.sender.slot(memory);
      for (const rcpt of line.rcpts) {
        if (!bounced.has(addressKey(rcpt))) bounced.set(addressKey(rcpt), { rcpt, dueAt: line.dueAt ?? line.at, ref: refOfLine(line), mailed: 0 });
      }
    },

    command(g, s, line) {
      const rcpt = line.rcpts?.[0];
      if (line.verb !== 'RCPT' || !s.tx || rcpt === undefined) return;
      const b = s.tx.sender.existing(memory)?.get(addressKey(rcpt));
      if (!b || line.at < b.dueAt) return;
      b.mailed++;
      g.credit(s.tx.sender, 'no-mail-after-dsn', false, evidence(line, `mailed <${rcpt}> after mockmx's failure DSN for it (due ${instant(b.dueAt)}, session ${b.ref.session})`, max, b.ref.lines, [line.text]));
    },

    pending(_g, sender, now, credit) {
      for (const b of sender.existing(memory)?.values() ?? []) {
        if (!b.mailed && now >= b.dueAt) credit('no-mail-after-dsn', true, evidenceOf(b.ref, `sent nothing more to <${b.rcpt}> after the failure DSN`, max));
      }
    },
  };
}
