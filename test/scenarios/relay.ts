/**
 * Real clients for the rows that need one: a recording TCP relay that keeps the server's bytes
 * (so a real client's session can be checked byte for byte), nodemailer (one message, or a
 * pool over one connection) and swaks.
 */
import { once } from 'node:events';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { expect } from 'vitest';
import { run, which, type RunResult } from '../helpers/clients.js';
import type { WireReply } from '../helpers/telnet.js';

export interface Tap {
  readonly port: number;
  /** Every byte the server sent, on every connection, in order (latin1). */
  fromServer(): string;
  close(): Promise<void>;
}

/** A relay to the server on `target`; the caller closes it. */
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
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port, fromServer: () => received, close };
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

export type SmtpError = Error & { responseCode?: number; response?: string; code?: string; command?: string };
export type MailOptions = Parameters<ReturnType<typeof nodemailer.createTransport>['sendMail']>[0];
/** What the tables read of nodemailer's info on a sent message. */
interface SentInfo {
  readonly accepted: unknown[];
  readonly response: string;
}
export interface Outcome {
  readonly info?: SentInfo;
  readonly err?: SmtpError;
}

const TIMEOUTS = { connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 10_000 };

/** A nodemailer transport to 127.0.0.1:`port`, plain text unless `extra` says otherwise. */
function transport(port: number, extra: Record<string, unknown>) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true, ...TIMEOUTS, ...extra } as Parameters<typeof nodemailer.createTransport>[0]);
}

/**
 * Sends `mails` in order over one nodemailer transport (a one-connection pool when there are
 * several, so they share a session); stops at the first failure. One outcome per attempt.
 */
export async function nodemailerSend(port: number, mails: readonly MailOptions[], extra: Record<string, unknown> = {}): Promise<Outcome[]> {
  const t = transport(port, mails.length > 1 ? { pool: true, maxConnections: 1, maxMessages: Infinity, ...extra } : extra);
  const outcomes: Outcome[] = [];
  try {
    for (const mail of mails) {
      try {
        outcomes.push({ info: (await t.sendMail(mail)) as SentInfo });
      } catch (err) {
        outcomes.push({ err: err as SmtpError });
        break;
      }
    }
  } finally {
    t.close();
  }
  return outcomes;
}

/** Runs swaks to completion (killed after 15 s), never through a shell. */
export async function swaks(args: readonly string[]): Promise<RunResult> {
  const file = which('swaks');
  expect(file, 'install swaks (apt-get install swaks)').toBeTruthy();
  return run(file!, args);
}
