/**
 * Reads along with smtp-server: keeps the last chunk (to see commands pipelined after
 * STARTTLS, which smtp-server drops silently) and gives every line a deadline. smtp-server's
 * idle timeout restarts on any byte, so a client trickling one byte at a time would hold a
 * connection forever; here a line that does not end within the idle timeout is reported.
 */
import type { Socket } from 'node:net';

export class SocketWatch {
  private lastChunk: Buffer | undefined;
  private lineTimer: NodeJS.Timeout | undefined;
  private watched: Socket | undefined;

  constructor(
    private readonly idleMs: () => number,
    /** A line started and did not end in time; `mayFire` is checked first. */
    private readonly onStalled: () => void,
    private readonly mayStart: () => boolean,
    private readonly mayFire: () => boolean,
    /** Every chunk, before smtp-server reads it (the wire findings). */
    private readonly onChunk?: (chunk: Buffer) => void,
  ) {}

  /** Watches `socket` (again after STARTTLS: lines then arrive on the TLS socket). */
  watch(socket: Socket): void {
    if (socket === this.watched) return;
    this.watched = socket;
    socket.on('data', (chunk: Buffer) => {
      // after STARTTLS the plain socket carries ciphertext: only the socket in use is read
      if (socket !== this.watched) return;
      this.lastChunk = chunk;
      this.onChunk?.(chunk);
      if (chunk.includes(0x0a)) {
        clearTimeout(this.lineTimer);
        this.lineTimer = undefined;
      }
      if (chunk[chunk.length - 1] !== 0x0a && !this.lineTimer && this.mayStart()) {
        this.lineTimer = setTimeout(() => {
          this.lineTimer = undefined;
          if (this.mayFire()) this.onStalled();
        }, this.idleMs());
      }
    });
  }

  /** True when the packet that carried `line` held more commands after it. */
  pipelinedAfter(line: string): boolean {
    const chunk = this.lastChunk?.toString('latin1') ?? '';
    const at = chunk.lastIndexOf(line);
    if (at < 0) return false;
    return chunk.slice(at + line.length).replace(/^\r?\n/, '').length > 0;
  }

  stop(): void {
    clearTimeout(this.lineTimer);
    this.lineTimer = undefined;
  }
}
