/**
 * Delivery status notifications (RFC 3464) and auto-replies (RFC 3834), composed with
 * nodemailer's MIME composer. The human-readable part is worded the way the provider whose
 * reply caused it words its bounces.
 */
import { loadMimeNode } from '../util/lazy-modules.js';
import { headerSectionEnd } from '../checks/header-section.js';
import { rfc5322Date } from '../util/instant.js';
import { REGISTRY, type DsnWording, type Registry } from '../providers/index.js';

export interface NoticeRecipient {
  readonly address: string;
  /** RFC 3461 ORCPT, as given (`rfc822;bob@example.com`). */
  readonly orcpt?: string;
}

export interface DsnInput {
  readonly action: 'failed' | 'delayed';
  /** The enhanced status code, e.g. `5.1.1`. */
  readonly status: string;
  /** The reply as it would have gone on the wire, one line per entry. */
  readonly diagnostic: readonly string[];
  readonly recipients: readonly NoticeRecipient[];
  /** The envelope sender the notice goes to. */
  readonly to: string;
  readonly reportingMta: string;
  readonly arrivalDate: Date;
  readonly date: Date;
  /** RFC 3461 ENVID, when the client gave one. */
  readonly envid?: string;
  /** RFC 3461 RET: FULL returns the whole message, HDRS only its header section. */
  readonly ret: 'FULL' | 'HDRS';
  readonly original: Buffer;
  readonly originalSubject?: string;
  /** The registered provider whose wording the notice uses; absent (or not registered): a plain MTA's. */
  readonly provider?: string;
  /** For delayed notices: until when delivery is retried. */
  readonly willRetryUntil?: Date;
  readonly messageId: string;
}

/** A plain MTA's wording (Postfix's), for replies that are no provider's. */
const PLAIN_MTA: DsnWording = {
  failed: 'Undelivered Mail Returned to Sender',
  delayed: 'Delayed Mail (still being retried)',
  from: 'Mail Delivery System <MAILER-DAEMON@{mta}>',
  body: ({ failed, recipients, reply, reportingMta }) =>
    `This is the mail system at host ${reportingMta}.\n\n${failed ? "I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients." : 'Your message could not be delivered for a while. Mail delivery\nwill continue to be attempted.'}\n\n${recipients.map((r) => `<${r}>: ${reply}`).join('\n')}\n`,
};

function humanText(input: DsnInput, words: DsnWording): string {
  return words.body({
    failed: input.action === 'failed',
    recipients: input.recipients.map((r) => r.address),
    reply: input.diagnostic.join('\n'),
    reportingMta: input.reportingMta,
    retryHours: retryHours(input),
  });
}

function retryHours(input: DsnInput): number {
  return input.willRetryUntil ? Math.max(1, Math.round((input.willRetryUntil.getTime() - input.date.getTime()) / 3_600_000)) : 46;
}

/** The header section of a message (up to the blank line). */
export function headerSection(raw: Buffer): Buffer {
  const end = headerSectionEnd(raw);
  return end === -1 ? raw : raw.subarray(0, end);
}

/** The message/delivery-status body: per-message fields, then one group per recipient. */
export function deliveryStatusFields(input: DsnInput): string {
  const perMessage = [`Reporting-MTA: dns; ${input.reportingMta}`, ...(input.envid ? [`Original-Envelope-Id: ${input.envid}`] : []), `Arrival-Date: ${rfc5322Date(input.arrivalDate)}`];
  const groups = input.recipients.map((r) =>
    [
      ...(r.orcpt ? [`Original-Recipient: ${r.orcpt.includes(';') ? r.orcpt : `rfc822;${r.orcpt}`}`] : []),
      `Final-Recipient: rfc822; ${r.address}`,
      `Action: ${input.action}`,
      `Status: ${input.status}`,
      `Remote-MTA: dns; ${input.reportingMta}`,
      `Diagnostic-Code: smtp; ${input.diagnostic.join(' ')}`,
      `Last-Attempt-Date: ${rfc5322Date(input.date)}`,
      ...(input.action === 'delayed' && input.willRetryUntil ? [`Will-Retry-Until: ${rfc5322Date(input.willRetryUntil)}`] : []),
    ].join('\r\n'),
  );
  return `${[perMessage.join('\r\n'), ...groups].join('\r\n\r\n')}\r\n`;
}

/** `providers` is where the wording comes from: the registered providers unless a test brings its own. */
export async function composeDsn(input: DsnInput, providers: Pick<Registry, 'dsnWording'> = REGISTRY): Promise<Buffer> {
  const words = (input.provider && providers.dsnWording(input.provider)) || PLAIN_MTA;
  const subject = (input.action === 'failed' ? words.failed : words.delayed).replace('{subject}', input.originalSubject ?? '(no subject)');
  const MimeNode = await loadMimeNode();
  const root = new MimeNode('multipart/report; report-type=delivery-status');
  root.setHeader({
    From: words.from.replace('{mta}', input.reportingMta),
    To: input.to,
    Subject: subject,
    Date: input.date.toUTCString(),
    'Message-ID': input.messageId,
    'Auto-Submitted': 'auto-replied',
  });
  root.createChild('text/plain; charset=utf-8').setContent(humanText(input, words));
  root.createChild('message/delivery-status').setContent(deliveryStatusFields(input));
  if (input.ret === 'HDRS') root.createChild('text/rfc822-headers').setContent(headerSection(input.original));
  else root.createChild('message/rfc822').setContent(input.original);
  return root.build();
}

export interface AutoReplyInput {
  /** The recipient that "answers". */
  readonly from: string;
  readonly to: string;
  readonly originalSubject?: string;
  readonly originalMessageId?: string;
  readonly subject?: string;
  readonly text: string;
  readonly date: Date;
  readonly messageId: string;
}

/** An RFC 3834 auto-reply ("out of office"). */
export async function composeAutoReply(input: AutoReplyInput): Promise<Buffer> {
  const MimeNode = await loadMimeNode();
  const root = new MimeNode('text/plain; charset=utf-8');
  root.setHeader({
    From: input.from,
    To: input.to,
    Subject: input.subject ?? `Automatic reply: ${input.originalSubject ?? ''}`.trim(),
    Date: input.date.toUTCString(),
    'Message-ID': input.messageId,
    'Auto-Submitted': 'auto-replied',
    ...(input.originalMessageId ? { 'In-Reply-To': input.originalMessageId, References: input.originalMessageId } : {}),
  });
  root.setContent(input.text);
  return root.build();
}

/**
 * RFC 3834 §2: never answer the null sender, another automatic message, or list/bulk mail.
 */
export function mayAutoReply(sender: string, headers: ReadonlyMap<string, readonly string[]>): boolean {
  if (!sender || /^(mailer-daemon|postmaster)@/i.test(sender)) return false;
  const auto = headers.get('auto-submitted')?.[0]?.trim().toLowerCase();
  if (auto && auto !== 'no') return false;
  const precedence = headers.get('precedence')?.[0]?.trim().toLowerCase();
  if (precedence && ['bulk', 'list', 'junk'].includes(precedence)) return false;
  return !headers.has('list-id');
}
