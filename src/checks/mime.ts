/**
 * The MIME body through mailparser's streaming parser: decoded text and HTML, and every
 * attachment streamed once (size, EICAR/GTUBE search, blocked type) without being buffered.
 *
 * mailparser never sees the real top-level header section: it gets only the fields that shape
 * the MIME tree (Content-*, MIME-Version). Header facts come from our own parser anyway, and a
 * 100,000-line header section would otherwise cost mailparser seconds and trip its 1 MB
 * per-part header limit.
 */
import type { Readable } from 'node:stream';
import type { AttachmentStream, MailParser, MailParserOptions, MessageText } from 'mailparser';
import { loadMailparser } from '../util/lazy-modules.js';
import { isBlocked } from './attachments.js';
import { BoundedList } from './bounded-list.js';
import type { HeaderSection } from './header-section.js';
import { LIMITS } from './limits.js';
import { EICAR_BYTES, GTUBE_BYTES, StreamScanner } from './signatures.js';
import type { AttachmentInfo } from './types.js';

export interface MimeFacts {
  /** mailparser's text: the text/plain parts joined; '' when there are none. */
  readonly text: string;
  readonly html: string;
  readonly attachments: readonly AttachmentInfo[];
  readonly attachmentCount: number;
  readonly blockedAttachments: readonly string[];
  /** Found in decoded attachment content. */
  readonly eicar: boolean;
  readonly gtube: boolean;
  /** mailparser reported an error: the structure could not be parsed. */
  readonly failed: boolean;
  /** Parsing stopped at a limit (parts, nesting depth, part header size): facts are partial. */
  readonly truncated: boolean;
}

const MIME_FIELDS: ReadonlySet<string> = new Set(['content-type', 'content-transfer-encoding', 'content-disposition', 'mime-version']);
const CRLF = Buffer.from('\r\n');
/** Bytes handed to mailparser per write. */
const FEED_BYTES = 64 * 1024;

/** The first of each MIME-shaping field, raw bytes, then the blank line. */
export function mimeHead(raw: Buffer, section: HeaderSection): Buffer {
  const parts: Buffer[] = [];
  for (const f of mimeFields(section)) parts.push(raw.subarray(f.start, f.valueEnd), CRLF);
  parts.push(CRLF);
  return Buffer.concat(parts);
}

/** The fields mailparser is given: the first valid one of each MIME-shaping name. */
function* mimeFields(section: HeaderSection): Generator<HeaderSection['fields'][number]> {
  const seen = new Set<string>();
  for (const f of section.fields) {
    if (!f.validName || !MIME_FIELDS.has(f.lname) || seen.has(f.lname)) continue;
    seen.add(f.lname);
    yield f;
  }
}

const PLAIN_TYPE = /^text\/plain[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:"(?:us-ascii|utf-8|ascii)"|us-ascii|utf-8|ascii)[ \t]*;?)?$/i;
const PLAIN_ENCODING = /^(?:7bit|8bit)$/i;

/**
 * The MIME facts of a message whose body is one plain text part (no Content-Type, or
 * text/plain in US-ASCII or UTF-8; 7bit or 8bit; no Content-Disposition), computed as mailparser
 * would — its text is the body as UTF-8 with CRLF turned into LF — without running it, which costs
 * ~170 µs a message. Undefined whenever anything else is written: then the parser decides.
 * test/checks/plain-text.test.ts holds this equal to parseMime.
 */
export function plainTextFacts(raw: Buffer, section: HeaderSection, body: Buffer): MimeFacts | undefined {
  if (!section.separator || body.length > LIMITS.textBytes) return undefined;
  for (const f of mimeFields(section)) {
    if (f.lname === 'content-disposition') return undefined;
    if (f.lname === 'content-type' && !PLAIN_TYPE.test(f.value)) return undefined;
    if (f.lname === 'content-transfer-encoding' && !PLAIN_ENCODING.test(f.value)) return undefined;
    // a folded or 8-bit value is read by mailparser its own way: leave those to it
    const lf = raw.indexOf(0x0a, f.valueStart);
    if (f.nonAscii || f.control || (lf !== -1 && lf < f.valueEnd)) return undefined;
  }
  return {
    // what /\r?\n/g → '\n' gives (CRLF pairs cannot overlap), without the regex
    text: body.toString('utf8').replaceAll('\r\n', '\n'),
    html: '',
    attachments: [],
    attachmentCount: 0,
    blockedAttachments: [],
    eicar: false,
    gtube: false,
    failed: false,
    truncated: false,
  };
}

/** The part of a mailsplit node (mailparser's input chunk) that tells its place in the tree. */
interface SplitterChunk {
  readonly type?: unknown;
  readonly parentNode?: SplitterChunk | null;
  readonly value?: Buffer;
}
type Done = (err?: Error | null) => void;
type ProcessChunk = (this: MailParser, data: SplitterChunk, done: Done) => void;

/** Nesting depth of a node, counted no further than `cap + 1`. */
function depthOf(node: SplitterChunk, cap: number): number {
  let depth = 0;
  for (let p = node.parentNode; p && depth <= cap; p = p.parentNode) depth++;
  return depth;
}

interface Parsers {
  readonly plain: typeof MailParser;
  /** Undefined should a future mailparser lack the per-chunk step it overrides. */
  readonly bounded: typeof MailParser | undefined;
}

/** mailparser is loaded on first use (see util/lazy-modules.ts), and the bounded parser built on it then. */
let parsers: Promise<Parsers> | undefined;
const loadParsers = () => (parsers ??= loadMailparser().then(({ MailParser }) => ({ plain: MailParser, bounded: boundedParser(MailParser) })));

/**
 * A MailParser with two bounds of ours.
 *
 * It refuses nodes nested deeper than `LIMITS.mimeDepth`. Deep trees are the costly case:
 * mailsplit gives every node a part number as long as its depth (quadratic time and memory) and
 * mailparser walks the tree recursively (stack overflow). Guessing the depth from the bytes is
 * not safe: `multipart\/mixed` and `"multi"part/mixed` are multipart too. Refusing here, before
 * the node is used, bounds the work whatever the spelling.
 *
 * It stops feeding text parts once `LIMITS.textBytes` of them were decoded: mailparser keeps
 * every text part whole in memory. Attachments are streamed, so they get every byte.
 *
 * mailparser's per-chunk step is not part of its typed API, so it is looked up and, should a
 * future version lack it, the parser falls back to a node limit small enough to be safe.
 */
function boundedParser(Base: typeof MailParser): Parsers['bounded'] {
  const baseProcessChunk = (Base.prototype as unknown as { processChunk?: ProcessChunk }).processChunk;
  if (typeof baseProcessChunk !== 'function') return undefined;
  return class BoundedParser extends Base {
    textBytes = 0;
    textTruncated = false;

    processChunk(data: SplitterChunk, done: Done): void {
      if (data.type === 'node' && depthOf(data, LIMITS.mimeDepth) > LIMITS.mimeDepth) {
        done(Object.assign(new Error('MIME nesting too deep'), { code: 'EMAXLEN' }));
        return;
      }
      const node = (this as unknown as { curnode?: { isAttachment?: boolean } | false }).curnode;
      if (data.type === 'body' && node && node.isAttachment === false && data.value) {
        // cut at exactly the cap, so the text kept does not depend on how the bytes were chunked
        const room = LIMITS.textBytes - this.textBytes;
        if (data.value.length > room) {
          this.textTruncated = true;
          this.textBytes = LIMITS.textBytes;
          if (room <= 0) return void setImmediate(done);
          data = { ...data, value: data.value.subarray(0, room) };
        } else {
          this.textBytes += data.value.length;
        }
      }
      baseProcessChunk.call(this, data, done);
    }
  };
}

/**
 * The body is a Buffer, or chunks read one at a time (a spooled message). Reading stops when
 * the parser gives up; the caller may go on reading the same iterator.
 */
export async function parseMime(head: Buffer, body: Buffer | AsyncIterator<Buffer>): Promise<MimeFacts> {
  const { plain, bounded } = await loadParsers();
  const depthBounded = bounded !== undefined;
  const options: MailParserOptions & { maxChildNodes: number } = {
    skipHtmlToText: true, // htmlToText is ours: linear and bounded
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    maxChildNodes: depthBounded ? LIMITS.mimeNodes : LIMITS.mimeNodesUnbounded,
  };

  return new Promise((resolve) => {
    const parser = bounded ? new bounded(options) : new plain(options);
    let text = '';
    let html = '';
    const attachments: AttachmentInfo[] = [];
    const blocked = new BoundedList();
    let attachmentCount = 0;
    let eicar = false;
    let gtube = false;
    let pendingStreams = 0;
    let ended = false;
    let settled = false;

    const settle = (failed: boolean, truncated: boolean) => {
      if (settled) return;
      settled = true;
      const textTruncated = (parser as { textTruncated?: boolean }).textTruncated === true;
      resolve({ text, html, attachments, attachmentCount, blockedAttachments: blocked.toArray(), eicar, gtube, failed, truncated: truncated || textTruncated });
    };
    // the parser ends before the last attachment stream may have drained: wait for both
    const maybeDone = () => {
      if (ended && pendingStreams === 0) settle(false, false);
    };
    const fail = (err: unknown) => {
      const limit = (err as { code?: unknown } | null)?.code === 'EMAXLEN';
      settle(!limit, limit);
      parser.destroy();
    };
    /**
     * Our handlers run inside stream events: an exception there would be uncaught and take
     * the process down, so each one reports failure instead.
     */
    const guarded =
      <A extends unknown[]>(fn: (...args: A) => void) =>
      (...args: A) => {
        try {
          fn(...args);
        } catch (err) {
          fail(err);
        }
      };

    // stays attached after settling: a destroyed parser may still report, and an 'error'
    // without a listener would crash the process
    parser.on('error', fail);

    parser.on(
      'data',
      guarded((data: AttachmentStream | MessageText) => {
        if (data.type === 'text') {
          text = data.text ?? '';
          html = typeof data.html === 'string' ? data.html : '';
          return;
        }
        attachmentCount++;
        pendingStreams++;
        const contentType = (data.contentType || 'application/octet-stream').toLowerCase();
        const filename = data.filename;
        // GTUBE counts in text parts only (it is a spam-filter body rule); EICAR in any content
        const scanner = new StreamScanner(contentType.startsWith('text/') ? [EICAR_BYTES, GTUBE_BYTES] : [EICAR_BYTES]);
        let size = 0;
        let released = false;
        // mailparser waits for this before the next part, and nulls it once called
        const release = () => {
          if (!released) {
            released = true;
            data.release();
          }
        };
        const content = data.content as Readable;
        content.on(
          'data',
          guarded((chunk: Buffer) => {
            size += chunk.length;
            scanner.write(chunk);
          }),
        );
        // `on`, not `once`: a second 'error' without a listener would be thrown
        content.on(
          'error',
          guarded((err: unknown) => {
            release();
            fail(err);
          }),
        );
        content.once(
          'end',
          guarded(() => {
            if (attachments.length < LIMITS.attachmentRecords) {
              attachments.push(filename !== undefined ? { filename, contentType, size } : { contentType, size });
            }
            if (isBlocked(filename, contentType)) blocked.add(filename || contentType);
            if (scanner.has(0)) eicar = true;
            if (scanner.has(1)) gtube = true;
            pendingStreams--;
            release();
            maybeDone();
          }),
        );
      }),
    );

    parser.once(
      'end',
      guarded(() => {
        ended = true;
        maybeDone();
      }),
    );

    // Fed in slices, honouring backpressure, and not at all once settled: mailsplit splits a
    // whole write without waiting for its reader, so one big write would let it run through
    // a hostile body (and its quadratic deep-tree bookkeeping) after the parser has given up.
    const writeSlices = (chunk: Buffer, then: () => void): void => {
      let offset = 0;
      const next = guarded(() => {
        while (!settled && offset < chunk.length) {
          const slice = chunk.subarray(offset, offset + FEED_BYTES);
          offset += slice.length;
          if (!parser.write(slice)) {
            parser.once('drain', next);
            return;
          }
        }
        if (!settled) then();
      });
      next();
    };
    const end = guarded(() => parser.end());
    const feed = Buffer.isBuffer(body)
      ? () => writeSlices(body, end)
      : () => {
          const pull = (): void => {
            body.next().then(
              guarded((r: IteratorResult<Buffer>) => (settled ? undefined : r.done ? parser.end() : writeSlices(r.value, pull))),
              fail,
            );
          };
          pull();
        };
    try {
      parser.write(head);
    } catch (err) {
      fail(err);
    }
    feed();
  });
}
