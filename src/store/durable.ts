/**
 * Small file helpers for the on-disk stores (Maildir messages, session transcripts): writes that
 * are on disk before they count (write + fsync, then rename), JSON-lines files that survive a
 * torn last line, and a queue that runs one mutation at a time.
 */
import { constants } from 'node:fs';
import { copyFile, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export const isErrno = (err: unknown, ...codes: string[]): boolean =>
  typeof err === 'object' && err !== null && codes.includes(String((err as { code?: unknown }).code));

/** Writes a new file (`wx`: never over an existing one) and fsyncs it before closing. */
export async function writeFileDurable(path: string, data: Uint8Array | string, flag: 'wx' | 'w' = 'wx'): Promise<void> {
  const handle = await open(path, flag);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies a file and fsyncs the copy (a spooled message into a Maildir's tmp/). */
export async function copyFileDurable(from: string, to: string): Promise<void> {
  await copyFile(from, to, constants.COPYFILE_EXCL);
  const handle = await open(to, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Appends lines (each gets a trailing "\n") and fsyncs the file. */
export async function appendLinesDurable(path: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const handle = await open(path, 'a');
  try {
    await handle.writeFile(lines.map((l) => `${l}\n`).join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Fsyncs a directory so a rename or unlink in it is durable. Best effort: some platforms
 * (Windows) and file systems refuse to open or sync a directory, which is not an error here.
 */
export async function fsyncDir(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch (err) {
    if (!isErrno(err, 'EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EBADF')) throw err;
  } finally {
    await handle?.close();
  }
}

/** Replaces a whole file atomically: write `<path>.tmp`, fsync, rename over, fsync the directory. */
export async function replaceFileDurable(path: string, data: string): Promise<void> {
  const temp = `${path}.tmp`;
  try {
    await writeFileDurable(temp, data, 'w');
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dirname(path));
}

export interface JsonLines {
  /** The lines that parsed, in file order. */
  readonly values: unknown[];
  /** Every non-empty line, parsed or not. */
  readonly lines: number;
  /** A line did not parse, or the last one has no "\n" (a torn append): the file should be rewritten. */
  readonly damaged: boolean;
}

/** Reads a JSON-lines file; a missing file is an empty one. */
export async function readJsonLines(path: string): Promise<JsonLines> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { values: [], lines: 0, damaged: false };
    throw err;
  }
  const values: unknown[] = [];
  let lines = 0;
  let damaged = text.length > 0 && !text.endsWith('\n');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    lines++;
    try {
      values.push(JSON.parse(line));
    } catch {
      damaged = true;
    }
  }
  return { values, lines, damaged };
}

/** Runs async jobs one at a time, in the order given; a failed job does not stop the next. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => job());
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every job queued so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
