/**
 * One SMTP session: a translator between the wire and the engine. It extends smtp-server's
 * connection (the only place its internals are touched, see test/smtp/internals.test.ts) so
 * that every stage is decided by the engine (src/engine/policy.ts), replies go out exactly as
 * decided (multi-line, our own enhanced codes), and every line lands in the transcript as a
 * typed record naming what decided it. It decides nothing itself.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { EventName } from '../engine/events.js';
import type { PtrFacts, SpfFacts } from '../auth/types.js';
import type { Facts } from '../engine/facts.js';
import { precondition, RULE_ERROR_REPLY, UNKNOWN_ACCEPTED_REPLY, type StageDecision } from '../engine/policy.js';
import { isPositive, type Reply } from '../engine/reply.js';
import type { Stage } from '../engine/stages.js';
import type { MessageBody } from '../spool/body.js';
import { carryOut, failure, NO_OUTCOME, type ErrCallback, type PendingReply, type StageOutcome } from './outcome.js';
import { SessionAftermath } from './aftermath.js';
import { commandStage, eventStage } from './command-stage.js';
import { SessionDecisions } from './decisions.js';
import { buildFacts, type ExtraFacts } from './facts.js';
import { HELP_LINES } from './help.js';
import type { NoticeJob } from './notices.js';
import type { SessionLog, SmtpRuntime } from './runtime.js';
import { classifyServerReply, successReply } from './server-replies.js';
import { greetingText, HELO_VERBS, positiveWording } from './positive-wording.js';
import { whenDecided } from './awaited-decision.js';
import type { MockSmtpServer } from './server.js';
import { SocketWatch } from './socket-watch.js';
import { WireFindings } from './wire-findings.js';
import { ReplyWriter, type Answering } from './reply-writer.js';
import { wireLines } from './write.js';

export class MockConnection extends SMTPConnection {
  readonly log: SessionLog;
  readonly rt: SmtpRuntime;
  readonly writer: ReplyWriter;
  /** What is being answered: verb, stage, addresses, the message's values (kept current here, read by the writer). */
  readonly answering: Answering;
  readonly decisions: SessionDecisions;
  pending: PendingReply | undefined;
  greeting: { reply: Reply; rule?: string } | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly watch: SocketWatch;
  private readonly findings: WireFindings;
  private readonly aftermath = new SessionAftermath(this);
  authMechanism: string | undefined;
  /** Notices to send once the transaction's message is kept, per recipient (lower case). */
  readonly notices = new WeakMap<object, Map<string, NoticeJob>>();
  private ended = false;
  /** What decided smtp-server's next reply: an `accept` (success) or an event left to its wording (refusal). */
  private acceptedBy: string | undefined;
  private refusedBy: string | undefined;
  private readonly ipConnections: number;
  ptrFacts: PtrFacts | undefined;
  spfFacts: SpfFacts | undefined;
  /** The message being answered, until a store takes it or it is refused. */
  body: MessageBody | undefined;
  // (members without `private` are read by the stage hooks in hooks.ts, this class's other half)

  constructor(server: MockSmtpServer, socket: Socket | TLSSocket, options?: ConstructorParameters<typeof SMTPConnection>[2]) {
    super(server, socket, options);
    this.rt = server.runtime;
    const index = server.nextSessionIndex();
    this.log = this.rt.openSession({ clientIp: this.remoteAddress, clientPort: this.remotePort, listener: server.listenerName, tls: this.secure });
    const peer = { ip: this.remoteAddress, hostname: this.name, helo: () => this.hostNameAppearsAs || undefined, sizeLimit: () => this._server.options.size, envelope: () => this.session.envelope, now: () => this.rt.now() };
    this.writer = new ReplyWriter(this.log, peer, this.rt.randomFor(index, 'style'));
    this.answering = this.writer.answering;
    this.decisions = new SessionDecisions(this.rt, this.rt.randomFor(index, 'rules'), this.writer);
    this.findings = new WireFindings(() => !!this._dataStream, (finding, detail) => this.writer.finding(finding, detail));
    this.watch = new SocketWatch(
      () => this.rt.scenario().server.idleTimeoutMs,
      () => this.send(421, 'Timeout - closing connection'),
      () => !this._closing,
      () => !this._closing && !this._closed && !this._handlerPending,
      (chunk) => this.findings.chunk(chunk),
    );
    server.register(this);
    this.ipConnections = this.rt.connectionOpened(this.remoteAddress);
  }

  // --- lifecycle ------------------------------------------------------------------------

  /** Same as smtp-server's, minus its fixed 100 ms pause before the greeting (see greetDelay). */
  override init(): void {
    this.watch.watch(this._socket);
    this._setListeners(() => {
      const max = this._server.options.maxClients;
      if (max && this._server.connections.size > max) return this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
      this.connectionReady();
    });
  }

  override _onClose(): void {
    const first = !this._closed;
    super._onClose();
    if (first) this.rt.connectionClosed(this.remoteAddress);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.watch.stop();
    this.releaseBody();
    if (!this.ended) {
      this.ended = true;
      this.log.end();
    }
    (this._server as unknown as MockSmtpServer).forget(this);
  }

  /** Runs `fn` after `ms` without the idle timeout firing meanwhile (a tarpit is not idleness). */
  after(ms: number, fn: () => void): void {
    const wasPending = this._handlerPending;
    this._handlerPending = true;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this._handlerPending = wasPending;
      if (!this._closed) this.guard('delayed action', fn);
    }, ms);
    this.timers.add(timer);
  }

  /** Runs `fn`; a throw is reported and answered instead of escaping into the socket pipeline. */
  guard(context: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.rt.reportError(err, context);
      this.writeReply(RULE_ERROR_REPLY, 'error');
    }
  }

  // --- writing ----------------------------------------------------------------------------

  /** Every reply goes through here: smtp-server's own ones, and a decided reply waiting in `pending`. */
  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      if (!pending.onlyIfPositive || code < 400) {
        const extra = pending.keepCapabilities && Array.isArray(data) ? data.slice(1) : [];
        return this.writeLines(pending.reply.code, pending.reply.enhanced, [...this.texts(pending.reply), ...extra], pending.rule, pending.reply.close);
      }
    }
    let rule = code < 400 ? this.acceptedBy : this.refusedBy;
    if (code >= 400) {
      const event = classifyServerReply(code, Array.isArray(data) ? data.join(' ') : String(data ?? ''), this.answering.verb, this.answering.arg);
      // smtp-server stops reading after its 421s, so a replacement must close too
      if (event) {
        const answered = this.answerEvent(event, code === 421);
        if (answered === true) return;
        rule = answered;
      }
    }
    let lines = Array.isArray(data) ? data.map(String) : [data ?? ''];
    if (code < 400) {
      if (code === 250 && HELO_VERBS.has(this.answering.verb) && this.hostNameAppearsAs) this.log.update({ heloName: this.hostNameAppearsAs });
      const worded = positiveWording(this.rt.scenario(), this.answering.verb, code, lines, () => this.writer.placeholders());
      if ('reply' in worded) return this.writeLines(worded.reply.code, worded.reply.enhanced, this.texts(worded.reply), rule, false);
      lines = worded.lines;
    }
    this.writeLines(code, this._getEnhancedStatusCode(code, context) || null, lines, rule, false);
  }

  writeReply(r: Reply, rule?: string): void {
    this.writeLines(r.code, r.enhanced, this.texts(r), rule, r.close);
  }

  texts(r: Reply): string[] {
    return this.writer.texts(r);
  }

  private writeLines(code: number, enhanced: string | null, texts: string[], rule: string | undefined, close: boolean): void {
    const lines = wireLines(code, enhanced, texts);
    let payload = lines.join('\r\n');
    if (code >= 400) this.session.error = payload;
    if (code === 334 && payload === '334') payload += ' ';
    const socket = this._socket;
    // while a TLS handshake runs, _socket is still the raw socket: writing would corrupt it
    // writable, not readyState "open": a client that shut its side after QUIT still reads the replies
    if (!this._upgrading && !socket.destroyed && socket.writable) {
      socket.write(payload + '\r\n');
      this.writer.recordReply(lines, code, enhanced, rule);
      this.findings.replied(this.answering.verb, code, lines);
    }
    // whatever was written, a decision's turn is over
    this.acceptedBy = undefined;
    this.refusedBy = undefined;
    this.aftermath.written(code);
    if (close || code === 421) this.close();
  }

  note(...args: Parameters<ReplyWriter['note']>): void {
    this.writer.note(...args);
  }

  // --- deciding ---------------------------------------------------------------------------

  /** `envelope` defaults to the session's; at RCPT the hook passes it with the recipient being added. */
  facts(stage: Stage, extra: ExtraFacts & { envelope?: Facts['envelope'] }, heloName?: string): Facts {
    const user = this.session.user;
    return buildFacts(
      {
        id: this.log.id,
        clientIp: this.remoteAddress,
        heloName: this.hostNameAppearsAs || undefined,
        tls: this.secure,
        tlsVersion: this.secure ? ((this._socket as TLSSocket).getProtocol?.() ?? undefined) : undefined,
        authUser: user ? String(user) : undefined,
        authMechanism: this.authMechanism,
        transactions: this._transactionCounter,
        ipConnections: this.ipConnections,
        ptr: this.ptrFacts,
        spf: this.spfFacts,
      },
      stage,
      extra.envelope ?? this.envelopeFacts(),
      extra,
      heloName,
    );
  }

  /** Decides at a stage and carries the decision out, after its delay if it has one. */
  answer(stage: Stage, facts: () => Facts, outcome: StageOutcome): void {
    let decided: StageDecision | Promise<StageDecision>;
    try {
      decided = this.decisions.stage(facts());
    } catch (err) {
      this.rt.reportError(err, `rules at ${stage}`);
      return outcome.reply(RULE_ERROR_REPLY, 'error');
    }
    if (!(decided instanceof Promise)) return this.answerWith(stage, decided, outcome);
    whenDecided(
      this,
      decided,
      (decision) => this.guard(`rules at ${stage}`, () => this.answerWith(stage, decision, outcome)),
      (err) => {
        this.rt.reportError(err, `rules at ${stage}`);
        if (!this._closed) outcome.reply(RULE_ERROR_REPLY, 'error');
      },
    );
  }

  private answerWith(stage: Stage, decision: StageDecision, outcome: StageOutcome): void {
    const { action, by } = decision;
    if (!action) {
      // an event the engine left to smtp-server's wording (a failed login): the refusal still names it
      if (decision.event) this.refusedBy = by;
      return outcome.normal();
    }
    const go = () => this.guard(`rule ${by ?? ''} at ${stage}`, () => this.carry(decision, outcome));
    if (action.delayMs > 0) {
      this.note('delay', `delaying ${action.delayMs} ms`, by);
      this.after(action.delayMs, go);
    } else {
      go();
    }
  }

  carry(decision: StageDecision, outcome: StageOutcome): void {
    const { action, by } = decision;
    if (action?.kind === 'drop') this.note('dropped', 'connection dropped without a reply', by);
    if (action?.kind === 'reset') this.note('reset', 'connection reset (TCP RST)', by);
    if (action?.kind === 'accept') this.acceptedBy = by;
    this.aftermath.expect(decision.leaves);
    carryOut(this._socket, action!, by, outcome);
  }

  /**
   * A protocol event, answered by the engine. Returns true when it wrote (or dropped), else
   * what decided that the server's own refusal stands.
   */
  answerEvent(event: EventName, closeAfter = false): true | string | undefined {
    const decision = this.eventDecision(event);
    const { action, by } = decision;
    if (!action) return by;
    if (action.kind === 'reply') this.writeLines(action.reply!.code, action.reply!.enhanced, this.texts(action.reply!), by, action.reply!.close || closeAfter);
    else this.carry(decision, NO_OUTCOME);
    return true;
  }

  private eventDecision(event: EventName): StageDecision {
    return this.decisions.event(event, () => this.facts(eventStage(this.answering.verb, (v) => this._isSupported(v), this.hasEnvelope()), {}));
  }

  /** A refusal the engine decided through an event: carried by the hook's callback, or the connection dropped. */
  refuse(cb: ErrCallback, event: EventName): void {
    const decision = this.eventDecision(event);
    const { action, by } = decision;
    if (action?.kind === 'reply') return this.viaCallback(cb, action.reply!, by);
    if (action) return this.carry(decision, NO_OUTCOME);
    // every event mockmx raises itself has a wording of its own (engine BUILTIN_REPLIES)
    this.viaCallback(cb, RULE_ERROR_REPLY, 'error');
  }

  /** Lets a hook's callback carry a decided reply: smtp-server's own reply is replaced by it. */
  viaCallback(cb: ErrCallback, r: Reply, rule?: string): void {
    this.pending = { reply: r, ...(rule ? { rule } : {}) };
    cb(isPositive(r) ? null : failure(r));
  }

  /** The envelope so far, as facts, with the recipient being added at RCPT. */
  envelopeFacts(adding?: string): Facts['envelope'] {
    const { mailFrom, rcptTo } = this.session.envelope ?? { mailFrom: false, rcptTo: [] };
    const addresses = rcptTo?.map((a) => a.address) ?? [];
    if (adding !== undefined) addresses.push(adding);
    return { mailFrom: mailFrom ? mailFrom.address : undefined, rcptTo: addresses };
  }

  private hasEnvelope(): boolean {
    return !!this.hostNameAppearsAs && this.session.envelope.rcptTo.length > 0;
  }

  // --- greeting and TLS --------------------------------------------------------------------

  override _sendGreeting(): void {
    if (this.greeting) return this.writeReply(this.greeting.reply, this.greeting.rule);
    this.writeLines(220, null, [greetingText(this.rt.scenario(), this.name, this._server.options.banner, () => this.writer.placeholders())], undefined, false);
  }

  /** After STARTTLS or an implicit-TLS handshake. */
  onSecured(socket: TLSSocket): void {
    this.watch.watch(socket);
    this.findings.secured();
    const version = socket.getProtocol?.() ?? undefined;
    const cipher = socket.getCipher?.()?.name;
    this.log.update({ tls: true, ...(version ? { tlsVersion: version } : {}) });
    this.note('tls', `TLS established${version ? ` (${version}${cipher ? `, ${cipher}` : ''})` : ''}`);
  }

  // --- commands without a smtp-server hook ----------------------------------------------------

  override _onCommand(command: Buffer, callback?: () => void): void {
    const line = command.toString('utf8');
    const space = line.indexOf(' ');
    const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const busy = this._upgrading || !this._ready || this._nextHandler || this._closing || this._server._closeTimeout;
    // an AUTH continuation line is no command: it keeps the AUTH's verb and stage
    if (!this._nextHandler) {
      this.answering.verb = verb;
      this.answering.arg = line.slice(verb.length).trim();
    }
    // AUTH arguments and continuation lines carry credentials: log them the way smtp-server does
    this.writer.recordCommand(verb, this._redactCredentials(verb, line).line, !!this._nextHandler);
    if (busy) return super._onCommand(command, callback);
    const done = () => this._whenWritable(callback ?? (() => undefined));
    if (verb === 'MAIL' || verb === 'RCPT') this.answering.address = /<([^<>]*)>/.exec(this.answering.arg)?.[1];
    // a new transaction: nothing the last message said applies to it
    if (verb === 'MAIL') this.answering.messageValues = {};
    if (verb === 'STARTTLS' && !this.aftermath.refuses(verb) && this.watch.pipelinedAfter(line) && this.answerEvent('starttls-pipelined') === true) return done();
    const refused = this.aftermath.refuses(verb) ? 'session-refused' : precondition(this.rt.scenario(), verb, !!this.hostNameAppearsAs, this.secure);
    if (refused) {
      this.answerEvent(refused);
      return done();
    }
    const stage = commandStage(verb, (v) => this._isSupported(v), this.hasEnvelope());
    if (!stage) return super._onCommand(command, callback);
    const proceed = () => super._onCommand(command, callback);
    const facts = () => this.facts(stage, { command: { verb, arg: this.answering.arg, line } }, stage === 'helo' ? this.answering.arg.split(/\s+/)[0] || undefined : undefined);
    this.answer(stage, facts, {
      normal: proceed,
      accept: (rule) => {
        if (stage !== 'unknown') return proceed();
        this.writeReply(UNKNOWN_ACCEPTED_REPLY, rule);
        done();
      },
      reply: (r, rule) => {
        if (isPositive(r) && stage !== 'unknown' && stage !== 'quit') {
          this.pending = { reply: r, onlyIfPositive: true, keepCapabilities: stage === 'helo', ...(rule ? { rule } : {}) };
          return proceed();
        }
        this.writeReply(r, rule);
        if (stage === 'quit') this.close();
        done();
      },
    });
  }

  override handler_HELP(_command: Buffer, callback: () => void): void {
    const worded = successReply(this.rt.scenario().success, 'HELP', 214);
    if (worded) this.writeReply(worded);
    else this.writeLines(214, '2.0.0', [...HELP_LINES], undefined, false);
    callback();
  }

  /** Removes the current message's spool file unless a store took it. */
  releaseBody(): void {
    const body = this.body;
    this.body = undefined;
    if (body) void body.discard();
  }

  /** Ends the session for a shutdown: 421 now if idle, else when its current command is answered. */
  shutdown(): void {
    if (this._closing || this._closed || this._handlerPending || this._dataStream) return;
    this.send(421, `${this.name} Service shutting down, closing connection`, false);
  }
}
