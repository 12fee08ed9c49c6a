/**
 * Maildir conventions (https://cr.yp.to/proto/maildir.html): unique file names, the `:2,flags`
 * info suffix of `cur/`, and reading an envelope back out of a message a real MDA delivered
 * (Return-Path, Delivered-To) for files dropped into the Maildir by hand.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AddressObject } from 'mailparser';
import { loadMailparser } from '../util/lazy-modules.js';
import type { Envelope } from './types.js';
import { isErrno } from './durable.js';

export type MaildirFolder = 'new' | 'cur';

let deliveries = 0;

/** The host part of a Maildir name: "/" and ":" are written as \057 and \072, as the convention says. */
const safeHost = (() => {
  let cached: string | undefined;
  return () => (cached ??= (hostname() || 'localhost').replace(/\//g, '\\057').replace(/:/g, '\\072'));
})();

/**
 * A new unique Maildir file name, `<seconds>.M<usec>P<pid>Q<n>R<random>.<host>`: the time from
 * the real clock (names must be unique in real time, whatever clock the store is given), the
 * process id and a per-process delivery counter, and a few random bytes for good measure.
 */
export function maildirName(nowMs = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000);
  const micros = (nowMs % 1000) * 1000;
  return `${seconds}.M${micros}P${process.pid}Q${++deliveries}R${randomBytes(4).toString('hex')}.${safeHost()}`;
}

/** The unique part of a file name, without the `:2,flags` (or `!2,flags`) info a reader adds in `cur/`. */
export const maildirKey = (name: string): string => name.replace(/[:!][12],[^/]*$/, '');

export interface MaildirFile {
  readonly folder: MaildirFolder;
  readonly name: string;
}

/** Lists the message files in `new/` and `cur/` by key (dot files and non-files skipped). */
export async function scanMaildir(dir: string): Promise<Map<string, MaildirFile>> {
  const found = new Map<string, MaildirFile>();
  for (const folder of ['new', 'cur'] as const) {
    let entries;
    try {
      entries = await readdir(join(dir, folder), { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue;
      throw err;
    }
    // names sorted so that which of two same-key files wins does not depend on the file system
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (!entry.isFile() || entry.name.startsWith('.')) continue;
      const key = maildirKey(entry.name);
      if (!found.has(key)) found.set(key, { folder, name: entry.name });
    }
  }
  return found;
}

/** Finds one message file by key, wherever a reader has moved it (`new/` → `cur/`, flags added). */
export async function locateMaildirFile(dir: string, key: string): Promise<MaildirFile | undefined> {
  return (await scanMaildir(dir)).get(key);
}

const HEADER_WINDOW = 256 * 1024;

/** The header section of a message file: up to the first empty line, read from at most the first 256 KiB. */
async function readHeaderSection(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_WINDOW);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_WINDOW, 0);
    const head = buffer.subarray(0, bytesRead);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : head.lastIndexOf('\n') + 1;
    return Buffer.concat([head.subarray(0, end), Buffer.from('\r\n')]);
  } finally {
    await handle.close();
  }
}

const addressesOf = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) =>
    a.value.flatMap((v) => (v.group ? v.group.map((g) => g.address ?? '') : [v.address ?? ''])).filter((x) => x !== ''),
  );

/** The address in a Return-Path / Delivered-To value: inside <…> if there are brackets, else the bare value. */
const pathAddress = (value: string): string => {
  const bracketed = /<([^>]*)>/.exec(value);
  return (bracketed ? bracketed[1]! : value).trim();
};

export interface RecoveredMessage {
  readonly envelope: Envelope;
  readonly receivedAt: number;
  readonly size: number;
}

/**
 * What can be known about a message file nobody indexed: the envelope sender from Return-Path
 * (else the From address, else ""), the recipients from Delivered-To (else X-Original-To, else
 * To + Cc), the time from the file's mtime, and its size.
 */
export async function recoverMessage(path: string): Promise<RecoveredMessage> {
  const info = await stat(path);
  let mailFrom = '';
  let rcptTo: string[] = [];
  try {
    const { simpleParser } = await loadMailparser();
    const parsed = await simpleParser(await readHeaderSection(path), { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    const values = (key: string) =>
      parsed.headerLines.filter((h) => h.key === key).map((h) => h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
    const returnPath = values('return-path')[0];
    mailFrom = returnPath !== undefined ? pathAddress(returnPath) : (addressesOf(parsed.from)[0] ?? '');
    const delivered = values('delivered-to').map(pathAddress).filter((a) => a !== '');
    const original = values('x-original-to').map(pathAddress).filter((a) => a !== '');
    rcptTo = delivered.length > 0 ? delivered : original.length > 0 ? original : [...addressesOf(parsed.to), ...addressesOf(parsed.cc)];
  } catch {
    // not a message mailparser can read: keep the empty envelope; the bytes are still served as they are
  }
  return {
    envelope: { mailFrom, rcptTo: [...new Set(rcptTo)] },
    receivedAt: Math.floor(info.mtimeMs),
    size: info.size,
  };
}

/** The synchronous twin of locateMaildirFile, for the lazy `raw` getter (see maildir.ts). */
export function locateMaildirFileSync(dir: string, key: string): MaildirFile | undefined {
  for (const folder of ['new', 'cur'] as const) {
    let names: string[];
    try {
      names = readdirSync(join(dir, folder)).sort();
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue;
      throw err;
    }
    const name = names.find((n) => !n.startsWith('.') && maildirKey(n) === key);
    if (name !== undefined) return { folder, name };
  }
  return undefined;
}
