/**
 * The shipped microsoft365 scenario through real sessions (raw socket, swaks, nodemailer):
 * Exchange Online's greeting and EHLO, and its refusals byte for byte, each ending with the
 * answering front-end server in brackets.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { connect as netConnect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { findEntry } from '../../src/catalog/index.js';
import { styleLines } from '../../src/catalog/style.js';
import { fillPlaceholders, wireLines } from '../../src/smtp/write.js';
import { serve } from '../helpers/server.js';
import { cmd, dialog, Telnet, type WireReply } from '../helpers/telnet.js';

const FRONT_END = /^[A-Z]{2}\d[A-Z]{3}\d{2}FT\d{3}\.eop-[a-z]{3}\d{2}\.prod\.protection\.outlook\.com$/;

/** The entry's reply as the wire must carry it, with the front-end server taken from `raw`. */
function expectedBytes(raw: string, id: string, values: Record<string, string> = {}): string {
  const entry = findEntry(id);
  if (!entry) throw new Error(`no catalog entry ${id}`);
  expect(entry.provider).toBe('microsoft365');
  const last = raw.replace(/\r\n$/, '').split('\r\n').at(-1) ?? '';
  const microsoftServer = / \[([^\]]+)\]$/.exec(last)?.[1] ?? '';
  expect(microsoftServer, `front-end server at the end of ${JSON.stringify(raw)}`).toMatch(FRONT_END);
  const text = fillPlaceholders(entry.text, values);
  expect(text, `the test gives every placeholder of ${id} a value`).not.toMatch(/\{[a-zA-Z]+\}/);
  const lines = styleLines(entry.provider, [text], { gmailToken: '', microsoftServer });
  return wireLines(entry.code, entry.enhanced, lines)
    .map((l) => `${l}\r\n`)
    .join('');
}

function expectEntry(reply: WireReply | undefined, id: string, values: Record<string, string> = {}): void {
  expect(reply, `a reply for ${id}`).toBeDefined();
  expect(reply!.raw).toBe(expectedBytes(reply!.raw, id, values));
}

async function expectOpen(t: Telnet): Promise<void> {
  await t.expect('NOOP', '250');
  t.close();
}

// ---------------------------------------------------------------------------------------------
// a recording TCP relay between a real client and the server

const taps: { server: NetServer; sockets: Set<Socket> }[] = [];

afterEach(async () => {
  for (const { server, sockets } of taps.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function tap(target: number): Promise<{ port: number; fromServer(): string }> {
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

function parseReplies(stream: string): WireReply[] {
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

function which(cmdName: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmdName), constants.X_OK);
      return join(dir, cmdName);
    } catch {
      // not here
    }
  }
  return undefined;
}

async function swaks(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = which('swaks');
  expect(file, 'install swaks (apt-get install swaks)').toBeTruthy();
  const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`swaks did not finish\n${stdout}\n${stderr}`)), 15_000);
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

type SmtpError = Error & { responseCode?: number; response?: string; code?: string; command?: string };

const FROM = 'megan@fabrikam.example';
const TO = 'adele@contoso.com';

// =============================================================================================

describe('microsoft365: greeting and EHLO', () => {
  it('greets and answers EHLO like Exchange Online, with no AUTH on the MX', async () => {
    const server = await serve('microsoft365');
    const t = await Telnet.connect(server.smtp.port);
    // Exchange Online: "220 BN8NAM12FT061.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at <date>"
    expect((await t.reply()).raw).toMatch(/^220 BN8NAM12FT061\.mail\.protection\.outlook\.com Microsoft ESMTP MAIL Service ready(?: at [^\r\n]+)?\r\n$/);
    const ehlo = await t.cmd('EHLO client.example.com');
    expect(ehlo.lines[0]).toBe('250-BN8NAM12FT061.mail.protection.outlook.com Hello [127.0.0.1]');
    const caps = ehlo.lines.slice(1).map((l) => l.slice(4));
    expect(caps).toContain('SIZE 36700160');
    expect(caps).toContain('STARTTLS');
    expect(caps).toContain('ENHANCEDSTATUSCODES');
    expect(caps.filter((c) => /^AUTH\b/i.test(c))).toEqual([]);
    await expectOpen(t);
  });
});

describe('microsoft365: refusals', () => {
  it('with recipients: known, an unlisted recipient → microsoft365.5.4.1-recipient-rejected (swaks); a listed one is accepted', async () => {
    const server = await serve(`extends: microsoft365\nserver: { recipients: known }\nmailboxes: { "adele@contoso.com": {} }\n`);
    const relay = await tap(server.smtp.port);
    const base = ['--server', '127.0.0.1', '--port', String(relay.port), '--helo', 'swaks.client.test', '--from', FROM, '--timeout', '10'];
    const r = await swaks([...base, '--to', 'nobody@contoso.com']);
    expect(r.code, r.stdout + r.stderr).toBe(24);
    const refusal = parseReplies(relay.fromServer()).find((x) => x.code >= 400);
    expectEntry(refusal, 'microsoft365.5.4.1-recipient-rejected');
    expect(r.stdout).toContain(`<** ${refusal!.lines[0]}\n`);
    const ok = await swaks([...base, '--to', TO]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect((await server.messages.list()).map((m) => m.envelope.rcptTo)).toEqual([[TO]]);
  });

  it('the same front-end server signs every refusal of a session', async () => {
    const server = await serve(`extends: microsoft365\nserver: { recipients: known }\nmailboxes: { "adele@contoso.com": {} }\n`);
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd(`MAIL FROM:<${FROM}>`, '250')]);
    const first = await t.cmd('RCPT TO:<nobody@contoso.com>');
    const second = await t.cmd('RCPT TO:<noone@contoso.com>');
    expectEntry(first, 'microsoft365.5.4.1-recipient-rejected');
    expectEntry(second, 'microsoft365.5.4.1-recipient-rejected');
    expect(second.raw).toBe(first.raw);
    await expectOpen(t);
  });

  it('a sender at bad-outbound.test → microsoft365.5.1.8-bad-outbound-sender at MAIL (raw socket)', async () => {
    const server = await serve('microsoft365');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250')]);
    expectEntry(await t.cmd('MAIL FROM:<spammer@bad-outbound.test>'), 'microsoft365.5.1.8-bad-outbound-sender');
    // other senders still get through
    await t.expect(`MAIL FROM:<${FROM}>`, '250');
    await expectOpen(t);
  });

  it('a sender at bad-outbound.test → microsoft365.5.1.8-bad-outbound-sender (nodemailer sees it at MAIL FROM)', async () => {
    const server = await serve('microsoft365');
    const relay = await tap(server.smtp.port);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: relay.port, ignoreTLS: true, connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 10_000 } as Parameters<
      typeof nodemailer.createTransport
    >[0]);
    let failure: SmtpError | undefined;
    try {
      await transport.sendMail({ from: 'spammer@bad-outbound.test', to: TO, subject: 'hi', text: 'hello' });
    } catch (err) {
      failure = err as SmtpError;
    } finally {
      transport.close();
    }
    const refusal = parseReplies(relay.fromServer()).find((x) => x.code >= 400);
    expectEntry(refusal, 'microsoft365.5.1.8-bad-outbound-sender');
    expect(failure?.responseCode).toBe(550);
    expect(failure!.response).toBe(refusal!.lines.join('\n'));
    expect(failure!.command).toBe('MAIL FROM');
    expect(await server.messages.count()).toBe(0);
  });
});
