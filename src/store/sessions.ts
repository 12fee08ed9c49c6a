/** Session transcripts: every line in and out, stamped with time and the rule that answered. */
import { Oldest } from '../util/oldest.js';
import type { SessionInfo, SessionLog, TranscriptEntry } from '../transcript/record.js';
import { TranscriptLine } from './transcript-line.js';
import { TranscriptTally } from './transcript-reader.js';

export { TranscriptLine };

export interface SessionRecord extends SessionInfo {
  readonly id: string;
  readonly startedAt: number;
  endedAt?: number;
  readonly transcript: TranscriptLine[];
  /** Set on a session another instance holds (with --redis): that instance's name. */
  readonly instance?: string;
  /**
   * Lines no longer kept in memory: `count` lines logged after the first `after`, replaced by
   * the note at `transcript[after]`. Absent while the transcript is whole.
   */
  elided?: { readonly after: number; readonly count: number };
}

/** A session another instance holds, as this store follows it. */
export interface RemoteSessionLog {
  record(line: TranscriptLine): void;
  /** Ends it, with what was learnt about it meanwhile (HELO name, TLS, user). */
  end(at?: number, info?: SessionInfo): void;
}

export interface SessionEvents {
  sessionStarted(record: SessionRecord): void;
  line(record: SessionRecord, line: TranscriptLine): void;
  sessionEnded(record: SessionRecord): void;
  /** Lines of a session still open leave memory (in order, oldest first): a durable log keeps them. */
  linesDropped?(record: SessionRecord, lines: readonly TranscriptLine[]): void;
}

export interface SessionStoreOptions {
  /** Sessions kept, the latest. */
  readonly maxSessions: number;
  /** The most lines one session keeps in memory: its first lines and its latest. */
  readonly maxLines: number;
  /**
   * The most lines all kept sessions hold together; default LINES_PER_SESSION × maxSessions.
   * Sessions still open share at most half of it, so ended ones always have room.
   */
  readonly lineBudget?: number;
  readonly now: () => number;
}

/** The default line budget per session kept: a one-message session logs about 20 lines. */
const LINES_PER_SESSION = 50;
/** Lines at the start that stay when the middle goes: the greeting, EHLO and its reply, STARTTLS, AUTH. */
const HEAD_LINES = 20;
/** The fewest lines an open session keeps, however many share the budget (so it still reads as SMTP). */
const MIN_WINDOW = 40;

/** The number in a session id (`s` + base 36); 0 for ids not made here. */
const sequenceOf = (id: string): number => (/^s[0-9a-z]+$/.test(id) ? parseInt(id.slice(1), 36) : 0);

/** The first client line from `from` within `reach` lines, else `from`: a cut there starts the kept part at a command. */
function nextCommand(t: readonly TranscriptLine[], from: number, reach: number): number {
  for (let i = from; i < Math.min(t.length, from + reach); i++) if (t[i]!.direction === 'in') return i;
  return from;
}

/** Running tallies of the sessions a store holds (see tallyOf). */
const tallies = new WeakMap<SessionRecord, TranscriptTally>();

/** A session's outcome tally: the store's running one (all lines, O(1)), else read from the transcript. */
export const tallyOf = (record: SessionRecord): TranscriptTally => tallies.get(record) ?? TranscriptTally.of(record.transcript);

/** The lines of each accepted message's transaction, oldest first, per session (kept by the SessionStore). */
const transactions = new WeakMap<SessionRecord, (readonly TranscriptLine[])[]>();

/** The transactions of a session that ended with an accepted message, oldest first, as far as the store still keeps them. */
export const transactionsOf = (record: SessionRecord): readonly (readonly TranscriptLine[])[] => transactions.get(record) ?? [];

/** The whole transcript of a record whose lines were not all kept, given the ones that left. */
export function wholeTranscript({ transcript: t, elided }: Pick<SessionRecord, 'transcript' | 'elided'>, dropped: readonly TranscriptLine[]): TranscriptLine[] {
  return elided ? [...t.slice(0, elided.after), ...dropped, ...t.slice(elided.after + 1)] : [...t];
}

/**
 * Keeps the latest `maxSessions` sessions, and their transcripts within a line budget: a session
 * past its share keeps its first lines and its latest (a note in between counts the rest); past
 * the budget, the oldest ended sessions' transcripts go first (their records and outcomes stay).
 */
export class SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private sequence = 0;
  /** Lines held by the sessions in `sessions`. */
  private total = 0;
  private readonly budget: number;
  /** Sessions not ended, kept or not (an evicted one still logs). */
  private readonly live = new Set<SessionRecord>();
  /** Kept ended sessions whose transcripts can go, in the order they ended. */
  private readonly ended = new Set<SessionRecord>();
  private readonly oldestKept = new Oldest(() => this.sessions.values());
  private readonly oldestEnded = new Oldest(() => this.ended.values());
  /** More sessions opened since the open ones were last fitted to their shares. */
  private openGrew = false;
  /**
   * Whose transactions were kept, one entry per transaction in the order they ended: the oldest
   * goes first beyond `maxSessions` (at least `--max-messages`, so every stored message's
   * transaction is still known after its lines left the transcript).
   */
  private transactionOwners: SessionRecord[] = [];
  private transactionsHead = 0;

  constructor(
    private readonly options: SessionStoreOptions,
    private readonly events?: SessionEvents,
  ) {
    this.budget = options.lineBudget ?? LINES_PER_SESSION * options.maxSessions;
  }

  open(info: SessionInfo): SessionLog {
    const record: SessionRecord = { ...info, id: `s${(++this.sequence).toString(36).padStart(6, '0')}`, startedAt: this.options.now(), transcript: [] };
    this.start(record);
    return {
      id: record.id,
      record: (entry: TranscriptEntry) => this.log(record, new TranscriptLine(this.options.now(), record.id, entry)),
      update(info) {
        Object.assign(record, info);
      },
      end: () => this.end(record),
    };
  }

  /**
   * Follows a session another instance holds (with --redis), under the id given, as if it were
   * one of ours: kept within the same bounds, its lines and end told to the same events. Its
   * record names the `instance`. Undefined if a session with that id is already kept.
   */
  follow(id: string, instance: string, info: SessionInfo, startedAt: number): RemoteSessionLog | undefined {
    if (this.sessions.has(id)) return undefined;
    const record: SessionRecord = { ...info, id, instance, startedAt, transcript: [] };
    this.start(record);
    return {
      record: (line: TranscriptLine) => this.log(record, line),
      end: (at?: number, info?: SessionInfo) => {
        if (info) Object.assign(record, info);
        this.end(record, at);
      },
    };
  }

  /** A session opens here or is followed: kept, counted among the open ones, told. */
  private start(record: SessionRecord): void {
    tallies.set(record, new TranscriptTally((lines) => this.keepTransaction(record, lines)));
    this.live.add(record);
    this.keep(record);
    this.openGrew = true;
    this.evictOverflow();
    this.events?.sessionStarted(record);
  }

  private log(record: SessionRecord, line: TranscriptLine): void {
    record.transcript.push(line);
    if (this.holds(record)) this.total++;
    tallies.get(record)?.add(line);
    this.fit(record, this.openShare(), true);
    this.events?.line(record, line);
    if (this.total > this.budget) this.shed();
  }

  private end(record: SessionRecord, at = this.options.now()): void {
    record.endedAt = at;
    this.live.delete(record);
    if (this.holds(record)) this.ended.add(record);
    this.events?.sessionEnded(record);
  }

  /** The most lines an open session keeps now: half the budget shared among the open ones, within maxLines. */
  private openShare(): number {
    return Math.min(this.options.maxLines, Math.max(MIN_WINDOW, Math.floor(this.budget / 2 / Math.max(1, this.live.size))));
  }

  /**
   * Over `window` lines: drops the oldest lines after the head, down to three quarters of the
   * window (so the next cut is a while off: the cost per line stays constant), starting the
   * kept part at a command so it reads as SMTP. The note in between says how many went.
   */
  private fit(record: SessionRecord, window: number, tell: boolean): void {
    const t = record.transcript;
    if (t.length <= window) return;
    const after = record.elided?.after ?? Math.min(HEAD_LINES, Math.floor(window / 4));
    const from = record.elided ? after + 1 : after;
    const keep = Math.max(1, Math.floor((window * 3) / 4) - after - 1);
    const to = nextCommand(t, t.length - keep, Math.ceil(keep / 2));
    if (to <= from) return;
    const dropped = t.slice(from, to);
    const count = (record.elided?.count ?? 0) + dropped.length;
    const note = new TranscriptLine(dropped.at(-1)!.at, record.id, { direction: 'note', note: 'elided', text: `${count} lines not kept in memory (the first ${after} are above, the latest below)` });
    t.splice(after, to - after, note);
    record.elided = { after, count };
    if (this.holds(record)) this.total -= to - after - 1;
    if (tell) this.events?.linesDropped?.(record, dropped);
  }

  /** Back within the budget: the oldest ended sessions' transcripts go first, then open sessions past their share. */
  private shed(): void {
    while (this.total > this.budget) {
      const record = this.oldestEnded.take();
      if (!record) break;
      this.ended.delete(record);
      this.dropTranscript(record);
    }
    // open sessions are fitted as they log; one idle since more opened may hold more than its share now
    if (this.total <= this.budget || !this.openGrew) return;
    this.openGrew = false;
    const share = this.openShare();
    for (const record of this.live) this.fit(record, share, true);
  }

  /** An ended session keeps its record and outcome; its transcript becomes one note. */
  private dropTranscript(record: SessionRecord): void {
    const t = record.transcript;
    if (t.length <= 1) return;
    const count = t.length - (record.elided ? 1 : 0) + (record.elided?.count ?? 0);
    const note = new TranscriptLine(t.at(-1)!.at, record.id, { direction: 'note', note: 'elided', text: `${count} lines not kept in memory (over the line budget, the oldest ended sessions go first)` });
    this.total -= t.length - 1;
    t.splice(0, t.length, note);
    record.elided = { after: 0, count };
  }

  private holds(record: SessionRecord): boolean {
    return this.sessions.get(record.id) === record;
  }

  private keep(record: SessionRecord): void {
    this.sessions.set(record.id, record);
    this.total += record.transcript.length;
    if (!this.live.has(record)) this.ended.add(record);
  }

  private forget(record: SessionRecord): void {
    this.sessions.delete(record.id);
    this.total -= record.transcript.length;
    this.ended.delete(record);
  }

  private evictOverflow(): void {
    while (this.sessions.size > this.options.maxSessions) this.forget(this.oldestKept.take()!);
  }

  /**
   * Puts sessions from an earlier run back (oldest first, ahead of any held now, within
   * `maxSessions`); the next id continues after the highest restored one, so a new session
   * never takes an id that stored messages still name. Restored sessions fire no events.
   */
  restore(records: readonly SessionRecord[]): void {
    const current = [...this.sessions.values()];
    const restored = records
      .filter((r) => !this.sessions.has(r.id))
      .sort((a, b) => a.startedAt - b.startedAt || sequenceOf(a.id) - sequenceOf(b.id))
      .map((r) => this.adopt(r));
    this.sessions.clear();
    this.total = 0;
    this.ended.clear();
    this.oldestKept.reset();
    this.oldestEnded.reset();
    for (const record of [...restored, ...current]) this.keep(record);
    this.evictOverflow();
    this.sequence = Math.max(this.sequence, ...restored.map((r) => sequenceOf(r.id)));
    if (this.total > this.budget) this.shed();
  }

  /** A restored session: its tally read from the whole transcript, which is then cut to maxLines (in a copy: the caller's stays whole). */
  private adopt(record: SessionRecord): SessionRecord {
    const copy = record.transcript.length > this.options.maxLines ? { ...record, transcript: [...record.transcript] } : record;
    tallies.set(copy, TranscriptTally.of(record.transcript));
    this.fit(copy, this.options.maxLines, false);
    return copy;
  }

  private keepTransaction(record: SessionRecord, lines: readonly TranscriptLine[]): void {
    let list = transactions.get(record);
    if (!list) transactions.set(record, (list = []));
    list.push(lines);
    this.transactionOwners.push(record);
    if (this.transactionOwners.length - this.transactionsHead > this.options.maxSessions) {
      transactions.get(this.transactionOwners[this.transactionsHead]!)?.shift();
      this.transactionOwners[this.transactionsHead++] = undefined as unknown as SessionRecord; // let it go
      if (this.transactionsHead > 1024 && this.transactionsHead * 2 > this.transactionOwners.length) {
        this.transactionOwners = this.transactionOwners.slice(this.transactionsHead);
        this.transactionsHead = 0;
      }
    }
  }

  get(id: string): SessionRecord | undefined {
    return this.sessions.get(id);
  }

  /** Newest first. */
  list(): SessionRecord[] {
    return [...this.sessions.values()].reverse();
  }

  /** Forgets the kept sessions `gone` picks, or all; returns how many went. An open one still logs, unkept. */
  clear(gone?: (record: SessionRecord) => boolean): number {
    const before = this.sessions.size;
    if (gone) {
      // deleting the entry being visited is safe in a Map's iteration
      for (const record of this.sessions.values()) if (gone(record)) this.forget(record);
    } else {
      this.sessions.clear();
      this.total = 0;
      this.ended.clear();
    }
    this.oldestKept.reset();
    this.oldestEnded.reset();
    return before - this.sessions.size;
  }

  /** Lines the kept sessions hold in memory now (notes included). */
  lines(): number {
    return this.total;
  }
}
