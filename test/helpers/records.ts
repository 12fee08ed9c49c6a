/**
 * Transcript records written by hand, with the fields the adapter gives them (see
 * src/smtp/records.ts), for tests that feed a SessionStore without an SMTP session.
 */
import type { NoteKind, TranscriptEntry } from '../../src/transcript/record.js';

type Fields = Partial<Omit<TranscriptEntry, 'direction' | 'text'>>;

/** A client command; its verb is the first word, as the adapter records it. */
export const command = (text: string, fields: Fields = {}): TranscriptEntry => ({ direction: 'in', text, verb: text.split(' ')[0]!.toUpperCase(), ...fields });

/** The message data: one record for the whole body. */
export const messageData = (bytes: number, fields: Fields = {}): TranscriptEntry => ({ direction: 'in', text: `<${bytes} bytes of message data>`, stage: 'message', bytes, ...fields });

/** One reply line, written `code[-| ][enhanced ]text` (a `-` when `more` lines follow). */
export const reply = (code: number, enhanced: string | undefined, text: string, fields: Fields = {}): TranscriptEntry => ({
  direction: 'out',
  text: `${code}${fields.more ? '-' : ' '}${[enhanced, text].filter(Boolean).join(' ')}`,
  code,
  ...(enhanced ? { enhanced } : {}),
  ...fields,
});

export const note = (kind: NoteKind, text: string, fields: Fields = {}): TranscriptEntry => ({ direction: 'note', text, note: kind, ...fields });
