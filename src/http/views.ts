/** The JSON the API answers with: messages, sessions, refusals and the scenario as plain objects. */
import type { CompiledRule, CompiledScenario } from '../engine/scenario.js';
import type { Reply } from '../engine/reply.js';
import type { SessionRecord, TranscriptLine } from '../store/sessions.js';
import type { ParsedMessage, StoredMessage } from '../store/types.js';
import { outcomeOf, transactionOf, type MessageTransaction, type Refusal, type WireReply } from '../store/transcript-outcome.js';

export const API = '/api/v1';
import { PUSHED_RULES_FILE } from '../scenario/pushed.js';
export const PUSHED_FILE = PUSHED_RULES_FILE;

const iso = (ms: number) => new Date(ms).toISOString();

export function replyJson(r: WireReply) {
  return {
    code: r.code,
    ...(r.enhanced ? { enhanced: r.enhanced } : {}),
    text: r.text,
    lines: r.lines,
    ...(r.rule ? { rule: r.rule } : {}),
    at: iso(r.at),
    ...(r.command !== undefined ? { command: r.command } : {}),
    ...(r.recipients.length ? { recipients: r.recipients } : {}),
  };
}

/** A Refusal (refusalOf leaves out the fields it lacks) with its time as ISO text and a link. */
export function refusalJson(r: Refusal) {
  return { ...r, at: iso(r.at), links: { session: `${API}/sessions/${r.sessionId}` } };
}

export function transactionJson(t: MessageTransaction | undefined) {
  return {
    ...(t?.reply ? { reply: replyJson(t.reply) } : {}),
    refused: (t?.refused ?? []).map(replyJson),
  };
}

function messageLinks(m: StoredMessage) {
  return { self: `${API}/messages/${m.id}`, raw: `${API}/messages/${m.id}/raw`, session: `${API}/sessions/${m.sessionId}` };
}

export function messageSummary(m: StoredMessage, p: ParsedMessage, session: SessionRecord | undefined) {
  return {
    id: m.id,
    sessionId: m.sessionId,
    receivedAt: iso(m.receivedAt),
    size: m.size,
    envelope: m.envelope,
    ...(m.instance ? { instance: m.instance } : {}),
    ...(m.rule ? { rule: m.rule } : {}),
    // a notice mockmx sent: a DSN or an auto-reply, what it is about, where it went
    ...(m.outbound ? { outbound: m.outbound } : {}),
    subject: p.subject,
    ...(p.from ? { from: p.from } : {}),
    to: p.to,
    ...(p.messageId ? { messageId: p.messageId } : {}),
    attachments: p.attachments.length,
    transaction: transactionJson(transactionOf(m, session)),
    links: messageLinks(m),
  };
}

export function messageDetail(m: StoredMessage, p: ParsedMessage, session: SessionRecord | undefined) {
  return {
    ...messageSummary(m, p, session),
    ...(p.date ? { date: p.date } : {}),
    headers: p.headers,
    text: p.text,
    ...(p.html !== undefined ? { html: p.html } : {}),
    attachments: p.attachments.map((a, index) => ({ index, ...a, href: `${API}/messages/${m.id}/attachments/${index}` })),
    ...(m.authenticationResults ? { authenticationResults: m.authenticationResults } : {}),
    session: session
      ? { href: `${API}/sessions/${session.id}`, ...sessionHead(session) }
      : { id: m.sessionId, href: `${API}/sessions/${m.sessionId}`, expired: true },
  };
}

export const lineJson = (l: TranscriptLine) => ({ at: iso(l.at), direction: l.direction, text: l.text, ...(l.rule ? { rule: l.rule } : {}) });

/** A session without its transcript (what the event stream announces). */
export function sessionHead(s: SessionRecord) {
  // the adapter records the name each accepted greeting gave (a legacy file's is read on load)
  const heloName = s.heloName;
  return {
    id: s.id,
    startedAt: iso(s.startedAt),
    ...(s.endedAt !== undefined ? { endedAt: iso(s.endedAt) } : {}),
    clientIp: s.clientIp,
    clientPort: s.clientPort,
    listener: s.listener,
    ...(heloName ? { heloName } : {}),
    ...(s.tls !== undefined ? { tls: s.tls } : {}),
    ...(s.tlsVersion ? { tlsVersion: s.tlsVersion } : {}),
    ...(s.authUser ? { authUser: s.authUser } : {}),
    // with --redis: the instance that holds it, when that is another one
    ...(s.instance ? { instance: s.instance } : {}),
  };
}

export function sessionJson(s: SessionRecord, messageIds: readonly string[], withTranscript = true) {
  const outcome = outcomeOf(s);
  return {
    ...sessionHead(s),
    outcome: { ...outcome, ...(outcome.lastRefusal ? { lastRefusal: refusalJson(outcome.lastRefusal) } : {}) },
    messages: messageIds,
    links: { self: `${API}/sessions/${s.id}` },
    ...(withTranscript ? { transcript: s.transcript.map(lineJson) } : {}),
  };
}

const replyOut = (r: Reply) => ({ code: r.code, ...(r.enhanced ? { enhanced: r.enhanced } : {}), lines: r.lines, ...(r.close ? { close: true } : {}), ...(r.style ? { style: r.style } : {}) });

export function ruleJson(r: CompiledRule) {
  return {
    id: r.id,
    ...(r.description ? { description: r.description } : {}),
    stages: [...r.stages],
    when: r.conditions.map((c) => c.key),
    then: { kind: r.action.kind, ...(r.action.reply ? { reply: replyOut(r.action.reply) } : {}), ...(r.action.delayMs ? { delayMs: r.action.delayMs } : {}) },
    ...(r.times !== undefined ? { times: r.times } : {}),
    ...(r.after !== undefined ? { after: r.after } : {}),
    ...(r.probability !== undefined ? { probability: r.probability } : {}),
    ...(r.per ? { per: r.per } : {}),
    ...(r.rate ? { rate: r.rate } : {}),
    ...(r.greylist ? { greylist: r.greylist } : {}),
    ...(r.flags ? { flags: r.flags } : {}),
    source: { ...r.source },
    pushed: r.source.file === PUSHED_FILE,
  };
}

export function scenarioJson(s: CompiledScenario) {
  const { server } = s;
  return {
    name: s.name,
    ...(s.description ? { description: s.description } : {}),
    files: s.files,
    yaml: s.sources[0]?.text ?? '',
    rules: s.rules.map(ruleJson),
    server: {
      hostname: server.hostname,
      banner: server.banner,
      size: server.size,
      maxRecipients: server.maxRecipients,
      maxConnections: server.maxConnections,
      idleTimeoutMs: server.idleTimeoutMs,
      recipients: server.recipients,
      tls: server.tls,
      // passwords and tokens stay out of it
      auth: { mechanisms: server.auth.mechanisms, required: server.auth.required, allowInsecure: server.auth.allowInsecure, users: server.auth.users.map((u) => u.user) },
    },
    mailboxes: [...s.mailboxes.values()],
    replies: Object.fromEntries([...s.replies].map(([event, r]) => [event, replyOut(r)])),
  };
}
