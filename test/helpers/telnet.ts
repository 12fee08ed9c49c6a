/**
 * A client that types SMTP line by line over a raw socket, the way a person in telnet would,
 * and reads each (possibly multi-line) reply whole.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { expect } from 'vitest';

export interface WireReply {
  readonly code: number;
  /** The reply lines without CRLF, exactly as sent. */
  readonly lines: string[];
  /** The reply bytes exactly as received. */
  readonly raw: string;
}

export class Telnet {
  private buffer = '';
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ reset: boolean }>;
  private ended = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      let reset = false;
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNRESET') reset = true;
      });
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve({ reset });
      });
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Telnet> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new Telnet(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves with the next complete reply; rejects if the connection ends first or after timeoutMs. */
  async reply(timeoutMs = 5000): Promise<WireReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const complete = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(this.buffer);
      if (complete) {
        const raw = complete[0];
        this.buffer = this.buffer.slice(raw.length);
        const lines = raw.split('\r\n').slice(0, -1);
        return { code: Number(raw.slice(0, 3)), lines, raw };
      }
      if (this.ended) throw new Error(`connection closed while waiting for a reply (buffer: ${JSON.stringify(this.buffer)})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms (buffer: ${JSON.stringify(this.buffer)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Continues the session over TLS, once the server has said 220 to STARTTLS. */
  async startTls(servername = 'mockmx.test'): Promise<Telnet> {
    const socket = tlsConnect({ socket: this.socket, rejectUnauthorized: false, servername });
    await once(socket, 'secureConnect');
    return new Telnet(socket);
  }

  /** Everything received and not yet read as a reply. */
  pending(): string {
    return this.buffer;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends one command line and returns its reply. */
  async cmd(line: string): Promise<WireReply> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** Sends a command and checks the reply starts with `expected` (e.g. "250", "550 5.1.1"). */
  async expect(line: string, expected: string): Promise<WireReply> {
    const r = await this.cmd(line);
    expect(r.lines.at(-1), `reply to ${JSON.stringify(line)}: ${r.raw}`).toMatch(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    return r;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One step of a table-driven dialog: a command and the start of the expected final reply line. */
export type Step = readonly [command: string, expected: string];
export const cmd = (command: string, expected: string): Step => [command, expected];

/** Connects, checks the greeting, then runs every step in order. */
export async function dialog(port: number, steps: readonly Step[], greeting = '220'): Promise<Telnet> {
  const t = await Telnet.connect(port);
  const hello = await t.reply();
  expect(hello.lines.at(-1)).toMatch(new RegExp(`^${greeting}`));
  for (const [command, expected] of steps) await t.expect(command, expected);
  return t;
}
