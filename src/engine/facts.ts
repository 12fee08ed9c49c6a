import type { MessageAuthFacts, PtrFacts, SpfFacts } from '../auth/types.js';
import type { MessageAnalysis } from '../checks/types.js';
import type { EventName } from './events.js';
import type { Stage } from './stages.js';

/**
 * What rules can read, as plain data. The adapter builds one per decision; fields that a
 * stage cannot know yet are absent. Message facts exist only at the `message` stage.
 */
export interface Facts {
  readonly stage: Stage;
  readonly session: SessionFacts;
  /** The command line being answered (absent at connect and message). */
  readonly command?: CommandFacts;
  /** The envelope so far. At rcpt, `rcptTo` includes the recipient being added. */
  readonly envelope: EnvelopeFacts;
  /** At rcpt: the recipient being added. */
  readonly rcpt?: string;
  /** At auth: the login attempt. */
  readonly auth?: AuthAttemptFacts;
  /** At message: the received message. */
  readonly message?: MessageFacts;
  /** At data, for a BDAT command (RFC 3030): the chunk being answered; absent for DATA. */
  readonly chunk?: ChunkFacts;
  /** A protocol event the server is about to refuse (only in the event pass). */
  readonly event?: EventName;
  /** SPF of the envelope sender, from MAIL on (when the scenario's rules read it). */
  readonly spf?: SpfFacts;
}

export interface SessionFacts {
  readonly id: string;
  readonly clientIp: string;
  readonly heloName?: string;
  readonly tls: boolean;
  readonly tlsVersion?: string;
  /** The authenticated user, once AUTH succeeded. */
  readonly authUser?: string;
  readonly authMechanism?: string;
  /** Messages accepted earlier in this session. */
  readonly transactions: number;
  /** Open connections from the client's IP when this session started, itself included. */
  readonly ipConnections?: number;
  /** Reverse DNS of the client (when the scenario's rules read it). */
  readonly ptr?: PtrFacts;
}

export interface CommandFacts {
  readonly verb: string;
  readonly arg: string;
  readonly line: string;
}

export interface EnvelopeFacts {
  /** The envelope sender; "" for the null sender `<>`; absent before MAIL. */
  readonly mailFrom?: string;
  readonly rcptTo: readonly string[];
  /** The SIZE= parameter of MAIL, when given. */
  readonly declaredSize?: number;
}

/** One BDAT chunk, known once its octets have arrived. */
export interface ChunkFacts {
  /** 1 for the transaction's first chunk. */
  readonly number: number;
  /** Its octets. */
  readonly size: number;
  readonly last: boolean;
  /** Octets of the message so far, this chunk included. */
  readonly received: number;
}

export interface AuthAttemptFacts {
  readonly user: string;
  readonly mechanism: string;
  /** The credentials match a user of the scenario. */
  readonly valid: boolean;
}

/**
 * At message: the size always; the rest of the analysis (src/checks) only as deep as the
 * scenario's rules read — the header section, or the MIME body too.
 */
export type MessageFacts = Partial<MessageAnalysis> & { readonly size: number; readonly authentication?: MessageAuthFacts };
