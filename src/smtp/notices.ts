/**
 * The notices of a kept message (DSNs and auto-replies), as requests for the outbound queue:
 * one for the whole message (a message-stage decision) and any per recipient (RCPT-stage
 * decisions, magic recipients), honouring the client's NOTIFY, RET, ENVID and ORCPT (RFC 3461).
 */
import type { SMTPServerSession } from 'smtp-server';
import { analyzeHeaders } from '../checks/index.js';
import type { MessageFacts } from '../engine/facts.js';
import type { Reply } from '../engine/reply.js';
import type { NoticeSpec } from '../engine/scenario.js';
import type { NoticeRequest } from '../outbound/queue.js';

type Envelope = SMTPServerSession['envelope'];
type Recipient = Envelope['rcptTo'][number] & { dsn?: { notify?: string[]; orcpt?: string } };

export interface NoticeJob {
  readonly notice: NoticeSpec;
  readonly rule?: string;
}

export interface KeptMessage {
  readonly sessionId: string;
  /** The stored message's id. */
  readonly about: string;
  /** The header section (or the whole message when `whole`). */
  readonly head: Buffer;
  /** The message is in memory whole; a spooled one is too large to return (RFC 3462 lets a DSN carry its headers). */
  readonly whole: boolean;
  readonly envelope: Envelope;
  readonly message: MessageFacts;
  readonly now: number;
  /** A reply's lines as the session would have written them (the DSN's Diagnostic-Code). */
  readonly render: (reply: Reply) => string[];
}

/** Per-recipient notices (lower-case address → job) and one for the whole message, as requests. */
export function noticeRequests(kept: KeptMessage, perRcpt: ReadonlyMap<string, NoticeJob> | undefined, whole: NoticeJob | undefined): NoticeRequest[] {
  const rcpts = kept.envelope.rcptTo as Recipient[];
  const jobs: { notice: NoticeSpec; recipients: Recipient[] }[] = [];
  if (whole) jobs.push({ notice: whole.notice, recipients: rcpts });
  for (const [address, { notice }] of perRcpt ?? []) jobs.push({ notice, recipients: rcpts.filter((r) => r.address.toLowerCase() === address) });
  if (!jobs.length) return [];
  const requests: NoticeRequest[] = [];
  const build = requestBuilder(kept);
  for (const { notice, recipients } of jobs) {
    // RFC 3461: NOTIFY=NEVER silences; otherwise only the kinds asked for
    const wants = (kind: 'FAILURE' | 'DELAY') => (r: Recipient) => notice.kind === 'auto-reply' || !r.dsn?.notify || r.dsn.notify.includes(kind);
    if (notice.kind === 'auto-reply') {
      requests.push(build('auto-reply', undefined, notice.afterMs, recipients, notice));
      continue;
    }
    const failing = recipients.filter(wants('FAILURE'));
    if (notice.kind === 'failure') {
      if (failing.length) requests.push(build('failure', notice.reply, notice.afterMs, failing, notice));
      continue;
    }
    const final = notice.final && failing.length ? build('failure', notice.final.reply, notice.final.afterMs, failing, notice) : undefined;
    const delayed = recipients.filter(wants('DELAY'));
    if (delayed.length) requests.push(build('delay', notice.reply, notice.afterMs, delayed, notice, final));
    else if (final) requests.push(final);
  }
  return requests;
}

function requestBuilder(kept: KeptMessage) {
  const { envelope, now } = kept;
  const sender = envelope.mailFrom ? envelope.mailFrom.address : '';
  const headerFacts = kept.message.headers ? kept.message : analyzeHeaders({ raw: kept.head, rcptTo: [], smtpUtf8: !!envelope.smtpUtf8 });
  const headers = headerFacts.headers!;
  const messageId = headers.get('message-id')?.[0];
  const dsn = (envelope as { dsn?: { ret?: string | null; envid?: string | null } }).dsn;
  return (kind: NoticeRequest['kind'], r: Reply | undefined, afterMs: number, recipients: Recipient[], notice: NoticeSpec, then?: NoticeRequest): NoticeRequest => ({
    kind,
    sessionId: kept.sessionId,
    about: kept.about,
    sender,
    recipients: recipients.map((x) => ({ address: x.address, ...(x.dsn?.orcpt ? { orcpt: x.dsn.orcpt } : {}) })),
    status: r?.enhanced ?? (r ? `${Math.floor(r.code / 100)}.0.0` : '2.0.0'),
    diagnostic: r ? kept.render(r) : [],
    ...(r?.style ? { provider: r.style } : {}),
    ...(dsn?.envid ? { envid: dsn.envid } : {}),
    ret: dsn?.ret === 'HDRS' || !kept.whole ? 'HDRS' : 'FULL',
    original: kept.head,
    ...(headerFacts.subject !== undefined ? { originalSubject: headerFacts.subject } : {}),
    ...(messageId ? { originalMessageId: messageId } : {}),
    originalHeaders: headers,
    arrivedAt: now,
    dueAt: now + afterMs,
    ...(then ? { then } : {}),
    ...(notice.autoReply ? { autoReply: notice.autoReply } : {}),
  });
}
