/**
 * The transcript records the adapter writes (see src/transcript/record.ts): a line in says its
 * stage, verb and whom it concerns; the reply that answers it repeats those, so readers never
 * have to pair lines or parse text. One object per line, as the store keeps it: a reply reuses
 * the recipients array of the line it answers, nothing is copied per line.
 */
import type { SMTPServerSession } from 'smtp-server';
import type { Stage } from '../engine/stages.js';
import type { TranscriptEntry, TranscriptStage } from '../transcript/record.js';
import { parseBdat } from './bdat-args.js';

/** The transcript's list of stages is the engine's (record.ts spells it out to stay a leaf). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const STAGES_AGREE: Same<Stage, TranscriptStage> = true;

type Envelope = SMTPServerSession['envelope'] | undefined;

/** The stage each verb's line belongs to; any other verb is `unknown` (HELP has none). */
const STAGE_OF_VERB = new Map<string, Stage>([
  ['HELO', 'helo'],
  ['EHLO', 'helo'],
  ['LHLO', 'helo'],
  ['STARTTLS', 'starttls'],
  ['AUTH', 'auth'],
  ['MAIL', 'mail'],
  ['RCPT', 'rcpt'],
  ['DATA', 'data'],
  ['BDAT', 'data'],
  ['RSET', 'rset'],
  ['NOOP', 'noop'],
  ['VRFY', 'vrfy'],
  ['QUIT', 'quit'],
]);

/** The address a MAIL/RCPT line names as written: inside `<…>`, else the rest of the line (how readers always took it). */
const ADDRESS = /^(?:MAIL\s+FROM|RCPT\s+TO)\s*:\s*<([^<>]*)>/i;
const addressIn = (line: string) => ADDRESS.exec(line)?.[1] ?? line.replace(/^\S+\s*(?:FROM|TO)?\s*:?\s*/i, '').trim();

const senderOf = (envelope: Envelope) => (envelope?.mailFrom ? envelope.mailFrom.address : undefined);

/**
 * The recipients as one session's records carry them: the list handed out last is handed out
 * again while the recipients are the same, so DATA's record, the message's and (with one
 * recipient) RCPT's share one array instead of each keeping its own.
 */
export class RecipientLists {
  private last: readonly string[] = [];

  /** The one a RCPT line names. */
  named(address: string): readonly string[] {
    const last = this.last;
    return last.length === 1 && last[0] === address ? last : (this.last = [address]);
  }

  /** The envelope's accepted recipients. */
  accepted(envelope: Envelope): readonly string[] {
    const rcpts = envelope?.rcptTo ?? [];
    const last = this.last;
    if (last.length === rcpts.length && rcpts.every((a, i) => a.address === last[i])) return last;
    return (this.last = rcpts.map((a) => a.address));
  }
}

/**
 * A client line. `text` is as logged (credentials redacted); `continued` when it answers a
 * server prompt (an AUTH exchange) rather than being a command.
 */
export function commandRecord(verb: string, text: string, continued: boolean, envelope: Envelope, recipients: RecipientLists): TranscriptEntry {
  if (continued) return { direction: 'in', text, stage: 'auth', sender: senderOf(envelope) };
  const stage = STAGE_OF_VERB.get(verb) ?? (verb === 'HELP' ? undefined : 'unknown');
  switch (verb) {
    // MAIL starts a transaction (its sender is the one it names), RSET and a greeting end one
    case 'MAIL':
      return { direction: 'in', text, stage, verb, sender: addressIn(text) };
    case 'RSET':
    case 'HELO':
    case 'EHLO':
    case 'LHLO':
      return { direction: 'in', text, stage, verb };
    case 'RCPT':
      return { direction: 'in', text, stage, verb, rcpts: recipients.named(addressIn(text)), sender: senderOf(envelope) };
    case 'DATA':
      return { direction: 'in', text, stage, verb, rcpts: recipients.accepted(envelope), sender: senderOf(envelope) };
    case 'BDAT': {
      const chunk = parseBdat(text.slice(4));
      return { direction: 'in', text, stage, verb, rcpts: recipients.accepted(envelope), sender: senderOf(envelope), ...(chunk ? { chunk } : {}) };
    }
    default:
      return { direction: 'in', text, stage, verb, sender: senderOf(envelope) };
  }
}

/** The message data, one record for the whole body. */
export function messageRecord(bytes: number, envelope: Envelope, messageKey: string | undefined, recipients: RecipientLists): TranscriptEntry {
  return { direction: 'in', text: `<${bytes} bytes of message data>`, stage: 'message', bytes, rcpts: recipients.accepted(envelope), sender: senderOf(envelope), ...(messageKey === undefined ? {} : { messageKey }) };
}

/**
 * One line of a reply. `heard` is the line it answers (undefined for the greeting and for a
 * reply to a line already answered, such as a timeout's 421): its stage, verb, recipients and
 * sender are the reply's.
 */
export function replyRecord(
  code: number,
  enhanced: string | null,
  text: string,
  more: boolean,
  rule: string | undefined,
  heard: TranscriptEntry | undefined,
  envelope: Envelope,
  messageId: string | undefined,
): TranscriptEntry {
  return {
    direction: 'out',
    text,
    stage: heard?.stage,
    verb: heard?.verb,
    code,
    enhanced: enhanced ?? enhancedOnWire(text),
    more: more || undefined,
    rule,
    rcpts: heard?.rcpts,
    sender: heard ? heard.sender : senderOf(envelope),
    messageId,
  };
}

const ENHANCED_ON_WIRE = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})(?: |$)/;

/**
 * A reply written without an enhanced code may still carry one at the start of its text (a
 * scenario's reply that spells it there): on the wire that is its enhanced code. Checked only
 * for such replies, and only past a cheap look at the fifth character.
 */
function enhancedOnWire(line: string): string | undefined {
  const c = line.charCodeAt(4);
  return c === 50 || c === 52 || c === 53 ? ENHANCED_ON_WIRE.exec(line)?.[1] : undefined;
}
