/**
 * Facts for the engine, built from what the connection knows about its session. The
 * connection owns the values; this only shapes them, so the adapter stays a translator.
 */
import type { PtrFacts, SpfFacts } from '../auth/types.js';
import type { Facts } from '../engine/facts.js';
import type { Stage } from '../engine/stages.js';

/** The session as the connection sees it when a decision is due. */
export interface SessionView {
  readonly id: string;
  readonly clientIp: string;
  readonly heloName: string | undefined;
  readonly tls: boolean;
  readonly tlsVersion: string | undefined;
  readonly authUser: string | undefined;
  readonly authMechanism: string | undefined;
  readonly transactions: number;
  readonly ipConnections: number;
  readonly ptr: PtrFacts | undefined;
  readonly spf: SpfFacts | undefined;
}

/** What the stage adds to the session's facts. */
export type ExtraFacts = Partial<Omit<Facts, 'stage' | 'session' | 'envelope'>>;

/**
 * One object literal per level, absent values left undefined (no spreads: this runs for every
 * RCPT, DATA and message, and the engine treats undefined as absent).
 */
export function buildFacts(view: SessionView, stage: Stage, envelope: Facts['envelope'], extra: ExtraFacts, heloName = view.heloName): Facts {
  const authed = view.authUser !== undefined && view.authUser !== '';
  return {
    stage,
    session: {
      id: view.id,
      clientIp: view.clientIp,
      heloName,
      tls: view.tls,
      tlsVersion: view.tlsVersion || undefined,
      authUser: authed ? view.authUser : undefined,
      authMechanism: authed ? view.authMechanism : undefined,
      transactions: view.transactions,
      ipConnections: view.ipConnections,
      ptr: view.ptr,
    },
    spf: view.spf,
    envelope,
    command: extra.command,
    rcpt: extra.rcpt,
    auth: extra.auth,
    message: extra.message,
    chunk: extra.chunk,
  };
}
