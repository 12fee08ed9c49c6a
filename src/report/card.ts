/**
 * The sender report card: fed a server's sessions as they happen (the SessionStore's events, or
 * records from `--store`), it keeps the state of each open dialogue and what each check must
 * remember per sender, never whole transcripts, and grades the SMTP client on request.
 *
 *   const card = new ReportCard(() => clock.now());
 *   card.sessionStarted(s); card.line(record); …; card.sessionEnded(s);
 *   const report = card.report({ sender: 'app@example.com' });
 */
import type { CheckId } from './checks.js';
import { isClosing, isPositive, throttleMatcher } from './classify.js';
import { addressKey } from './format.js';
import { buildReport } from './build.js';
import { resolveReportOptions, type ReportOptions } from './options.js';
import type { Reply } from './reply.js';
import type { Grading, Rule } from './rule.js';
import { makeRules } from './rules/index.js';
import { SenderBook, SenderState, senderKey } from './senders.js';
import { SessionState, Transaction, type TransactionEnd } from './session.js';
import type { Tally } from './tally.js';
import type { TranscriptRecord } from '../transcript/record.js';
import type { Report, ReportFilter, SessionEnd, SessionStart } from './types.js';
import { mailParameters, noCapabilities, readCapability } from './wire.js';

type Tallies = Map<CheckId, Tally>;

/** The evidence of a connection-level check that arose in a session and did not fail. */
const exercisedPass = (s: SessionState, at: number) => ({ session: s.id, at, lines: [], detail: `nothing wrong seen in session ${s.id}` });

type Hook = 'sessionStarted' | 'command' | 'message' | 'reply' | 'note' | 'transactionEnded' | 'sessionEnded';

export class ReportCard {
  readonly options: ReportOptions;
  private readonly sessions = new Map<string, SessionState>();
  private readonly book: SenderBook;
  private readonly rules: readonly Rule[];
  /** The rules that have each hook, so a line is not offered to rules that ignore it (the card sees every record). */
  private readonly with: Readonly<Record<Hook, readonly Rule[]>>;
  private readonly grading: Grading;

  /** `now` is the clock reports are made by (never-retried refusals, generatedAt); options are checked here. */
  constructor(
    private readonly now: () => number,
    options: Partial<ReportOptions> = {},
  ) {
    this.options = resolveReportOptions(options);
    this.book = new SenderBook(this.options.maxSenders, this.options);
    this.rules = makeRules(this.options);
    const having = (h: Hook) => this.rules.filter((r) => r[h] !== undefined);
    this.with = { sessionStarted: having('sessionStarted'), command: having('command'), message: having('message'), reply: having('reply'), note: having('note'), transactionEnded: having('transactionEnded'), sessionEnded: having('sessionEnded') };
    const isThrottle = throttleMatcher(this.options.throttleReplies);
    const credit: Grading['credit'] = (sender, check, ok, evidence) => {
      this.tally(sender.tallies, check).add(ok, evidence);
      if (evidence.at > sender.lastSeen) sender.lastSeen = evidence.at;
    };
    const creditSession: Grading['creditSession'] = (s, check, ok, evidence) => {
      if (!s.ended) this.tally(s.buffer, check).add(ok, evidence);
      else for (const sender of this.creditedTo(s)) credit(sender, check, ok, evidence);
    };
    this.grading = {
      options: this.options,
      isThrottle,
      credit,
      creditSession,
      exercise: (s, check) => void s.exercised.add(check),
      failSession: (s, check, evidence) => {
        s.failed.add(check);
        creditSession(s, check, false, evidence);
      },
    };
  }

  sessionStarted(start: SessionStart): void {
    const s = new SessionState(start.id, start.clientIp, start.startedAt, start.tls ?? false, this.options.maxEvidenceLines);
    this.sessions.set(start.id, s);
    for (const rule of this.with.sessionStarted) rule.sessionStarted!(this.grading, s);
  }

  /** One transcript record, in time order; records of sessions the card did not see start are ignored. */
  line(record: TranscriptRecord): void {
    const s = this.sessions.get(record.session);
    if (!s) return;
    if (record.direction === 'in') {
      if (record.bytes !== undefined) this.message(s, record);
      else this.command(s, record);
    } else if (record.direction === 'out') this.reply(s, record);
    else this.note(s, record);
  }

  sessionEnded(end: SessionEnd): void {
    const s = this.sessions.get(end.id);
    if (!s) return;
    const endedAt = end.endedAt ?? this.now();
    this.endTransaction(s, s.serverClosed ? 'server' : 'disconnect');
    for (const rule of this.with.sessionEnded) rule.sessionEnded!(this.grading, s, endedAt);
    s.ended = true;
    const senders = this.creditedTo(s);
    for (const sender of senders) for (const [check, tally] of s.buffer) this.tally(sender.tallies, check).absorb(tally);
    // the connection-level checks that arose and did not fail pass once, straight into each sender's
    // tally (as passExercised then absorbing would, without a tally per check per session)
    for (const check of s.exercised) {
      if (s.failed.has(check)) continue;
      const evidence = exercisedPass(s, endedAt);
      for (const sender of senders) this.tally(sender.tallies, check).add(true, evidence);
    }
    this.sessions.delete(end.id);
  }

  /** The report as of `now()`, narrowed by `filter`; changes nothing (call it as often as you like). */
  report(filter: ReportFilter = {}): Report {
    const now = this.now();
    const views = new Map<SenderState, Tallies>();
    const view = (sender: SenderState): Tallies => {
      let tallies = views.get(sender);
      if (!tallies) views.set(sender, (tallies = new Map([...sender.tallies].map(([check, t]) => [check, t.clone()]))));
      return tallies;
    };
    for (const sender of this.book.all()) view(sender);
    // open sessions count as if they ended now (a session without MAIL yet is not added to the book for it)
    const unnamed = new Map<string, SenderState>();
    const nobody = (s: SessionState) => {
      const key = senderKey(s.clientIp, null);
      const known = this.book.peek(s.clientIp, null) ?? unnamed.get(key);
      if (known) return known;
      const made = new SenderState(key, s.clientIp, null, s.startedAt);
      unnamed.set(key, made);
      return made;
    };
    for (const s of this.sessions.values()) {
      const buffer: Tallies = new Map([...s.buffer].map(([check, t]) => [check, t.clone()]));
      this.passExercised(s, buffer, now);
      const senders = s.senders.length ? s.senders : [nobody(s)];
      for (const sender of senders) for (const [check, tally] of buffer) this.tally(view(sender), check).absorb(tally);
    }
    for (const [sender, tallies] of views) {
      for (const rule of this.rules) rule.pending?.(this.grading, sender, now, (check, ok, evidence) => this.tally(tallies, check).add(ok, evidence));
    }
    return buildReport(views, filter, now);
  }

  private command(s: SessionState, line: TranscriptRecord): void {
    s.replies.heard(line);
    s.lastCommand = line;
    switch (line.verb) {
      case 'MAIL': {
        this.endTransaction(s, 'client');
        const sender = this.book.get(s.clientIp, line.sender ?? '', line.at);
        s.addSender(sender);
        s.tx = new Transaction(sender, mailParameters(line.text), line);
        break;
      }
      case 'EHLO':
      case 'LHLO':
        s.pendingCaps = noCapabilities();
        this.endTransaction(s, 'client');
        break;
      case 'QUIT':
        s.quitSent = true;
        this.endTransaction(s, 'client');
        break;
      case 'RSET':
      case 'HELO':
        this.endTransaction(s, 'client');
        break;
      case 'STARTTLS':
        s.starttlsTried = true;
        break;
    }
    for (const rule of this.with.command) rule.command!(this.grading, s, line);
  }

  private message(s: SessionState, line: TranscriptRecord): void {
    s.replies.heard(line);
    s.lastCommand = line;
    if (s.tx) s.tx.messageKey = line.messageKey;
    for (const rule of this.with.message) rule.message!(this.grading, s, line);
  }

  private reply(s: SessionState, line: TranscriptRecord): void {
    // the EHLO reply's lines after the first name the extensions (RFC 5321 §4.1.1.1)
    if ((line.verb === 'EHLO' || line.verb === 'LHLO') && line.code === 250 && s.replies.position > 0 && s.pendingCaps) readCapability(line.text, s.pendingCaps);
    const reply = s.replies.read(line);
    if (!reply) return;
    for (const rule of this.with.reply) rule.reply!(this.grading, s, reply);
    this.followReply(s, reply);
  }

  /** What a reply changes in the dialogue, once the rules have seen it. */
  private followReply(s: SessionState, reply: Reply): void {
    if (isClosing(reply)) {
      s.serverClosed = true;
      this.endTransaction(s, 'server');
      return;
    }
    const ok = isPositive(reply);
    switch (reply.verb) {
      case 'EHLO':
      case 'LHLO':
        if (ok) {
          s.caps = s.pendingCaps ?? noCapabilities();
          s.greeted = true;
          if (s.caps.starttls) s.starttlsOffered = true;
        }
        s.pendingCaps = undefined;
        return;
      case 'HELO':
        if (ok) {
          s.caps = noCapabilities();
          s.greeted = true;
        }
        return;
      case 'STARTTLS':
        // RFC 3207 §4.2: what the client knew of the server goes; it greets again
        if (reply.code === 220) {
          s.tls = true;
          s.tlsStarted = true;
          s.greeted = false;
          s.caps = undefined;
        }
        return;
      case 'MAIL':
        if (!ok) this.endTransaction(s, 'refused');
        return;
      case 'RCPT': {
        const rcpt = reply.rcpts[0];
        if (s.tx && ok && rcpt !== undefined) s.tx.accepted.set(addressKey(rcpt), rcpt);
        return;
      }
      case 'DATA':
        if (reply.code !== 354) this.endTransaction(s, 'refused');
        return;
    }
    if (reply.answersMessage) this.endTransaction(s, ok ? 'delivered' : 'refused');
  }

  private note(s: SessionState, line: TranscriptRecord): void {
    if (line.note === 'dropped' || line.note === 'reset') s.serverClosed = true;
    if (line.note === 'tls') s.tls = true;
    for (const rule of this.with.note) rule.note!(this.grading, s, line);
  }

  private endTransaction(s: SessionState, how: TransactionEnd): void {
    const tx = s.tx;
    if (!tx) return;
    s.tx = undefined;
    tx.ended = true;
    for (const rule of this.with.transactionEnded) rule.transactionEnded!(this.grading, s, tx, how);
  }

  /** Connection-level checks that arose in the session and did not fail pass once for it. */
  private passExercised(s: SessionState, into: Tallies, at: number): void {
    for (const check of s.exercised) {
      if (!s.failed.has(check)) this.tally(into, check).add(true, exercisedPass(s, at));
    }
  }

  /** Whom a session's findings go to: its senders, or the IP's "no MAIL" sender. */
  private creditedTo(s: SessionState): readonly SenderState[] {
    return s.senders.length ? s.senders : [this.book.get(s.clientIp, null, s.startedAt)];
  }

  private tally(tallies: Tallies, check: CheckId): Tally {
    let tally = tallies.get(check);
    if (!tally) tallies.set(check, (tally = this.book.tally()));
    return tally;
  }
}
