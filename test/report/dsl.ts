/**
 * A small language for record streams: a Feed holds a ReportCard on a fake clock, and each
 * session is written as the adapter would record it —
 *
 *   const f = new Feed();
 *   f.session('1.2.3.4').ehlo().mail('a@x').rcpt('b@y', 450, '4.2.1').quit();
 *   f.advance(5 * MIN);
 *   f.report();
 *
 * Each line takes a millisecond of the session's own clock; `after(ms)` waits within a session.
 * Lines carry the fields src/smtp/records.ts gives them (stage, verb, rcpts, sender).
 */
import { ReportCard, type ReportFilter, type ReportOptions } from '../../src/report/index.js';
import type { ClientFinding, TranscriptEntry, TranscriptRecord, TranscriptStage } from '../../src/transcript/record.js';
import { command, messageData, note, reply } from '../helpers/records.js';

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);

export const DEFAULT_EHLO = ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'SIZE 10485760'];

const STAGES: Record<string, TranscriptStage> = { HELO: 'helo', EHLO: 'helo', STARTTLS: 'starttls', MAIL: 'mail', RCPT: 'rcpt', DATA: 'data', RSET: 'rset', NOOP: 'noop', QUIT: 'quit' };

export class Feed {
  now = T0;
  readonly card: ReportCard;
  private sequence = 0;

  constructor(options: Partial<ReportOptions> = {}) {
    this.card = new ReportCard(() => this.now, options);
  }

  /** A new session from `ip`, opening at the feed's clock (or `at`), greeted with 220. */
  session(ip = '192.0.2.1', at = this.now, options: { tls?: boolean; greet?: boolean } = {}): Session {
    const id = `s${++this.sequence}`;
    this.now = Math.max(this.now, at);
    this.card.sessionStarted({ id, clientIp: ip, startedAt: at, ...(options.tls ? { tls: true } : {}) });
    const s = new Session(this, id, at);
    if (options.greet !== false) s.out(220, undefined, 'mockmx.test ESMTP');
    return s;
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  report(filter?: ReportFilter) {
    return this.card.report(filter);
  }

  /** The check result of the only sender (or the one named). */
  check(id: string, who?: { ip?: string; sender?: string | null }) {
    const senders = this.report().senders.filter((s) => (who?.ip === undefined || s.clientIp === who.ip) && (who?.sender === undefined || s.sender === who.sender));
    const named = who?.sender === undefined ? senders.filter((s) => s.sender !== null) : senders;
    if (named.length !== 1) throw new Error(`expected one sender, found ${senders.map((s) => `${s.clientIp}/${s.sender}`).join(', ') || 'none'}`);
    return named[0]!.checks.find((c) => c.id === id)!;
  }
}

export class Session {
  private sender: string | undefined;
  private accepted: string[] = [];

  constructor(
    private readonly feed: Feed,
    readonly id: string,
    public at: number,
  ) {}

  private emit(entry: TranscriptEntry): this {
    const record: TranscriptRecord = { ...entry, at: this.at, session: this.id };
    this.feed.now = Math.max(this.feed.now, this.at);
    this.feed.card.line(record);
    this.at += 1;
    return this;
  }

  after(ms: number): this {
    this.at += ms;
    return this;
  }

  /** A client line; its verb, stage, sender and recipients filled in as the adapter does. */
  in(text: string, fields: Partial<TranscriptEntry> = {}): this {
    const verb = text.split(' ')[0]!.toUpperCase();
    const base: { -readonly [K in keyof TranscriptEntry]?: TranscriptEntry[K] } = { stage: STAGES[verb] ?? 'unknown' };
    if (verb === 'MAIL') base.sender = /<([^>]*)>/.exec(text)?.[1] ?? '';
    else if (verb === 'RCPT') Object.assign(base, { rcpts: [/<([^>]*)>/.exec(text)?.[1] ?? ''], sender: this.sender });
    else if (verb === 'DATA') Object.assign(base, { rcpts: [...this.accepted], sender: this.sender });
    return this.emit(command(text, { ...base, ...fields }));
  }

  /** A reply (one line), answering the last line in: its fields as the line's. */
  out(code: number, enhanced: string | undefined, text: string, fields: Partial<TranscriptEntry> = {}): this {
    return this.emit(reply(code, enhanced, text, { ...this.answering, ...fields }));
  }

  note(kind: Parameters<typeof note>[0], text: string, fields: Partial<TranscriptEntry> = {}): this {
    return this.emit(note(kind, text, fields));
  }

  finding(finding: ClientFinding): this {
    return this.note('client', `client: ${finding}`, { finding });
  }

  private answering: Partial<TranscriptEntry> = {};

  private command(text: string, fields: Partial<TranscriptEntry> = {}): this {
    this.in(text, fields);
    const verb = text.split(' ')[0]!.toUpperCase();
    this.answering = { verb, stage: STAGES[verb] ?? 'unknown', ...(verb === 'RCPT' ? { rcpts: [/<([^>]*)>/.exec(text)?.[1] ?? ''] } : verb === 'DATA' ? { rcpts: [...this.accepted] } : {}), ...(this.sender !== undefined ? { sender: this.sender } : {}) };
    return this;
  }

  ehlo(caps: readonly string[] = DEFAULT_EHLO, code = 250): this {
    this.command('EHLO client.example');
    if (code !== 250) return this.out(code, undefined, 'no');
    const lines = ['mockmx.test Nice to meet you', ...caps];
    lines.forEach((line, i) => this.out(250, undefined, line, { more: i < lines.length - 1 || undefined }));
    return this;
  }

  helo(): this {
    return this.command('HELO client.example').out(250, undefined, 'mockmx.test');
  }

  starttls(code = 220): this {
    this.command('STARTTLS').out(code, code === 220 ? '2.0.0' : '4.7.0', code === 220 ? 'Ready to start TLS' : 'TLS not available');
    if (code === 220) this.note('tls', 'TLS established (TLSv1.3)');
    return this;
  }

  /** MAIL with parameters; refused when `code` is not 250. */
  mail(sender: string, params = '', code = 250, enhanced = code === 250 ? '2.1.0' : undefined, text = code === 250 ? 'Accepted' : 'Refused'): this {
    this.accepted = [];
    this.sender = sender;
    this.command(`MAIL FROM:<${sender}>${params ? ` ${params}` : ''}`);
    this.out(code, enhanced, text);
    if (code >= 400) this.sender = undefined;
    return this;
  }

  rcpt(rcpt: string, code = 250, enhanced = code === 250 ? '2.1.5' : undefined, text = code === 250 ? 'Accepted' : 'Refused'): this {
    this.command(`RCPT TO:<${rcpt}>`).out(code, enhanced, text);
    if (code < 300) this.accepted.push(rcpt);
    return this;
  }

  /** DATA, the message data (with its key) and the reply to it. */
  data(messageKey: string | undefined, code = 250, enhanced: string | undefined = code === 250 ? '2.0.0' : undefined, bytes = 500): this {
    this.command('DATA').out(354, undefined, 'End data with <CR><LF>.<CR><LF>');
    this.emit(messageData(bytes, { rcpts: [...this.accepted], sender: this.sender, ...(messageKey !== undefined ? { messageKey } : {}) }));
    this.answering = { stage: 'message', rcpts: [...this.accepted], ...(this.sender !== undefined ? { sender: this.sender } : {}) };
    this.out(code, enhanced, code === 250 ? 'OK: queued' : 'Refused');
    this.accepted = [];
    return this;
  }

  /** DATA refused before any data. */
  dataRefused(code: number, enhanced?: string): this {
    return this.command('DATA').out(code, enhanced, 'Refused');
  }

  rset(): this {
    this.accepted = [];
    this.sender = undefined;
    return this.command('RSET').out(250, '2.0.0', 'Flushed');
  }

  cmd(text: string, code = 250, enhanced?: string, replyText = 'OK'): this {
    return this.command(text).out(code, enhanced, replyText);
  }

  /** QUIT, 221, and the session's end. */
  quit(): this {
    this.command('QUIT').out(221, '2.0.0', 'Bye');
    return this.end();
  }

  end(): this {
    this.feed.now = Math.max(this.feed.now, this.at);
    this.feed.card.sessionEnded({ id: this.id, endedAt: this.at });
    return this;
  }

  /** A whole transaction: MAIL, RCPTs (`[rcpt, code, enhanced?]` or an address for 250), DATA when any was accepted, message replied `code`. */
  send(sender: string, rcpts: readonly (string | readonly [string, number, string?])[], messageKey?: string, code = 250, enhanced?: string): this {
    this.mail(sender);
    for (const r of rcpts) typeof r === 'string' ? this.rcpt(r) : this.rcpt(r[0], r[1], r[2]);
    if (this.accepted.length) this.data(messageKey, code, enhanced);
    return this;
  }
}
