/**
 * A transcript line as the session store keeps it: the adapter's record, stamped with its time
 * and session. Its own (enumerable) properties are what a line always had — `at`, `direction`,
 * `text` and `rule` when a rule answered — so code that compares or copies the lines of
 * `SessionRecord.transcript` (users' tests of the test helper's `sessions()`, say) sees them as
 * before; the record's other fields are read through getters from the entry the adapter wrote,
 * kept as it was handed over (no copy per line). `toJSON` gives the whole record, as `--store`
 * writes it.
 */
import type { LineDirection, NoteKind, TranscriptEntry, TranscriptRecord } from '../transcript/record.js';
import type { Stage } from '../engine/stages.js';

export class TranscriptLine implements TranscriptRecord {
  readonly at: number;
  readonly direction: LineDirection;
  readonly text: string;
  /** Set only when a rule answered, so a line without one has no `rule` key. */
  declare readonly rule?: string;
  readonly #session: string;
  readonly #entry: TranscriptEntry;

  constructor(at: number, session: string, entry: TranscriptEntry) {
    this.at = at;
    this.direction = entry.direction;
    this.text = entry.text;
    if (entry.rule) (this as { rule?: string }).rule = entry.rule;
    this.#session = session;
    this.#entry = entry;
  }

  /** A record read back (from `--store`), `session` filled in when it lacks one. */
  static from(record: TranscriptEntry & { at: number; session?: string }, session: string): TranscriptLine {
    return new TranscriptLine(record.at, record.session ?? session, record);
  }

  get session(): string {
    return this.#session;
  }
  get stage(): Stage | undefined {
    return this.#entry.stage;
  }
  get verb(): string | undefined {
    return this.#entry.verb;
  }
  get code(): number | undefined {
    return this.#entry.code;
  }
  get enhanced(): string | undefined {
    return this.#entry.enhanced;
  }
  get more(): boolean | undefined {
    return this.#entry.more;
  }
  get rcpts(): readonly string[] | undefined {
    return this.#entry.rcpts;
  }
  get sender(): string | undefined {
    return this.#entry.sender;
  }
  get messageId(): string | undefined {
    return this.#entry.messageId;
  }
  get bytes(): number | undefined {
    return this.#entry.bytes;
  }
  get note(): NoteKind | undefined {
    return this.#entry.note;
  }

  /** The whole record (written when a session is stored; undefined fields drop out). */
  toJSON(): TranscriptRecord {
    return { ...this.#entry, at: this.at, session: this.#session };
  }
}
