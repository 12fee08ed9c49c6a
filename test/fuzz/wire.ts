/**
 * The client side of the hostile-input suite: a raw socket that reads replies as bytes, and a
 * model of smtp-server's input parser that knows, from the bytes written and the replies read,
 * which unit (command line, AUTH continuation, message) each reply answers. With it a fuzzed
 * dialogue knows exactly which messages the server accepted, and the oracle can demand each
 * of them stored once, byte for byte.
 *
 * The model mirrors smtp-server 3.21.6's SMTPStream on the continuous byte stream: command
 * lines split on /\r?\n/, longer than 16 KB answered by 421 and a close; in data mode the
 * message ends at the first CRLF "." CRLF, or at a "." CRLF first line; a dot after any LF
 * that is followed by another dot is an escape and removed.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export const MAX_COMMAND_LENGTH = 16 * 1024;
const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

export interface Reply {
  readonly code: number;
  readonly lines: string[];
  readonly raw: string;
}

/** A reply code, its text shortened for a log. */
export const brief = (r: Reply): string => JSON.stringify(r.raw.length > 160 ? `${r.raw.slice(0, 160)}…` : r.raw);

/** Bytes shown in a failure report: escaped, long runs shortened. */
export function show(bytes: Buffer, max = 200): string {
  const text = bytes.subarray(0, max).toString('latin1');
  const escaped = JSON.stringify(text);
  return bytes.length > max ? `${escaped}…(+${bytes.length - max} bytes)` : escaped;
}

// ── the connection ────────────────────────────────────────────────────────────────────────────

/** A socket (plain, or TLS after STARTTLS or on the SMTPS port) whose replies are read whole. */
export class Wire {
  private buffer = '';
  private waiters: (() => void)[] = [];
  closed = false;
  /** The first socket error, e.g. ECONNRESET after a TCP RST. */
  error: string | undefined;
  /** Resolves when the current socket has closed. */
  private closedPromise!: Promise<void>;
  socket!: Socket | TLSSocket;
  /** The client's port, as the server's session record has it (kept: a closed socket forgets it). */
  readonly localPort: number;

  constructor(socket: Socket | TLSSocket) {
    this.localPort = socket.localPort ?? 0;
    this.attach(socket);
  }

  static open(port: number, secure = false): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const socket = secure ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : netConnect({ port, host: '127.0.0.1' });
      const onError = (err: Error) => reject(err);
      socket.once('error', onError);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        socket.off('error', onError);
        resolve(new Wire(socket));
      });
    });
  }

  private attach(socket: Socket | TLSSocket): void {
    this.socket = socket;
    this.closed = false;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      this.wake();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.error ??= err.code ?? err.message;
    });
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** STARTTLS answered 220: the TLS handshake over the same socket; the replies read so far stay. */
  upgrade(): Promise<void> {
    const raw = this.socket;
    raw.removeAllListeners('data');
    return new Promise((resolve, reject) => {
      const secure = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: 'mockmx.test' });
      const onError = (err: Error) => reject(err);
      secure.once('error', onError);
      secure.once('secureConnect', () => {
        secure.off('error', onError);
        this.attach(secure);
        resolve();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** The next whole reply; undefined if the connection closed first. Throws after `timeoutMs`. */
  async reply(timeoutMs: number): Promise<Reply | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.take();
      if (r) return r;
      if (this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms (unparsed: ${JSON.stringify(this.buffer.slice(0, 200))})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** A whole reply already received, if any. */
  take(): Reply | undefined {
    const m = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(this.buffer);
    if (!m) return undefined;
    const raw = m[0];
    this.buffer = this.buffer.slice(raw.length);
    return { code: Number(raw.slice(0, 3)), lines: raw.split('\r\n').slice(0, -1), raw };
  }

  /** Bytes received that are not (yet) a whole reply. */
  unparsed(): string {
    return this.buffer;
  }

  /** Writes and waits until the bytes are handed to the kernel (or the socket is gone). */
  write(bytes: Buffer): Promise<void> {
    if (this.closed || this.socket.destroyed || !this.socket.writable) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.write(bytes, () => resolve());
    });
  }

  /** Resolves once closed, or false after `timeoutMs`. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    if (this.closed) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, timeoutMs, false)));
    try {
      return await Promise.race([this.closedPromise.then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

// ── the model ─────────────────────────────────────────────────────────────────────────────────

export type Mode = 'command' | 'auth' | 'data' | 'tls' | 'closed';

/** What the server knows of the transaction, as far as the client can tell; null: unknown. */
export interface ModelEnvelope {
  mailFrom: string | null;
  rcptTo: string[] | null;
}

/** A message whose terminating dot was written. */
export interface SentMessage {
  readonly raw: Buffer;
  readonly envelope: ModelEnvelope;
  /** The reply to the final dot, once read. */
  reply?: Reply;
  /** The id in a `250 … queued as ID` reply. */
  id?: string;
  /** How smtp-server 3.21.6 reads the same bytes, where that differs (a known bug). */
  quirk?: Buffer;
}

type Unit =
  | { kind: 'line'; line: Buffer; end: number }
  | { kind: 'bdat'; line: Buffer; last: boolean; octets: Buffer; end: number }
  | { kind: 'too-long'; end: number }
  | { kind: 'message'; raw: Buffer; end: number; quirk?: Buffer };

/** A BDAT line smtp-server hands to the BDAT handler (verb, one space) whose size parses (src/smtp/bdat-args.ts). */
const BDAT = /^BDAT \s*(\d{1,15})(?:[ \t]+(LAST))?\s*$/i;

/** A plain address the model can follow: `VERB:<local@domain>` and simple parameters, ASCII. */
const SIMPLE = /^(MAIL FROM|RCPT TO):<([A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)?>((?: [A-Z]+(?:=[A-Za-z0-9.]+)?)*)$/i;

export class WireModel {
  /** The scenario advertises CHUNKING: a `BDAT <n>` line is followed by n octets, one reply for both. */
  constructor(private readonly chunking = false) {}

  private buf: Buffer = Buffer.alloc(0);
  /** Octets of the transaction's BDAT chunks answered 2xx so far. */
  private chunks: Buffer[] = [];
  private pos = 0;
  mode: Mode = 'command';
  /** The line STARTTLS was answered 220 to had more bytes behind it (the server drops them). */
  tlsTrailing = false;
  private envelope: ModelEnvelope = { mailFrom: null, rcptTo: [] };
  private inTransaction = false;
  readonly messages: SentMessage[] = [];
  /** Every byte written and every reply, in order, for a failure report. */
  readonly log: string[] = [];
  /** The client half-closed: the server flushes the last partial line as a command. */
  private ended = false;

  feed(bytes: Buffer): void {
    if (!bytes.length) return;
    this.log.push(`C: ${show(bytes)}`);
    this.buf = this.buf.length === this.pos ? bytes : Buffer.concat([this.buf.subarray(this.pos), bytes]);
    this.pos = 0;
  }

  /** The TLS session starts: nothing said before it counts. */
  secured(): void {
    this.log.push('-- TLS established --');
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    this.mode = 'command';
    this.tlsTrailing = false;
    this.envelope = { mailFrom: null, rcptTo: [] };
    this.inTransaction = false;
    this.chunks = [];
  }

  endOfInput(): void {
    this.log.push('-- client half-closed --');
    this.ended = true;
  }

  note(text: string): void {
    this.log.push(`-- ${text} --`);
  }

  /** True while something written still owes a reply. */
  waiting(): boolean {
    return this.nextUnit() !== undefined;
  }

  private nextUnit(): Unit | undefined {
    if (this.mode === 'closed' || this.mode === 'tls') return undefined;
    const b = this.buf;
    const p = this.pos;
    if (this.mode === 'data') return this.messageUnit(b, p);
    const lf = b.indexOf(LF, p);
    if (lf < 0) {
      const rest = b.length - p;
      if (rest > MAX_COMMAND_LENGTH) return { kind: 'too-long', end: b.length };
      if (this.ended && rest > 0) return { kind: 'line', line: b.subarray(p), end: b.length };
      return undefined;
    }
    const end = lf > p && b[lf - 1] === CR ? lf - 1 : lf;
    if (end - p > MAX_COMMAND_LENGTH) return { kind: 'too-long', end: lf + 1 };
    const line = b.subarray(p, end);
    const bdat = this.chunking ? BDAT.exec(line.toString('latin1')) : null;
    if (bdat) {
      // answered once all its octets are in; a client that leaves before gets no reply
      const octetsEnd = lf + 1 + Number(bdat[1]);
      if (octetsEnd > b.length) return undefined;
      return { kind: 'bdat', line, last: bdat[2] !== undefined, octets: b.subarray(lf + 1, octetsEnd), end: octetsEnd };
    }
    return { kind: 'line', line, end: lf + 1 };
  }

  /**
   * The message starting at `p`, dot-unstuffed, if its terminator has been written. With
   * `quirk`, as smtp-server 3.21.6 actually reads it: its scan for escape dots starts at the
   * third byte of the data, so a dot escaped right after a bare LF that is the very first byte
   * ("\n..") is kept (see test/fuzz/regressions.test.ts).
   */
  private messageUnit(b: Buffer, p: number, quirk = false): Unit | undefined {
    if (b.length - p >= 3 && b[p] === DOT && b[p + 1] === CR && b[p + 2] === LF) return { kind: 'message', raw: Buffer.alloc(0), end: p + 3 };
    const out: Buffer[] = [];
    let from = p;
    let i = p;
    if (b[p] === DOT && b[p + 1] === DOT) {
      from = p + 1;
      i = p + 1;
    }
    for (i = b.indexOf(DOT, i + 1); i >= 0; i = b.indexOf(DOT, i + 1)) {
      if (b[i - 1] !== LF) continue;
      if (i - 2 >= p && b[i - 2] === CR && b[i + 1] === CR && b[i + 2] === LF) {
        out.push(b.subarray(from, i));
        const raw = Buffer.concat(out);
        if (!quirk && b[p] === LF && b[p + 1] === DOT && b[p + 2] === DOT) {
          const read = this.messageUnit(b, p, true);
          if (read?.kind === 'message' && !read.raw.equals(raw)) return { kind: 'message', raw, end: i + 3, quirk: read.raw };
        }
        return { kind: 'message', raw, end: i + 3 };
      }
      if (b[i + 1] === DOT && !(quirk && i === p + 1)) {
        out.push(b.subarray(from, i));
        from = i + 1;
        i++; // the kept dot is content
      }
    }
    return undefined;
  }

  /** Bytes written after the unit being answered (pipelined behind it). */
  private after(end: number): number {
    return this.buf.length - end;
  }

  /**
   * Consumes the reply to the next unit. Returns an error text when the reply cannot be an
   * answer to anything written (the server and the model disagree), else undefined.
   */
  onReply(r: Reply): string | undefined {
    this.log.push(`S: ${brief(r)}`);
    const unit = this.nextUnit();
    if (!unit) {
      if (this.ended) return undefined; // replies to what the half-close flushed, or not
      return `a reply nothing written asked for (mode ${this.mode})`;
    }
    this.pos = unit.end;
    if (unit.kind === 'too-long') {
      this.mode = 'closed';
      return r.code === 421 ? undefined : `a command line over ${MAX_COMMAND_LENGTH} bytes answered ${r.code}, not 421`;
    }
    if (unit.kind === 'message') {
      const message: SentMessage = { raw: unit.raw, envelope: this.inTransaction ? cloneEnvelope(this.envelope) : { mailFrom: null, rcptTo: null }, reply: r };
      if (unit.quirk) message.quirk = unit.quirk;
      const id = / queued as (\S+)/.exec(r.lines.at(-1) ?? '')?.[1];
      if (id) message.id = id;
      this.messages.push(message);
      this.mode = r.code === 421 ? 'closed' : 'command';
      this.envelope = { mailFrom: null, rcptTo: [] };
      this.inTransaction = false;
      return undefined;
    }
    if (unit.kind === 'bdat') return this.chunkReply(unit, r);
    if (this.mode === 'auth') {
      this.mode = r.code === 334 ? 'auth' : r.code === 421 ? 'closed' : 'command';
      return undefined;
    }
    const line = unit.line;
    const text = line.toString('utf8');
    const verb = (text.split(' ')[0] ?? '').toUpperCase();
    switch (r.code) {
      case 354:
        this.mode = 'data';
        return undefined;
      case 334:
        this.mode = 'auth';
        return undefined;
      case 221:
      case 421:
        this.mode = 'closed';
        return undefined;
      case 220:
        if (verb !== 'STARTTLS') return `220 to ${show(line)}`;
        this.mode = 'tls';
        this.tlsTrailing = this.after(unit.end) > 0;
        return undefined;
    }
    if (r.code >= 200 && r.code < 300) {
      if (['EHLO', 'HELO', 'LHLO', 'RSET'].includes(verb)) {
        this.envelope = { mailFrom: null, rcptTo: [] };
        this.inTransaction = false;
        this.chunks = [];
      } else if (verb === 'MAIL' || verb === 'RCPT') {
        const m = SIMPLE.exec(line.toString('latin1'));
        // punycode domains are stored decoded (xn--…): the client cannot tell what to expect
        const address = m && m[1]!.toUpperCase() === (verb === 'MAIL' ? 'MAIL FROM' : 'RCPT TO') && !/(^|[@.])xn--/i.test(m[2] ?? '') ? (m[2] ?? '') : null;
        if (verb === 'MAIL') {
          this.inTransaction = true;
          this.chunks = [];
          this.envelope = { mailFrom: address, rcptTo: [] };
        } else if (address === null || this.envelope.rcptTo === null) {
          this.envelope.rcptTo = null;
        } else {
          // smtp-server keeps one entry per address, compared without case; a repeat replaces it
          const at = this.envelope.rcptTo.findIndex((a) => a.toLowerCase() === address.toLowerCase());
          if (at >= 0) this.envelope.rcptTo[at] = address;
          else this.envelope.rcptTo.push(address);
        }
      }
    }
    return undefined;
  }

  /**
   * The reply to a BDAT chunk (RFC 3030, as src/smtp/bdat.ts answers it): 2xx keeps the chunk
   * (after LAST the message is answered); 503 (no MAIL or RCPT) changes nothing; any other
   * refusal ends the transaction.
   */
  private chunkReply(unit: { last: boolean; octets: Buffer }, r: Reply): string | undefined {
    if (r.code === 221 || r.code === 421) {
      this.mode = 'closed';
      return undefined;
    }
    if (r.code === 503) return undefined;
    if (r.code >= 300 && r.code < 400) return `${r.code} to a BDAT chunk`;
    if (r.code < 300 && !unit.last) {
      if (this.inTransaction) this.chunks.push(unit.octets);
      return undefined;
    }
    if (this.inTransaction) {
      const message: SentMessage = { raw: Buffer.concat([...this.chunks, ...(unit.last ? [unit.octets] : [])]), envelope: cloneEnvelope(this.envelope), reply: r };
      const id = / queued as (\S+)/.exec(r.lines.at(-1) ?? '')?.[1];
      if (id) message.id = id;
      if (unit.last) this.messages.push(message);
    }
    this.envelope = { mailFrom: null, rcptTo: [] };
    this.inTransaction = false;
    this.chunks = [];
    return undefined;
  }

  /**
   * Messages whose dot was written but whose reply never came (the client left first): the
   * server may have stored them or not. In command mode, any message a pipelined DATA line
   * could have started, with an envelope the client cannot know.
   */
  unanswered(): SentMessage[] {
    const out: SentMessage[] = [];
    if (this.mode === 'data') {
      const unit = this.messageUnit(this.buf, this.pos);
      if (unit?.kind === 'message') out.push({ raw: unit.raw, envelope: this.inTransaction ? cloneEnvelope(this.envelope) : { mailFrom: null, rcptTo: null }, ...(unit.quirk ? { quirk: unit.quirk } : {}) });
      return out;
    }
    if (this.mode !== 'command') return out;
    const next = this.nextUnit();
    if (next?.kind === 'bdat' && next.last && this.inTransaction) out.push({ raw: Buffer.concat([...this.chunks, next.octets]), envelope: cloneEnvelope(this.envelope) });
    for (let p = this.pos, lf = this.buf.indexOf(LF, p); lf >= 0; p = lf + 1, lf = this.buf.indexOf(LF, p)) {
      if (!/^DATA\r?$/i.test(this.buf.subarray(p, lf).toString('latin1'))) continue;
      const unit = this.messageUnit(this.buf, lf + 1);
      if (unit?.kind === 'message') out.push({ raw: unit.raw, envelope: { mailFrom: null, rcptTo: null }, ...(unit.quirk ? { quirk: unit.quirk } : {}) });
    }
    return out;
  }
}

function cloneEnvelope(e: ModelEnvelope): ModelEnvelope {
  return { mailFrom: e.mailFrom, rcptTo: e.rcptTo ? [...e.rcptTo] : null };
}

// ── dot-stuffing ──────────────────────────────────────────────────────────────────────────────

/** The bytes that carry `message` after DATA, final dot included; and what the server must store. */
export function dataBytes(message: Buffer): { wire: Buffer; stored: Buffer } {
  const needsCrlf = message.length > 0 && !(message[message.length - 1] === LF && message[message.length - 2] === CR);
  const stored = needsCrlf ? Buffer.concat([message, Buffer.from('\r\n')]) : message;
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < stored.length; i++) {
    if (stored[i] === DOT && (i === 0 || stored[i - 1] === LF)) {
      parts.push(stored.subarray(from, i), Buffer.from('.'));
      from = i;
    }
  }
  parts.push(stored.subarray(from), Buffer.from('.\r\n'));
  return { wire: Buffer.concat(parts), stored };
}

