/**
 * Search and wait filters. Text filters are case-insensitive substrings; `code` and
 * `enhanced` match by prefix (`code=4` is every temporary refusal, `code=550` exactly 550).
 */
import type { SessionRecord } from '../store/sessions.js';
import type { StoredMessage } from '../store/types.js';
import { transactionOf, type Refusal, type WireReply } from '../store/transcript-outcome.js';

export interface MessageFilter {
  from?: string;
  to?: string;
  subject?: string;
  text?: string;
  rule?: string;
  outcome?: string;
  /** "true": only notices mockmx sent (DSNs, auto-replies); "false": only received mail. */
  outbound?: string;
}

export interface RefusalFilter {
  code?: string;
  enhanced?: string;
  rule?: string;
  rcpt?: string;
  from?: string;
  text?: string;
  session?: string;
}

const has = (haystack: string | undefined, needle: string) => (haystack ?? '').toLowerCase().includes(needle.toLowerCase());
const any = (values: readonly (string | undefined)[], needle: string) => values.some((v) => has(v, needle));

export const messageFilterSchema = {
  from: { type: 'string', description: 'envelope sender or From: address contains' },
  to: { type: 'string', description: 'an envelope recipient or To: address contains' },
  subject: { type: 'string', description: 'subject contains' },
  text: { type: 'string', description: 'plain-text or HTML body contains' },
  rule: { type: 'string', description: 'id of a rule that answered in its transaction (at MAIL, RCPT, DATA or the message) contains' },
  outcome: { type: 'string', description: 'its transaction’s replies contain (the final 250, or a refused recipient’s code, enhanced code, text or rule), or "accepted"/"refused"' },
  outbound: { type: 'string', enum: ['true', 'false'], description: 'true: only bounces and auto-replies mockmx sent; false: only received mail' },
} as const;

export const refusalFilterSchema = {
  code: { type: 'string', description: 'reply code starts with (4, 45, 550…)' },
  enhanced: { type: 'string', description: 'enhanced code starts with (5.7, 4.2.1…)' },
  rule: { type: 'string', description: 'answering rule id contains' },
  rcpt: { type: 'string', description: 'a recipient it concerns contains' },
  from: { type: 'string', description: 'the transaction’s sender contains' },
  text: { type: 'string', description: 'reply text contains' },
  session: { type: 'string', description: 'session id' },
} as const;

const replyWords = (r: WireReply) => [String(r.code), r.enhanced, r.text, r.rule, ...r.recipients];

export async function matchesMessage(m: StoredMessage, session: SessionRecord | undefined, f: MessageFilter): Promise<boolean> {
  if (f.outbound !== undefined && !!m.outbound !== (f.outbound === 'true')) return false;
  const t = f.rule !== undefined || f.outcome !== undefined ? transactionOf(m, session) : undefined;
  if (f.rule !== undefined && !any([m.rule, t?.reply?.rule, ...(t?.replies ?? []).map((r) => r.rule)], f.rule)) return false;
  if (f.outcome !== undefined) {
    const words = ['accepted', ...(t?.refused.length ? ['refused'] : []), ...(t?.reply ? replyWords(t.reply) : []), ...(t?.refused ?? []).flatMap(replyWords)];
    if (!any(words, f.outcome)) return false;
  }
  if (f.from === undefined && f.to === undefined && f.subject === undefined && f.text === undefined) {
    return true;
  }
  // only these need the parsed message
  const p = await m.parsed();
  if (f.from !== undefined && !any([m.envelope.mailFrom, p.from], f.from)) return false;
  if (f.to !== undefined && !any([...m.envelope.rcptTo, ...p.to], f.to)) return false;
  if (f.subject !== undefined && !has(p.subject, f.subject)) return false;
  if (f.text !== undefined && !any([p.text, p.html], f.text)) return false;
  return true;
}

export function matchesRefusal(r: Refusal, f: RefusalFilter): boolean {
  if (f.code !== undefined && !String(r.code).startsWith(f.code)) return false;
  if (f.enhanced !== undefined && !(r.enhanced ?? '').startsWith(f.enhanced)) return false;
  if (f.rule !== undefined && !has(r.rule, f.rule)) return false;
  if (f.rcpt !== undefined && !any(r.recipients, f.rcpt)) return false;
  if (f.from !== undefined && !has(r.sender, f.from)) return false;
  if (f.text !== undefined && !any([r.text, ...r.lines], f.text)) return false;
  if (f.session !== undefined && r.sessionId !== f.session) return false;
  return true;
}

/** The filters of a request, for an error message: `to="bob" subject="hi"`. */
export const describeFilter = (filter: Record<string, string | undefined>) =>
  Object.entries(filter)
    .filter(([k, v]) => v !== undefined && k !== 'token')
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ') || 'anything';
