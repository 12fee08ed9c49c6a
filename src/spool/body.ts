/**
 * A message body as it arrives after DATA: in memory while it is small, in a spool file once it
 * passes `spoolAbove` bytes, so a 100 MB message costs a file, not 100 MB of heap. Whoever
 * ends up with the body either hands its file to a message store or calls discard().
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readdir, rm, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { headerSectionEnd } from '../checks/header-section.js';

export interface MessageBody {
  readonly size: number;
  /** The whole message, when it stayed in memory. */
  readonly buffer?: Buffer;
  /** The spool file holding it, when it did not. */
  readonly path?: string;
  /** The first `n` bytes (or fewer, if the message is shorter). */
  head(n: number): Promise<Buffer>;
  /** Every byte from `start` on, in chunks of at most 64 KiB. */
  chunks(start?: number): AsyncGenerator<Buffer, void, undefined>;
  stream(): Readable;
  /** Removes the spool file, if there is one and nobody took it. Safe to call twice. */
  discard(): Promise<void>;
}

const READ_BYTES = 64 * 1024;

/** Messages above this size are spooled to a file (by default) and parsed as a stream. */
export const LARGE_MESSAGE_BYTES = 1024 * 1024;

export function memoryBody(buffer: Buffer): MessageBody {
  return {
    size: buffer.length,
    buffer,
    head: async (n) => buffer.subarray(0, n),
    async *chunks(start = 0) {
      for (let at = start; at < buffer.length; at += READ_BYTES) yield buffer.subarray(at, at + READ_BYTES);
    },
    stream: () => Readable.from([buffer], { objectMode: false }),
    discard: async () => undefined,
  };
}

export function fileBody(path: string, size: number): MessageBody {
  return {
    size,
    path,
    async head(n) {
      const fh = await open(path, 'r');
      try {
        const want = Math.min(n, size);
        const buf = Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
          const { bytesRead } = await fh.read(buf, got, want - got, got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.subarray(0, got);
      } finally {
        await fh.close();
      }
    },
    async *chunks(start = 0) {
      // a fresh buffer per chunk: a consumer may keep a chunk (a stream's queue does)
      for await (const chunk of createReadStream(path, { start, highWaterMark: READ_BYTES })) yield chunk as Buffer;
    },
    stream: () => createReadStream(path, { highWaterMark: READ_BYTES }),
    discard: () => unlink(path).catch(() => undefined),
  };
}

/** Where large bodies go: one temporary directory per process, made on first use. */
export class Spool {
  private dir: Promise<string> | undefined;
  private sequence = 0;

  constructor(
    /** Bodies larger than this many bytes are written to a file. */
    readonly spoolAbove: number,
    private readonly parent: string = tmpdir(),
  ) {
    if (!Number.isInteger(spoolAbove) || spoolAbove < 0) throw new RangeError('spoolAbove must be a non-negative integer');
  }

  /** A new file name in the spool directory (the file is not created). */
  async newPath(): Promise<string> {
    this.dir ??= this.make();
    return join(await this.dir, `${process.pid}.${++this.sequence}.eml`);
  }

  /**
   * The directory is named after this process, so one left behind by a process that was
   * killed (SIGKILL leaves no chance to clean up) is recognised and removed here.
   */
  private async make(): Promise<string> {
    await removeOrphans(this.parent);
    return mkdtemp(join(this.parent, `${SPOOL_PREFIX}${process.pid}-`));
  }

  /** Removes the directory and every file still in it (at shutdown). */
  async remove(): Promise<void> {
    if (!this.dir) return;
    const dir = await this.dir.catch(() => undefined);
    this.dir = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

const SPOOL_PREFIX = 'mockmx-spool-';
const SPOOL_DIR = /^mockmx-spool-(\d+)-/;

/** Spool directories under `parent` whose process is gone. */
export async function removeOrphans(parent: string): Promise<string[]> {
  const names = await readdir(parent).catch(() => [] as string[]);
  const orphans = names.filter((name) => {
    const pid = Number(SPOOL_DIR.exec(name)?.[1]);
    return Number.isSafeInteger(pid) && pid > 0 && !isAlive(pid);
  });
  await Promise.all(orphans.map((name) => rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined)));
  return orphans;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM'; // alive, but someone else's
  }
}

export interface ReceiveOptions {
  /** Beyond this many bytes the data is only counted (the message will be refused). 0: no limit. */
  readonly limit: number;
  readonly spool: Spool;
  /** Applied once to the first bytes (at least 3 of them, unless the message is shorter). */
  readonly fixStart?: (start: Buffer) => Buffer;
}

export interface Received {
  /** Every byte the client sent, including any past the limit. */
  readonly bytes: number;
  /** The body, unless it was over the limit. */
  readonly body?: MessageBody;
}

/** Writes to the spool in batches of this size: fewer system calls than one per socket chunk. */
const WRITE_BATCH = 256 * 1024;

/**
 * Reads a DATA stream to its end, honouring backpressure: the socket is not read faster than the
 * spool file is written. On a stream error (the client went away) any spool file is removed
 * and the error is thrown.
 */
export async function receiveBody(stream: Readable, options: ReceiveOptions): Promise<Received> {
  const { limit, spool, fixStart = (b: Buffer) => b } = options;
  let bytes = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let file: { handle: FileHandle; path: string; written: number } | undefined;
  let over = false;

  const flush = async () => {
    if (!file || pendingBytes === 0) return;
    const batch = pending;
    pending = [];
    file.written += pendingBytes;
    pendingBytes = 0;
    await file.handle.writev(batch);
  };
  const dropFile = async () => {
    if (!file) return;
    const { handle, path } = file;
    file = undefined;
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
  };
  /** Takes one chunk; a promise only when the spool file is opened or written. */
  const take = (chunk: Buffer): Promise<void> | undefined => {
    bytes += chunk.length;
    if (over) return undefined;
    if (limit && bytes > limit) {
      // past the limit only count: the message is refused, so holding it would only cost memory
      over = true;
      pending = [];
      pendingBytes = 0;
      return file ? dropFile() : undefined;
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (!file && pendingBytes > spool.spoolAbove) return startFile();
    return file && pendingBytes >= WRITE_BATCH ? flush() : undefined;
  };
  const startFile = async () => {
    const path = await spool.newPath();
    file = { handle: await open(path, 'wx', 0o600), path, written: 0 };
    pending = [fixStart(Buffer.concat(pending, pendingBytes))];
    pendingBytes = pending[0]!.length;
    if (pendingBytes >= WRITE_BATCH) await flush();
  };

  try {
    await readAll(stream, take);
    if (over) return { bytes };
    if (!file) return { bytes, body: memoryBody(fixStart(pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes))) };
    await flush();
    const { handle, path, written } = file;
    file = undefined;
    await handle.close();
    return { bytes, body: fileBody(path, written) };
  } catch (err) {
    await dropFile();
    throw err;
  }
}

/**
 * Feeds every chunk of `stream` to `take`, pausing the stream while a promise `take` returned
 * is pending. Events rather than `for await`: an async iterator costs a few kilobytes of
 * promises and listeners per message on the hot path. Rejects on an error, and on a close
 * before the end (the client went away), as `for await` would.
 */
function readAll(stream: Readable, take: (chunk: Buffer) => Promise<void> | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    let ended = false;
    let waiting = 0;
    /** The step under way: a failure waits for it, so no spool file is opened after the caller cleaned up. */
    let inFlight: Promise<void> | undefined;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      cleanup();
      if (!inFlight) return reject(err);
      inFlight.then(
        () => reject(err),
        () => reject(err),
      );
    };
    const finish = () => {
      if (failed || !ended || waiting > 0) return;
      cleanup();
      resolve();
    };
    const onData = (chunk: Buffer) => {
      if (failed) return;
      let step: Promise<void> | undefined;
      try {
        step = take(chunk);
      } catch (err) {
        return fail(err);
      }
      if (!step) return;
      waiting++;
      stream.pause();
      inFlight = step;
      step.then(
        () => {
          waiting--;
          if (inFlight === step) inFlight = undefined;
          if (failed) return;
          if (ended) finish();
          else if (waiting === 0) stream.resume();
        },
        (err: unknown) => {
          if (inFlight === step) inFlight = undefined;
          fail(err);
        },
      );
    };
    const onEnd = () => {
      ended = true;
      finish();
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => {
      if (!ended) fail(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

const HEAD_BYTES = 1024 * 1024;
const MAX_HEAD_BYTES = 16 * 1024 * 1024;

/**
 * Enough of a message's start to hold its header section: all of a message in memory; of a
 * spooled one 1 MiB, more (up to 16 MiB) only when the header section is longer than that.
 */
export async function readHead(body: MessageBody): Promise<Buffer> {
  if (body.buffer) return body.buffer;
  for (let n = HEAD_BYTES; ; n *= 4) {
    const head = await body.head(n);
    if (head.length < n || n >= MAX_HEAD_BYTES || headerSectionEnd(head) !== -1) return head;
  }
}
