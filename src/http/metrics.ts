/**
 * Prometheus metrics of one mockmx instance, in a registry of its own (two servers in one
 * process never share numbers). Counters follow the server's events from the moment the
 * HTTP listener starts; gauges are read from the stores at scrape time.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { MockMxServer } from '../server/types.js';
import type { Hub } from './hub.js';
import { outcomeOf } from '../store/transcript-outcome.js';

const FINAL_REPLY_LINE = /^(\d{3})(?: (.*))?$/;
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(?: |$)/;

export function createMetrics(mx: MockMxServer, hub: Hub): Registry {
  const registry = new Registry();
  const registers = [registry];
  const open = () => mx.sessions.list().filter((s) => s.endedAt === undefined);

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
    help: 'messages kept in the store',
    registers,
    async collect() {
      this.set(await mx.messages.count());
    },
  });
  const replies = new Counter({
    name: 'mockmx_replies_total',
    help: 'SMTP replies sent, by code, enhanced code and the id of the rule that answered ("" when none did)',
    labelNames: ['code', 'enhanced', 'rule'] as const,
    registers,
  });
  new Gauge({
    name: 'mockmx_scenario_rules',
    help: 'rules in the running scenario (pushed ones included)',
    registers,
    collect() {
      this.set(mx.scenario().rules.length);
    },
  });

  // multi-line replies count once, on their last line; the rule may be named on any line
  const ruleOfReply = new Map<string, string>();
  hub.on('session', (s) => sessions.inc({ listener: s.listener }));
  hub.on('line', (s, line) => {
    if (line.direction !== 'out') return;
    if (line.rule) ruleOfReply.set(s.id, line.rule);
    const m = FINAL_REPLY_LINE.exec(line.text);
    if (!m) return;
    const rule = ruleOfReply.get(s.id) ?? '';
    ruleOfReply.delete(s.id);
    replies.inc({ code: m[1]!, enhanced: ENHANCED.exec(m[2] ?? '')?.[1] ?? '', rule });
  });
  hub.on('sessionEnd', (s) => {
    ruleOfReply.delete(s.id);
    ended.inc({ outcome: outcomeOf(s).status });
  });
  hub.on('message', (m) => {
    accepted.inc();
    bytes.inc(m.size);
  });
  return registry;
}
