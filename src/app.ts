/**
 * Composition root for one mockmx instance: the active scenario, state, stores and SMTP
 * listeners wired together. The CLI and the test helper both start mockmx through here.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { decide as engineDecide } from './engine/decide.js';
import { streamFor } from './engine/random.js';
import type { CompiledScenario } from './engine/scenario.js';
import { withRules } from './scenario/compile.js';
import { ScenarioError } from './scenario/errors.js';
import { loadScenario } from './scenario/load.js';
import { compilePushed, parsePushedRules, PUSHED_RULES_FILE } from './scenario/pushed.js';
import type { CompiledRule } from './engine/scenario.js';
import type { AcceptedMessage, SmtpRuntime } from './smtp/runtime.js';
import { MockSmtpServer } from './smtp/server.js';
import { selfSignedCertificate, type TlsMaterial } from './smtp/tls.js';
import { MemoryMessageStore } from './store/memory.js';
import { MaildirMessageStore } from './store/maildir.js';
import { TranscriptLog } from './store/transcript-log.js';
import { OutboundQueue } from './outbound/queue.js';
import { LARGE_MESSAGE_BYTES, Spool } from './spool/body.js';
import { MemoryStateStore } from './state/memory.js';
import type { StateStore } from './state/types.js';
import { SessionStore, type SessionRecord, type TranscriptLine } from './store/sessions.js';
import type { MessageStore } from './store/types.js';
import type { Endpoint, MockMxEvents, MockMxServer } from './server/types.js';
import type { HttpListener, HttpOptions } from './http/index.js';
import { ReportFeed } from './server/report-feed.js';
import type { SharedOutbound } from './shared-outbound.js';


export interface ServerOptions {
  /** A compiled scenario, or a shipped name / path. Default `default`. */
  readonly scenario?: CompiledScenario | string;
  readonly host?: string;
  /** 0 picks a free port. Default 2525. */
  readonly smtpPort?: number;
  /** Implicit-TLS port; off unless given (or the scenario asks for it: then 2465). */
  readonly smtpsPort?: number;
  readonly seed?: number;
  readonly maxMessages?: number;
  readonly tls?: TlsMaterial;
  /** The clock; tests inject one. */
  readonly now?: () => number;
  /** Swaps the rule engine (tests use it to prove a failing rule cannot take the server down). */
  readonly decide?: SmtpRuntime['decide'];
  readonly onError?: (err: unknown, context: string) => void;
  /** Deliver notices (DSNs, auto-replies) over SMTP here; overrides the scenario's `server.bounceTo`. */
  readonly bounceTo?: { readonly host: string; readonly port: number };
  /** Keep messages in a Maildir and transcripts as JSON lines in this directory (reloaded at start). */
  readonly store?: string;
  /**
   * Message bodies over this many bytes are written to a temporary file as they arrive, and
   * kept there (or copied into the Maildir), so large messages do not live in memory. Default 1 MiB.
   */
  readonly spoolAboveBytes?: number;
  /** Where the spool directory is made. Default: the system's temporary directory. */
  readonly spoolDir?: string;
  /**
   * Keep rule state in Redis/Valkey at this URL (`redis://host:port/db`), shared by every
   * instance pointed at it. Unreachable at start: startServer rejects with StateUnavailableError.
   */
  readonly redis?: string;
  /** Rule state to use instead (tests inject one); the caller closes it. Default: in memory, or `redis`. */
  readonly state?: StateStore;
}

/** Addresses that listen everywhere: no address for another instance to call. */
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * The HTTP API on a running server, for the CLI and the test helper (which may import the
 * root, never an adapter). Loaded when asked for: a library user who never starts it does
 * not load fastify.
 */
export async function startHttpApi(server: MockMxServer, options: HttpOptions): Promise<HttpListener> {
  const { startHttp } = await import('./http/index.js');
  const listener = await startHttp(server, options);
  // a wildcard address is no address to the others: they reach this host by its name (a container's resolves on its network)
  server.apiAt?.(WILDCARD.has(listener.host) ? `http://${hostname()}:${listener.port}` : listener.url, options.token);
  return listener;
}

export async function startServer(options: ServerOptions = {}): Promise<MockMxServer> {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const host = options.host ?? '127.0.0.1';
  const resolve = (s: CompiledScenario | string) => (typeof s === 'string' ? loadScenario(s) : s);
  // the loaded scenario, and what runs: the rules pushed at run time first, then its own
  let base = resolve(options.scenario ?? 'default');
  let pushed: CompiledRule[] = [];
  /** The pushed rules as given (ids filled in), for other instances to compile. */
  let pushedSpecs: unknown[] = [];
  let scenario = base;
  let pushSequence = 0;
  const install = (nextBase: CompiledScenario, nextPushed: CompiledRule[], nextSpecs: unknown[]) => {
    base = nextBase;
    pushed = nextPushed;
    pushedSpecs = nextSpecs;
    scenario = pushed.length ? withRules(base, [...pushed, ...base.rules]) : base;
    for (const l of listeners) l.useScenario(scenario);
    events.emit('scenario', scenario);
  };

  const events = new EventEmitter<MockMxEvents>();
  events.on('scenario', (next) => reportFeed.useSettings(next.report));
  const maxMessages = options.maxMessages ?? 1000;
  const maxSessions = Math.max(1000, maxMessages);
  const onError = options.onError ?? ((err, context) => console.error(`mockmx: error in ${context}:`, err));
  // with a store directory: a Maildir of messages and a JSON-lines log of transcripts, reloaded at start
  const transcriptLog = options.store ? await TranscriptLog.open(options.store, { maxSessions, onError: (err) => onError(err, 'transcript log') }) : undefined;
  const localMessages: MessageStore = options.store ? await MaildirMessageStore.open(options.store, { maxMessages, now }) : new MemoryMessageStore({ maxMessages, now });
  // the report card reads every line as it is written; checked here so bad thresholds fail at start
  const reportFeed = new ReportFeed(now, base.report);
  const state = options.state ?? (options.redis ? await openSharedState(options.redis) : new MemoryStateStore());
  const ownsState = !options.state;
  // with --redis, what the other instances saw shows here too (messages, sessions and so the report card)
  const view = options.redis
    ? await (await import('./shared-view.js')).shareView(options.redis, 'mockmx:', { local: localMessages, maxMessages, maxSessions, events, sessions: () => sessions, onError }).catch(async (err: unknown) => {
        if (ownsState) await state.close();
        throw err;
      })
    : undefined;
  const messages = view?.messages ?? localMessages;
  const sessionEvents = {
    sessionStarted: (r: SessionRecord) => events.emit('session', r),
    line: (r: SessionRecord, l: TranscriptLine) => events.emit('line', r, l),
    sessionEnded: (r: SessionRecord) => events.emit('sessionEnd', r),
  };
  const fed = reportFeed.events(view ? view.sessionEvents(sessionEvents) : sessionEvents);
  const sessions = new SessionStore({ maxSessions, maxLines: 10_000, now }, transcriptLog ? transcriptLog.events(fed) : fed);
  transcriptLog?.restoreInto(sessions);
  const spool = new Spool(options.spoolAboveBytes ?? LARGE_MESSAGE_BYTES, options.spoolDir);
  const ipConnections = new Map<string, number>();
  let sessionIndex = 0;

  const runtime: SmtpRuntime = {
    scenario: () => scenario,
    decide: options.decide ?? engineDecide,
    state,
    connectionOpened: (ip) => {
      const n = (ipConnections.get(ip) ?? 0) + 1;
      ipConnections.set(ip, n);
      return n;
    },
    connectionClosed: (ip) => {
      const n = (ipConnections.get(ip) ?? 1) - 1;
      if (n > 0) ipConnections.set(ip, n);
      else ipConnections.delete(ip);
    },
    randomFor: (index, purpose) => streamFor(purpose === 'rules' ? seed : seed ^ 0x5bd1e995, index),
    now,
    openSession: (info) => sessions.open(info),
    spool,
    deliver: async (message: AcceptedMessage) => {
      const { body } = message;
      const stored = await messages.add({
        sessionId: message.sessionId,
        envelope: { mailFrom: message.mailFrom, rcptTo: message.rcptTo },
        ...(body.buffer ? { raw: body.buffer } : { spooled: { path: body.path!, size: body.size } }),
        ...(message.rule ? { rule: message.rule } : {}),
        ...(message.authHeaders ? { authenticationResults: message.authHeaders } : {}),
      });
      events.emit('message', stored);
      return { id: stored.id };
    },
    reportError: (err, context) => onError(err, context),
    notify: (request) => outbound.schedule(request),
  };

  const outbound = new OutboundQueue({
    now,
    reportingMta: () => scenario.server.hostname,
    deliverTo: () => options.bounceTo ?? scenario.server.bounceTo,
    keep: async (raw, envelope, sessionId, info) => {
      const stored = await messages.add({ sessionId, envelope, raw, outbound: info });
      events.emit('message', stored);
    },
    onError: (err, context) => onError(err, context),
    changed: () => outboundSharing?.changed(),
  });
  // with --redis, every instance's waiting notices are listed here, and a flush here flushes them all (each sends its own)
  let outboundSharing: SharedOutbound | undefined;

  const tls = options.tls ?? (await selfSignedCertificate(scenario.server.hostname));
  const counter = { next: () => sessionIndex++ };
  const listeners: MockSmtpServer[] = [];
  const smtpServer = new MockSmtpServer(runtime, { name: 'smtp', secure: false, ...tls, sessionCounter: counter });
  listeners.push(smtpServer);
  const smtpAddress = await smtpServer.listenOn(options.smtpPort ?? 2525, host);
  let smtps: Endpoint | undefined;
  const smtpsPort = options.smtpsPort ?? (scenario.server.tls.implicit ? 2465 : undefined);
  if (smtpsPort !== undefined) {
    const secureServer = new MockSmtpServer(runtime, { name: 'smtps', secure: true, ...tls, sessionCounter: counter });
    listeners.push(secureServer);
    try {
      const address = await secureServer.listenOn(smtpsPort, host);
      smtps = { host, port: address.port };
    } catch (err) {
      await smtpServer.shutdown(0);
      await view?.close();
      throw err;
    }
  }

  // with --redis the scenario is shared too: changes here are published, others' installed here
  const sharing = options.redis
    ? await (await import('./shared-scenario.js')).shareScenario(options.redis, 'mockmx:', {
        adopt: (nextBase, nextPushed, specs) => {
          install(nextBase, nextPushed, specs);
          process.stderr.write(`mockmx: scenario "${nextBase.name}" (${scenario.rules.length} rules) installed from another instance\n`);
        },
        onError,
      }).catch(async (err: unknown) => {
        await Promise.all(listeners.map((l) => l.shutdown(0)));
        await view?.close();
        if (ownsState) await state.close();
        throw err;
      })
    : undefined;
  const share = () => sharing?.publish(base, pushedSpecs);
  outboundSharing =
    options.redis && view
      ? await (await import('./shared-outbound.js')).shareOutbound(options.redis, 'mockmx:', { name: view.name, pending: () => outbound.pending(), flush: () => outbound.flush(), onError }).catch(async (err: unknown) => {
          await Promise.all(listeners.map((l) => l.shutdown(0)));
          await sharing?.close();
          await view.close();
          if (ownsState) await state.close();
          throw err;
        })
      : undefined;
  const flushEverywhere = async () => (outboundSharing ? outboundSharing.flush() : { sent: await outbound.flush() });

  return {
    smtp: { host, port: smtpAddress.port },
    ...(smtps ? { smtps } : {}),
    seed,
    messages,
    sessions,
    clearSessions: async () => (view ? view.clearSessions() : sessions.clear()),
    events,
    scenario: () => scenario,
    useScenario(next) {
      install(resolve(next), [], []);
      state.clear().catch((err: unknown) => onError(err, 'resetting rule state'));
      share();
      return scenario;
    },
    addRules(rules) {
      const ids = new Set([...pushed, ...base.rules].map((r) => r.id));
      const freshId = () => {
        let id: string;
        do id = `pushed-${++pushSequence}`;
        while (ids.has(id));
        return id;
      };
      const specs = (typeof rules === 'string' ? parsePushedRules(rules) : Array.isArray(rules) ? rules : [rules]).map((r) =>
        typeof r === 'object' && r !== null && !('id' in r && r.id) ? { ...r, id: freshId() } : r,
      );
      const compiled = compilePushed(specs);
      const clash = compiled.find((r) => ids.has(r.id));
      if (clash) throw new ScenarioError([{ code: 'MX_DUPLICATE', file: PUSHED_RULES_FILE, line: 1, column: 1, message: `rule id "${clash.id}" is already in use` }]);
      install(base, [...compiled, ...pushed], [...specs, ...pushedSpecs]);
      share();
      return compiled.map((r) => r.id);
    },
    clearRules() {
      install(base, [], []);
      share();
    },
    report: (filter) => reportFeed.report(filter),
    reportOptions: () => reportFeed.options(),
    resetReport: () => reportFeed.reset(),
    resetState(prefix) {
      return state.clear(prefix);
    },
    stateEntries(prefix) {
      return state.entries(now(), prefix);
    },
    ...(view ? { apiAt: (url: string, token: string | undefined) => view.apiAt(url, token) } : {}),
    outbound: {
      flush: async () => (await flushEverywhere()).sent,
      pending: () => outbound.pending(),
      pendingEverywhere: async () => (outboundSharing ? outboundSharing.pending() : { items: outbound.pending() }),
      flushEverywhere,
    },
    async close(graceMs = 5000) {
      outbound.close();
      await Promise.all(listeners.map((l) => l.shutdown(graceMs)));
      // the transcripts of the sessions the shutdown ended are written before we return
      await transcriptLog?.flush();
      // the in-memory store's large messages live in the spool: they end with the server
      await spool.remove();
      await sharing?.close();
      await outboundSharing?.close();
      await view?.close();
      if (ownsState) await state.close();
    },
  };
}

/** Rule state in Redis; ioredis is loaded only when asked for. An outage is told once (one line), and so is its end. */
async function openSharedState(url: string): Promise<StateStore> {
  const { openRedisStateStore } = await import('./state/redis.js');
  return openRedisStateStore({
    url,
    onStatus: (status, detail) =>
      process.stderr.write(
        status === 'lost'
          ? `mockmx: lost the connection to Redis (${detail}); commands that need rule state get the state-unavailable reply (451 4.3.0) until it is back\n`
          : `mockmx: reconnected to Redis at ${detail}\n`,
      ),
  });
}
