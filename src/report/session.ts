/**
 * What the card knows about an open session: what the server advertised, where the dialogue
 * stands (greeted, TLS, the transaction under way), whom it mailed as, and the findings that
 * belong to the connection rather than one transaction (kept until the session ends, then
 * credited to each of its senders).
 */
import type { CheckId } from './checks.js';
import { ReplyGatherer } from './reply.js';
import type { SenderState } from './senders.js';
import { Slots } from './slots.js';
import type { Tally } from './tally.js';
import type { TranscriptRecord } from '../transcript/record.js';
import type { Capabilities, MailParameters } from './wire.js';

/** Senders one session is credited to, at most (a connection that sends as many more is not a mailer under test). */
const MAX_SENDERS_PER_SESSION = 8;

/** A transaction from its MAIL to its end. */
export class Transaction extends Slots {
  /** Recipients accepted at RCPT: lower-case address → as written. */
  readonly accepted = new Map<string, string>();
  messageKey: string | undefined;
  ended = false;

  constructor(
    readonly sender: SenderState,
    readonly params: MailParameters,
    readonly mail: TranscriptRecord,
  ) {
    super();
  }
}

/**
 * How a transaction ended: delivered or refused at its end; given up by the client (RSET, a new
 * greeting, QUIT, another MAIL) or by its closing the connection; cut by the server (421, drop).
 */
export type TransactionEnd = 'delivered' | 'refused' | 'client' | 'disconnect' | 'server';

export class SessionState extends Slots {
  /** Advertised by the last EHLO reply since the session (or TLS) began; undefined before one. */
  caps: Capabilities | undefined;
  /** The EHLO reply being read. */
  pendingCaps: Capabilities | undefined;
  /** A greeting (EHLO/HELO/LHLO) was accepted since the session, or TLS, began. */
  greeted = false;
  /** Some EHLO reply of this session offered STARTTLS. */
  starttlsOffered = false;
  starttlsTried = false;
  /** TLS came up by STARTTLS in this session. */
  tlsStarted = false;
  quitSent = false;
  /** The server ended it: a 421, a drop or a reset. */
  serverClosed = false;
  ended = false;
  tx: Transaction | undefined;
  lastCommand: TranscriptRecord | undefined;
  readonly senders: SenderState[] = [];
  /** Connection-level findings, credited to the senders when the session ends. */
  readonly buffer = new Map<CheckId, Tally>();
  /** Connection-level checks whose situation arose (each passes at the end unless it failed). */
  readonly exercised = new Set<CheckId>();
  readonly failed = new Set<CheckId>();
  readonly replies: ReplyGatherer;

  constructor(
    readonly id: string,
    readonly clientIp: string,
    readonly startedAt: number,
    /** Encrypted now (implicit TLS from the start, or after STARTTLS). */
    public tls: boolean,
    maxLines: number,
  ) {
    super();
    this.replies = new ReplyGatherer(maxLines);
  }

  addSender(sender: SenderState): void {
    if (!this.senders.includes(sender) && this.senders.length < MAX_SENDERS_PER_SESSION) this.senders.push(sender);
  }
}
