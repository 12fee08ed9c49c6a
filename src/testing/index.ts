/**
 * The test helper for vitest and jest users: `const mx = await startMockMx({ scenario })`
 * starts an in-process mockmx on free ports and gives typed access to what it captured.
 * No global state: two instances in one test file do not interfere.
 */
import { startHttpApi, startServer, type ServerOptions } from '../app.js';
import type { MockMxServer } from '../server/types.js';
import type { CompiledScenario } from '../engine/scenario.js';
import { refusalsOf } from '../store/transcript-outcome.js';
import { loadScenarioText } from '../scenario/load.js';
import type { RuleSpec } from '../scenario/schema.js';
import type { StateEntry } from '../state/types.js';
import type { SessionRecord } from '../store/sessions.js';
import type { StoredMessage } from '../store/types.js';
import type { CheckId, CheckResult, Evidence, Report, SenderReport, Verdict } from '../report/index.js';
import { assertReportPasses, checkedIds, filterOf, settle, type ExpectReportOptions, type ReportQuery } from './report.js';

export type { StoredMessage, SessionRecord, StateEntry, RuleSpec };
export type { CheckId, CheckResult, Evidence, ExpectReportOptions, Report, ReportQuery, SenderReport, Verdict };
export { ReportAssertionError, type ReportFailure } from './report.js';

export interface StartMockMxOptions {
  /** A shipped scenario name, a path, or YAML text (anything with a newline). Default `default`. */
  readonly scenario?: string | CompiledScenario;
  readonly seed?: number;
  /** Also listen for implicit TLS. */
  readonly smtps?: boolean;
  /** Also start the HTTP API (for code that talks to it, or to look in the browser). */
  readonly http?: boolean;
  readonly maxMessages?: number;
  /** An injectable clock, for greylisting and rate limits without sleeping. */
  readonly now?: () => number;
  /** Where bounces and auto-replies are delivered over SMTP. */
  readonly bounceTo?: { host: string; port: number };
  /** Share rule state and scenario changes with every instance using this Redis/Valkey URL (as `--redis`). */
  readonly redis?: string;
}

/** Matches a text exactly (case-insensitive) or by regular expression. */
export type TextFilter = string | RegExp;

export interface MessageFilter {
  readonly to?: TextFilter;
  readonly from?: TextFilter;
  readonly subject?: TextFilter;
  readonly text?: TextFilter;
  /** Only messages mockmx sent (bounces, auto-replies) — or only received ones with false. */
  readonly outbound?: boolean;
}

export interface Rejection {
  readonly sessionId: string;
  readonly at: number;
  readonly code: number;
  readonly enhanced?: string;
  /** The reply lines, without code and enhanced code. */
  readonly text: string[];
  /** The rule that answered, if a rule did. */
  readonly rule?: string;
  /** The command line it answered (credentials redacted). */
  readonly command?: string;
}

export interface RejectionFilter {
  readonly code?: number;
  readonly rule?: TextFilter;
  /** Matches the command it answered, e.g. `RCPT TO:<bob@` */
  readonly command?: TextFilter;
}

export interface MockMx {
  readonly smtp: { readonly host: string; readonly port: number };
  readonly smtps?: { readonly host: string; readonly port: number };
  readonly http?: { readonly url: string };
  /** The seed of `probability` rules; pass it back to replay a run. */
  readonly seed: number;
  /** The underlying server, for anything this helper does not wrap. */
  readonly server: MockMxServer;
  /** Switches scenario (name, path or YAML text); rule state and pushed rules start over. */
  useScenario(scenario: string | CompiledScenario): void;
  /** Pushes rules in front of the scenario's own (YAML text or objects); returns their ids. */
  addRule(rule: string | RuleSpec | readonly RuleSpec[]): string[];
  /** Forgets messages, sessions, pushed rules, rule state and the report card: a clean slate between tests (with `redis`, messages, pushed rules and rule state on every instance). */
  reset(): Promise<void>;
  messages(filter?: MessageFilter): Promise<StoredMessage[]>;
  /** Resolves with the first message matching, already here or arriving within `timeout` ms. */
  waitForMessage(filter?: MessageFilter, options?: { timeout?: number }): Promise<StoredMessage>;
  rejections(filter?: RejectionFilter): Rejection[];
  waitForRejection(filter?: RejectionFilter, options?: { timeout?: number }): Promise<Rejection>;
  sessions(): SessionRecord[];
  /** Rule state (counters, windows, greylist entries, flags, mailbox usage). */
  state(prefix?: string): Promise<StateEntry[]>;
  resetState(prefix?: string): Promise<number>;
  /** Sends the bounces and auto-replies due now on the clock (with `redis`, every instance sends its own); resolves to how many went. */
  flushNotices(): Promise<number>;
  /**
   * The sender report card (the JSON of GET /api/v1/report): per client IP and envelope sender,
   * each check's verdict with RFC clause, remedy and evidence, as of the clock's now.
   */
  report(filter?: ReportQuery): Report;
  /**
   * Fails the test unless no check fails for the senders `filter` selects (and at least one was
   * graded): throws a ReportAssertionError listing each failing check with its RFC clause,
   * remedy and evidence. Waits first (at most `settleMs`) for open sessions to end, so a client
   * that has just sent its QUIT is graded on it.
   */
  expectReportPasses(filter?: ReportQuery, options?: ExpectReportOptions): Promise<void>;
  close(): Promise<void>;
}

const matches = (filter: TextFilter | undefined, value: string | undefined): boolean =>
  filter === undefined || (value !== undefined && (typeof filter === 'string' ? value.toLowerCase() === filter.toLowerCase() : filter.test(value)));

const matchesAny = (filter: TextFilter | undefined, values: readonly string[]): boolean => filter === undefined || values.some((v) => matches(filter, v));

async function messageMatches(m: StoredMessage, filter: MessageFilter): Promise<boolean> {
  if (filter.outbound !== undefined && !!m.outbound !== filter.outbound) return false;
  if (!matchesAny(filter.to, m.envelope.rcptTo) || !matches(filter.from, m.envelope.mailFrom)) return false;
  if (filter.subject === undefined && filter.text === undefined) return true;
  const parsed = await m.parsed();
  const text = parsed.text;
  return matches(filter.subject, parsed.subject) && (filter.text === undefined || (typeof filter.text === 'string' ? text.includes(filter.text) : filter.text.test(text)));
}

/** Refusals, read from the transcripts (every reply with a 4xx/5xx code), oldest first. */
export function rejectionsOf(sessions: readonly SessionRecord[]): Rejection[] {
  return [...sessions].reverse().flatMap((s) =>
    refusalsOf(s).map((r) => ({
      sessionId: r.sessionId,
      at: r.at,
      code: r.code,
      ...(r.enhanced ? { enhanced: r.enhanced } : {}),
      // the lines without their code and enhanced code
      text: r.lines.map((l) => l.slice(4 + (r.enhanced ? r.enhanced.length + 1 : 0))),
      ...(r.rule ? { rule: r.rule } : {}),
      ...(r.command !== undefined ? { command: r.command } : {}),
    })),
  );
}

function rejectionMatches(r: Rejection, f: RejectionFilter): boolean {
  return (f.code === undefined || r.code === f.code) && matches(f.rule, r.rule) && (f.command === undefined || (typeof f.command === 'string' ? !!r.command?.toLowerCase().startsWith(f.command.toLowerCase()) : f.command.test(r.command ?? '')));
}

function resolveScenario(scenario: string | CompiledScenario): string | CompiledScenario {
  return typeof scenario === 'string' && scenario.includes('\n') ? loadScenarioText(scenario, 'test-scenario.yaml') : scenario;
}

function timeoutError(what: string, ms: number): Error {
  return Object.assign(new Error(`mockmx: no ${what} within ${ms} ms`), { code: 'ETIMEDOUT' });
}

export async function startMockMx(options: StartMockMxOptions = {}): Promise<MockMx> {
  const serverOptions: ServerOptions = {
    scenario: resolveScenario(options.scenario ?? 'default'),
    smtpPort: 0,
    ...(options.smtps ? { smtpsPort: 0 } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.maxMessages !== undefined ? { maxMessages: options.maxMessages } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.bounceTo ? { bounceTo: options.bounceTo } : {}),
    ...(options.redis ? { redis: options.redis } : {}),
  };
  const server = await startServer(serverOptions);
  let http: { url: string; close(): Promise<void> } | undefined;
  if (options.http) {
    http = await startHttpApi(server, { host: server.smtp.host, port: 0 });
  }

  const waitFor = <T>(what: string, timeout: number, find: () => Promise<T | undefined> | T | undefined, event: 'message' | 'line'): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        server.events.off(event, check);
        fn();
      };
      const check = () => {
        Promise.resolve(find()).then(
          (found) => {
            if (found !== undefined) finish(() => resolve(found));
          },
          (err: unknown) => finish(() => reject(err)),
        );
      };
      const timer = setTimeout(() => finish(() => reject(timeoutError(what, timeout))), timeout);
      server.events.on(event, check);
      check();
    });

  const messages = async (filter: MessageFilter = {}) => {
    const all = await server.messages.list();
    const keep = await Promise.all(all.map((m) => messageMatches(m, filter)));
    return all.filter((_, i) => keep[i]);
  };
  const rejections = (filter: RejectionFilter = {}) => rejectionsOf(server.sessions.list()).filter((r) => rejectionMatches(r, filter));

  return {
    smtp: server.smtp,
    ...(server.smtps ? { smtps: server.smtps } : {}),
    ...(http ? { http: { url: http.url } } : {}),
    seed: server.seed,
    server,
    useScenario: (scenario) => void server.useScenario(resolveScenario(scenario)),
    addRule: (rule) => server.addRules(rule),
    async reset() {
      server.clearRules();
      await server.resetState();
      await server.messages.clear();
      await server.clearSessions();
      server.resetReport();
    },
    messages,
    waitForMessage: (filter = {}, { timeout = 5000 } = {}) => waitFor('matching message', timeout, async () => (await messages(filter)).at(-1), 'message'),
    rejections,
    waitForRejection: (filter = {}, { timeout = 5000 } = {}) => waitFor('matching rejection', timeout, () => rejections(filter).at(-1), 'line'),
    sessions: () => server.sessions.list(),
    state: (prefix) => server.stateEntries(prefix),
    resetState: (prefix) => server.resetState(prefix),
    flushNotices: () => server.outbound.flush(),
    report: (filter) => server.report(filterOf(filter)),
    async expectReportPasses(filter, options = {}) {
      checkedIds(options.checks); // a misspelt check fails before any wait
      await settle(server, options.settleMs ?? 2000);
      assertReportPasses(server.report(filterOf(filter)), options);
    },
    async close() {
      await http?.close();
      await server.close(0);
    },
  };
}
