/**
 * Prometheus metrics of one mockmx instance, in a registry of its own (two servers in one
 * process never share numbers). Counters follow the server's events from the moment the
 * HTTP listener starts; gauges are read from the stores at scrape time.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { MockMxServer } from '../server/types.js';
import type { Hub } from './hub.js';
import { outcomeOf } from '../store/transcript-outcome.js';

export function createMetrics(mx: MockMxServer, hub: Hub): Registry {
  const registry = new Registry();
  const registers = [registry];
  // this instance's own connections (with --redis the store also follows the others' sessions)
  const open = () => mx.sessions.list().filter((s) => s.endedAt === undefined && s.instance === undefined);

  const sessions = new Counter({ name: 'mockmx_sessions_total', help: 'SMTP sessions started, by listener', labelNames: ['listener'] as const, registers });
  const ended = new Counter({ name: 'mockmx_sessions_ended_total', help: 'SMTP sessions ended, by outcome (delivered, rejected, dropped, closed)', labelNames: ['outcome'] as const, registers });
  new Gauge({
    name: 'mockmx_sessions_active',
    help: 'SMTP sessions in progress',
    registers,
    collect() {
      this.set(open().length);
    },
  });
  new Gauge({
    name: 'mockmx_connections_active',
    help: 'open SMTP connections, by listener',
    labelNames: ['listener'] as const,
    registers,
    collect() {
      this.reset();
      for (const listener of ['smtp', 'smtps'] as const) this.set({ listener }, 0);
      for (const s of open()) this.inc({ listener: s.listener });
    },
  });
  const accepted = new Counter({ name: 'mockmx_messages_accepted_total', help: 'messages accepted', registers });
  const bytes = new Counter({ name: 'mockmx_message_bytes_accepted_total', help: 'bytes of accepted messages', registers });
  new Gauge({
    name: 'mockmx_messages_stored',
    help: 'messages kept in the store (with --redis, the other instances\' it shows too)',
    registers,
    async collect() {
      this.set(await mx.messages.count());
    },
  });
  // counted in nested maps on every reply (no label object or key string per line), handed
  // to prom-client at scrape time
  const replyCounts = new ReplyCounts();
  new Counter({
    name: 'mockmx_replies_total',
    help: 'SMTP replies sent, by code, enhanced code and the id of the rule that answered ("" when none did)',
    labelNames: ['code', 'enhanced', 'rule'] as const,
    registers,
    collect() {
      this.reset();
      replyCounts.forEach((code, enhanced, rule, n) => this.inc({ code: String(code), enhanced, rule }, n));
    },
  });
  new Gauge({
    name: 'mockmx_scenario_rules',
    help: 'rules in the running scenario (pushed ones included)',
    registers,
    collect() {
      this.set(mx.scenario().rules.length);
    },
  });

  // multi-line replies count once, on their last line (the adapter names the rule on every line)
  // counters are this instance's own: with --redis, the sessions and messages of others it shows are not counted
  hub.on('session', (s) => s.instance === undefined && sessions.inc({ listener: s.listener }));
  hub.on('line', (s, line) => {
    if (s.instance !== undefined || line.direction !== 'out' || line.more || line.code === undefined) return;
    replyCounts.add(line.code, line.enhanced ?? '', line.rule ?? '');
  });
  hub.on('sessionEnd', (s) => s.instance === undefined && ended.inc({ outcome: outcomeOf(s).status }));
  hub.on('message', (m) => {
    if (m.instance !== undefined) return;
    accepted.inc();
    bytes.inc(m.size);
  });
  return registry;
}

/** Replies by code → enhanced code → rule: a hit allocates nothing. */
class ReplyCounts {
  private readonly byCode = new Map<number, Map<string, Map<string, { n: number }>>>();

  add(code: number, enhanced: string, rule: string): void {
    let byEnhanced = this.byCode.get(code);
    if (!byEnhanced) this.byCode.set(code, (byEnhanced = new Map()));
    let byRule = byEnhanced.get(enhanced);
    if (!byRule) byEnhanced.set(enhanced, (byRule = new Map()));
    const count = byRule.get(rule);
    if (count) count.n++;
    else byRule.set(rule, { n: 1 });
  }

  forEach(fn: (code: number, enhanced: string, rule: string, n: number) => void): void {
    for (const [code, byEnhanced] of this.byCode) for (const [enhanced, byRule] of byEnhanced) for (const [rule, { n }] of byRule) fn(code, enhanced, rule, n);
  }
}
