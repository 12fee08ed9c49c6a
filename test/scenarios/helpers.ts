/**
 * What the shipped-provider scenario tests share: the bytes a catalog entry must put on the
 * wire in each provider's layout, checks that a connection stays open or closes, a recording
 * TCP relay for real clients, and the clients themselves (nodemailer, swaks).
 */
import { once } from 'node:events';
import { connect as netConnect, createServer, type Server as NetServer, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { afterEach, expect } from 'vitest';
import { findEntry, type CatalogEntry, type Provider } from '../../src/catalog/index.js';
import { styleLines, type StyleContext } from '../../src/catalog/style.js';
import { fillPlaceholders, wireLines } from '../../src/smtp/write.js';
import { run, which, type RunResult } from '../helpers/clients.js';
import type { Telnet, WireReply } from '../helpers/telnet.js';

// ---------------------------------------------------------------------------------------------
// expected bytes

/** Gmail's per-session token, as it signs the greeting and every refusal (`<token> - gsmtp`). */
export const GMAIL_TOKEN = /^[0-9a-f]{13}-[0-9a-f]{11}si\d{7}[a-z]{3}\.\d{3}$/;

/** The Microsoft 365 front-end server that ends every refusal, in brackets. */
const FRONT_END = /^[A-Z]{2}\d[A-Z]{3}\d{2}FT\d{3}\.eop-[a-z]{3}\d{2}\.prod\.protection\.outlook\.com$/;

interface ProviderLayout {
  /** Whether every entry a test names must be this provider's (the gmail tests only check the token of gmail entries). */
  readonly ownEntriesOnly: boolean;
  /** The session's style values, taken from the reply `raw` as the server sent it and checked for shape. */
  session(raw: string, entry: CatalogEntry): StyleContext;
}

const lastLine = (raw: string) => raw.replace(/\r\n$/, '').split('\r\n').at(-1) ?? '';

const LAYOUTS: Record<Provider, ProviderLayout> = {
  gmail: {
    ownEntriesOnly: false,
    session(raw, entry) {
      const gmailToken = / (\S+) - gsmtp$/.exec(lastLine(raw))?.[1] ?? '';
      if (entry.provider === 'gmail') expect(gmailToken, `Gmail token on the last line of ${JSON.stringify(raw)}`).toMatch(GMAIL_TOKEN);
      return { gmailToken, microsoftServer: '' };
    },
  },
  godaddy: {
    ownEntriesOnly: true,
    session: () => ({ gmailToken: '', microsoftServer: '' }),
  },
  microsoft365: {
    ownEntriesOnly: true,
    session(raw) {
      const microsoftServer = / \[([^\]]+)\]$/.exec(lastLine(raw))?.[1] ?? '';
      expect(microsoftServer, `front-end server at the end of ${JSON.stringify(raw)}`).toMatch(FRONT_END);
      return { gmailToken: '', microsoftServer };
    },
  },
};

/** Byte-for-byte checks of replies against `provider`'s catalog entries, laid out the way that provider lays them out. */
export function catalogReplies(provider: Provider) {
  const layout = LAYOUTS[provider];

  /** The catalog entry's reply as the wire must carry it, with the session's values (token, server) taken from `raw`. */
  function expectedBytes(raw: string, id: string, values: Record<string, string> = {}): string {
    const entry = findEntry(id);
    if (!entry) throw new Error(`no catalog entry ${id}`);
    if (layout.ownEntriesOnly) expect(entry.provider).toBe(provider);
    const session = layout.session(raw, entry);
    const text = fillPlaceholders(entry.text, values);
    expect(text, `the test gives every placeholder of ${id} a value`).not.toMatch(/\{[a-zA-Z]+\}/);
    const lines = styleLines(entry.provider, [text], session);
    return wireLines(entry.code, entry.enhanced, lines)
      .map((l) => `${l}\r\n`)
      .join('');
  }

  function expectEntry(reply: WireReply | undefined, id: string, values: Record<string, string> = {}): void {
    expect(reply, `a reply for ${id}`).toBeDefined();
    expect(reply!.raw).toBe(expectedBytes(reply!.raw, id, values));
  }

  return { expectedBytes, expectEntry };
}

/** The connection must stay usable (non-closing entries): NOOP gets 250. */
export async function expectOpen(t: Telnet): Promise<void> {
  await t.expect('NOOP', '250');
  t.close();
}

/** The server must close the connection (close: true or 421 entries), with nothing after the reply. */
export async function expectClosed(t: Telnet): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the server did not close the connection (pending: ${JSON.stringify(t.pending())})`)), 5000);
  });
  try {
    await Promise.race([t.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
  expect(t.pending()).toBe('');
}

// ---------------------------------------------------------------------------------------------
// a recording TCP relay: real clients talk to the server through it, and it keeps the server's bytes

export interface Tap {
  readonly port: number;
  /** Every byte the server sent, on every connection, in order (latin1). */
  fromServer(): string;
}

const taps: { server: NetServer; sockets: Set<Socket> }[] = [];

afterEach(async () => {
  for (const { server, sockets } of taps.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A relay to the server on `target`, closed after the test. */
export async function tap(target: number): Promise<Tap> {
  let received = '';
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = netConnect({ port: target, host: '127.0.0.1' });
    sockets.add(client);
    sockets.add(upstream);
    upstream.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('end', () => client.end());
    client.on('end', () => upstream.end());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  taps.push({ server, sockets });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { port, fromServer: () => received };
}

/** Splits a byte stream into whole SMTP replies. */
export function parseReplies(stream: string): WireReply[] {
  const out: WireReply[] = [];
  const re = /(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/y;
  let at = 0;
  for (let m = re.exec(stream); m; m = re.exec(stream)) {
    out.push({ code: Number(m[0].slice(0, 3)), lines: m[0].split('\r\n').slice(0, -1), raw: m[0] });
    at = re.lastIndex;
  }
  expect(stream.slice(at), 'the server sent only whole replies').toBe('');
  return out;
}

/** The first refusal (4xx/5xx) the server sent through the relay. */
export const firstRefusal = (t: Tap) => parseReplies(t.fromServer()).find((r) => r.code >= 400);

/** The server's answer to the message data: the reply after the 354. */
export function dataReply(t: Tap): WireReply | undefined {
  const replies = parseReplies(t.fromServer());
  const i = replies.findIndex((r) => r.code === 354);
  return i < 0 ? undefined : replies[i + 1];
}

// ---------------------------------------------------------------------------------------------
// clients

export type SmtpError = Error & { responseCode?: number; response?: string; code?: string; command?: string };
type MailOptions = Parameters<ReturnType<typeof nodemailer.createTransport>['sendMail']>[0];

/** One message through nodemailer in plain text (ignoreTLS): resolves with the info or the error. */
export async function nodemailerSend(port: number, mail: MailOptions, extra: Record<string, unknown> = {}) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    ignoreTLS: true,
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 10_000,
    ...extra,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    return { info: await transport.sendMail(mail), err: undefined };
  } catch (err) {
    return { info: undefined, err: err as SmtpError };
  } finally {
    transport.close();
  }
}

/** nodemailer's view of a refusal: the code, and the reply text lines joined with LF. */
export function expectNodemailerSaw(err: SmtpError | undefined, reply: WireReply): void {
  expect(err, 'nodemailer reports the refusal').toBeDefined();
  expect(err!.responseCode).toBe(reply.code);
  expect(err!.response).toBe(reply.lines.join('\n'));
}

/**
 * Sends the complete message `raw` through nodemailer (via a recording relay), which must be
 * refused: nodemailer's error and the server's reply to the data.
 */
export async function sendRefusedRaw(port: number, envelope: { from: string; to: string[] }, raw: string): Promise<{ err: SmtpError | undefined; reply: WireReply | undefined }> {
  const relay = await tap(port);
  const { info, err } = await nodemailerSend(relay.port, { envelope, raw });
  expect(info, 'the message is refused').toBeUndefined();
  return { err, reply: dataReply(relay) };
}

/** Runs swaks to completion (killed after 15 s), never through a shell. */
export async function swaks(args: readonly string[]): Promise<RunResult> {
  const file = which('swaks');
  expect(file, 'install swaks (apt-get install swaks)').toBeTruthy();
  return run(file!, args);
}

// ---------------------------------------------------------------------------------------------
// messages

export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/** An AUTH PLAIN initial response. */
export const PLAIN = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');

/**
 * A builder of hand-built RFC 5322 messages (CRLF): `message(extra, without, body)` is
 * `baseHeaders` minus the fields named in `without`, plus `extra`, then `body` (`defaultBody`
 * when not given).
 */
export function messageBuilder(baseHeaders: readonly string[], defaultBody: string) {
  return (extra: readonly string[] = [], without: readonly string[] = [], body = defaultBody): string => {
    const drop = new Set(without.map((n) => n.toLowerCase()));
    const headers = [...baseHeaders.filter((h) => !drop.has(h.slice(0, h.indexOf(':')).toLowerCase())), ...extra];
    return `${headers.join('\r\n')}\r\n\r\n${body}`;
  };
}
