/**
 * One SMTP session. Extends smtp-server's connection (the only place its internals are
 * touched, see test/smtp/internals.test.ts) so that rules can answer at every stage, replies
 * go out exactly as written (multi-line, our own enhanced codes), and every line in and out
 * lands in the session's transcript with the rule that answered it.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Decision } from '../engine/decide.js';
import type { Facts, MessageAuthFacts, MessageFacts, PtrFacts, SpfFacts } from '../engine/facts.js';
import { checkMessage, unsignedHeaderSection } from '../auth/check.js';
import { authChecks } from '../auth/memo.js';
import { hasMailRecords } from '../auth/zone.js';
import { isPositive, type Reply } from '../engine/reply.js';
import type { Action, CompiledRule, CompiledScenario, NoticeSpec } from '../engine/scenario.js';
import type { NoticeRequest } from '../outbound/queue.js';
import type { Stage } from '../engine/stages.js';
import { analyzeHeaders, analyzeMessage } from '../checks/index.js';
import type { Depth } from '../engine/content.js';
import { messagePlaceholders } from './values.js';
import { readHead, receiveBody, type MessageBody } from '../spool/body.js';
import { styleContext, styleLines, type StyleContext } from '../catalog/style.js';
import { entryReply, findEntry, type CatalogEntry } from '../catalog/index.js';
import { classifyServerReply, type EventName } from '../engine/events.js';
import type { SessionLog, SmtpRuntime, TranscriptEntry } from './runtime.js';
import { commandRecord, messageRecord, replyRecord } from './records.js';
import type { NoteKind } from '../transcript/record.js';
import type { MockSmtpServer } from './server.js';
import { fillPlaceholders, replyTexts, wireLines, type Placeholders } from './write.js';

type Done = () => void;
type ErrCallback = (err?: Error | null) => void;

/** How a stage carries out each kind of action; `normal` is what it does with no rule. */
interface StageOutcome {
  normal(): void;
  accept(rule?: string): void;
  reply(reply: Reply, rule?: string): void;
  discard?(rule?: string): void;
  /** Accept now, send a notice later (rcpt and message stages). */
  notice?(notice: NoticeSpec, rule?: string): void;
}

interface PendingReply {
  reply: Reply;
  rule?: string;
  /** Replace smtp-server's next reply only if that one is positive (its own errors win). */
  onlyIfPositive?: boolean;
  /** EHLO: keep smtp-server's capability lines after the rule's text. */
  keepCapabilities?: boolean;
  /** The end-of-data reply: the id of the message it stored, for its transcript record. */
  messageId?: string;
}

const reply = (code: number, enhanced: string | null, text: string, close = false): Reply =>
  Object.freeze({ code, enhanced, lines: Object.freeze([text]), close: close || code === 421 });

export const RULE_ERROR_REPLY = reply(451, '4.3.0', 'Temporary local problem evaluating rules; try again later');
const TLS_REQUIRED_REPLY = reply(530, '5.7.0', 'Must issue a STARTTLS command first');
const NO_SUCH_USER_REPLY = reply(550, '5.1.1', '<{rcpt}>: Recipient address rejected: User unknown');
const DISABLED_REPLY = reply(550, '5.2.1', '<{rcpt}>: The email account that you tried to reach is disabled');
const MAILBOX_FULL_RCPT_REPLY = reply(452, '4.2.2', '<{rcpt}>: The recipient\'s inbox is out of storage space');
const MAILBOX_FULL_MESSAGE_REPLY = reply(552, '5.2.2', '<{rcpt}>: Mailbox full: the message does not fit in the quota');
const TOO_BIG_REPLY = reply(552, '5.3.4', 'Message size exceeds fixed maximum message size');

const STORE_ERROR_REPLY = reply(451, '4.3.0', 'Temporary local problem storing the message; try again later');
const DISCARD_REPLY = reply(250, '2.0.0', 'OK: message accepted');
const UNKNOWN_ACCEPTED_REPLY = reply(250, '2.0.0', 'OK');
const AUTH_OK_REPLY = reply(235, '2.7.0', 'Authentication successful');

const NO_DECISION: Decision = Object.freeze({ updates: [] });
const nothing = () => undefined;
/** For actions (drop, reset) that end the session, where no stage outcome follows. */
const NO_OUTCOME: StageOutcome = { normal: nothing, accept: nothing, reply: nothing };

function failure(r: Reply): Error & { responseCode: number } {
  return Object.assign(new Error(r.lines.join(' ')), { responseCode: r.code });
}

export class MockConnection extends SMTPConnection {
  readonly log: SessionLog;
  private readonly rt: SmtpRuntime;
  private readonly random: () => number;
  private readonly styleRandom: () => number;
  private style: StyleContext | undefined;
  private pending: PendingReply | undefined;
  private greeting: { reply: Reply; rule?: string } | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private authMechanism: string | undefined;
  /** The command being answered, for events and `{command}`/`{argument}` in replies. */
  private verb = '';
  private arg = '';
  /** The address MAIL or RCPT is about, for `{address}`. */
  private address: string | undefined;
  /** Catalog entries named by magic recipients, per transaction (the envelope object). */
  private readonly magic = new WeakMap<object, CatalogEntry>();
  /** Notices to send once the transaction's message is kept, per recipient (lower case). */
  private readonly notices = new WeakMap<object, Map<string, { notice: NoticeSpec; rule?: string }>>();
  /** The recipient being added, for `{rcpt}` in replies at RCPT. */
  private currentRcpt: string | undefined;
  private ended = false;
  /** The rule whose `accept` smtp-server's next success reply carries out. */
  private acceptedBy: string | undefined;
  /** Connections from this client's IP when this one opened, itself included. */
  private readonly ipConnections: number;
  /** Placeholder values from the message being answered (sizes, offending headers…). */
  private messageValues: Placeholders = {};
  private ptrFacts: PtrFacts | undefined;
  /** SPF of the current transaction's sender. */
  private spfFacts: SpfFacts | undefined;
  /** Received-SPF and Authentication-Results lines for the message being answered. */
  private authHeaders: string | undefined;
  private lastChunk: Buffer | undefined;
  /** The message being answered, until a store takes it or it is refused. */
  private body: MessageBody | undefined;
  /** Runs while a line has started but not ended (see watchSocket). */
  private lineTimer: NodeJS.Timeout | undefined;
  private watched: Socket | TLSSocket | undefined;
  /** The last line heard and not yet answered: the reply that answers it is recorded with its stage, verb, recipients. */
  private heard: TranscriptEntry | undefined;

  constructor(server: MockSmtpServer, socket: Socket | TLSSocket, options?: ConstructorParameters<typeof SMTPConnection>[2]) {
    super(server, socket, options);
    this.rt = server.runtime;
    const index = server.nextSessionIndex();
    this.random = this.rt.randomFor(index, 'rules');
    this.styleRandom = this.rt.randomFor(index, 'style');
    this.log = this.rt.openSession({
      clientIp: this.remoteAddress,
      clientPort: this.remotePort,
      listener: server.listenerName,
      tls: this.secure,
    });
    server.register(this);
    this.ipConnections = this.rt.connectionOpened(this.remoteAddress);
  }

  // --- lifecycle ------------------------------------------------------------------------

  /** Same as smtp-server's, minus its fixed 100 ms pause before the greeting (see greetDelay). */
  override init(): void {
    // the last bytes read, to see what a client pipelined after STARTTLS (smtp-server drops it silently)
    this.watchSocket(this._socket);
    this._setListeners(() => {
      const max = this._server.options.maxClients;
      if (max && this._server.connections.size > max) {
        this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      this.connectionReady();
    });
  }

  override _onClose(): void {
    const first = !this._closed;
    super._onClose();
    if (first) this.rt.connectionClosed(this.remoteAddress);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    clearTimeout(this.lineTimer);
    this.releaseBody();
    if (!this.ended) {
      this.ended = true;
      this.log.end();
    }
    (this._server as unknown as MockSmtpServer).forget(this);
  }

  /**
   * Reads along with smtp-server: keeps the last chunk (to see commands pipelined after
   * STARTTLS) and gives every line a deadline. smtp-server's idle timeout restarts on any
   * byte, so a client trickling one byte at a time would hold a connection forever; here a
   * line that does not end within the idle timeout ends the session like idleness does.
   */
  private watchSocket(socket: Socket | TLSSocket): void {
    this.watched = socket;
    socket.on('data', (chunk: Buffer) => {
      this.lastChunk = chunk;
      if (chunk.includes(0x0a)) {
        clearTimeout(this.lineTimer);
        this.lineTimer = undefined;
      }
      if (chunk[chunk.length - 1] !== 0x0a && !this.lineTimer && !this._closing) {
        this.lineTimer = setTimeout(() => {
          this.lineTimer = undefined;
          if (!this._closing && !this._closed && !this._handlerPending) this.send(421, 'Timeout - closing connection');
        }, this.rt.scenario().server.idleTimeoutMs);
      }
    });
  }

  /** Runs `fn` after `ms` without the idle timeout firing meanwhile (a tarpit is not idleness). */
  private after(ms: number, fn: () => void): void {
    const wasPending = this._handlerPending;
    this._handlerPending = true;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this._handlerPending = wasPending;
      if (this._closed) return;
      this.guard('delayed action', fn);
    }, ms);
    this.timers.add(timer);
  }

  /** Runs `fn`; a throw is reported and answered instead of escaping into the socket pipeline. */
  private guard(context: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.rt.reportError(err, context);
      this.writeReply(RULE_ERROR_REPLY, 'error');
    }
  }

  // --- writing ----------------------------------------------------------------------------

  /** Every reply goes through here: smtp-server's own ones, and a rule's reply waiting in `pending`. */
  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      if (!pending.onlyIfPositive || code < 400) {
        const extra = pending.keepCapabilities && Array.isArray(data) ? data.slice(1) : [];
        this.writeLines(
          pending.reply.code,
          pending.reply.enhanced,
          [...this.texts(pending.reply), ...extra],
          pending.rule,
          pending.reply.close,
          pending.messageId,
        );
        return;
      }
    }
    if (code >= 400) {
      const event = classifyServerReply(code, Array.isArray(data) ? data.join(' ') : String(data ?? ''), this.verb, this.arg);
      // smtp-server stops reading after its 421s, so a replacement must close too
      if (event && this.answerEvent(event, code === 421)) return;
    }
    const enhanced = this._getEnhancedStatusCode(code, context) || null;
    const lines = Array.isArray(data) ? [...data] : [data ?? ''];
    // an `accept` rule's success reply is written by smtp-server; the transcript still names the rule
    const rule = code < 400 ? this.acceptedBy : undefined;
    if (code === 250 && /^(HELO|EHLO|LHLO)$/.test(this.verb) && this.hostNameAppearsAs) this.log.update({ heloName: this.hostNameAppearsAs });
    const greeting = this.rt.scenario().server.heloGreeting;
    if (code === 250 && greeting && /^(HELO|EHLO|LHLO)$/.test(this.verb)) lines[0] = fillPlaceholders(greeting, this.placeholders());
    this.writeLines(code, enhanced, lines.map((l) => String(l)), rule, false);
  }

  writeReply(r: Reply, rule?: string): void {
    this.writeLines(r.code, r.enhanced, this.texts(r), rule, r.close);
  }

  /** A reply's lines as sent: placeholders filled, then laid out in its provider's style. */
  private texts(r: Reply): string[] {
    const lines = replyTexts(r, this.placeholders());
    if (!r.style) return lines;
    return styleLines(r.style, lines, this.styleContext());
  }

  /** One token per session, like a provider's per-connection id. */
  private styleContext(): StyleContext {
    return (this.style ??= styleContext(this.styleRandom));
  }

  private writeLines(code: number, enhanced: string | null, texts: string[], rule: string | undefined, close: boolean, messageId?: string): void {
    const lines = wireLines(code, enhanced, texts);
    let payload = lines.join('\r\n');
    if (code >= 400) this.session.error = payload;
    if (code === 334 && payload === '334') payload += ' ';
    const socket = this._socket;
    // while a TLS handshake runs, _socket is still the raw socket: writing would corrupt it
    if (!this._upgrading && !socket.destroyed && socket.readyState === 'open') {
      socket.write(payload + '\r\n');
      const heard = this.heard;
      // a reply answers the last line heard once; a later one (a timeout's 421) answers none
      this.heard = undefined;
      const last = lines.length - 1;
      for (let i = 0; i <= last; i++) this.log.record(replyRecord(code, enhanced, lines[i]!, i < last, rule, heard, this.session.envelope, messageId));
    }
    // whatever was written, an accepting rule's turn is over
    this.acceptedBy = undefined;
    if (close || code === 421) this.close();
  }

  private note(note: NoteKind, text: string, rule?: string): void {
    this.log.record({ direction: 'note', text, note, rule });
  }

  private placeholders(): Placeholders {
    // at MAIL the sender is not in the envelope until the command is accepted
    const sender = this.session.envelope?.mailFrom ? this.session.envelope.mailFrom.address : this.verb === 'MAIL' ? this.address : undefined;
    const rcpt = this.currentRcpt ?? this.session.envelope?.rcptTo?.[0]?.address;
    return {
      ip: this.remoteAddress,
      helo: this.hostNameAppearsAs || undefined,
      hostname: this.name,
      session: this.log.id,
      sender,
      domain: sender?.slice(sender.lastIndexOf('@') + 1),
      rcpt,
      recipient: rcpt,
      rcptDomain: rcpt?.slice(rcpt.lastIndexOf('@') + 1),
      command: this.verb || undefined,
      argument: this.arg || undefined,
      address: this.address,
      limit: this._server.options.size ? String(this._server.options.size) : undefined,
      // at MAIL, a refused SIZE= declaration is the size in question
      size: this.verb === 'MAIL' ? /\bSIZE=(\d+)/i.exec(this.arg)?.[1] : undefined,
      token: this.styleContext().gmailToken,
      ...this.messageValues,
      fromDomain: this.messageValues.fromDomain ?? sender?.slice(sender.lastIndexOf('@') + 1),
    };
  }

  // --- deciding ---------------------------------------------------------------------------

  private facts(stage: Stage, extra: Partial<Omit<Facts, 'stage' | 'session'>>, heloName?: string): Facts {
    const envelope = this.session.envelope;
    const tls = this.secure ? (this._socket as TLSSocket).getProtocol?.() ?? undefined : undefined;
    const user = this.session.user;
    return {
      stage,
      session: {
        id: this.log.id,
        clientIp: this.remoteAddress,
        heloName: heloName ?? (this.hostNameAppearsAs || undefined),
        tls: this.secure,
        ...(tls ? { tlsVersion: tls } : {}),
        ...(user ? { authUser: String(user), authMechanism: this.authMechanism } : {}),
        transactions: this._transactionCounter,
        ipConnections: this.ipConnections,
        ...(this.ptrFacts ? { ptr: this.ptrFacts } : {}),
      },
      ...(this.spfFacts ? { spf: this.spfFacts } : {}),
      envelope: {
        ...(envelope?.mailFrom ? { mailFrom: envelope.mailFrom.address } : {}),
        rcptTo: envelope?.rcptTo?.map((a) => a.address) ?? [],
      },
      ...extra,
    };
  }

  private decideAt(stage: Stage, facts: () => Facts): Decision {
    const scenario = this.rt.scenario();
    if (!scenario.activeStages.has(stage)) return NO_DECISION;
    return this.decideWith(scenario.rulesByStage.get(stage) ?? [], facts());
  }

  /** Runs the engine and applies the state updates it asks for, in the same tick (no races). */
  private decideWith(rules: readonly CompiledRule[], facts: Facts): Decision {
    const now = this.rt.now();
    const scenario = this.rt.scenario();
    const decision = this.rt.decide({
      facts,
      rules,
      state: this.rt.state,
      now,
      random: this.random,
      ...(scenario.dnsDeclared ? { domainExists: (domain: string) => hasMailRecords(scenario.zone, domain) } : {}),
    });
    if (decision.updates.length) this.rt.state.apply(decision.updates, now);
    return decision;
  }

  /** Decides at a stage and carries the action out, after its delay if it has one. */
  private answer(stage: Stage, facts: () => Facts, outcome: StageOutcome): void {
    let decision: Decision;
    try {
      decision = this.decideAt(stage, facts);
    } catch (err) {
      this.rt.reportError(err, `rules at ${stage}`);
      outcome.reply(RULE_ERROR_REPLY, 'error');
      return;
    }
    const { action, rule } = decision;
    if (!action) {
      outcome.normal();
      return;
    }
    const go = () => this.guard(`rule ${rule?.id ?? ''} at ${stage}`, () => this.carryOut(action, rule?.id, outcome));
    if (action.delayMs > 0) {
      this.note('delay', `delaying ${action.delayMs} ms`, rule?.id);
      this.after(action.delayMs, go);
    } else {
      go();
    }
  }

  private carryOut(action: Action, rule: string | undefined, outcome: StageOutcome): void {
    switch (action.kind) {
      case 'drop':
        this.note('dropped', 'connection dropped without a reply', rule);
        this._socket.destroy();
        return;
      case 'reset': {
        this.note('reset', 'connection reset (TCP RST)', rule);
        // a TLS session wraps the TCP socket: the RST goes to the TCP socket underneath
        const tcp = (this._socket as Socket & { _parent?: Socket | null })._parent ?? this._socket;
        try {
          tcp.resetAndDestroy();
        } catch {
          tcp.destroy();
        }
        this._socket.destroy();
        return;
      }
      case 'continue':
        return outcome.normal();
      case 'accept':
        this.acceptedBy = rule;
        return outcome.accept(rule);
      case 'discard':
        return outcome.discard ? outcome.discard(rule) : outcome.accept(rule);
      case 'notice':
        return outcome.notice ? outcome.notice(action.notice!, rule) : outcome.accept(rule);
      case 'reply':
        return outcome.reply(action.reply!, rule);
    }
  }

  /** Lets a hook's callback carry a rule's reply: smtp-server's own reply is replaced by it. */
  private viaCallback(cb: ErrCallback, r: Reply, rule?: string, messageId?: string): void {
    this.pending = { reply: r, ...(rule ? { rule } : {}), ...(messageId ? { messageId } : {}) };
    cb(isPositive(r) ? null : failure(r));
  }

  /**
   * What answers a protocol event: an event rule (reply, drop or reset), else the scenario's
   * `replies:` table. Returns true when it answered (and wrote or dropped).
   */
  private answerEvent(event: EventName, closeAfter = false): boolean {
    const found = this.eventAnswer(event);
    if (!found) return false;
    if (found.kind === 'reply') this.writeLines(found.reply.code, found.reply.enhanced, this.texts(found.reply), found.rule, found.reply.close || closeAfter);
    else this.carryOut({ kind: found.kind, delayMs: 0 }, found.rule, NO_OUTCOME);
    return true;
  }

  private eventAnswer(event: EventName): { kind: 'reply'; reply: Reply; rule: string } | { kind: 'drop' | 'reset'; rule: string } | undefined {
    const scenario = this.rt.scenario();
    this.note('event', `event ${event}`);
    if (scenario.eventRules.length) {
      let decision: Decision;
      try {
        decision = this.decideWith(scenario.eventRules, { ...this.facts(this.stageOfVerb(), {}), event });
      } catch (err) {
        this.rt.reportError(err, `rules for event ${event}`);
        return { kind: 'reply', reply: RULE_ERROR_REPLY, rule: 'error' };
      }
      const { action, rule } = decision;
      // events answer at once: a delay is not waited for, accept/discard mean "the usual refusal"
      if (action?.kind === 'reply' && rule) return { kind: 'reply', reply: action.reply!, rule: rule.id };
      if ((action?.kind === 'drop' || action?.kind === 'reset') && rule) return { kind: action.kind, rule: rule.id };
    }
    const worded = scenario.replies.get(event);
    return worded ? { kind: 'reply', reply: worded, rule: `replies.${event}` } : undefined;
  }

  /** A refusal of our own (not smtp-server's): an event, then the scenario's wording or the default. */
  private refuse(cb: ErrCallback, event: EventName, fallback: Reply): void {
    const found = this.eventAnswer(event);
    if (found?.kind === 'drop' || found?.kind === 'reset') return this.carryOut({ kind: found.kind, delayMs: 0 }, found.rule, NO_OUTCOME);
    if (found?.kind === 'reply') return this.viaCallback(cb, found.reply, found.rule);
    this.viaCallback(cb, fallback);
  }

  /** True when the packet that carried `line` held more commands after it. */
  private pipelinedAfter(line: string): boolean {
    const chunk = this.lastChunk?.toString('latin1') ?? '';
    const at = chunk.lastIndexOf(line);
    if (at < 0) return false;
    return chunk.slice(at + line.length).replace(/^\r?\n/, '').length > 0;
  }

  private stageOfVerb(): Stage {
    return this.commandStage(this.verb) ?? (({ MAIL: 'mail', RCPT: 'rcpt', AUTH: 'auth' }) as Record<string, Stage>)[this.verb] ?? 'connect';
  }

  // --- connect ----------------------------------------------------------------------------

  onConnectStage(cb: ErrCallback): void {
    const run = () =>
      this.answer('connect', () => this.facts('connect', {}), {
        normal: () => cb(),
        accept: () => cb(),
        reply: (r, rule) => {
          if (isPositive(r)) {
            this.greeting = { reply: r, ...(rule ? { rule } : {}) };
            cb();
          } else {
            this.viaCallback(cb, r, rule);
          }
        },
      });
    const scenario = this.rt.scenario();
    const start = () => {
      const delay = scenario.server.greetDelayMs;
      if (delay > 0) this.after(delay, run);
      else run();
    };
    if (!scenario.authNeeds.ptr) return start();
    // the greeting waits for reverse DNS, as a real MX's does (answered from the scenario)
    const wasPending = this._handlerPending;
    this._handlerPending = true;
    authChecks(scenario.zone).ptr(this.remoteAddress).then(
      (ptr) => {
        this._handlerPending = wasPending;
        this.ptrFacts = ptr;
        this.note('dns', `reverse DNS: ${ptr.result}${ptr.name ? ` (${ptr.name})` : ''}`);
        this.guard('connect', start);
      },
      (err: unknown) => {
        this._handlerPending = wasPending;
        this.rt.reportError(err, 'reverse DNS');
        this.guard('connect', start);
      },
    );
  }

  override _sendGreeting(): void {
    if (this.greeting) {
      this.writeReply(this.greeting.reply, this.greeting.rule);
      return;
    }
    const { greeting } = this.rt.scenario().server;
    const banner = this._server.options.banner ? fillPlaceholders(this._server.options.banner, this.placeholders()) : '';
    const text = greeting ? fillPlaceholders(greeting, this.placeholders()) : `${this.name} ESMTP${banner ? ` ${banner}` : ''}`;
    this.writeLines(220, null, [text], undefined, false);
  }

  /** After STARTTLS or an implicit-TLS handshake. */
  onSecured(socket: TLSSocket): void {
    // after STARTTLS, lines arrive on the TLS socket
    if (socket !== this.watched) this.watchSocket(socket);
    const version = socket.getProtocol?.() ?? undefined;
    const cipher = socket.getCipher?.()?.name;
    this.log.update({ tls: true, ...(version ? { tlsVersion: version } : {}) });
    this.note('tls', `TLS established${version ? ` (${version}${cipher ? `, ${cipher}` : ''})` : ''}`);
  }

  // --- commands without a smtp-server hook ----------------------------------------------------

  override _onCommand(command: Buffer, callback?: () => void): void {
    const line = command.toString('utf8');
    // AUTH arguments and continuation lines carry credentials: log them the way smtp-server does
    const said = (line.split(' ')[0] ?? '').toUpperCase();
    this.heard = commandRecord(said, this._redactCredentials(said, line).line, !!this._nextHandler, this.session.envelope);
    this.log.record(this.heard);
    if (this._upgrading || !this._ready || this._nextHandler || this._closing || this._server._closeTimeout) {
      if (!this._nextHandler) {
        // so smtp-server's refusals here (too soon, shutting down) classify against this line
        this.verb = (line.split(' ')[0] ?? '').toUpperCase();
        this.arg = line.slice(this.verb.length).trim();
      }
      super._onCommand(command, callback);
      return;
    }
    const verb = (line.split(' ')[0] ?? '').toUpperCase();
    this.verb = verb;
    this.arg = line.slice(verb.length).trim();
    if (verb === 'MAIL' || verb === 'RCPT') this.address = /<([^<>]*)>/.exec(this.arg)?.[1];
    // a new transaction: nothing the last message said applies to it
    if (verb === 'MAIL') {
      this.messageValues = {};
      this.authHeaders = undefined;
    }
    if (verb === 'STARTTLS' && this.pipelinedAfter(line) && this.answerEvent('starttls-pipelined')) {
      this._whenWritable(callback ?? nothing);
      return;
    }
    // STARTTLS comes first when required, before smtp-server's own AUTH-required check
    if ((verb === 'MAIL' || verb === 'RCPT' || verb === 'DATA') && this.hostNameAppearsAs && !this.secure && this.rt.scenario().server.tls.starttls === 'required') {
      if (!this.answerEvent('tls-required')) this.writeReply(TLS_REQUIRED_REPLY);
      this._whenWritable(callback ?? nothing);
      return;
    }
    const stage = this.commandStage(verb);
    if (!stage) {
      super._onCommand(command, callback);
      return;
    }
    const arg = line.slice(verb.length).trim();
    const done: Done = () => this._whenWritable(callback ?? (() => undefined));
    const proceed: Done = () => super._onCommand(command, callback);
    this.answer(
      stage,
      () => this.facts(stage, { command: { verb, arg, line } }, stage === 'helo' ? arg.split(/\s+/)[0] || undefined : undefined),
      {
        normal: () => {
          const entry = stage === 'data' ? this.magic.get(this.session.envelope) : undefined;
          if (entry?.stage !== 'data') return proceed();
          this.writeReply(entryReply(entry), `magic:${entry.id}`);
          done();
        },
        accept: (rule) => {
          if (stage !== 'unknown') return proceed();
          this.writeReply(UNKNOWN_ACCEPTED_REPLY, rule);
          done();
        },
        reply: (r, rule) => {
          if (stage === 'quit') {
            this.writeReply(r, rule);
            this.close();
            return done();
          }
          if (isPositive(r) && stage !== 'unknown') {
            this.pending = { reply: r, onlyIfPositive: true, keepCapabilities: stage === 'helo', ...(rule ? { rule } : {}) };
            return proceed();
          }
          this.writeReply(r, rule);
          done();
        },
      },
    );
  }

  /** The rule stage a command belongs to, or undefined where a smtp-server hook takes it. */
  private commandStage(verb: string): Stage | undefined {
    switch (verb) {
      case 'HELO':
      case 'EHLO':
      case 'LHLO':
        return 'helo';
      case 'STARTTLS':
        return this._isSupported(verb) ? 'starttls' : 'unknown';
      case 'RSET':
        return 'rset';
      case 'NOOP':
        return 'noop';
      case 'VRFY':
        return 'vrfy';
      case 'QUIT':
        return 'quit';
      case 'DATA':
        // before a valid envelope smtp-server answers 503 itself
        return this.hostNameAppearsAs && this.session.envelope.rcptTo.length ? 'data' : undefined;
      case 'MAIL':
      case 'RCPT':
      case 'AUTH':
      case 'HELP':
        return undefined;
      default:
        return this._isSupported(verb) ? undefined : 'unknown';
    }
  }

  override handler_HELP(_command: Buffer, callback: () => void): void {
    this.writeLines(
      214,
      '2.0.0',
      [
        'mockmx: a mock SMTP server that answers the way real providers do.',
        'Commands: HELO EHLO STARTTLS AUTH MAIL RCPT DATA RSET NOOP VRFY HELP QUIT',
        'Magic recipients: RCPT TO:<ID@any.domain> where ID is a catalog id',
        '(e.g. gmail.user-unknown) replays that provider reply; run "mockmx catalog".',
        'See https://www.rfc-editor.org/rfc/rfc5321 for the protocol.',
      ],
      undefined,
      false,
    );
    callback();
  }

  // --- hook stages ------------------------------------------------------------------------

  onMailStage(address: SMTPServerAddress, cb: ErrCallback): void {
    this.spfFacts = undefined;
    const scenario = this.rt.scenario();
    if (!scenario.authNeeds.spf) return this.mailDecision(address, cb);
    authChecks(scenario.zone).spf({ sender: address.address, ip: this.remoteAddress, helo: this.hostNameAppearsAs || '', mta: scenario.server.hostname }).then(
      (result) => {
        this.spfFacts = result;
        this.note('dns', `SPF ${result.result} for ${result.domain || '(no domain)'}`);
        this.guard('mail', () => this.mailDecision(address, cb));
      },
      (err: unknown) => {
        this.rt.reportError(err, 'SPF');
        this.viaCallback(cb, RULE_ERROR_REPLY, 'error');
      },
    );
  }

  private mailDecision(address: SMTPServerAddress, cb: ErrCallback): void {
    const declared = Number((address.args as Record<string, unknown> | false | undefined)?.['SIZE' as never]);
    this.answer(
      'mail',
      () =>
        this.facts('mail', {
          command: { verb: 'MAIL', arg: `FROM:<${address.address}>`, line: `MAIL FROM:<${address.address}>` },
          envelope: { mailFrom: address.address, rcptTo: [], ...(Number.isFinite(declared) ? { declaredSize: declared } : {}) },
        }),
      {
        normal: () => cb(),
        accept: () => cb(),
        reply: (r, rule) => this.viaCallback(cb, r, rule),
      },
    );
  }

  onRcptStage(address: SMTPServerAddress, cb: ErrCallback): void {
    const rcpt = address.address;
    this.currentRcpt = rcpt;
    const finish: ErrCallback = (err) => {
      cb(err);
      this.currentRcpt = undefined;
    };
    this.answer(
      'rcpt',
      () => {
        const base = this.facts('rcpt', { rcpt, command: { verb: 'RCPT', arg: `TO:<${rcpt}>`, line: `RCPT TO:<${rcpt}>` } });
        return { ...base, envelope: { ...base.envelope, rcptTo: [...base.envelope.rcptTo, rcpt] } };
      },
      {
        normal: () => {
          const notice = this.magicNotice(rcpt);
          if (notice) {
            this.noticeFor(rcpt, notice.spec, notice.rule);
            return finish();
          }
          const entry = this.magicEntry(rcpt);
          if (entry && (entry.stage === 'message' || entry.stage === 'data')) {
            // answered later, at its own stage; the first magic recipient of a transaction wins
            if (!this.magic.has(this.session.envelope)) this.magic.set(this.session.envelope, entry);
            this.note('magic', `magic recipient: ${entry.id} answers at ${entry.stage}`);
            return finish();
          }
          if (entry) return this.viaCallback(finish, entryReply(entry), `magic:${entry.id}`);
          const refusal = this.mailboxRefusal(rcpt);
          if (refusal) return this.refuse(finish, refusal.event, refusal.reply);
          finish();
        },
        accept: () => finish(),
        reply: (r, rule) => this.viaCallback(finish, r, rule),
        notice: (notice, rule) => {
          this.noticeFor(rcpt, notice, rule);
          finish();
        },
      },
    );
  }

  /** Remembers a notice for one recipient of this transaction, sent once the message is kept. */
  private noticeFor(rcpt: string, notice: NoticeSpec, rule?: string): void {
    const envelope = this.session.envelope;
    const map = this.notices.get(envelope) ?? new Map<string, { notice: NoticeSpec; rule?: string }>();
    map.set(rcpt.toLowerCase(), { notice, ...(rule ? { rule } : {}) });
    this.notices.set(envelope, map);
    this.note('notice', `${notice.kind === 'auto-reply' ? 'auto-reply' : `${notice.kind} notice`} for <${rcpt}> after ${notice.afterMs} ms`, rule);
  }

  /** What the scenario's mailboxes say about a recipient with no rule answering. */
  private mailboxRefusal(rcpt: string): { event: EventName; reply: Reply } | undefined {
    const scenario = this.rt.scenario();
    const box = scenario.mailboxes.get(rcpt.toLowerCase());
    if (!box) return scenario.server.recipients === 'known' ? { event: 'user-unknown', reply: NO_SUCH_USER_REPLY } : undefined;
    if (box.disabled) return { event: 'mailbox-disabled', reply: DISABLED_REPLY };
    if (box.quota !== undefined && this.rt.mailboxUsage(box.address) >= box.quota) return { event: 'mailbox-full', reply: MAILBOX_FULL_RCPT_REPLY };
    return undefined;
  }

  /**
   * Magic recipients for notices: `<catalog id>+bounce@…` accepts, then bounces with that
   * entry; `<catalog id>+delay@…` sends a delay notice with a 4xx entry, then delivers;
   * `<anything>+autoreply@…` answers with an out-of-office reply.
   */
  private magicNotice(rcpt: string): { spec: NoticeSpec; rule: string } | undefined {
    if (!this.rt.scenario().server.magicRecipients) return undefined;
    const local = rcpt.slice(0, Math.max(0, rcpt.lastIndexOf('@')));
    const m = /^(.*)\+(bounce|delay|autoreply)$/i.exec(local);
    if (!m) return undefined;
    const suffix = m[2]!.toLowerCase();
    if (suffix === 'autoreply') return { spec: { kind: 'auto-reply', afterMs: 0, autoReply: { text: 'I am out of the office and will reply when I am back.' } }, rule: 'magic:autoreply' };
    const entry = findEntry(m[1]!);
    if (!entry || entry.code < 400 || (suffix === 'delay' && entry.code >= 500)) return undefined;
    return { spec: { kind: suffix === 'bounce' ? 'failure' : 'delay', reply: entryReply(entry), afterMs: 0 }, rule: `magic:${entry.id}+${suffix}` };
  }

  /** A recipient whose local part is a catalog id replays that entry (unless the scenario turns it off). */
  private magicEntry(rcpt: string): CatalogEntry | undefined {
    if (!this.rt.scenario().server.magicRecipients) return undefined;
    const at = rcpt.lastIndexOf('@');
    return at > 0 ? findEntry(rcpt.slice(0, at)) : undefined;
  }

  onAuthStage(auth: SMTPServerAuthentication, cb: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void): void {
    const users = this.rt.scenario().server.auth.users;
    const valid = users.length === 0 || users.some((u) => credentialsMatch(u, auth));
    const username = auth.username ?? '';
    const succeed = () => {
      this.authMechanism = auth.method;
      this.log.update({ authUser: username });
      cb(null, { user: username });
    };
    this.answer('auth', () => this.facts('auth', { auth: { user: username, mechanism: auth.method, valid } }), {
      normal: () => {
        if (valid) return succeed();
        const found = this.eventAnswer('auth-failed');
        if (found?.kind === 'reply') {
          this.pending = { reply: found.reply, rule: found.rule };
          return cb(failure(found.reply));
        }
        if (found) return this.carryOut({ kind: found.kind, delayMs: 0 }, found.rule, NO_OUTCOME);
        if (auth.method === 'XOAUTH2') return cb(null, { data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' } });
        cb(null, {});
      },
      accept: (rule) => {
        if (rule) this.pending = { reply: AUTH_OK_REPLY, rule };
        succeed();
      },
      reply: (r, rule) => {
        this.pending = { reply: r, ...(rule ? { rule } : {}) };
        if (isPositive(r)) succeed();
        else cb(failure(r));
      },
    });
  }

  onMessageStage(stream: SMTPServerDataStream, cb: ErrCallback): void {
    const limit = this.rt.scenario().server.size;
    stream.on('error', () => undefined); // the client went away; smtp-server closes the session
    receiveBody(stream, { limit, spool: this.rt.spool, fixStart: unstuffLeadingDot }).then(
      ({ bytes, body }) => {
        this.heard = messageRecord(bytes, this.session.envelope);
        this.log.record(this.heard);
        if (!body) {
          this.messageValues = { size: String(bytes) };
          return this.refuse(cb, 'message-too-big', TOO_BIG_REPLY);
        }
        this.body = body;
        this.finishMessage(body, (err) => {
          this.releaseBody();
          cb(err);
        }).catch((err: unknown) => {
          this.releaseBody();
          // a spool file read after the session closed and removed it: nobody is waiting
          if (this._closed && body.path) return;
          this.rt.reportError(err, 'message');
          this.viaCallback(cb, RULE_ERROR_REPLY, 'error');
        });
      },
      () => undefined, // the client went away mid-message; smtp-server closes the session
    );
  }

  /** Removes the current message's spool file unless a store took it. */
  private releaseBody(): void {
    const body = this.body;
    this.body = undefined;
    if (body) void body.discard();
  }

  private async finishMessage(body: MessageBody, cb: ErrCallback): Promise<void> {
    const scenario = this.rt.scenario();
    // a magic recipient's entry may quote anything the analysis knows
    const depth: Depth = this.magic.has(this.session.envelope) ? 2 : scenario.activeStages.has('message') ? scenario.messageDepth : 0;
    // what notices quote and header checks read; the whole message unless it was spooled
    const head = await readHead(body);
    const analysed = await this.analyse(body, head, depth);
    const authentication = scenario.authNeeds.message ? await this.authenticate(body, head, scenario) : undefined;
    const message: MessageFacts = authentication ? { ...analysed, authentication } : analysed;
    this.messageValues = messagePlaceholders(message, scenario.server);
    this.authHeaders = authentication?.headers;
    const store = (rule?: string, answer?: Reply, notice?: NoticeSpec) => {
      const envelope = this.session.envelope;
      this.store(body, rule).then(
        (id) => {
          this.sendNotices(id, { head, whole: body.buffer !== undefined }, envelope, message, notice ? { notice, ...(rule ? { rule } : {}) } : undefined);
          this.viaCallback(cb, answer ?? reply(250, '2.0.0', `OK: queued as ${id}`), rule, id);
        },
        (err: unknown) => {
          if (err !== SESSION_CLOSED) this.rt.reportError(err, 'store');
          void body.discard();
          this.viaCallback(cb, STORE_ERROR_REPLY);
        },
      );
    };
    this.answer('message', () => this.facts('message', { message }), {
      normal: () => {
        const entry = this.magic.get(this.session.envelope);
        if (entry?.stage === 'message') return this.viaCallback(cb, entryReply(entry), `magic:${entry.id}`);
        const full = this.quotaRefusal(body.size);
        if (full) return this.refuse(cb, 'mailbox-quota-exceeded', full);
        store();
      },
      accept: (rule) => store(rule),
      discard: (rule) => {
        this.note('discarded', 'message discarded', rule);
        this.viaCallback(cb, DISCARD_REPLY, rule);
      },
      reply: (r, rule) => (isPositive(r) ? store(rule, r) : this.viaCallback(cb, r, rule)),
      notice: (notice, rule) => {
        this.note('notice', `${notice.kind === 'auto-reply' ? 'auto-reply' : `${notice.kind} notice`} after ${notice.afterMs} ms`, rule);
        store(rule, undefined, notice);
      },
    });
  }

  private authenticate(body: MessageBody, head: Buffer, scenario: CompiledScenario): Promise<MessageAuthFacts> {
    const sender = this.session.envelope.mailFrom ? this.session.envelope.mailFrom.address : '';
    const checks = authChecks(scenario.zone);
    const envelope = { sender, ip: this.remoteAddress, helo: this.hostNameAppearsAs || '', mta: scenario.server.hostname };
    // unsigned mail (most of it): the header section decides everything, the body need not be read
    const section = unsignedHeaderSection(head, body.buffer !== undefined);
    if (section) return checks.unsignedMessage(section, envelope);
    return checkMessage({ ...envelope, message: body.buffer ?? body.stream(), resolver: checks.resolver });
  }

  /** Only as deep as the rules read: most scenarios need no parse at all. */
  private async analyse(body: MessageBody, head: Buffer, depth: Depth): Promise<MessageFacts> {
    if (depth === 0) return { size: body.size };
    const input = {
      raw: head,
      ...(body.buffer ? {} : { size: body.size, rest: () => body.chunks(head.length) }),
      rcptTo: this.session.envelope.rcptTo.map((a) => a.address),
      smtpUtf8: !!this.session.envelope.smtpUtf8,
    };
    return depth === 1 ? analyzeHeaders(input) : analyzeMessage(input);
  }

  private quotaRefusal(size: number): Reply | undefined {
    const boxes = this.rt.scenario().mailboxes;
    for (const rcpt of this.session.envelope.rcptTo) {
      const box = boxes.get(rcpt.address.toLowerCase());
      if (box?.quota !== undefined && this.rt.mailboxUsage(box.address) + size > box.quota) {
        this.currentRcpt = rcpt.address;
        return MAILBOX_FULL_MESSAGE_REPLY;
      }
    }
    return undefined;
  }

  /** The store owns the body from here: a session closing now must not remove its file. */
  private async store(body: MessageBody, rule?: string): Promise<string> {
    // a spooled body whose session closed is gone (no one can be told 250 any more)
    if (body.path && this.body !== body) throw SESSION_CLOSED;
    this.body = undefined;
    const envelope = this.session.envelope;
    const { id } = await this.rt.deliver({
      sessionId: this.log.id,
      mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
      rcptTo: envelope.rcptTo.map((a) => a.address),
      body,
      ...(rule ? { rule } : {}),
      ...(this.authHeaders ? { authHeaders: this.authHeaders } : {}),
    });
    return id;
  }

  /**
   * Hands the notices of a kept message to the outbound queue: one for the whole message
   * (a message-stage rule) and any per recipient (rcpt-stage rules, magic recipients),
   * honouring the client's NOTIFY, RET, ENVID and ORCPT (RFC 3461).
   */
  private sendNotices(about: string, original: { head: Buffer; whole: boolean }, envelope: SMTPServerSession['envelope'], message: MessageFacts, whole?: { notice: NoticeSpec; rule?: string }): void {
    const perRcpt = this.notices.get(envelope);
    const rcpts = envelope.rcptTo;
    const jobs: { notice: NoticeSpec; recipients: typeof rcpts }[] = [];
    if (whole) jobs.push({ notice: whole.notice, recipients: rcpts });
    for (const [address, { notice }] of perRcpt ?? []) jobs.push({ notice, recipients: rcpts.filter((r) => r.address.toLowerCase() === address) });
    if (!jobs.length) return;
    const sender = envelope.mailFrom ? envelope.mailFrom.address : '';
    const now = this.rt.now();
    const headerFacts = message.headers ? message : analyzeHeaders({ raw: original.head, rcptTo: [], smtpUtf8: !!envelope.smtpUtf8 });
    const headers = headerFacts.headers!;
    const dsn = (envelope as { dsn?: { ret?: string | null; envid?: string | null } }).dsn;
    for (const job of jobs) {
      const wants = (kind: 'FAILURE' | 'DELAY') => (r: (typeof rcpts)[number]) => {
        const notify = (r as { dsn?: { notify?: string[] } }).dsn?.notify;
        return job.notice.kind === 'auto-reply' || !notify || notify.includes(kind);
      };
      const build = (kind: 'failure' | 'delay' | 'auto-reply', r: Reply | undefined, dueAt: number, recipients: typeof rcpts, then?: NoticeRequest): NoticeRequest => ({
        kind,
        sessionId: this.log.id,
        about,
        sender,
        recipients: recipients.map((x) => ({ address: x.address, ...((x as { dsn?: { orcpt?: string } }).dsn?.orcpt ? { orcpt: (x as { dsn: { orcpt: string } }).dsn.orcpt } : {}) })),
        status: r?.enhanced ?? (r ? `${Math.floor(r.code / 100)}.0.0` : '2.0.0'),
        diagnostic: r ? wireLines(r.code, r.enhanced, this.texts(r)) : [],
        ...(r?.style ? { provider: r.style } : {}),
        ...(dsn?.envid ? { envid: dsn.envid } : {}),
        // a spooled message is too large to return whole (RFC 3462 lets a DSN carry its headers)
        ret: dsn?.ret === 'HDRS' || !original.whole ? 'HDRS' : 'FULL',
        original: original.head,
        ...(headerFacts.subject !== undefined ? { originalSubject: headerFacts.subject } : {}),
        ...(headers.get('message-id')?.[0] ? { originalMessageId: headers.get('message-id')![0]! } : {}),
        originalHeaders: headers,
        arrivedAt: now,
        dueAt,
        ...(then ? { then } : {}),
        ...(job.notice.autoReply ? { autoReply: job.notice.autoReply } : {}),
      });
      const { notice } = job;
      if (notice.kind === 'auto-reply') {
        this.rt.notify(build('auto-reply', undefined, now + notice.afterMs, job.recipients));
        continue;
      }
      // RFC 3461: NOTIFY=NEVER silences; otherwise only the kinds asked for
      const failing = job.recipients.filter(wants('FAILURE'));
      if (notice.kind === 'failure') {
        if (failing.length) this.rt.notify(build('failure', notice.reply, now + notice.afterMs, failing));
        continue;
      }
      const final = notice.final && failing.length ? build('failure', notice.final.reply, now + notice.final.afterMs, failing) : undefined;
      const delayed = job.recipients.filter(wants('DELAY'));
      if (delayed.length) this.rt.notify(build('delay', notice.reply, now + notice.afterMs, delayed, final));
      else if (final) this.rt.notify(final);
    }
  }

  /** Ends the session for a shutdown: 421 now if idle, else when its current command is answered. */
  shutdown(): void {
    if (this._closing || this._closed) return;
    if (this._handlerPending || this._dataStream) return;
    this.send(421, `${this.name} Service shutting down, closing connection`, false);
  }
}

function credentialsMatch(user: { user: string; password?: string; token?: string }, auth: SMTPServerAuthentication): boolean {
  if (user.user !== auth.username) return false;
  switch (auth.method) {
    case 'XOAUTH2':
      return user.token !== undefined && user.token === auth.accessToken;
    case 'CRAM-MD5':
      return user.password !== undefined && !!auth.validatePassword?.(user.password);
    default:
      return user.password !== undefined && user.password === auth.password;
  }
}

/**
 * smtp-server removes the escape dot after every line break but the one that starts the data
 * (its scan begins at byte 2): a message starting "\n..x" arrives as "\n..x", not "\n.x".
 */
function unstuffLeadingDot(raw: Buffer): Buffer {
  return raw.length >= 3 && raw[0] === 0x0a && raw[1] === 0x2e && raw[2] === 0x2e ? Buffer.concat([raw.subarray(0, 1), raw.subarray(2)]) : raw;
}

const SESSION_CLOSED = new Error('the session closed before its message was stored');
