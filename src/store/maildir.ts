/**
 * Accepted messages in a standard Maildir, so they outlive the process and any Maildir reader
 * (mutt -f, Dovecot, a script listing `new/`) can look at them.
 *
 * On disk, under `dir`:
 *   tmp/ new/ cur/          the Maildir. Each message is one file holding exactly the bytes the
 *                           client sent (`raw`), written to tmp/, fsynced, then renamed into new/,
 *                           so new/ never shows half a message. Names follow the convention,
 *                           `<seconds>.M<usec>P<pid>Q<n>R<random>.<host>`, without a `:2,` suffix.
 *                           A reader may move a file to cur/ and add flags; the store follows it.
 *   mockmx-index.jsonl      one JSON line per message, in the order they were added:
 *                           {"type":"message","id","file","receivedAt","size","sessionId",
 *                            "envelope":{"mailFrom","rcptTo"},"rule"?,"authenticationResults"?,
 *                            "extra"?} — `extra` keeps any other NewMessage field (JSON data).
 *                           A compacted index starts with {"type":"sequence","last":n}, the
 *                           highest id number ever given, so ids are never reused.
 * The message file stays byte-exact (no Return-Path/X-Mockmx headers prepended): what mockmx
 * knows about the envelope lives in the index.
 *
 * Adding: the file is written and fsynced in tmp/, its index line appended and fsynced, then the
 * file renamed into new/ (and new/ fsynced). A crash before the rename leaves a tmp/ file (removed
 * on the next open) and maybe an index line naming a file that is not in new/ (dropped): the
 * message was never acknowledged, so the client retries and nothing is half there or doubled.
 *
 * The Maildir is the truth: an index line whose file is gone (deleted by the store or by anyone
 * else) is dead and dropped at the next compaction — when the index holds more than twice the
 * live count (and over 16 lines), on a damaged index, and on clear. A file in new/ or cur/ that
 * the index does not name (dropped there by hand) is adopted on open (or `rescan()`): it gets the
 * next id, its mtime as receivedAt, sessionId "", and an envelope read from its headers —
 * Return-Path (else From) for the sender, Delivered-To (else X-Original-To, else To + Cc) for the
 * recipients — and an index line, so it keeps its id from then on.
 *
 * Memory: the metadata of every live message is kept in memory (ids, envelopes, times: small);
 * the raw bytes are not. The interface has `raw: Buffer` as a plain property, so a StoredMessage
 * must be able to produce its bytes synchronously. The store therefore keeps whole messages
 * (bytes, and the parse promise) only for a bounded cache — the most recently added or read,
 * at most `cacheMessages` (100) and `cacheBytes` (32 MiB) — and:
 *   - add() and get() return whole messages, read with async I/O if not cached, and cached;
 *   - list() returns the cached messages as they are, and for the others an object whose `raw`
 *     is a getter that reads the file (synchronously) on first use and keeps it, and whose
 *     parsed() reads it asynchronously. Listing a large store therefore costs no I/O until the
 *     bytes are wanted, and the memory held is what the caller holds.
 *   - a large message (over 1 MiB: one that arrived spooled) is never read whole to be handed
 *     out or cached: get() and list() give the lazy form, rawStream() streams the file and
 *     parsed() streams it through the parser.
 * The price: touching `raw` on a listed message that was not cached blocks on a file read, and
 * throws if the message was deleted (or its file removed) before its bytes were read. parsed()
 * is parsed once per object: a cached message is one object (get() returns the same one, so
 * every caller shares its promise); once it leaves the cache, a later get() parses again.
 *
 * One store per directory: two processes writing the same Maildir through this store would
 * each compact the index without the other's lines.
 */
import { readFileSync } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { appendLinesDurable, copyFileDurable, fsyncDir, isErrno, readJsonLines, replaceFileDurable, SerialQueue, writeFileDurable } from './durable.js';
import { locateMaildirFile, locateMaildirFileSync, maildirKey, maildirName, recoverMessage, scanMaildir, type MaildirFile } from './maildir-files.js';
import { parseMessage, parseSpooledMessage } from './parse.js';
import { Oldest } from '../util/oldest.js';
import { fileBody, LARGE_MESSAGE_BYTES, memoryBody } from '../spool/body.js';
import type { Envelope, MessageStore, NewMessage, ParsedMessage, StoredMessage } from './types.js';

export const MAILDIR_INDEX_FILE = 'mockmx-index.jsonl';

export interface MaildirStoreOptions {
  readonly maxMessages: number;
  readonly now?: () => number;
  /** How many messages keep their bytes in memory (the most recently added or read); default 100, 0 for none. */
  readonly cacheMessages?: number;
  /** …and at most this many bytes of them; default 32 MiB. */
  readonly cacheBytes?: number;
  /** Problems that do not fail the operation (a file eviction could not remove); default process.emitWarning. */
  readonly onWarning?: (message: string) => void;
}

/** One index line for a message. */
interface IndexedMessage {
  readonly type: 'message';
  readonly id: string;
  /** The file's unique name (its name in new/, without any `:2,` info). */
  readonly file: string;
  readonly receivedAt: number;
  readonly size: number;
  readonly sessionId: string;
  readonly envelope: { readonly mailFrom: string; readonly rcptTo: readonly string[] };
  readonly rule?: string;
  readonly authenticationResults?: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The data of a StoredMessage, everything but `raw` and `parsed`. */
type MessageData = Omit<StoredMessage, 'raw' | 'parsed' | 'rawStream'>;

interface Entry {
  readonly record: IndexedMessage;
  readonly data: MessageData;
  /** Where the file is now (a reader may move it to cur/). */
  location: MaildirFile;
  /** The whole message, while it is in the cache. */
  view?: StoredMessage;
}

/** Fields of NewMessage/StoredMessage this store handles itself; any other field goes to `extra`. */
const OWN_FIELDS = new Set(['sessionId', 'envelope', 'raw', 'spooled', 'rule', 'authenticationResults', 'id', 'receivedAt', 'size', 'parsed', 'rawStream']);

const idFor = (sequence: number) => `m${sequence.toString(36).padStart(6, '0')}`;
const sequenceOf = (id: string): number | undefined => {
  const m = /^m([0-9a-z]{1,11})$/.exec(id);
  const n = m ? Number.parseInt(m[1]!, 36) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function asIndexed(v: unknown): IndexedMessage | undefined {
  if (!isObject(v) || v.type !== 'message') return undefined;
  const { id, file, receivedAt, size, sessionId, envelope, rule, authenticationResults, extra } = v;
  if (typeof id !== 'string' || id === '' || typeof file !== 'string' || file === '' || file.includes('/') || file.startsWith('.')) return undefined;
  if (typeof receivedAt !== 'number' || !Number.isFinite(receivedAt) || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
  if (typeof sessionId !== 'string' || !isObject(envelope) || typeof envelope.mailFrom !== 'string') return undefined;
  if (!Array.isArray(envelope.rcptTo) || !envelope.rcptTo.every((r): r is string => typeof r === 'string')) return undefined;
  if ((rule !== undefined && typeof rule !== 'string') || (authenticationResults !== undefined && typeof authenticationResults !== 'string')) return undefined;
  if (extra !== undefined && !isObject(extra)) return undefined;
  return {
    type: 'message',
    id,
    file,
    receivedAt,
    size,
    sessionId,
    envelope: { mailFrom: envelope.mailFrom, rcptTo: envelope.rcptTo },
    ...(rule !== undefined ? { rule } : {}),
    ...(authenticationResults !== undefined ? { authenticationResults } : {}),
    ...(extra !== undefined ? { extra } : {}),
  };
}

function asSequenceMark(v: unknown): number | undefined {
  return isObject(v) && v.type === 'sequence' && typeof v.last === 'number' && Number.isSafeInteger(v.last) && v.last >= 0 ? v.last : undefined;
}

const freezeEnvelope = (e: Envelope): Envelope => Object.freeze({ mailFrom: e.mailFrom, rcptTo: Object.freeze([...e.rcptTo]) });

function dataOf(record: IndexedMessage): MessageData {
  const extra = Object.fromEntries(Object.entries(record.extra ?? {}).filter(([k]) => !OWN_FIELDS.has(k)));
  return Object.freeze({
    ...extra,
    sessionId: record.sessionId,
    envelope: freezeEnvelope(record.envelope),
    ...(record.rule !== undefined ? { rule: record.rule } : {}),
    ...(record.authenticationResults !== undefined ? { authenticationResults: record.authenticationResults } : {}),
    id: record.id,
    receivedAt: record.receivedAt,
    size: record.size,
  });
}

const DEFAULT_CACHE_MESSAGES = 100;
const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;
const COMPACT_MIN_LINES = 16;
const ADOPT_BATCH = 16;

export class MaildirMessageStore implements MessageStore {
  /** Live messages, oldest first (a Map keeps insertion order). */
  private readonly entries = new Map<string, Entry>();
  private readonly oldest = new Oldest(() => this.entries.values());
  /** Entries holding their whole message, least recently used first. */
  private readonly cached = new Set<Entry>();
  private cachedBytes = 0;
  /** The highest id number given, here or by an earlier run. */
  private sequence = 0;
  /** Lines in the index file, live or dead. */
  private indexLines = 0;
  /** add, delete, clear, rescan and compaction run one at a time. */
  private readonly queue = new SerialQueue();
  private readonly now: () => number;
  private readonly cacheMessages: number;
  private readonly cacheBytes: number;
  private readonly warn: (message: string) => void;
  private readonly indexPath: string;

  private constructor(
    /** The Maildir directory (absolute). */
    readonly dir: string,
    private readonly options: MaildirStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.cacheMessages = options.cacheMessages ?? DEFAULT_CACHE_MESSAGES;
    this.cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, 'MockmxMaildirWarning'));
    this.indexPath = join(dir, MAILDIR_INDEX_FILE);
  }

  /**
   * Opens (creating it if need be) the Maildir at `dir` and loads what an earlier run left there,
   * in the order it was added; new ids continue after the highest one used.
   */
  static async open(dir: string, options: MaildirStoreOptions): Promise<MaildirMessageStore> {
    if (!Number.isInteger(options.maxMessages) || options.maxMessages < 1) throw new RangeError('maxMessages must be a positive integer');
    for (const key of ['cacheMessages', 'cacheBytes'] as const) {
      const v = options[key];
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new RangeError(`${key} must be a non-negative integer`);
    }
    const store = new MaildirMessageStore(resolve(dir), options);
    await store.load();
    return store;
  }

  async add(message: NewMessage): Promise<StoredMessage> {
    // our own copy: the file and the cached message stay what was received even if the caller reuses its buffer
    const raw = message.spooled ? undefined : Buffer.from(message.raw);
    const spooled = message.spooled;
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(message)) if (!OWN_FIELDS.has(k) && v !== undefined) extra[k] = v;
    // through JSON now, so what is in memory is exactly what a restart reads back
    const extraJson = Object.keys(extra).length > 0 ? (JSON.parse(JSON.stringify(extra)) as Record<string, unknown>) : undefined;
    const envelope = { mailFrom: message.envelope.mailFrom, rcptTo: [...message.envelope.rcptTo] };

    return this.queue.run(async () => {
      const id = idFor(++this.sequence);
      const file = maildirName();
      const record: IndexedMessage = {
        type: 'message',
        id,
        file,
        receivedAt: this.now(),
        size: raw ? raw.length : spooled!.size,
        sessionId: message.sessionId,
        envelope,
        ...(message.rule !== undefined ? { rule: message.rule } : {}),
        ...(message.authenticationResults !== undefined ? { authenticationResults: message.authenticationResults } : {}),
        ...(extraJson ? { extra: extraJson } : {}),
      };
      await this.deliver(file, raw ?? spooled!.path, JSON.stringify(record));
      if (spooled) await unlink(spooled.path).catch(() => undefined);
      const entry: Entry = { record, data: dataOf(record), location: { folder: 'new', name: file } };
      this.entries.set(id, entry);
      // a spooled message is large: it is read from its file when wanted, never cached whole
      const stored = raw ? this.remember(entry, this.whole(entry, raw)) : this.lazy(entry);
      await this.evictBeyondBound();
      await this.compactIfSparse();
      return stored;
    });
  }

  async get(id: string): Promise<StoredMessage | undefined> {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.view) {
      this.touch(entry);
      return entry.view;
    }
    if (entry.record.size > LARGE_MESSAGE_BYTES) {
      // a large message is not read whole to be handed out: its bytes are read when wanted
      const present = await this.locate(entry);
      if (this.entries.get(id) !== entry) return undefined;
      if (!present) {
        this.forget(entry);
        return undefined;
      }
      return this.lazy(entry);
    }
    const raw = await this.readRaw(entry);
    if (this.entries.get(id) !== entry) return undefined; // deleted while we read
    if (!raw) {
      // the file was removed behind our back: the Maildir is the truth
      this.forget(entry);
      return undefined;
    }
    return this.remember(entry, this.whole(entry, raw));
  }

  /** Newest first. Messages not in the cache read their bytes on first use (see the top of this file). */
  async list(): Promise<StoredMessage[]> {
    return [...this.entries.values()].reverse().map((e) => e.view ?? this.lazy(e));
  }

  async delete(id: string): Promise<boolean> {
    return this.queue.run(async () => {
      const entry = this.entries.get(id);
      if (!entry) return false;
      await this.removeFile(entry);
      this.forget(entry);
      await fsyncDir(join(this.dir, entry.location.folder));
      await this.compactIfSparse();
      return true;
    });
  }

  async clear(): Promise<void> {
    return this.queue.run(async () => {
      const all = [...this.entries.values()];
      const failures: unknown[] = [];
      for (let i = 0; i < all.length; i += ADOPT_BATCH) {
        await Promise.all(
          all.slice(i, i + ADOPT_BATCH).map((entry) =>
            this.removeFile(entry).then(
              () => this.forget(entry),
              (err: unknown) => failures.push(err),
            ),
          ),
        );
      }
      await fsyncDir(join(this.dir, 'new'));
      await fsyncDir(join(this.dir, 'cur'));
      await this.compact();
      if (failures.length > 0) throw new AggregateError(failures, `could not remove ${failures.length} message file(s) from ${this.dir}`);
    });
  }

  async count(): Promise<number> {
    return this.entries.size;
  }

  /** Where a message's file is now (new/ or cur/), or undefined for an unknown id. */
  fileOf(id: string): string | undefined {
    const entry = this.entries.get(id);
    return entry ? this.pathOf(entry.location) : undefined;
  }

  /**
   * Looks at the Maildir again: adopts files dropped into new/ or cur/ since the store opened
   * (as open does), and forgets messages whose file is gone. Returns how many of each.
   */
  async rescan(): Promise<{ adopted: number; removed: number }> {
    return this.queue.run(async () => {
      const files = await scanMaildir(this.dir);
      let removed = 0;
      for (const entry of [...this.entries.values()]) {
        const location = files.get(maildirKey(entry.record.file));
        if (location) {
          entry.location = location;
          files.delete(maildirKey(entry.record.file));
        } else {
          this.forget(entry);
          removed++;
        }
      }
      const adopted = await this.adopt(files);
      await this.evictBeyondBound();
      await this.compactIfSparse();
      return { adopted, removed };
    });
  }

  // ------------------------------------------------------------------------------------------

  private async load(): Promise<void> {
    for (const sub of ['tmp', 'new', 'cur']) await mkdir(join(this.dir, sub), { recursive: true });
    await this.cleanTmp();

    const index = await readJsonLines(this.indexPath);
    let damaged = index.damaged;
    const files = await scanMaildir(this.dir);
    for (const value of index.values) {
      const mark = asSequenceMark(value);
      if (mark !== undefined) {
        this.sequence = Math.max(this.sequence, mark);
        continue;
      }
      const record = asIndexed(value);
      if (!record) {
        damaged = true;
        continue;
      }
      this.sequence = Math.max(this.sequence, sequenceOf(record.id) ?? 0);
      if (this.entries.has(record.id)) {
        damaged = true;
        continue;
      }
      const key = maildirKey(record.file);
      const location = files.get(key);
      if (!location) continue; // deleted, or never made it out of tmp/: a dead line
      files.delete(key);
      this.entries.set(record.id, { record, data: dataOf(record), location });
    }
    this.indexLines = index.lines;

    await this.adopt(files);
    await this.evictBeyondBound();
    if (damaged) await this.compact();
    else await this.compactIfSparse();
  }

  /** Removes what a crashed delivery left in tmp/ (and a half-written index rewrite). */
  private async cleanTmp(): Promise<void> {
    const tmp = join(this.dir, 'tmp');
    for (const name of await readdir(tmp)) {
      await unlink(join(tmp, name)).catch((err: unknown) => {
        if (!isErrno(err, 'ENOENT')) this.warn(`mockmx: could not remove the leftover ${join(tmp, name)}: ${String(err)}`);
      });
    }
    await unlink(`${this.indexPath}.tmp`).catch(() => undefined);
  }

  /** Gives ids and index lines to message files nobody indexed, oldest (by mtime, then name) first. */
  private async adopt(files: Map<string, MaildirFile>): Promise<number> {
    const found: { location: MaildirFile; receivedAt: number; size: number; envelope: Envelope }[] = [];
    const all = [...files.values()];
    for (let i = 0; i < all.length; i += ADOPT_BATCH) {
      const batch = await Promise.all(
        all.slice(i, i + ADOPT_BATCH).map(async (location) => {
          try {
            return { location, ...(await recoverMessage(this.pathOf(location))) };
          } catch (err) {
            if (isErrno(err, 'ENOENT')) return undefined; // gone meanwhile
            throw err;
          }
        }),
      );
      for (const f of batch) if (f) found.push(f);
    }
    found.sort((a, b) => a.receivedAt - b.receivedAt || (a.location.name < b.location.name ? -1 : a.location.name > b.location.name ? 1 : 0));

    const lines: string[] = [];
    const entries: Entry[] = [];
    for (const f of found) {
      const record: IndexedMessage = {
        type: 'message',
        id: idFor(++this.sequence),
        file: maildirKey(f.location.name),
        receivedAt: f.receivedAt,
        size: f.size,
        sessionId: '',
        envelope: f.envelope,
      };
      lines.push(JSON.stringify(record));
      entries.push({ record, data: dataOf(record), location: f.location });
    }
    await appendLinesDurable(this.indexPath, lines);
    this.indexLines += lines.length;
    for (const entry of entries) this.entries.set(entry.record.id, entry);
    return entries.length;
  }

  /** tmp/ (fsynced) → index line (fsynced) → new/ (directory fsynced). The bytes, or a file to copy them from. */
  private async deliver(file: string, bytes: Buffer | string, indexLine: string): Promise<void> {
    const tmpPath = join(this.dir, 'tmp', file);
    try {
      if (typeof bytes === 'string') await copyFileDurable(bytes, tmpPath);
      else await writeFileDurable(tmpPath, bytes);
      await appendLinesDurable(this.indexPath, [indexLine]);
      this.indexLines++;
      await rename(tmpPath, join(this.dir, 'new', file));
    } catch (err) {
      await unlink(tmpPath).catch(() => undefined);
      throw err;
    }
    await fsyncDir(join(this.dir, 'new'));
  }

  private async evictBeyondBound(): Promise<void> {
    const touched = new Set<string>();
    while (this.entries.size > this.options.maxMessages) {
      const oldest: Entry = this.oldest.take()!;
      this.forget(oldest);
      try {
        await this.removeFile(oldest);
        touched.add(oldest.location.folder);
      } catch (err) {
        // the message is gone from the store either way; its file would come back on the next open
        this.warn(`mockmx: could not remove the evicted message ${this.pathOf(oldest.location)}: ${String(err)}`);
      }
    }
    for (const folder of touched) await fsyncDir(join(this.dir, folder));
  }

  /** Unlinks a message's file, following it if a reader moved it; a file already gone is fine. */
  private async removeFile(entry: Entry): Promise<void> {
    try {
      await unlink(this.pathOf(entry.location));
      return;
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    const moved = await locateMaildirFile(this.dir, maildirKey(entry.record.file));
    if (!moved) return;
    entry.location = moved;
    await unlink(this.pathOf(moved)).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
  }

  private async compactIfSparse(): Promise<void> {
    if (this.indexLines > Math.max(2 * this.entries.size, COMPACT_MIN_LINES)) await this.compact();
  }

  /** Rewrites the index with the live messages only, after a line keeping the highest id given. */
  private async compact(): Promise<void> {
    const lines = [JSON.stringify({ type: 'sequence', last: this.sequence }), ...[...this.entries.values()].map((e) => JSON.stringify(e.record))];
    await replaceFileDurable(this.indexPath, lines.map((l) => `${l}\n`).join(''));
    this.indexLines = lines.length;
  }

  private pathOf(location: MaildirFile): string {
    return join(this.dir, location.folder, location.name);
  }

  /** The file's bytes, following it to cur/ if a reader moved it; undefined if it is gone. */
  /** Whether the message's file is still there (following a move to cur/). */
  private async locate(entry: Entry): Promise<boolean> {
    return (await this.atFile(entry, (path) => access(path).then(() => true))) ?? false;
  }

  private readRaw(entry: Entry): Promise<Buffer | undefined> {
    return this.atFile(entry, (path) => readFile(path));
  }

  /** Runs `use` on the message's file, following it if a reader moved it; undefined when it is gone. */
  private async atFile<T>(entry: Entry, use: (path: string) => Promise<T>): Promise<T | undefined> {
    try {
      return await use(this.pathOf(entry.location));
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    const moved = await locateMaildirFile(this.dir, maildirKey(entry.record.file));
    if (!moved) return undefined;
    entry.location = moved;
    try {
      return await use(this.pathOf(moved));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }


  private readRawSync(entry: Entry): Buffer {
    try {
      return readFileSync(this.pathOf(entry.location));
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    const moved = locateMaildirFileSync(this.dir, maildirKey(entry.record.file));
    if (moved) {
      entry.location = moved;
      try {
        return readFileSync(this.pathOf(moved));
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    throw Object.assign(new Error(`mockmx: message ${entry.record.id} is no longer in the Maildir ${this.dir} (deleted before its bytes were read)`), { code: 'ENOENT' });
  }

  /** A whole message, bytes in hand; parsed once per object. */
  private whole(entry: Entry, raw: Buffer): StoredMessage {
    let parsed: Promise<ParsedMessage> | undefined;
    return Object.freeze({ ...entry.data, raw, rawStream: () => memoryBody(raw).stream(), parsed: () => (parsed ??= parseMessage(raw)) });
  }

  /** A message whose bytes are read on first use: `raw` synchronously, parsed() asynchronously. */
  private lazy(entry: Entry): StoredMessage {
    let raw: Buffer | undefined;
    let parsed: Promise<ParsedMessage> | undefined;
    const load = async (): Promise<Buffer> => {
      if (raw) return raw;
      const bytes = await this.readRaw(entry);
      if (!bytes) return this.readRawSync(entry); // throws the same "no longer in the Maildir" error
      return (raw ??= bytes);
    };
    const message = { ...entry.data } as Record<string, unknown>;
    Object.defineProperty(message, 'raw', { enumerable: true, configurable: false, get: () => (raw ??= this.readRawSync(entry)) });
    message.rawStream = () => (raw ? memoryBody(raw).stream() : fileBody(this.pathOf(entry.location), entry.record.size).stream());
    // a large message streams through the parser rather than being read whole
    const large = entry.record.size > LARGE_MESSAGE_BYTES;
    message.parsed = () => (parsed ??= large && !raw ? parseSpooledMessage(fileBody(this.pathOf(entry.location), entry.record.size)) : load().then(parseMessage));
    return Object.freeze(message) as unknown as StoredMessage;
  }

  /** Keeps a whole message in the cache (if it fits), dropping the least recently used beyond the bounds. */
  private remember(entry: Entry, view: StoredMessage): StoredMessage {
    if (entry.view) {
      this.touch(entry);
      return entry.view;
    }
    if (this.cacheMessages === 0 || entry.record.size > this.cacheBytes) return view;
    entry.view = view;
    this.cached.add(entry);
    this.cachedBytes += entry.record.size;
    while (this.cached.size > this.cacheMessages || this.cachedBytes > this.cacheBytes) this.uncache(this.cached.values().next().value!);
    return view;
  }

  private touch(entry: Entry): void {
    this.cached.delete(entry);
    this.cached.add(entry);
  }

  private uncache(entry: Entry): void {
    if (!entry.view) return;
    entry.view = undefined;
    this.cached.delete(entry);
    this.cachedBytes -= entry.record.size;
  }

  /** Drops a message from memory (its file is the caller's business). */
  private forget(entry: Entry): void {
    this.uncache(entry);
    if (this.entries.get(entry.record.id) === entry) this.entries.delete(entry.record.id);
  }
}
