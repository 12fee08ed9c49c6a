/**
 * smtp-server's command parser with one more mode: read exactly N octets (a BDAT chunk,
 * RFC 3030) as binary data, however they are split across TCP packets and whatever they hold
 * (CRLF.CRLF, command lines), then stop until the chunk is answered. smtp-server's DATA mode
 * is line-based (dot-stuffing, the final dot), so it cannot carry BDAT.
 *
 * How it hooks in (smtp-server 3.21.6, guarded by test/smtp/internals.test.ts): the parser's
 * line loop checks `_dataMode` before each line and hands the rest of its input to `_write`;
 * later packets reach `_write` too. While octets are owed, `_write` takes them here; the input
 * left after the chunk waits, with the stream's callback, until `resume()` (after the reply),
 * so nothing pipelined behind a chunk is read before the chunk is answered.
 *
 * Its DATA mode is smtp-server's, octet for octet, with the search done natively (below).
 */
import { SMTPStream, type SMTPStreamOptions } from 'smtp-server/lib/smtp-stream.js';
import { whenDrained } from '../util/drained.js';

type Next = (err?: Error | null) => void;

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
/** Where a data line starts with a period: a stuffed dot, or the final one. */
const LF_DOT = Buffer.from('\n.');
/** smtp-server holds back the last octets of a chunk in case the final dot straddles two. */
const HELD_OCTETS = 4;

export interface OctetSink {
  /** Some of the chunk's octets, in order; a promise holds the socket until it settles (backpressure). */
  take(octets: Buffer): Promise<void> | undefined;
  /** Every octet arrived; call `resume()` on the stream once the chunk is answered. */
  end(): void;
}

export class ChunkStream extends SMTPStream {
  private owed: { left: number; sink: OctetSink } | undefined;
  private held: { rest: Buffer; next: Next } | undefined;

  constructor(options?: SMTPStreamOptions) {
    super(options);
  }

  /** From the next input octet on, `size` octets go to `sink`; call from the command handler, before its callback. */
  readOctets(size: number, sink: OctetSink): void {
    this.owed = { left: size, sink };
    this._dataMode = true;
  }

  /** True while a chunk's octets are being read or its answer is awaited. */
  get busy(): boolean {
    return this.owed !== undefined || this.held !== undefined;
  }

  /** The chunk is answered: parse what followed it as commands again. */
  resume(): void {
    const held = this.held;
    this.held = undefined;
    if (held) this._write(held.rest, 'buffer', held.next);
  }

  override _write(chunk: Buffer, encoding: BufferEncoding | 'buffer', next: Next): void {
    const owed = this.owed;
    if (!owed || this.isClosed) return super._write(chunk, encoding, next);
    const n = Math.min(owed.left, chunk.length);
    owed.left -= n;
    const pending = n > 0 ? owed.sink.take(chunk.subarray(0, n)) : undefined;
    const after = () => {
      if (owed.left > 0) return next();
      this.owed = undefined;
      this._dataMode = false;
      this.held = { rest: chunk.subarray(n), next };
      owed.sink.end();
    };
    if (pending) pending.then(after, (err: unknown) => next(err instanceof Error ? err : new Error(String(err))));
    else after();
  }

  /**
   * smtp-server 3.21.6's `_feedDataStream` (the message data after DATA), with the same result
   * for every input and every split into chunks (test/smtp/data-stream.test.ts compares the two):
   * it looks at each octet in a JavaScript loop for a line that starts with a period, a fifth of
   * the CPU a 10 KB message costs; here Buffer#indexOf finds those lines natively.
   */
  override _feedDataStream(input: Buffer, done: Next): void {
    const dataStream = this._dataStream!;
    let chunk = input;
    if (this._lastBytes && this._lastBytes.length) {
      chunk = Buffer.concat([this._lastBytes, chunk], this._lastBytes.length + chunk.length);
      this._lastBytes = false;
    }
    let len = chunk.length;
    // the data may be the final dot alone; a first line stuffed as ".." loses its escape dot (and can no longer end it)
    if (this._atDataStart && len >= 3 && chunk[0] === DOT && chunk[1] === CR && chunk[2] === LF) return this._endDataMode(false, chunk.subarray(3), done);
    if (this._atDataStart && len >= 2 && chunk[0] === DOT && chunk[1] === DOT) {
      chunk = chunk.subarray(1);
      len--;
      this._atDataStart = false;
    }
    // a period at i (2 <= i < len - 2) right after an LF: the end of the data, an escape dot, or content
    for (let lf = chunk.indexOf(LF_DOT, 1); lf >= 0 && lf + 1 < len - 2; lf = chunk.indexOf(LF_DOT, lf + 2)) {
      const i = lf + 1;
      if (chunk[i - 2] === CR && chunk[i + 1] === CR && chunk[i + 2] === LF) {
        const data = chunk.subarray(0, i);
        this._countDataBytes(data.length);
        return this._endDataMode(data, chunk.subarray(i + 3), done);
      }
      if (chunk[i + 1] === DOT) {
        const data = chunk.subarray(0, i);
        this._lastBytes = false;
        this._countDataBytes(data.length);
        if (dataStream.writable) dataStream.write(data);
        // the rest, without the escape dot, a turn of the event loop later (as smtp-server does)
        const rest = chunk.subarray(i + 1);
        setImmediate(() => this._feedDataStream(rest, done));
        return;
      }
    }
    this._lastBytes = chunk.length < HELD_OCTETS ? chunk : chunk.subarray(chunk.length - HELD_OCTETS);
    if (this._lastBytes.length >= chunk.length) return done();
    const data = chunk.subarray(0, chunk.length - this._lastBytes.length);
    this._countDataBytes(data.length);
    if (!dataStream.writable) return done();
    if (dataStream.write(data) || dataStream.destroyed) return done();
    whenDrained(dataStream, () => done());
  }
}
