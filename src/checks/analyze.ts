/**
 * The full analysis: header facts, then the MIME body (decoded text, attachments) and the
 * test-string searches. Never rejects: whatever the bytes, the result is a MessageAnalysis,
 * with `malformed` set when they cannot be read as a message.
 */
import { withFirst } from '../util/chunks.js';
import { parseHeaderSection, type HeaderSection } from './header-section.js';
import { analyzeSection } from './headers.js';
import { htmlToText } from './html-text.js';
import { mimeHead, parseMime, plainTextFacts, type MimeFacts } from './mime.js';
import { EICAR, EICAR_BYTES, GTUBE, GTUBE_BYTES, StreamScanner } from './signatures.js';
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
function blankHeaders(raw: Buffer, size = raw.length): HeaderAnalysis {
  return {
    size,
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

/** What a scan of the body bytes after `raw` found (a spooled message's remainder). */
interface RestScan {
  readonly gtube: boolean;
  readonly eicar: boolean;
  readonly bareLf: boolean;
}
const NOTHING_FOUND: RestScan = { gtube: false, eicar: false, bareLf: false };

/**
 * Reads `rest` through, handing each chunk on as it goes: the MIME parser reads the same
 * iterator and may stop early, so whatever it leaves is scanned here to the end.
 */
class RestScanner {
  private readonly scanner = new StreamScanner([GTUBE_BYTES, EICAR_BYTES]);
  private bareLf = false;
  private lastByte: number;
  readonly chunks: AsyncGenerator<Buffer, void, undefined>;

  constructor(source: AsyncIterable<Buffer>, previous: Buffer) {
    this.lastByte = previous.length > 0 ? previous[previous.length - 1]! : LF;
    this.scanner.write(previous.subarray(-GTUBE_BYTES.length));
    this.chunks = this.tap(source);
  }

  private async *tap(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer, void, undefined> {
    for await (const chunk of source) {
      if (chunk.length === 0) continue;
      this.scanner.write(chunk);
      if (!this.bareLf) this.bareLf = (chunk[0] === LF && this.lastByte !== CR) || hasBareLf(chunk, 1);
      this.lastByte = chunk[chunk.length - 1]!;
      yield chunk;
    }
  }

  async finish(): Promise<RestScan> {
    for await (const _ of this.chunks); // the parser may have stopped early: scan to the end
    return { gtube: this.scanner.has(0), eicar: this.scanner.has(1), bareLf: this.bareLf };
  }
}

/**
 * `textIsBody`: the text is the body bytes with CRLF made LF (a plain single part); the test
 * strings hold neither CR nor LF, so searching the bytes has searched the text too.
 */
function combine(raw: Buffer, head: HeaderAnalysis, section: HeaderSection | null, bodyStart: number, mime: MimeFacts, rest: RestScan, textIsBody = false): MessageAnalysis {
  let text = mime.text;
  if (mime.html !== '' && !/\S/.test(text)) text = htmlToText(mime.html); // no copy of a long text
  // raw body search: catches plain inclusion (and parts mailparser could not decode)
  const body = raw.subarray(bodyStart);
  const inText = (s: string) => !textIsBody && (text.includes(s) || mime.html.includes(s));
  const gtube = mime.gtube || rest.gtube || body.includes(GTUBE_BYTES) || inText(GTUBE);
  const eicar = mime.eicar || rest.eicar || body.includes(EICAR_BYTES) || inText(EICAR);
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
    bareLineFeeds: (section?.bareLf ?? false) || rest.bareLf || hasBareLf(raw, section?.bodyStart ?? 0),
  };
}

/** Whole messages, and large ones as their start plus the rest read once from a spool file. */
export async function analyzeMessage(input: AnalyzeInput): Promise<MessageAnalysis> {
  const raw = input.raw;
  let head: HeaderAnalysis;
  let section: HeaderSection | null = null;
  try {
    section = parseHeaderSection(raw);
    head = analyzeSection(input, section);
  } catch {
    head = blankHeaders(raw, input.size);
  }
  // Without a separator a malformed message has no trustworthy header/body split: treat every
  // byte as body, so test strings and text are still found in it.
  const bodyStart = section && (section.separator || !head.malformed) ? section.bodyStart : 0;
  const rest = input.rest ? new RestScanner(input.rest(), raw) : undefined;
  let mime: MimeFacts;
  let plain: MimeFacts | undefined;
  try {
    const start = raw.subarray(bodyStart);
    plain = !rest && section && bodyStart > 0 ? plainTextFacts(raw, section, start) : undefined;
    const mimeHeader = () => (section && bodyStart > 0 ? mimeHead(raw, section) : Buffer.from('\r\n'));
    mime = plain ?? (await parseMime(mimeHeader(), rest ? withFirst(start, rest.chunks) : start));
  } catch {
    mime = NO_MIME;
  }
  const found = rest ? await rest.finish().catch(() => NOTHING_FOUND) : NOTHING_FOUND;
  try {
    return combine(raw, head, section, bodyStart, mime, found, plain !== undefined && mime === plain);
  } catch {
    return combine(raw, head, null, 0, NO_MIME, found);
  }
}
