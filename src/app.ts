/**
 * Composition root for one mockmx instance: the active scenario, state, stores and SMTP
 * listeners wired together. The CLI and the test helper both start mockmx through here.
 */
import { EventEmitter } from 'node:events';
import { decide as engineDecide } from './engine/decide.js';
import { streamFor } from './engine/random.js';
import type { CompiledScenario } from './engine/scenario.js';
import { loadScenario } from './scenario/load.js';
import type { AcceptedMessage, SmtpRuntime } from './smtp/runtime.js';
import { MockSmtpServer } from './smtp/server.js';
import { selfSignedCertificate, type TlsMaterial } from './smtp/tls.js';
import { MemoryMessageStore } from './store/memory.js';
import { SessionStore, type SessionRecord, type TranscriptLine } from './store/sessions.js';
import type { MessageStore, StoredMessage } from './store/types.js';

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
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface MockMxEvents {
  session: [SessionRecord];
  line: [SessionRecord, TranscriptLine];
  sessionEnd: [SessionRecord];
  message: [StoredMessage];
}

export interface MockMxServer {
  readonly smtp: Endpoint;
  readonly smtps?: Endpoint;
  readonly seed: number;
  readonly messages: MessageStore;
  readonly sessions: SessionStore;
  readonly events: EventEmitter<MockMxEvents>;
  scenario(): CompiledScenario;
  /** Replaces the scenario for new decisions; rule counters start over. */
  useScenario(scenario: CompiledScenario | string): CompiledScenario;
  /** Forgets rule counters and mailbox usage. */
  resetState(): void;
  /** Stops listening; open sessions get 421 (busy ones after their current command, within graceMs). */
  close(graceMs?: number): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<MockMxServer> {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const host = options.host ?? '127.0.0.1';
  const resolve = (s: CompiledScenario | string) => (typeof s === 'string' ? loadScenario(s) : s);
  let scenario = resolve(options.scenario ?? 'default');

  const events = new EventEmitter<MockMxEvents>();
  const messages = new MemoryMessageStore({ maxMessages: options.maxMessages ?? 1000, now });
  const sessions = new SessionStore(
    { maxSessions: Math.max(1000, options.maxMessages ?? 1000), maxLines: 10_000, now },
    {
      sessionStarted: (r) => events.emit('session', r),
      line: (r, l) => events.emit('line', r, l),
      sessionEnded: (r) => events.emit('sessionEnd', r),
    },
  );
  const matchCounts = new Map<string, number>();
  const usage = new Map<string, number>();
  let sessionIndex = 0;
  const onError = options.onError ?? ((err, context) => console.error(`mockmx: error in ${context}:`, err));

  const runtime: SmtpRuntime = {
    scenario: () => scenario,
    decide: options.decide ?? engineDecide,
    matches: (id) => matchCounts.get(id) ?? 0,
    commitMatches: (ids) => {
      for (const id of ids) matchCounts.set(id, (matchCounts.get(id) ?? 0) + 1);
    },
    randomFor: (index, purpose) => streamFor(purpose === 'rules' ? seed : seed ^ 0x5bd1e995, index),
    now,
    mailboxUsage: (address) => usage.get(address.toLowerCase()) ?? 0,
    openSession: (info) => sessions.open(info),
    deliver: async (message: AcceptedMessage) => {
      const stored = await messages.add({
        sessionId: message.sessionId,
        envelope: { mailFrom: message.mailFrom, rcptTo: message.rcptTo },
        raw: message.raw,
        ...(message.rule ? { rule: message.rule } : {}),
      });
      for (const rcpt of message.rcptTo) {
        const key = rcpt.toLowerCase();
        if (scenario.mailboxes.has(key)) usage.set(key, (usage.get(key) ?? 0) + message.raw.length);
      }
      events.emit('message', stored);
      return { id: stored.id };
    },
    reportError: (err, context) => onError(err, context),
  };

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
      throw err;
    }
  }

  return {
    smtp: { host, port: smtpAddress.port },
    ...(smtps ? { smtps } : {}),
    seed,
    messages,
    sessions,
    events,
    scenario: () => scenario,
    useScenario(next) {
      scenario = resolve(next);
      matchCounts.clear();
      for (const l of listeners) l.useScenario(scenario);
      return scenario;
    },
    resetState() {
      matchCounts.clear();
      usage.clear();
    },
    async close(graceMs = 5000) {
      await Promise.all(listeners.map((l) => l.shutdown(graceMs)));
    },
  };
}
