/**
 * Bytes to text for a MIME charset label, with the WHATWG decoders Node ships (full ICU).
 * Windows-1252 is decoded here: Node 20 decodes it as ISO-8859-1, losing €, curly quotes and
 * dashes (0x80-0x9F), which are exactly what Windows mailers put in subjects.
 */
import { TextDecoder } from 'node:util';

const CP1252_LABELS: ReadonlySet<string> = new Set(['windows-1252', 'cp1252', 'x-cp1252', 'cp-1252', 'win-1252']);

// 0x80-0x9F of windows-1252; 0 marks the five unassigned bytes, which map to themselves
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

function decodeCp1252(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] || b : b);
  return out;
}

const UTF8 = new TextDecoder('utf-8');
const decoders = new Map<string, TextDecoder>();

/** A decoder for the label, cached; unknown labels fall back to UTF-8, the best guess today. */
function decoderFor(label: string): TextDecoder {
  const cached = decoders.get(label);
  if (cached) return cached;
  let decoder = UTF8;
  try {
    decoder = new TextDecoder(label);
  } catch {
    // unknown label
  }
  if (decoders.size < 64) decoders.set(label, decoder); // bounded: labels are sender-controlled
  return decoder;
}

/** `label` is compared case-insensitively; an RFC 2231 language suffix must be removed first. */
export function decodeCharset(label: string, bytes: Uint8Array): string {
  const l = label.toLowerCase();
  return CP1252_LABELS.has(l) ? decodeCp1252(bytes) : decoderFor(l).decode(bytes);
}
