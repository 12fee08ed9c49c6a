/**
 * RFC 2047 encoded-words: detecting them (they are forbidden in field names) and decoding
 * them (for the Subject). Decoding is done here rather than by mailparser so that the cheap,
 * synchronous header analysis can offer the decoded subject too; it follows libmime's
 * behaviour: white space between adjacent encoded-words is dropped, and adjacent words in one
 * charset are decoded together, so a multi-byte character split across two words survives.
 */
import { decodeCharset } from './charset.js';
import { LIMITS } from './limits.js';

// The classes exclude '?' and white space, so each attempt stops at the next '?' and the
// total work stays linear; the text length is bounded as well.
const ENCODED_WORD = new RegExp(`=\\?([^?\\s]{1,64})\\?([bBqQ])\\?([^?\\s]{0,${LIMITS.encodedWordText}})\\?=`, 'g');
const HAS_ENCODED_WORD = /=\?[^?\s]{1,64}\?[bBqQ]\?[^?\s]*\?=/;
const ONLY_WSP = /^[ \t\r\n]*$/;

export function hasEncodedWord(s: string): boolean {
  return s.includes('=?') && HAS_ENCODED_WORD.test(s);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** The bytes of a Q-encoded text: `_` is a space, `=XX` a byte, anything else itself. */
function decodeQ(text: string): Buffer {
  const out = Buffer.allocUnsafe(Buffer.byteLength(text));
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) {
      out[n++] = 0x20;
    } else if (c === 0x3d && i + 2 < text.length && hexValue(text.charCodeAt(i + 1)) >= 0 && hexValue(text.charCodeAt(i + 2)) >= 0) {
      out[n++] = hexValue(text.charCodeAt(i + 1)) * 16 + hexValue(text.charCodeAt(i + 2));
      i += 2;
    } else if (c < 0x80) {
      out[n++] = c;
    } else {
      // not allowed in an encoded-word; keep the character as UTF-8 rather than lose it
      n += out.write(text[i]!, n);
    }
  }
  return out.subarray(0, n);
}

export function decodeEncodedWords(s: string): string {
  if (!s.includes('=?')) return s;
  let out = '';
  let last = 0;
  let charset = '';
  let pending: Buffer[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    out += decodeCharset(charset, pending.length === 1 ? pending[0]! : Buffer.concat(pending));
    pending = [];
  };
  for (const m of s.matchAll(ENCODED_WORD)) {
    const gap = s.slice(last, m.index);
    // white space between two encoded-words is not part of the text (RFC 2047 §6.2)
    if (!(pending.length > 0 && ONLY_WSP.test(gap))) {
      flush();
      out += gap;
    }
    const label = m[1]!.split('*')[0]!.toLowerCase(); // RFC 2231 language suffix
    if (label !== charset) flush();
    charset = label;
    const text = m[3]!;
    pending.push(m[2] === 'b' || m[2] === 'B' ? Buffer.from(text, 'base64') : decodeQ(text));
    last = m.index + m[0].length;
  }
  flush();
  return out + s.slice(last);
}
