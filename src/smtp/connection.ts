/**
 * One SMTP session: a translator between the wire and the engine. It extends smtp-server's
 * connection (the only place its internals are touched, see test/smtp/internals.test.ts) so
 * that every stage is decided by the engine (src/engine/policy.ts), replies go out exactly as
 * decided (multi-line, our own enhanced codes), and every line lands in the transcript as a
 * typed record naming what decided it. It decides nothing itself.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerDataStream } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { authChecks } from '../auth/memo.js';
import { styleContext, styleLines, type StyleContext } from '../catalog/style.js';
import type { EventName } from '../engine/events.js';
import type { Facts, PtrFacts, SpfFacts } from '../engine/facts.js';
import { AUTH_OK_REPLY, decideEvent, decideStage, DISCARD_REPLY, magicLater, precondition, RULE_ERROR_REPLY, UNKNOWN_ACCEPTED_REPLY, type StageDecision } from '../engine/policy.js';
import { isPositive, type Reply } from '../engine/reply.js';
import type { Stage } from '../engine/stages.js';
import type { NoteKind } from '../transcript/record.js';
import type { MessageBody } from '../spool/body.js';
import { carryOut, NO_OUTCOME, type StageOutcome } from './outcome.js';
import { commandStage, eventStage, stageOfVerb } from './command-stage.js';
import { credentialsMatch } from './credentials.js';
import { buildFacts, type ExtraFacts } from './facts.js';
import { HELP_LINES } from './help.js';
import { finalDot, SESSION_CLOSED, type FinalDotSteps } from './final-dot.js';
import { receiveMessage } from './message.js';
import { noticeRequests, type NoticeJob } from './notices.js';
import type { SessionLog, SmtpRuntime } from './runtime.js';
import { classifyServerReply } from './server-replies.js';
import type { MockSmtpServer } from './server.js';
import { SocketWatch } from './socket-watch.js';
import { messagePlaceholders, sessionPlaceholders } from './values.js';
import { fillPlaceholders, replyTexts, wireLines, type Placeholders } from './write.js';

type ErrCallback = (err?: Error | null) => void;

/** A reply a hook's callback carries: smtp-server's next reply is replaced by it. */
interface PendingReply {
  reply: Reply;
  rule?: string;
  /** Replace smtp-server's next reply only if that one is positive (its own errors win). */
  onlyIfPositive?: boolean;
  /** EHLO: keep smtp-server's capability lines after the rule's text. */
  keepCapabilities?: boolean;
}

const failure = (r: Reply) => Object.assign(new Error(r.lines.join(' ')), { responseCode: r.code });
const HELO_VERBS = new Set(['HELO', 'EHLO', 'LHLO']);

export class MockConnection extends SMTPConnection {
  readonly log: SessionLog;
  private readonly rt: SmtpRuntime;
  private readonly random: () => number;
  private readonly styleRandom: () => number;
  private style: StyleContext | undefined;
  private pending: PendingReply | undefined;
  private greeting: { reply: Reply; rule?: string } | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly watch: SocketWatch;
  private authMechanism: string | undefined;
  /** The command being answered and its stage, for transcripts, events and `{command}`/`{argument}`. */
  private verb = '';
  private arg = '';
  private stage: Stage = 'connect';
  /** The address MAIL or RCPT is about, for `{address}`. */
  private address: string | undefined;
  /** Notices to send once the transaction's message is kept, per recipient (lower case). */
  private readonly notices = new WeakMap<object, Map<string, NoticeJob>>();
  /** The recipient being added (or the one a refusal is about), for `{rcpt}`. */
  private currentRcpt: string | undefined;
  private ended = false;
  /** The rule whose `accept` smtp-server's next success reply carries out. */
  private acceptedBy: string | undefined;
  /** What decided that smtp-server's next refusal stands as it words it (e.g. `builtin:auth-failed`). */
  private refusedBy: string | undefined;
  private readonly ipConnections: number;
  /** Placeholder values from the message being answered. */
  private messageValues: Placeholders = {};
  private ptrFacts: PtrFacts | undefined;
  private spfFacts: SpfFacts | undefined;
  /** The message being answered, until a store takes it or it is refused; its id once stored. */
  private body: MessageBody | undefined;
  private storedId: string | undefined;

  constructor(server: MockSmtpServer, socket: Socket | TLSSocket, options?: ConstructorParameters<typeof SMTPConnection>[2]) {
    super(server, socket, options);
    this.rt = server.runtime;
    const index = server.nextSessionIndex();
    this.random = this.rt.randomFor(index, 'rules');
    this.styleRandom = this.rt.randomFor(index, 'style');
    this.log = this.rt.openSession({ clientIp: this.remoteAddress, clientPort: this.remotePort, listener: server.listenerName, tls: this.secure });
    this.watch = new SocketWatch(
      () => this.rt.scenario().server.idleTimeoutMs,
      () => this.send(421, 'Timeout - closing connection'),
      () => !this._closing,
      () => !this._closing && !this._closed && !this._handlerPending,
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
  private after(ms: number, fn: () => void): void {
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
  private guard(context: string, fn: () => void): void {
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
      const event = classifyServerReply(code, Array.isArray(data) ? data.join(' ') : String(data ?? ''), this.verb, this.arg);
      // smtp-server stops reading after its 421s, so a replacement must close too
      if (event) {
        const answered = this.answerEvent(event, code === 421);
        if (answered === true) return;
        rule = answered;
      }
    }
    const enhanced = this._getEnhancedStatusCode(code, context) || null;
    const lines = Array.isArray(data) ? data.map(String) : [data ?? ''];
    if (code === 250 && HELO_VERBS.has(this.verb)) {
      if (this.hostNameAppearsAs) this.log.update({ heloName: this.hostNameAppearsAs });
      const greeting = this.rt.scenario().server.heloGreeting;
      if (greeting) lines[0] = fillPlaceholders(greeting, this.placeholders());
    }
    this.writeLines(code, enhanced, lines, rule, false);
  }

  writeReply(r: Reply, rule?: string): void {
    this.writeLines(r.code, r.enhanced, this.texts(r), rule, r.close);
  }

  /** A reply's lines as sent: placeholders filled, then laid out in its provider's style. */
  private texts(r: Reply): string[] {
    const lines = replyTexts(r, this.placeholders());
    return r.style ? styleLines(r.style, lines, (this.style ??= styleContext(this.styleRandom))) : lines;
  }

  private writeLines(code: number, enhanced: string | null, texts: string[], rule: string | undefined, close: boolean): void {
    const lines = wireLines(code, enhanced, texts);
    let payload = lines.join('\r\n');
    if (code >= 400) this.session.error = payload;
    if (code === 334 && payload === '334') payload += ' ';
    const socket = this._socket;
    // while a TLS handshake runs, _socket is still the raw socket: writing would corrupt it
    if (!this._upgrading && !socket.destroyed && socket.readyState === 'open') {
      socket.write(payload + '\r\n');
      const about = this.about();
      const messageId = this.stage === 'message' ? this.storedId : undefined;
      for (let i = 0; i < lines.length; i++) {
        this.log.record({
          direction: 'out',
          text: lines[i]!,
          code,
          ...(enhanced ? { enhanced } : {}),
          ...(i < lines.length - 1 ? { more: true } : {}),
          stage: this.stage,
          ...(this.verb && this.stage !== 'connect' && this.stage !== 'message' ? { verb: this.verb } : {}),
          ...(rule ? { rule } : {}),
          ...about,
          ...(messageId ? { messageId } : {}),
        });
      }
    }
    this.storedId = undefined;
    // whatever was written, a decision's turn is over
    this.acceptedBy = undefined;
    this.refusedBy = undefined;
    if (close || code === 421) this.close();
  }

  /** Whom a reply concerns: the recipient being added at RCPT; the accepted ones at DATA and after the message. */
  private about(): { sender?: string; rcpts?: readonly string[] } {
    const envelope = this.session.envelope;
    const sender = envelope?.mailFrom ? envelope.mailFrom.address : this.verb === 'MAIL' ? this.address : undefined;
    const rcpts = this.stage === 'rcpt' && this.currentRcpt !== undefined ? [this.currentRcpt] : this.stage === 'data' || this.stage === 'message' ? envelope.rcptTo.map((a) => a.address) : undefined;
    return { ...(sender !== undefined ? { sender } : {}), ...(rcpts ? { rcpts } : {}) };
  }

  private note(kind: NoteKind, text: string, rule?: string): void {
    this.log.record({ direction: 'note', note: kind, text, stage: this.stage, ...(rule ? { rule } : {}) });
  }

  private placeholders(): Placeholders {
    const envelope = this.session.envelope;
    return sessionPlaceholders({
      ip: this.remoteAddress,
      helo: this.hostNameAppearsAs || undefined,
      hostname: this.name,
      session: this.log.id,
      verb: this.verb,
      arg: this.arg,
      address: this.address,
      // at MAIL the sender is not in the envelope until the command is accepted
      sender: envelope?.mailFrom ? envelope.mailFrom.address : this.verb === 'MAIL' ? this.address : undefined,
      rcpt: this.currentRcpt ?? envelope?.rcptTo?.[0]?.address,
      sizeLimit: this._server.options.size,
      token: (this.style ??= styleContext(this.styleRandom)).gmailToken,
      message: this.messageValues,
    });
  }

  // --- deciding ---------------------------------------------------------------------------

  private facts(stage: Stage, extra: ExtraFacts, heloName?: string): Facts {
    const envelope = this.session.envelope;
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
        mailFrom: envelope?.mailFrom ? envelope.mailFrom.address : undefined,
        rcptTo: envelope?.rcptTo?.map((a) => a.address) ?? [],
      },
      stage,
      extra,
      heloName,
    );
  }

  /** Runs the engine and applies the state updates it asks for, in the same tick (no races). */
  private decide(decideWith: (input: Parameters<typeof decideStage>[0]) => StageDecision, facts: Facts): StageDecision {
    const now = this.rt.now();
    const decision = decideWith({ facts, scenario: this.rt.scenario(), state: this.rt.state, now, random: this.random, rules: this.rt.decide });
    if (decision.updates.length) this.rt.state.apply(decision.updates, now);
    if (decision.values?.rcpt) this.currentRcpt = decision.values.rcpt;
    if (decision.note) this.note('magic', decision.note);
    return decision;
  }

  /** Decides at a stage and carries the decision out, after its delay if it has one. */
  private answer(stage: Stage, facts: () => Facts, outcome: StageOutcome, seen?: (decision: StageDecision) => void): void {
    let decision: StageDecision;
    try {
      decision = this.decide(decideStage, facts());
    } catch (err) {
      this.rt.reportError(err, `rules at ${stage}`);
      return outcome.reply(RULE_ERROR_REPLY, 'error');
    }
    seen?.(decision);
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

  private carry(decision: StageDecision, outcome: StageOutcome): void {
    const { action, by } = decision;
    if (action?.kind === 'drop') this.note('dropped', 'connection dropped without a reply', by);
    if (action?.kind === 'reset') this.note('reset', 'connection reset (TCP RST)', by);
    if (action?.kind === 'accept') this.acceptedBy = by;
    carryOut(this._socket, action!, by, outcome);
  }

  /**
   * A protocol event, answered by the engine. Returns true when it wrote (or dropped), else
   * what decided that the server's own refusal stands.
   */
  private answerEvent(event: EventName, closeAfter = false): true | string | undefined {
    const decision = this.eventDecision(event);
    const { action, by } = decision;
    if (!action) return by;
    if (action.kind === 'reply') this.writeLines(action.reply!.code, action.reply!.enhanced, this.texts(action.reply!), by, action.reply!.close || closeAfter);
    else this.carry(decision, NO_OUTCOME);
    return true;
  }

  private eventDecision(event: EventName): StageDecision {
    this.note('event', `event ${event}`);
    try {
      return this.decide((input) => decideEvent(event, input), this.facts(eventStage(this.verb, (v) => this._isSupported(v), this.hasEnvelope()), {}));
    } catch (err) {
      this.rt.reportError(err, `rules for event ${event}`);
      return { by: 'error', updates: [], action: { kind: 'reply', reply: RULE_ERROR_REPLY, delayMs: 0 } };
    }
  }

  /** A refusal the engine decided through an event: carried by the hook's callback, or the connection dropped. */
  private refuse(cb: ErrCallback, event: EventName): void {
    const decision = this.eventDecision(event);
    const { action, by } = decision;
    if (action?.kind === 'reply') return this.viaCallback(cb, action.reply!, by);
    if (action) return this.carry(decision, NO_OUTCOME);
    // every event mockmx raises itself has a wording of its own (engine BUILTIN_REPLIES)
    this.viaCallback(cb, RULE_ERROR_REPLY, 'error');
  }

  /** Lets a hook's callback carry a decided reply: smtp-server's own reply is replaced by it. */
  private viaCallback(cb: ErrCallback, r: Reply, rule?: string): void {
    this.pending = { reply: r, ...(rule ? { rule } : {}) };
    cb(isPositive(r) ? null : failure(r));
  }

  private hasEnvelope(): boolean {
    return !!this.hostNameAppearsAs && this.session.envelope.rcptTo.length > 0;
  }

  // --- connect ----------------------------------------------------------------------------

  onConnectStage(cb: ErrCallback): void {
    const run = () =>
      this.answer('connect', () => this.facts('connect', {}), {
        normal: () => cb(),
        accept: () => cb(),
        reply: (r, rule) => {
          if (!isPositive(r)) return this.viaCallback(cb, r, rule);
          this.greeting = { reply: r, ...(rule ? { rule } : {}) };
          cb();
        },
      });
    const scenario = this.rt.scenario();
    const start = () => (scenario.server.greetDelayMs > 0 ? this.after(scenario.server.greetDelayMs, run) : run());
    if (!scenario.authNeeds.ptr) return start();
    // the greeting waits for reverse DNS, as a real MX's does (answered from the scenario)
    this.whilePending(authChecks(scenario.zone).ptr(this.remoteAddress), 'reverse DNS', (ptr) => {
      this.ptrFacts = ptr;
      this.note('dns', `reverse DNS: ${ptr.result}${ptr.name ? ` (${ptr.name})` : ''}`);
    }).then(() => this.guard('connect', start));
  }

  /** Waits for a lookup without the idle timeout firing; a failure is reported and the session goes on without it. */
  private async whilePending<T>(lookup: Promise<T>, context: string, use: (value: T) => void): Promise<boolean> {
    const wasPending = this._handlerPending;
    this._handlerPending = true;
    try {
      use(await lookup);
      return true;
    } catch (err) {
      this.rt.reportError(err, context);
      return false;
    } finally {
      this._handlerPending = wasPending;
    }
  }

  override _sendGreeting(): void {
    if (this.greeting) return this.writeReply(this.greeting.reply, this.greeting.rule);
    const { greeting } = this.rt.scenario().server;
    const banner = this._server.options.banner ? fillPlaceholders(this._server.options.banner, this.placeholders()) : '';
    const text = greeting ? fillPlaceholders(greeting, this.placeholders()) : `${this.name} ESMTP${banner ? ` ${banner}` : ''}`;
    this.writeLines(220, null, [text], undefined, false);
  }

  /** After STARTTLS or an implicit-TLS handshake. */
  onSecured(socket: TLSSocket): void {
    this.watch.watch(socket);
    const version = socket.getProtocol?.() ?? undefined;
    const cipher = socket.getCipher?.()?.name;
    this.log.update({ tls: true, ...(version ? { tlsVersion: version } : {}) });
    this.note('tls', `TLS established${version ? ` (${version}${cipher ? `, ${cipher}` : ''})` : ''}`);
  }

  // --- commands without a smtp-server hook ----------------------------------------------------

  override _onCommand(command: Buffer, callback?: () => void): void {
    const line = command.toString('utf8');
    const verb = (line.split(' ')[0] ?? '').toUpperCase();
    const busy = this._upgrading || !this._ready || this._nextHandler || this._closing || this._server._closeTimeout;
    // an AUTH continuation line is no command: it keeps the AUTH's verb and stage
    if (!this._nextHandler) {
      this.verb = verb;
      this.arg = line.slice(verb.length).trim();
      this.stage = stageOfVerb(verb);
    }
    // AUTH arguments and continuation lines carry credentials: log them the way smtp-server does
    this.log.record({ direction: 'in', text: this._redactCredentials(verb, line).line, stage: this.stage, ...(this._nextHandler ? {} : { verb }) });
    if (busy) return super._onCommand(command, callback);
    const done = () => this._whenWritable(callback ?? (() => undefined));
    if (verb === 'MAIL' || verb === 'RCPT') this.address = /<([^<>]*)>/.exec(this.arg)?.[1];
    // a new transaction: nothing the last message said applies to it
    if (verb === 'MAIL') this.messageValues = {};
    if (verb === 'STARTTLS' && this.watch.pipelinedAfter(line) && this.answerEvent('starttls-pipelined') === true) return done();
    const refused = precondition(this.rt.scenario(), verb, !!this.hostNameAppearsAs, this.secure);
    if (refused) {
      this.answerEvent(refused);
      return done();
    }
    const stage = commandStage(verb, (v) => this._isSupported(v), this.hasEnvelope());
    if (!stage) return super._onCommand(command, callback);
    const proceed = () => super._onCommand(command, callback);
    const facts = () => this.facts(stage, { command: { verb, arg: this.arg, line } }, stage === 'helo' ? this.arg.split(/\s+/)[0] || undefined : undefined);
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
    this.writeLines(214, '2.0.0', [...HELP_LINES], undefined, false);
    callback();
  }

  // --- hook stages ------------------------------------------------------------------------

  onMailStage(address: SMTPServerAddress, cb: ErrCallback): void {
    this.spfFacts = undefined;
    const scenario = this.rt.scenario();
    if (!scenario.authNeeds.spf) return this.mailDecision(address, cb);
    const query = { sender: address.address, ip: this.remoteAddress, helo: this.hostNameAppearsAs || '', mta: scenario.server.hostname };
    authChecks(scenario.zone)
      .spf(query)
      .then(
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
    const command = { verb: 'MAIL', arg: `FROM:<${address.address}>`, line: `MAIL FROM:<${address.address}>` };
    const envelope = { mailFrom: address.address, rcptTo: [], ...(Number.isFinite(declared) ? { declaredSize: declared } : {}) };
    this.answer('mail', () => this.facts('mail', { command, envelope }), { normal: () => cb(), accept: () => cb(), reply: (r, rule) => this.viaCallback(cb, r, rule) });
  }

  onRcptStage(address: SMTPServerAddress, cb: ErrCallback): void {
    const rcpt = address.address;
    this.currentRcpt = rcpt;
    const finish: ErrCallback = (err) => {
      cb(err);
      this.currentRcpt = undefined;
    };
    const facts = () => {
      const base = this.facts('rcpt', { rcpt, command: { verb: 'RCPT', arg: `TO:<${rcpt}>`, line: `RCPT TO:<${rcpt}>` } });
      return { ...base, envelope: { ...base.envelope, rcptTo: [...base.envelope.rcptTo, rcpt] } };
    };
    this.answer('rcpt', facts, {
      normal: () => finish(),
      accept: () => finish(),
      reply: (r, rule) => this.viaCallback(finish, r, rule),
      notice: (notice, rule) => {
        this.noticeFor(rcpt, { notice, ...(rule ? { rule } : {}) });
        finish();
      },
    });
  }

  /** Remembers a notice for one recipient of this transaction, sent once the message is kept. */
  private noticeFor(rcpt: string, job: NoticeJob): void {
    const envelope = this.session.envelope;
    const map = this.notices.get(envelope) ?? new Map<string, NoticeJob>();
    map.set(rcpt.toLowerCase(), job);
    this.notices.set(envelope, map);
    this.note('notice', `${job.notice.kind === 'auto-reply' ? 'auto-reply' : `${job.notice.kind} notice`} for <${rcpt}> after ${job.notice.afterMs} ms`, job.rule);
  }

  onAuthStage(auth: SMTPServerAuthentication, cb: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void): void {
    const users = this.rt.scenario().server.auth.users;
    const valid = users.length === 0 || users.some((u) => credentialsMatch(u, auth));
    const user = auth.username ?? '';
    const succeed = () => {
      this.authMechanism = auth.method;
      this.log.update({ authUser: user });
      cb(null, { user });
    };
    this.answer('auth', () => this.facts('auth', { auth: { user, mechanism: auth.method, valid } }), {
      normal: () => {
        if (valid) return succeed();
        // no rule or wording for a failed login: smtp-server's own answer (XOAUTH2's is a JSON challenge)
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
    receiveMessage(stream, this.rt.scenario().server.size, this.rt.spool).then(({ bytes, body }) => {
      this.stage = 'message';
      this.log.record({ direction: 'in', text: `<${bytes} bytes of message data>`, stage: 'message', bytes });
      if (!body) {
        this.messageValues = { size: String(bytes) };
        return this.refuse(cb, 'message-too-big');
      }
      this.body = body;
      finalDot(this.finalDotSteps(body)).then(
        (verdict) => {
          this.releaseBody();
          if ('end' in verdict) return this.carry(verdict.end, NO_OUTCOME);
          this.storedId = verdict.storedId;
          this.viaCallback(cb, verdict.reply, verdict.rule);
        },
        (err: unknown) => {
          this.releaseBody();
          // a spool file read after the session closed and removed it: nobody is waiting
          if (this._closed && body.path) return;
          this.rt.reportError(err, 'message');
          this.viaCallback(cb, RULE_ERROR_REPLY, 'error');
        },
      );
    }, () => undefined /* the client went away mid-message; smtp-server closes the session */);
  }

  private finalDotSteps(body: MessageBody): FinalDotSteps {
    const scenario = this.rt.scenario();
    const envelope = this.session.envelope;
    const rcptTo = envelope.rcptTo.map((a) => a.address);
    const mailFrom = envelope.mailFrom ? envelope.mailFrom.address : '';
    // a magic recipient's entry may quote anything the analysis knows
    const depth = magicLater(rcptTo, scenario) ? 2 : scenario.activeStages.has('message') ? scenario.messageDepth : 0;
    return {
      body,
      examine: { scenario, depth, mailFrom, rcptTo, smtpUtf8: !!envelope.smtpUtf8, clientIp: this.remoteAddress, helo: this.hostNameAppearsAs || '' },
      decide: (message) => this.decide(decideStage, this.facts('message', { message })),
      wait: (ms) => new Promise((resolve) => this.after(ms, resolve)),
      store: async (rule, authHeaders) => {
        // the store owns the body from here; a spooled body whose session closed is gone (no one can be told 250)
        if (body.path && this.body !== body) throw SESSION_CLOSED;
        this.body = undefined;
        const { id } = await this.rt.deliver({ sessionId: this.log.id, mailFrom, rcptTo, body, ...(rule ? { rule } : {}), ...(authHeaders ? { authHeaders } : {}) });
        return id;
      },
      notify: (id, examined, whole) => {
        const kept = { sessionId: this.log.id, about: id, head: examined.head, whole: body.buffer !== undefined, envelope, message: examined.message, now: this.rt.now(), render: (r: Reply) => wireLines(r.code, r.enhanced, this.texts(r)) };
        for (const request of noticeRequests(kept, this.notices.get(envelope), whole)) this.rt.notify(request);
      },
      applyState: (updates) => this.rt.state.apply(updates, this.rt.now()),
      note: (kind, text, rule) => this.note(kind, text, rule),
      reportError: (err, context) => this.rt.reportError(err, context),
      quote: (message) => (this.messageValues = messagePlaceholders(message, scenario.server)),
    };
  }

  /** Removes the current message's spool file unless a store took it. */
  private releaseBody(): void {
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
