/** Session transcripts: every line in and out, stamped with time and the rule that answered. */
import type { LineDirection, SessionInfo, SessionLog } from '../smtp/runtime.js';

export interface TranscriptLine {
  /** Milliseconds since the epoch, from the injected clock. */
  readonly at: number;
  readonly direction: LineDirection;
  readonly text: string;
  /** The rule that answered (for lines out), when a rule did. */
  readonly rule?: string;
}

export interface SessionRecord extends SessionInfo {
  readonly id: string;
  readonly startedAt: number;
  endedAt?: number;
  readonly transcript: TranscriptLine[];
}

export interface SessionEvents {
  sessionStarted(record: SessionRecord): void;
  line(record: SessionRecord, line: TranscriptLine): void;
  sessionEnded(record: SessionRecord): void;
}

/** The number in a session id (`s` + base 36); 0 for ids not made here. */
const sequenceOf = (id: string): number => (/^s[0-9a-z]+$/.test(id) ? parseInt(id.slice(1), 36) : 0);

/** Keeps the latest `maxSessions` sessions; a transcript stops growing past `maxLines`. */
export class SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private sequence = 0;

  constructor(
    private readonly options: { maxSessions: number; maxLines: number; now: () => number },
    private readonly events?: SessionEvents,
  ) {}

  open(info: SessionInfo): SessionLog {
    const record: SessionRecord = { ...info, id: `s${(++this.sequence).toString(36).padStart(6, '0')}`, startedAt: this.options.now(), transcript: [] };
    this.sessions.set(record.id, record);
    while (this.sessions.size > this.options.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    this.events?.sessionStarted(record);
    const { maxLines, now } = this.options;
    const events = this.events;
    return {
      id: record.id,
      line(direction, text, rule) {
        if (record.transcript.length >= maxLines) return;
        const at = now();
        const line: TranscriptLine =
          record.transcript.length === maxLines - 1
            ? { at, direction: 'note', text: `transcript truncated at ${maxLines} lines` }
            : rule
              ? { at, direction, text, rule }
              : { at, direction, text };
        record.transcript.push(line);
        events?.line(record, line);
      },
      update(info) {
        Object.assign(record, info);
      },
      end() {
        record.endedAt = now();
        events?.sessionEnded(record);
      },
    };
  }

  /**
   * Puts sessions from an earlier run back (oldest first, ahead of any held now, within
   * `maxSessions`); the next id continues after the highest restored one, so a new session
   * never takes an id that stored messages still name. Restored sessions fire no events.
   */
  restore(records: readonly SessionRecord[]): void {
    const current = [...this.sessions.values()];
    const restored = records.filter((r) => !this.sessions.has(r.id)).sort((a, b) => a.startedAt - b.startedAt || sequenceOf(a.id) - sequenceOf(b.id));
    this.sessions.clear();
    for (const record of [...restored, ...current]) this.sessions.set(record.id, record);
    while (this.sessions.size > this.options.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    this.sequence = Math.max(this.sequence, ...restored.map((r) => sequenceOf(r.id)));
  }

  get(id: string): SessionRecord | undefined {
    return this.sessions.get(id);
  }

  /** Newest first. */
  list(): SessionRecord[] {
    return [...this.sessions.values()].reverse();
  }

  clear(): void {
    this.sessions.clear();
  }
}
