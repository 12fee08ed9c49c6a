/**
 * How replies read and how they are recorded: placeholders filled from what the session is
 * answering, lines laid out in the provider's style, and each line written once to the
 * transcript as a typed record (stage, verb, codes, what decided, whom it concerns, the stored
 * message's id). The connection only puts the bytes on the socket.
 */
import type { SMTPServerSession } from 'smtp-server';
import { styleContext, styleLines, type StyleContext } from '../catalog/style.js';
import type { Reply } from '../engine/reply.js';
import type { ClientFinding, NoteKind, NoticeKind, SessionLog, TranscriptEntry } from '../transcript/record.js';
import { commandRecord, messageRecord, RecipientLists, replyRecord } from './records.js';
import { sessionPlaceholders } from './values.js';
import { replyTexts, type PlaceholderLookup, type Placeholders } from './write.js';

/** What the session is answering when a line is written; the connection keeps it current. */
export interface Answering {
  verb: string;
  arg: string;
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
  /** The clock, for `{time}`, `{date}` and styles that stamp their replies. */
  now(): number;
}

export class ReplyWriter {
  readonly answering: Answering = { verb: '', arg: '', address: undefined, rcpt: undefined, messageValues: {}, storedId: undefined };
  private style: StyleContext | undefined;
  /** The line the next reply answers. */
  private heard: TranscriptEntry | undefined;
  private readonly recipients = new RecipientLists();

  constructor(
    private readonly log: SessionLog,
    private readonly peer: SessionPeer,
    private readonly styleRandom: () => number,
  ) {}

  /** A reply's lines as sent: placeholders filled, then laid out in its provider's style. */
  texts(r: Reply): string[] {
    // most replies quote nothing: the session's values are gathered only for a line that does
    let lookup: PlaceholderLookup | undefined;
    const lines = replyTexts(r, (name) => (lookup ??= this.placeholders())(name));
    return r.style ? styleLines(r.style, lines, { ...this.styleContext(), now: new Date(this.peer.now()).toISOString() }) : lines;
  }

  placeholders(): PlaceholderLookup {
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
      token: () => this.styleContext()['gmailToken'],
      now: peer.now(),
      message: a.messageValues,
      // the providers' per-session values ({mimecastRef}, {outlookServer}…) under the session's own, so a
      // scenario's own texts (success:) can sign a reply as its provider's style signs refusals
      base: () => this.styleContext(),
    });
  }

  /** Records the wire lines of one reply as written: it answers the line last heard, if that is not answered yet. */
  recordReply(lines: readonly string[], code: number, enhanced: string | null, rule: string | undefined): void {
    const heard = this.heard;
    this.heard = undefined;
    const envelope = this.peer.envelope();
    const messageId = heard?.bytes !== undefined ? this.answering.storedId : undefined;
    const last = lines.length - 1;
    for (let i = 0; i <= last; i++) this.log.record(replyRecord(code, enhanced, lines[i]!, i < last, rule, heard, envelope, messageId));
    this.answering.storedId = undefined;
  }

  /** A client line; `continued` when it answers a server prompt (an AUTH exchange) rather than being a command. */
  recordCommand(verb: string, text: string, continued: boolean): void {
    this.heard = commandRecord(verb, text, continued, this.peer.envelope(), this.recipients);
    this.log.record(this.heard);
  }

  /** The message data, one record for the whole body. */
  recordMessage(bytes: number, messageKey: string | undefined): void {
    this.heard = messageRecord(bytes, this.peer.envelope(), messageKey, this.recipients);
    this.log.record(this.heard);
  }

  note(kind: NoteKind, text: string, rule?: string): void {
    // a note belongs to the line being answered, if one is
    this.log.record({ direction: 'note', note: kind, text, stage: this.heard?.stage, rule });
  }

  /** A notice queued for the transaction's sender: what it is, whom it is about, when it is due. */
  notice(kind: NoticeKind, rcpts: readonly string[], dueAt: number, status: string): void {
    const what = kind === 'auto-reply' ? 'auto-reply' : `${kind} DSN (${status})`;
    this.log.record({ direction: 'note', note: 'notice', noticeKind: kind, rcpts, dueAt, text: `${what} about ${rcpts.map((r) => `<${r}>`).join(', ')} queued, due ${new Date(dueAt).toISOString()}`, stage: this.heard?.stage });
  }

  /** What the wire showed about the client (a `client` note). */
  finding(finding: ClientFinding, detail: string): void {
    this.log.record({ direction: 'note', note: 'client', finding, text: `client: ${detail} (${finding})`, stage: this.heard?.stage });
  }

  /** At MAIL the sender is not in the envelope until the command is accepted. */
  private sender(envelope: SMTPServerSession['envelope'] | undefined): string | undefined {
    return envelope?.mailFrom ? envelope.mailFrom.address : this.answering.verb === 'MAIL' ? this.answering.address : undefined;
  }

  /** One token per session, like a provider's per-connection id. */
  private styleContext(): StyleContext {
    return (this.style ??= styleContext(this.styleRandom, { hostname: this.peer.hostname }));
  }
}
