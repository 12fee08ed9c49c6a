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
 */
import { SMTPStream, type SMTPStreamOptions } from 'smtp-server/lib/smtp-stream.js';

type Next = (err?: Error | null) => void;

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
}
