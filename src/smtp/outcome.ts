/**
 * How a stage carries out each kind of decided action. The connection supplies one
 * StageOutcome per stage (what `accept`, `reply`… mean there); this maps the engine's action
 * onto it, and ends the connection for `drop` and `reset`.
 */
import type { Socket } from 'node:net';
import type { Reply } from '../engine/reply.js';
import type { Action, NoticeSpec } from '../engine/scenario.js';

export type ErrCallback = (err?: Error | null) => void;

/** A reply a hook's callback carries: smtp-server's next reply is replaced by it. */
export interface PendingReply {
  reply: Reply;
  rule?: string;
  /** Replace smtp-server's next reply only if that one is positive (its own errors win). */
  onlyIfPositive?: boolean;
  /** EHLO: keep smtp-server's capability lines after the rule's text. */
  keepCapabilities?: boolean;
}

/** A refusal handed to smtp-server's callback: it writes `responseCode` and the message. */
export const failure = (r: Reply) => Object.assign(new Error(r.lines.join(' ')), { responseCode: r.code });

export interface StageOutcome {
  /** What the stage does with no decision: smtp-server's own handling. */
  normal(): void;
  accept(rule?: string): void;
  reply(reply: Reply, rule?: string): void;
  discard?(rule?: string): void;
  /** Accept now, send a notice later (rcpt and message stages). */
  notice?(notice: NoticeSpec, rule?: string): void;
}

const nothing = () => undefined;
/** For actions (drop, reset) that end the session, where no stage outcome follows. */
export const NO_OUTCOME: StageOutcome = { normal: nothing, accept: nothing, reply: nothing };

export function carryOut(socket: Socket, action: Action, rule: string | undefined, outcome: StageOutcome): void {
  switch (action.kind) {
    case 'drop':
      socket.destroy();
      return;
    case 'reset':
      resetConnection(socket);
      return;
    case 'continue':
      return outcome.normal();
    case 'accept':
      return outcome.accept(rule);
    case 'discard':
      return outcome.discard ? outcome.discard(rule) : outcome.accept(rule);
    case 'notice':
      return outcome.notice ? outcome.notice(action.notice!, rule) : outcome.accept(rule);
    case 'reply':
      return outcome.reply(action.reply!, rule);
  }
}

/** A TCP RST; a TLS session wraps the TCP socket, so the RST goes to the socket underneath. */
function resetConnection(socket: Socket): void {
  const tcp = (socket as Socket & { _parent?: Socket | null })._parent ?? socket;
  try {
    tcp.resetAndDestroy();
  } catch {
    tcp.destroy();
  }
  socket.destroy();
}
