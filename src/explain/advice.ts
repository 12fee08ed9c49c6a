/**
 * What a correct sender does after a reply, derived from the reply alone: its class (RFC 5321
 * §4.2.1: 4yz transient, 5yz permanent), the 421 that ends the session, the enhanced code's
 * subject (RFC 3463 §3: x.1 address, x.2 mailbox, x.3 mail system, x.4 routing, x.5 protocol,
 * x.6 content, x.7 security/policy), the stage and whether it came after acceptance. Nothing
 * here is written per catalog entry, so a new provider's entries get advice for free.
 */
import type { Stage } from '../engine/stages.js';

export type Retry = 'retry-later' | 'reconnect-later' | 'do-not-retry' | 'none';

export interface NextStep {
  readonly retry: Retry;
  /** One or two sentences: what to do now, then what to fix. */
  readonly advice: string;
}

export interface ReplyFacts {
  readonly code: number;
  readonly enhanced: string | null;
  readonly stage: Stage;
  readonly close: boolean;
  readonly afterAcceptance?: boolean;
}

/** RFC 3463's subjects, as what to look at. */
const SUBJECT: Record<string, { temp: string; perm: string }> = {
  '1': { temp: 'The address could not be resolved just now.', perm: 'The address is wrong or no longer exists: remove it from the list (or fix the typo) and do not send to it again.' },
  '2': { temp: 'The mailbox cannot take mail right now (full, over its rate, or busy).', perm: 'The mailbox cannot take this mail (disabled, full or over a size limit): stop sending to it until its owner is reached another way.' },
  '3': { temp: 'The receiving system is short of a resource.', perm: 'The receiving system cannot take this message as it is (size, format or a feature it lacks): change the message, not the timing.' },
  '4': { temp: 'Routing or the network failed on the way.', perm: 'The message cannot be routed there: check the recipient domain and its MX.' },
  '5': { temp: 'The receiver objected to how the dialogue went (too many recipients, a command out of turn).', perm: 'The client broke the protocol: fix the client (command syntax, order, line length, recipients per transaction).' },
  '6': { temp: 'The content could not be handled just now.', perm: 'The content was refused (spam, virus, a header or attachment the receiver rejects): change the message before sending again.' },
  '7': { temp: 'A policy check (reputation, rate, authentication) deferred it.', perm: 'A security or policy check refused it: fix SPF, DKIM, DMARC, reverse DNS, TLS or the sending reputation, then send again as a new message.' },
};

/** The advice for a reply with these facts. */
export function nextStep(facts: ReplyFacts): NextStep {
  const { code, enhanced, stage, close } = facts;
  const subject = enhanced ? SUBJECT[enhanced.split('.')[1] ?? ''] : undefined;
  if (code < 400) return { retry: 'none', advice: 'Not a failure: the command took effect.' };

  if (facts.afterAcceptance) {
    const what = code >= 500 ? 'a failure notice (bounce)' : 'a delay notice';
    return {
      retry: code >= 500 ? 'do-not-retry' : 'none',
      advice: `The server said 250 and reported this later, in ${what} to the envelope sender: ${code >= 500 ? 'treat the recipient as failed (suppress it), do not resend automatically' : 'nothing to resend, the receiving side keeps retrying'}. ${subject ? (code >= 500 ? subject.perm : subject.temp) : ''}`.trim(),
    };
  }
  if (code === 421 || (code < 500 && close)) {
    return {
      retry: 'reconnect-later',
      advice: `The server is closing the connection: send QUIT (or just close), keep every message queued and reconnect later with back-off (minutes, growing), not at once. ${subject?.temp ?? ''}`.trim(),
    };
  }
  if (code < 500) {
    const where = stage === 'rcpt' ? 'for this recipient (the others of the transaction may go on)' : stage === 'mail' || stage === 'data' || stage === 'message' ? 'for this message' : 'for this session';
    const split = enhanced === '4.5.3' || code === 452 && stage === 'rcpt' ? ' Send the recipients refused here in another transaction.' : '';
    return {
      retry: 'retry-later',
      advice: `Temporary: keep the message queued and retry ${where} later with growing back-off (e.g. 5, 10, 20 minutes… for up to a few days); do not resend at once.${split} ${subject?.temp ?? ''}`.trim(),
    };
  }
  const scope =
    stage === 'rcpt' ? 'do not retry this recipient' : stage === 'connect' || stage === 'helo' ? 'do not retry from this client as it is' : stage === 'auth' ? 'do not retry the same credentials' : 'do not retry this message';
  return {
    retry: 'do-not-retry',
    advice: `Permanent: ${scope}; return a failure notice (bounce) to the sender${close ? ' (the server also closed the connection)' : ''}. ${subject?.perm ?? ''}`.trim(),
  };
}
