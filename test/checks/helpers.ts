/** Builders for the message-analysis tests: hand-made raw messages and nodemailer-composed ones. */
import MailComposer, { type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import type { AnalyzeInput } from '../../src/checks/index.js';
import { seededRandom } from '../../src/engine/random.js';

/** A raw message from header lines and body lines, joined with CRLF (the wire form after DATA). */
export function raw(headers: readonly string[], body: readonly string[] | string = ['Hello.']): Buffer {
  const bodyText = typeof body === 'string' ? body : body.join('\r\n') + '\r\n';
  return Buffer.from(headers.join('\r\n') + '\r\n\r\n' + bodyText, 'utf8');
}

/** The headers every well-formed test message starts with; override by passing replacements. */
export const BASE_HEADERS: readonly string[] = Object.freeze([
  'From: Ann Example <ann@example.com>',
  'To: bob@example.org',
  'Subject: Quarterly report',
  'Date: Tue, 14 May 2024 09:30:00 +0000',
  'Message-ID: <20240514093000.1234@mail.example.com>',
]);

/** BASE_HEADERS without the named fields (case-insensitive), plus `extra`. */
export function headersWith(extra: readonly string[], without: readonly string[] = []): string[] {
  const drop = new Set(without.map((n) => n.toLowerCase()));
  return [...BASE_HEADERS.filter((h) => !drop.has(h.slice(0, h.indexOf(':')).toLowerCase())), ...extra];
}

export function input(message: Buffer, opts: { rcptTo?: readonly string[]; smtpUtf8?: boolean } = {}): AnalyzeInput {
  return { raw: message, rcptTo: opts.rcptTo ?? ['bob@example.org'], smtpUtf8: opts.smtpUtf8 ?? false };
}

/** A message as nodemailer would send it, with fixed Date and Message-ID so runs are repeatable. */
export function compose(mail: MailComposerOptions): Promise<Buffer> {
  return new MailComposer({
    from: 'Ann Example <ann@example.com>',
    to: 'bob@example.org',
    date: new Date('2024-05-14T09:30:00Z'),
    messageId: '<fixed.1@mail.example.com>',
    ...mail,
  })
    .compile()
    .build();
}

/** Seeded, so every "random" message is the same on every run. */
export const prng = seededRandom;

export function randomBytes(seed: number, length: number): Buffer {
  const next = prng(seed);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}
