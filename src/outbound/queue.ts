/**
 * Notices mockmx sends after it has said 250: failure and delay DSNs and auto-replies. Each
 * waits until its time on the injected clock (tests advance the clock and call `flush()`),
 * is kept in the store as an outbound message, and is delivered over SMTP only to the
 * endpoint the scenario or `--bounce-to` names — never anywhere else.
 */
import { randomBytes } from 'node:crypto';
import { loadNodemailer } from '../util/lazy-modules.js';
import { composeAutoReply, composeDsn, mayAutoReply, type NoticeRecipient } from './dsn.js';

export interface NoticeRequest {
  readonly kind: 'failure' | 'delay' | 'auto-reply';
  readonly sessionId: string;
  /** The stored inbound message the notice is about. */
  readonly about: string;
  /** The envelope sender: where the notice goes. */
  readonly sender: string;
  readonly recipients: readonly NoticeRecipient[];
  /** Enhanced status for the DSN (`5.1.1`). */
  readonly status: string;
  /** The reply lines as they would have gone on the wire. */
  readonly diagnostic: readonly string[];
  /** The provider whose wording the notice uses (a registered name). */
  readonly provider?: string;
  readonly envid?: string;
  readonly ret: 'FULL' | 'HDRS';
  readonly original: Buffer;
  readonly originalSubject?: string;
  readonly originalMessageId?: string;
  readonly originalHeaders: ReadonlyMap<string, readonly string[]>;
  readonly arrivedAt: number;
  /** When to send it, on the injected clock. */
  readonly dueAt: number;
  /** For delay notices: the final failure that follows, if any. */
  readonly then?: NoticeRequest;
  readonly autoReply?: { readonly subject?: string; readonly text: string };
}

export interface OutboundInfo {
  readonly kind: 'dsn-failure' | 'dsn-delay' | 'auto-reply';
  /** The id of the inbound message it is about. */
  readonly about: string;
  /** `delivered to host:port`, `failed: …`, or `kept` when no delivery target is set. */
  readonly delivery: string;
}

/** A notice waiting to be sent: what, when, to whom, about which inbound message. */
export interface PendingNotice {
  readonly kind: NoticeRequest['kind'];
  readonly dueAt: number;
  readonly to: string;
  readonly about: string;
}

export interface QueueOptions {
  readonly now: () => number;
  readonly reportingMta: () => string;
  /** Where notices go over SMTP; undefined: kept only. */
  readonly deliverTo: () => { host: string; port: number } | undefined;
  readonly keep: (raw: Buffer, envelope: { mailFrom: string; rcptTo: string[] }, sessionId: string, info: OutboundInfo) => Promise<void>;
  readonly onError: (err: unknown, context: string) => void;
  /** The notices waiting changed (one was queued or taken to be sent): with --redis the others are told. */
  readonly changed?: () => void;
}

export class OutboundQueue {
  private readonly jobs: NoticeRequest[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private flushing: Promise<number> = Promise.resolve(0);

  constructor(private readonly options: QueueOptions) {}

  schedule(request: NoticeRequest): void {
    if (request.kind === 'auto-reply' && !mayAutoReply(request.sender, request.originalHeaders)) return;
    this.jobs.push(request);
    this.options.changed?.();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.flush();
    }, Math.max(0, request.dueAt - this.options.now()));
    this.timers.add(timer);
  }

  /** Sends every notice that is due now; returns how many went. Calls queue behind each other. */
  flush(): Promise<number> {
    this.flushing = this.flushing.then(() => this.sendDue());
    return this.flushing;
  }

  pending(): readonly PendingNotice[] {
    return this.jobs.map((j) => ({ kind: j.kind, dueAt: j.dueAt, to: j.sender, about: j.about }));
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async sendDue(): Promise<number> {
    const now = this.options.now();
    const due = this.jobs.filter((j) => j.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    for (const job of due) {
      this.jobs.splice(this.jobs.indexOf(job), 1);
      this.options.changed?.();
      try {
        await this.send(job, now);
      } catch (err) {
        this.options.onError(err, `${job.kind} notice`);
      }
      if (job.then) this.schedule(job.then);
    }
    return due.length;
  }

  private async send(job: NoticeRequest, now: number): Promise<void> {
    const mta = this.options.reportingMta();
    const messageId = `<${now.toString(36)}.${randomBytes(6).toString('hex')}@${mta}>`;
    const date = new Date(now);
    const raw =
      job.kind === 'auto-reply'
        ? await composeAutoReply({
            from: job.recipients[0]?.address ?? `postmaster@${mta}`,
            to: job.sender,
            text: job.autoReply?.text ?? 'I am out of the office and will reply when I am back.',
            date,
            messageId,
            ...(job.autoReply?.subject ? { subject: job.autoReply.subject } : {}),
            ...(job.originalSubject !== undefined ? { originalSubject: job.originalSubject } : {}),
            ...(job.originalMessageId ? { originalMessageId: job.originalMessageId } : {}),
          })
        : await composeDsn({
            action: job.kind === 'failure' ? 'failed' : 'delayed',
            status: job.status,
            diagnostic: job.diagnostic,
            recipients: job.recipients,
            to: job.sender,
            reportingMta: mta,
            arrivalDate: new Date(job.arrivedAt),
            date,
            ret: job.ret,
            original: job.original,
            messageId,
            ...(job.envid ? { envid: job.envid } : {}),
            ...(job.provider ? { provider: job.provider } : {}),
            ...(job.originalSubject !== undefined ? { originalSubject: job.originalSubject } : {}),
            ...(job.then ? { willRetryUntil: new Date(job.then.dueAt) } : {}),
          });
    const envelope = { mailFrom: '', rcptTo: [job.sender] };
    const target = this.options.deliverTo();
    let delivery = 'kept';
    if (target) {
      const transport = (await loadNodemailer()).createTransport({ host: target.host, port: target.port, secure: false, tls: { rejectUnauthorized: false }, connectionTimeout: 10_000 });
      try {
        await transport.sendMail({ envelope: { from: '', to: job.sender }, raw });
        delivery = `delivered to ${target.host}:${target.port}`;
      } catch (err) {
        delivery = `failed: ${(err as Error).message}`;
      } finally {
        transport.close();
      }
    }
    const kind = job.kind === 'auto-reply' ? 'auto-reply' : job.kind === 'failure' ? 'dsn-failure' : 'dsn-delay';
    await this.options.keep(raw, envelope, job.sessionId, { kind, about: job.about, delivery });
  }
}
