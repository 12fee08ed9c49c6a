/**
 * An in-process mockmx with its HTTP listener on free ports, closed after each test, plus
 * small clients: fetch for JSON, curl (it must be installed: tests fail without it), SMTP.
 */
import { execFile } from 'node:child_process';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { afterEach, expect } from 'vitest';
import type { ServerOptions } from '../../src/app.js';
import type { MockMxServer } from '../../src/server/types.js';
import { startHttp, type HttpListener } from '../../src/http/index.js';
import { serve } from '../helpers/server.js';

const listeners = new Set<HttpListener>();
const streams = new Set<AbortController>();

afterEach(async () => {
  for (const s of streams) s.abort();
  streams.clear();
  await Promise.all([...listeners].map((l) => l.close()));
  listeners.clear();
});

export interface Served {
  mx: MockMxServer;
  http: HttpListener;
  url: string;
  /** fetch against the API, JSON in and out; `path` starts with `/`. */
  api<T = any>(path: string, init?: RequestInit & { json?: unknown }): Promise<{ status: number; body: T; headers: Headers }>;
}

export async function serveHttp(yamlOrName = 'default', options: ServerOptions & { token?: string; heartbeatMs?: number } = {}): Promise<Served> {
  const { token, heartbeatMs, ...serverOptions } = options;
  const mx = await serve(yamlOrName, serverOptions);
  const http = await startHttp(mx, { host: '127.0.0.1', port: 0, ...(token ? { token } : {}), ...(heartbeatMs ? { heartbeatMs } : {}) });
  listeners.add(http);
  const api: Served['api'] = async (path, init = {}) => {
    const { json, ...rest } = init;
    const res = await fetch(http.url + path, {
      ...rest,
      ...(json !== undefined ? { body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...(rest.headers as Record<string, string>) } } : {}),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, body: type.includes('json') ? JSON.parse(text) : text, headers: res.headers };
  };
  return { mx, http, url: http.url, api };
}

/** Sends one message with nodemailer; resolves with its info, rejects with the SMTP error. */
export async function send(mx: MockMxServer, mail: Mail.Options): Promise<unknown> {
  const transport = nodemailer.createTransport({ host: mx.smtp.host, port: mx.smtp.port, ignoreTLS: true, pool: false });
  try {
    return await transport.sendMail({ from: 'alice@example.com', to: 'bob@example.com', subject: 'hello', text: 'hi there', ...mail });
  } finally {
    transport.close();
  }
}

export interface CurlResult {
  status: number;
  contentType: string;
  body: string;
  headers: string;
}

/** Runs curl (fails the test when curl is missing) and returns status, content type, headers and body. */
export function curl(args: string[], input?: string): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'curl',
      ['--silent', '--show-error', '--max-time', '10', '--include', '--write-out', '\n%{http_code} %{content_type}', ...args],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error('curl is not installed; the HTTP tests need it (apt-get install curl)'));
        if (err) return reject(new Error(`curl failed: ${err.message}\n${stderr}`));
        const cut = stdout.lastIndexOf('\n');
        const [status, ...type] = stdout.slice(cut + 1).split(' ');
        const response = stdout.slice(0, cut);
        const split = response.indexOf('\r\n\r\n');
        resolve({ status: Number(status), contentType: type.join(' '), headers: response.slice(0, split), body: response.slice(split + 4) });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

export interface SseEvent {
  event: string;
  data: any;
  id?: string;
}

/**
 * Opens the event stream and reads it as it arrives. `until(predicate)` resolves with every
 * event read so far once one satisfies it (or fails after `timeoutMs`); comments are kept.
 */
export async function openEvents(url: string, init: RequestInit = {}) {
  const controller = new AbortController();
  streams.add(controller);
  const res = await fetch(url, { ...init, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const readBlock = () => {
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const e: Partial<SseEvent> & { dataText?: string } = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) e.event = line.slice(7);
        else if (line.startsWith('data: ')) e.dataText = (e.dataText ? `${e.dataText}\n` : '') + line.slice(6);
        else if (line.startsWith('id: ')) e.id = line.slice(4);
      }
      if (e.event) events.push({ event: e.event, data: JSON.parse(e.dataText ?? 'null'), ...(e.id ? { id: e.id } : {}) });
    }
  };
  let ended = false;
  return {
    events,
    comments,
    get ended() {
      return ended;
    },
    async until(predicate: () => boolean, timeoutMs = 5000): Promise<SseEvent[]> {
      const timer = setTimeout(() => controller.abort(new Error(`stream condition not met within ${timeoutMs} ms`)), timeoutMs);
      try {
        while (!predicate()) {
          const { value, done } = await reader.read();
          if (done) {
            ended = true;
            if (!predicate()) throw new Error(`the stream ended first; events: ${events.map((e) => e.event).join(', ')}`);
            break;
          }
          buffer += decoder.decode(value, { stream: true });
          readBlock();
        }
      } finally {
        clearTimeout(timer);
      }
      return events;
    },
    close: () => controller.abort(),
  };
}
