/**
 * Session transcripts on disk: each finished session (a SessionRecord, transcript and all) is
 * appended as one JSON line to `<dir>/sessions.jsonl` and fsynced, and a new run loads them back
 * into its SessionStore, so the transcripts of messages kept in the Maildir survive a restart.
 *
 * Wiring (app side):
 *   const log = await TranscriptLog.open(dir, { maxSessions });
 *   const sessions = new SessionStore(options, log.events(existingEvents));
 *   log.restoreInto(sessions);           // before the first session opens
 *   …
 *   await log.flush();                   // on shutdown, so the last lines are written
 *
 * Only finished sessions are written (on sessionEnded), whole: the lines a long session's
 * record no longer keeps in memory (SessionStore's line budget) are appended as they leave to
 * `<dir>/sessions.open/<id>.jsonl`, and put back in place when the session is written. A
 * session cut off by a crash is not written (its leftover file is removed at the next open).
 * The file keeps the latest `maxSessions` sessions: when it holds more than twice that many
 * lines, it is rewritten (atomically) with the latest ones only. A torn last line (a crash
 * mid-append) or a line that is not a session is skipped on load, and the file rewritten.
 *
 * Format: every session line carries `"format": 2` (TRANSCRIPT_FORMAT), its transcript the
 * records as the adapter wrote them (src/transcript/record.ts). A line without `format` is of
 * format 1 (text-only transcript lines `{at, direction, text, rule?}`, before records): it is
 * upgraded on load by src/store/transcript-v1.ts, and written back in format 2 the next time the
 * file is rewritten. A line of a format this version does not know is not a session to it (a
 * newer mockmx wrote it). The spool files (`sessions.open/`) hold records only: they never
 * outlive the run that wrote them.
 */
import { dirname, join, resolve } from 'node:path';
import { access, appendFile, mkdir, rm } from 'node:fs/promises';
import { appendLinesDurable, readJsonLines, replaceFileDurable, SerialQueue } from './durable.js';
import { TranscriptLine, wholeTranscript, type SessionEvents, type SessionRecord, type SessionStore } from './sessions.js';
import { TRANSCRIPT_FORMAT, type TranscriptRecord } from '../transcript/record.js';
import { upgradeTranscript, type TextLine } from './transcript-v1.js';

export const TRANSCRIPT_LOG_FILE = 'sessions.jsonl';
/** Lines of sessions still open that left memory, a file per session, until the session is written. */
export const TRANSCRIPT_SPOOL_DIR = 'sessions.open';

export interface TranscriptLogOptions {
  /** How many sessions the file keeps (the latest); default 1000, as the app's SessionStore. */
  readonly maxSessions?: number;
  /** Write errors from events() (which cannot throw into an SMTP session); default process.emitWarning. */
  readonly onError?: (err: unknown) => void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A transcript line of format 1 (text only). */
function isTextLine(v: unknown): v is TextLine {
  return (
    isObject(v) &&
    typeof v.at === 'number' &&
    (v.direction === 'in' || v.direction === 'out' || v.direction === 'note') &&
    typeof v.text === 'string' &&
    (v.rule === undefined || typeof v.rule === 'string')
  );
}

const optional = (v: unknown, type: 'string' | 'number' | 'boolean') => v === undefined || typeof v === type;

/** A record of format 2: a line of format 1 whose optional fields have their types. */
function isRecordLine(v: unknown): v is TranscriptRecord {
  if (!isTextLine(v)) return false;
  const r = v as unknown as Record<string, unknown>;
  return (
    optional(r.session, 'string') &&
    optional(r.stage, 'string') &&
    optional(r.verb, 'string') &&
    optional(r.code, 'number') &&
    optional(r.enhanced, 'string') &&
    optional(r.more, 'boolean') &&
    optional(r.bytes, 'number') &&
    optional(r.sender, 'string') &&
    optional(r.messageId, 'string') &&
    optional(r.note, 'string') &&
    optional(r.messageKey, 'string') &&
    optional(r.finding, 'string') &&
    optional(r.noticeKind, 'string') &&
    optional(r.dueAt, 'number') &&
    (r.rcpts === undefined || (Array.isArray(r.rcpts) && r.rcpts.every((a) => typeof a === 'string')))
  );
}

/** A line read back, if it is a session record (of format 1, upgraded, or of format 2). */
function asRecord(v: unknown): SessionRecord | undefined {
  if (!isObject(v)) return undefined;
  if (typeof v.id !== 'string' || v.id === '' || typeof v.startedAt !== 'number' || (v.endedAt !== undefined && typeof v.endedAt !== 'number')) return undefined;
  if (typeof v.clientIp !== 'string' || typeof v.clientPort !== 'number' || (v.listener !== 'smtp' && v.listener !== 'smtps')) return undefined;
  if (!Array.isArray(v.transcript)) return undefined;
  const { format, ...session } = v;
  if (format === undefined) {
    if (!v.transcript.every(isTextLine)) return undefined;
    const { transcript, heloName } = upgradeTranscript(v.id, v.transcript);
    return { ...session, transcript: kept(transcript, v.id), ...(heloName && session.heloName === undefined ? { heloName } : {}) } as unknown as SessionRecord;
  }
  if (format !== TRANSCRIPT_FORMAT || !v.transcript.every(isRecordLine)) return undefined;
  return { ...session, transcript: kept(v.transcript, v.id) } as unknown as SessionRecord;
}

/** Records read back, as the store keeps lines. */
const kept = (records: readonly TranscriptRecord[], session: string) => records.map((r) => TranscriptLine.from(r, session));

/** A session as a line of the file: its fields, and the format they are in. */
const sessionLine = (record: SessionRecord) => JSON.stringify({ format: TRANSCRIPT_FORMAT, ...record });

/** The lines a session spooled, in order; none when there is no file. */
async function readSpool(path: string): Promise<TranscriptLine[]> {
  return (await readJsonLines(path)).values.filter(isRecordLine).map((r) => TranscriptLine.from(r, ''));
}

/** The number in a SessionStore id (`s` + base 36), for ordering and for continuing the sequence. */
export const sessionSequenceOf = (id: string): number | undefined => {
  const m = /^s([0-9a-z]{1,11})$/.exec(id);
  const n = m ? Number.parseInt(m[1]!, 36) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
};

/** Sessions in the order they started: by id number (ids are given in order), then start time. */
const byStart = (a: SessionRecord, b: SessionRecord) =>
  (sessionSequenceOf(a.id) ?? Number.MAX_SAFE_INTEGER) - (sessionSequenceOf(b.id) ?? Number.MAX_SAFE_INTEGER) || a.startedAt - b.startedAt;

/** Reads the file: the latest `max` distinct sessions (a later line for an id wins), oldest first. */
async function readSessions(path: string, max: number): Promise<{ records: SessionRecord[]; lines: number; damaged: boolean }> {
  const file = await readJsonLines(path);
  let damaged = file.damaged;
  const byId = new Map<string, SessionRecord>();
  for (const value of file.values) {
    const record = asRecord(value);
    if (!record) {
      damaged = true;
      continue;
    }
    byId.delete(record.id); // re-inserted at the end: the latest line is the one kept
    byId.set(record.id, record);
  }
  const latest = [...byId.values()].slice(-max);
  return { records: latest.sort(byStart), lines: file.lines, damaged };
}

/** What a `--store` directory's log holds, read without changing anything (see readTranscriptLog). */
export interface StoredSessions {
  /** Every distinct session in the file, oldest (first started) first. */
  readonly records: readonly SessionRecord[];
  /** Lines in the file, and whether some were not sessions (torn, or of a newer format). */
  readonly lines: number;
  readonly damaged: boolean;
}

/**
 * Reads `<dir>/sessions.jsonl` as it is, for tools that look at a store another mockmx writes
 * (`mockmx report --store`): no directory is made, nothing rewritten, the spool left alone.
 * Throws ENOENT when `dir` has no log.
 */
export async function readTranscriptLog(dir: string): Promise<StoredSessions> {
  const path = join(resolve(dir), TRANSCRIPT_LOG_FILE);
  await access(path);
  return readSessions(path, Number.MAX_SAFE_INTEGER);
}

export class TranscriptLog {
  private readonly queue = new SerialQueue();
  private lines: number;
  private readonly maxSessions: number;
  private readonly onError: (err: unknown) => void;

  private spoolReady: Promise<unknown> | undefined;

  private constructor(
    /** The JSON-lines file (absolute). */
    readonly path: string,
    options: TranscriptLogOptions,
    /** The sessions found on open, oldest (first started) first. */
    readonly loaded: readonly SessionRecord[],
    lines: number,
  ) {
    this.maxSessions = options.maxSessions ?? 1000;
    this.onError = options.onError ?? ((err) => process.emitWarning(`mockmx: could not write a session transcript: ${String(err)}`, 'MockmxTranscriptWarning'));
    this.lines = lines;
  }

  /** Opens (creating `dir` if need be) `<dir>/sessions.jsonl` and reads the sessions in it. */
  static async open(dir: string, options: TranscriptLogOptions = {}): Promise<TranscriptLog> {
    const max = options.maxSessions ?? 1000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxSessions must be a positive integer');
    await mkdir(resolve(dir), { recursive: true });
    const path = join(resolve(dir), TRANSCRIPT_LOG_FILE);
    const { records, lines, damaged } = await readSessions(path, max);
    await rm(join(resolve(dir), TRANSCRIPT_SPOOL_DIR), { recursive: true, force: true });
    const log = new TranscriptLog(path, options, Object.freeze(records), lines);
    if (damaged || lines > max) await log.rewrite(records);
    return log;
  }

  /**
   * Appends one session (a snapshot taken now) and fsyncs; resolves once it is on disk. A record
   * whose middle left memory is written whole, its spooled lines put back in place.
   */
  append(record: SessionRecord): Promise<void> {
    if (!record.elided) {
      const line = sessionLine(record);
      return this.queue.run(() => this.write(line));
    }
    const { transcript, elided, ...rest } = record;
    const kept = { transcript: [...transcript], elided };
    return this.queue.run(async () => {
      const spool = this.spoolPath(record.id);
      await this.write(sessionLine({ ...rest, transcript: wholeTranscript(kept, await readSpool(spool)) }));
      await rm(spool, { force: true });
    });
  }

  private async write(line: string): Promise<void> {
    await appendLinesDurable(this.path, [line]);
    this.lines++;
    if (this.lines > 2 * this.maxSessions) {
      const { records } = await readSessions(this.path, this.maxSessions);
      await this.rewrite(records);
    }
  }

  /** Keeps lines of an open session that left memory until the session is written (no fsync: a crash loses the session anyway). */
  private spool(id: string, lines: readonly TranscriptLine[]): Promise<void> {
    const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
    return this.queue.run(async () => {
      this.spoolReady ??= mkdir(dirname(this.spoolPath(id)), { recursive: true });
      await this.spoolReady;
      await appendFile(this.spoolPath(id), text);
    });
  }

  private spoolPath(id: string): string {
    return join(dirname(this.path), TRANSCRIPT_SPOOL_DIR, `${encodeURIComponent(id)}.jsonl`);
  }

  /**
   * SessionStore events that append each session as it ends (and spool the lines a long one
   * drops from memory), passing every event on to `next` first. A write that fails goes to
   * `onError`; it never throws into the session.
   */
  events(next?: SessionEvents): SessionEvents {
    return {
      sessionStarted: (record) => next?.sessionStarted(record),
      line: (record, line) => next?.line(record, line),
      sessionEnded: (record) => {
        next?.sessionEnded(record);
        this.append(record).catch(this.onError);
      },
      linesDropped: (record, lines) => {
        next?.linesDropped?.(record, lines);
        this.spool(record.id, lines).catch(this.onError);
      },
    };
  }

  /** Puts the loaded sessions into a SessionStore (see restoreSessions). */
  restoreInto(store: SessionStore): void {
    restoreSessions(store, this.loaded);
  }

  /** Resolves once every append so far is on disk. */
  async flush(): Promise<void> {
    await this.queue.idle();
  }

  private async rewrite(records: readonly SessionRecord[]): Promise<void> {
    await replaceFileDurable(this.path, records.map((r) => `${sessionLine(r)}\n`).join(''));
    this.lines = records.length;
  }
}

/** Puts sessions from an earlier run into a SessionStore (see SessionStore.restore). */
export function restoreSessions(store: SessionStore, records: readonly SessionRecord[]): void {
  store.restore(records);
}
