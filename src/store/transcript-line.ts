/**
 * A transcript line as the session store keeps it: the adapter's record, stamped with its time
 * and session. Its own (enumerable) properties are what a line always had — `at`, `direction`,
 * `text` and `rule` when a rule answered — so code that compares or copies the lines of
 * `SessionRecord.transcript` (users' tests of the test helper's `sessions()`, say) sees them as
 * before; the record's other fields are private, read through getters. One object per line,
 * as before records (the adapter's entry is copied field by field and left to die young: it
 * costs the garbage collector less than keeping it). `toJSON` gives the whole record, as
 * `--store` writes it.
 */
import type { ClientFinding, LineDirection, NoteKind, NoticeKind, TranscriptChunk, TranscriptEntry, TranscriptRecord, TranscriptStage as Stage } from '../transcript/record.js';

/** Fields few lines carry (the message data's key, a client note's finding, a notice's kind and time, a BDAT line's chunk), kept in one slot so the many lines without them pay one pointer. */
interface Rare {
  readonly messageKey?: string;
  readonly finding?: ClientFinding;
  readonly noticeKind?: NoticeKind;
  readonly dueAt?: number;
  readonly chunk?: TranscriptChunk;
}

const rareOf = (e: TranscriptEntry): Rare | undefined =>
  e.messageKey === undefined && e.finding === undefined && e.noticeKind === undefined && e.dueAt === undefined && e.chunk === undefined
    ? undefined
    : { messageKey: e.messageKey, finding: e.finding, noticeKind: e.noticeKind, dueAt: e.dueAt, chunk: e.chunk };

export class TranscriptLine implements TranscriptRecord {
  readonly at: number;
  readonly direction: LineDirection;
  readonly text: string;
  /** Set only when a rule answered, so a line without one has no `rule` key. */
  declare readonly rule?: string;
  readonly #session: string;
  readonly #stage: Stage | undefined;
  readonly #verb: string | undefined;
  readonly #code: number | undefined;
  readonly #enhanced: string | undefined;
  readonly #more: boolean | undefined;
  readonly #rcpts: readonly string[] | undefined;
  readonly #sender: string | undefined;
  readonly #messageId: string | undefined;
  readonly #bytes: number | undefined;
  readonly #note: NoteKind | undefined;
  readonly #rare: Rare | undefined;

  constructor(at: number, session: string, entry: TranscriptEntry) {
    this.at = at;
    this.direction = entry.direction;
    this.text = entry.text;
    if (entry.rule) (this as { rule?: string }).rule = entry.rule;
    this.#session = session;
    this.#stage = entry.stage;
    this.#verb = entry.verb;
    this.#code = entry.code;
    this.#enhanced = entry.enhanced;
    this.#more = entry.more;
    this.#rcpts = entry.rcpts;
    this.#sender = entry.sender;
    this.#messageId = entry.messageId;
    this.#bytes = entry.bytes;
    this.#note = entry.note;
    this.#rare = rareOf(entry);
  }

  /** A record read back (from `--store`), `session` filled in when it lacks one. */
  static from(record: TranscriptEntry & { at: number; session?: string }, session: string): TranscriptLine {
    return new TranscriptLine(record.at, record.session ?? session, record);
  }

  get session(): string {
    return this.#session;
  }
  get stage(): Stage | undefined {
    return this.#stage;
  }
  get verb(): string | undefined {
    return this.#verb;
  }
  get code(): number | undefined {
    return this.#code;
  }
  get enhanced(): string | undefined {
    return this.#enhanced;
  }
  get more(): boolean | undefined {
    return this.#more;
  }
  get rcpts(): readonly string[] | undefined {
    return this.#rcpts;
  }
  get sender(): string | undefined {
    return this.#sender;
  }
  get messageId(): string | undefined {
    return this.#messageId;
  }
  get bytes(): number | undefined {
    return this.#bytes;
  }
  get note(): NoteKind | undefined {
    return this.#note;
  }
  get messageKey(): string | undefined {
    return this.#rare?.messageKey;
  }
  get finding(): ClientFinding | undefined {
    return this.#rare?.finding;
  }
  get noticeKind(): NoticeKind | undefined {
    return this.#rare?.noticeKind;
  }
  get dueAt(): number | undefined {
    return this.#rare?.dueAt;
  }
  get chunk(): TranscriptChunk | undefined {
    return this.#rare?.chunk;
  }

  /** The whole record (written when a session is stored; undefined fields drop out). */
  toJSON(): TranscriptRecord {
    return {
      at: this.at,
      session: this.#session,
      direction: this.direction,
      text: this.text,
      stage: this.#stage,
      verb: this.#verb,
      code: this.#code,
      enhanced: this.#enhanced,
      more: this.#more,
      rule: this.rule,
      rcpts: this.#rcpts,
      sender: this.#sender,
      messageId: this.#messageId,
      bytes: this.#bytes,
      note: this.#note,
      messageKey: this.#rare?.messageKey,
      finding: this.#rare?.finding,
      noticeKind: this.#rare?.noticeKind,
      dueAt: this.#rare?.dueAt,
      chunk: this.#rare?.chunk,
    };
  }
}
