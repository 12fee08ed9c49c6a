/**
 * How replies read and how they are recorded: placeholders filled from what the session is
 * answering, lines laid out in the provider's style, and each line written once to the
 * transcript as a typed record (stage, verb, codes, what decided, whom it concerns, the stored
 * message's id). The connection only puts the bytes on the socket.
 */
import type { SMTPServerSession } from 'smtp-server';
import { styleContext, styleLines, type StyleContext } from '../catalog/style.js';
import type { Reply } from '../engine/reply.js';
import type { Stage } from '../engine/stages.js';
import type { NoteKind, SessionLog } from '../transcript/record.js';
import { sessionPlaceholders } from './values.js';
import { replyTexts, type Placeholders } from './write.js';

/** What the session is answering when a line is written; the connection keeps it current. */
export interface Answering {
  verb: string;
  arg: string;
  stage: Stage;
  /** The address MAIL or RCPT is about, for `{address}`. */
  address: string | undefined;
  /** The recipient being added (or the one a refusal is about), for `{rcpt}`. */
  rcpt: string | undefined;
  /** Placeholder values from the message being answered (sizes, offending headers…). */
  messageValues: Placeholders;
  /** The message the next end-of-data reply reports as stored. */
  storedId: string | undefined;
}

/** What the writer reads from the connection. */
export interface SessionPeer {
  readonly ip: string;
  readonly hostname: string;
  helo(): string | undefined;
  sizeLimit(): number | undefined;
  envelope(): SMTPServerSession['envelope'] | undefined;
}

export class ReplyWriter {
  readonly answering: Answering = { verb: '', arg: '', stage: 'connect', address: undefined, rcpt: undefined, messageValues: {}, storedId: undefined };
  private style: StyleContext | undefined;

  constructor(
    private readonly log: SessionLog,
    private readonly peer: SessionPeer,
    private readonly styleRandom: () => number,
  ) {}

  /** A reply's lines as sent: placeholders filled, then laid out in its provider's style. */
  texts(r: Reply): string[] {
    const lines = replyTexts(r, this.placeholders());
    return r.style ? styleLines(r.style, lines, this.styleContext()) : lines;
  }

  placeholders(): Placeholders {
    const { answering: a, peer } = this;
    const envelope = peer.envelope();
    return sessionPlaceholders({
      ip: peer.ip,
      helo: peer.helo(),
      hostname: peer.hostname,
      session: this.log.id,
      verb: a.verb,
      arg: a.arg,
      address: a.address,
      sender: this.sender(envelope),
      rcpt: a.rcpt ?? envelope?.rcptTo?.[0]?.address,
      sizeLimit: peer.sizeLimit(),
      token: this.styleContext()['gmailToken'],
      message: a.messageValues,
    });
  }

  /** Records the wire lines of one reply as written. */
  recordReply(lines: readonly string[], code: number, enhanced: string | null, rule: string | undefined): void {
    const { stage, verb, storedId } = this.answering;
    const envelope = this.peer.envelope();
    const sender = this.sender(envelope);
    const rcpts = this.about(envelope);
    const messageId = stage === 'message' ? storedId : undefined;
    const answers = verb && stage !== 'connect' && stage !== 'message' ? verb : undefined;
    // one literal per line, absent fields undefined: this runs for every reply line
    const last = lines.length - 1;
    for (let i = 0; i <= last; i++) {
      this.log.record({ direction: 'out', text: lines[i]!, code, enhanced: enhanced ?? undefined, more: i < last || undefined, stage, verb: answers, rule, sender, rcpts, messageId });
    }
    this.answering.storedId = undefined;
  }

  recordCommand(text: string, verb: string | undefined): void {
    this.log.record({ direction: 'in', text, stage: this.answering.stage, ...(verb ? { verb } : {}) });
  }

  note(kind: NoteKind, text: string, rule?: string): void {
    this.log.record({ direction: 'note', note: kind, text, stage: this.answering.stage, ...(rule ? { rule } : {}) });
  }

  /** At MAIL the sender is not in the envelope until the command is accepted. */
  private sender(envelope: SMTPServerSession['envelope'] | undefined): string | undefined {
    return envelope?.mailFrom ? envelope.mailFrom.address : this.answering.verb === 'MAIL' ? this.answering.address : undefined;
  }

  /** Whom a reply concerns: the recipient being added at RCPT; the accepted ones at DATA and after the message. */
  private about(envelope: SMTPServerSession['envelope'] | undefined): readonly string[] | undefined {
    const { stage, rcpt } = this.answering;
    if (stage === 'rcpt') return rcpt !== undefined ? [rcpt] : undefined;
    return (stage === 'data' || stage === 'message') && envelope ? envelope.rcptTo.map((r) => r.address) : undefined;
  }

  /** One token per session, like a provider's per-connection id. */
  private styleContext(): StyleContext {
    return (this.style ??= styleContext(this.styleRandom));
  }
}
