/**
 * The full analysis: header facts, then the MIME body (decoded text, attachments) and the
 * test-string searches. Never rejects: whatever the bytes, the result is a MessageAnalysis,
 * with `malformed` set when they cannot be read as a message.
 */
import { parseHeaderSection, type HeaderSection } from './header-section.js';
import { analyzeSection } from './headers.js';
import { htmlToText } from './html-text.js';
import { mimeHead, parseMime, type MimeFacts } from './mime.js';
import { EICAR, EICAR_BYTES, GTUBE, GTUBE_BYTES } from './signatures.js';
import type { AnalyzeInput, HeaderAnalysis, MessageAnalysis } from './types.js';

const LF = 0x0a;
const CR = 0x0d;

/** Any LF from `from` on that is not preceded by CR. */
export function hasBareLf(raw: Buffer, from: number): boolean {
  for (let i = raw.indexOf(LF, from); i !== -1; i = raw.indexOf(LF, i + 1)) {
    if (i === 0 || raw[i - 1] !== CR) return true;
  }
  return false;
}

const NO_MIME: MimeFacts = Object.freeze({
  text: '',
  html: '',
  attachments: Object.freeze([]),
  attachmentCount: 0,
  blockedAttachments: Object.freeze([]),
  eicar: false,
  gtube: false,
  failed: true,
  truncated: false,
});

/** Header facts for input our own code failed on (a bug, not a message property): nothing known. */
function blankHeaders(raw: Buffer): HeaderAnalysis {
  return {
    size: raw.length,
    headerBytes: 0,
    headers: new Map(),
    writtenNames: new Map(),
    headerCount: 0,
    subject: '',
    longestHeaderName: { name: '', bytes: 0 },
    longestHeaderValue: { name: '', bytes: 0 },
    subjectBytes: 0,
    from: { count: 0, addresses: [], empty: false, ipLiteral: false, invalidDomain: false },
    messageId: { present: false, valid: false },
    duplicateHeaders: [],
    malformedHeaders: [],
    encodedWordHeaderNames: [],
    unicodeInHeaders: [],
    receivedCount: 0,
    deliveredToLoop: false,
    malformed: true,
  };
}

function combine(raw: Buffer, head: HeaderAnalysis, section: HeaderSection | null, bodyStart: number, mime: MimeFacts): MessageAnalysis {
  let text = mime.text;
  if (mime.html !== '' && !/\S/.test(text)) text = htmlToText(mime.html); // no copy of a long text
  // raw body search: catches plain inclusion (and parts mailparser could not decode)
  const body = raw.subarray(bodyStart);
  const gtube = mime.gtube || body.includes(GTUBE_BYTES) || text.includes(GTUBE) || mime.html.includes(GTUBE);
  const eicar = mime.eicar || body.includes(EICAR_BYTES) || text.includes(EICAR) || mime.html.includes(EICAR);
  return {
    ...head,
    text,
    gtube,
    eicar,
    attachments: mime.attachments,
    attachmentCount: mime.attachmentCount,
    blockedAttachments: mime.blockedAttachments,
    malformed: head.malformed || mime.failed,
    truncated: mime.truncated,
    bareLineFeeds: (section?.bareLf ?? false) || hasBareLf(raw, section?.bodyStart ?? 0),
  };
}

export async function analyzeMessage(input: AnalyzeInput): Promise<MessageAnalysis> {
  const raw = input.raw;
  let head: HeaderAnalysis;
  let section: HeaderSection | null = null;
  try {
    section = parseHeaderSection(raw);
    head = analyzeSection(input, section);
  } catch {
    head = blankHeaders(raw);
  }
  // Without a separator a malformed message has no trustworthy header/body split: treat every
  // byte as body, so test strings and text are still found in it.
  const bodyStart = section && (section.separator || !head.malformed) ? section.bodyStart : 0;
  let mime: MimeFacts;
  try {
    const mimeHeader = section && bodyStart > 0 ? mimeHead(raw, section) : Buffer.from('\r\n');
    mime = await parseMime(mimeHeader, raw.subarray(bodyStart));
  } catch {
    mime = NO_MIME;
  }
  try {
    return combine(raw, head, section, bodyStart, mime);
  } catch {
    return combine(raw, head, null, 0, NO_MIME);
  }
}
