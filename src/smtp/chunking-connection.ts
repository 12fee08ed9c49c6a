/**
 * MockConnection with CHUNKING (RFC 3030), which smtp-server lacks: a parser that can read a
 * BDAT chunk's octets (chunk-stream.ts), a BDAT handler (bdat.ts), CHUNKING and BINARYMIME in
 * the EHLO reply when the scenario advertises them, DATA refused where BDAT must be used, and
 * the chunks dropped whenever smtp-server resets the transaction. The server builds these.
 * Without `server.chunking` BDAT is a disabled command (server.ts), answered as unimplemented.
 */
import type { TLSSocket } from 'node:tls';
import type { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { BdatSession } from './bdat.js';
import { ChunkStream } from './chunk-stream.js';
import { MockConnection } from './connection.js';

export class ChunkingConnection extends MockConnection {
  private readonly bdat = new BdatSession(this);

  /** smtp-server's own parser (3.21.6 `_createParser`), as a ChunkStream; also made anew after STARTTLS. */
  override _createParser(): SMTPStream {
    const parser = new ChunkStream({ maxCommandLength: this._server.options.maxCommandLength });
    parser.oncommand = (command, callback) => this._onCommand(command, callback);
    parser.on('error', (err: Error) => this.send(421, 'Error: ' + err.message));
    // the client shut its side (see init) and every command it sent is answered: close ours
    parser.once('finish', () => {
      if (!this._closing && !this._closed && this._parser === parser) this.close();
    });
    return parser;
  }

  /**
   * A client may pipeline QUIT and shut its side (Exim does after BDAT LAST): the socket stays
   * writable (allowHalfOpen) so what it sent is still answered, then the parser's finish closes
   * ours. Not during a STARTTLS handshake, which no parser reads: there a FIN ends the
   * session as Node ends it by default; the TLS session is half-open again once up.
   */
  override init(): void {
    this._socket.allowHalfOpen = true;
    super.init();
  }

  override upgrade(callback: Parameters<MockConnection['upgrade']>[0], secureCallback: Parameters<MockConnection['upgrade']>[1]): void {
    const raw = this._socket;
    raw.allowHalfOpen = false;
    super.upgrade(callback, secureCallback);
    // the FIN came with STARTTLS: nobody will ever finish the handshake
    if (raw.readableEnded && !raw.destroyed) raw.end();
  }

  override onSecured(socket: TLSSocket): void {
    socket.allowHalfOpen = true;
    super.onSecured(socket);
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (code === 250 && Array.isArray(data) && this.answering.verb === 'EHLO') data = withChunking(data, this.rt.scenario().server);
    super.send(code, data, context);
  }

  handler_BDAT(command: Buffer, callback: () => void): void {
    this.bdat.command(command, callback);
  }

  override handler_MAIL(command: Buffer, callback: () => void): void {
    super.handler_MAIL(this.bdat.mailCommand(command), callback);
  }

  override handler_DATA(command: Buffer, callback: () => void): void {
    if (!this.bdat.refusesData()) return super.handler_DATA(command, callback);
    this.bdat.refuse('bad-sequence');
    callback();
  }

  override _resetSession(): void {
    super._resetSession();
    this.bdat?.reset();
  }

  override _onClose(): void {
    this.bdat.reset();
    super._onClose();
  }

  /** A chunk being read or answered is busy, as DATA is: it hears the shutdown's 421 when answered. */
  override shutdown(): void {
    if (this._parser instanceof ChunkStream && this._parser.busy) return;
    super.shutdown();
  }
}

/** The EHLO capabilities with BINARYMIME and CHUNKING after PIPELINING (Gmail's order), or last. */
function withChunking(lines: string[], server: { chunking: boolean; binaryMime: boolean }): string[] {
  if (!server.chunking) return lines;
  const added = server.binaryMime ? ['BINARYMIME', 'CHUNKING'] : ['CHUNKING'];
  const at = lines.indexOf('PIPELINING');
  return at > 0 ? [...lines.slice(0, at + 1), ...added, ...lines.slice(at + 1)] : [...lines, ...added];
}
