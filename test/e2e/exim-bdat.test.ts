/**
 * A real sender that uses BDAT: Debian's Exim (unpacked privately, see test/helpers/exim.ts)
 * delivers to an in-process mockmx that advertises CHUNKING. Exim sends the header section and
 * the body as separate chunks for a large message and one `BDAT n LAST` for a small one, and
 * pipelines QUIT after LAST; mockmx must read the chunks, store the message intact, and its
 * refusals — of a chunk, or of the whole message after LAST — must reach Exim's log as the
 * bounce they are. Missing Exim fails under CI=true and skips locally.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HARNESS_DOMAIN, requireExim, startExim, type EximSender } from '../helpers/exim.js';
import { serve } from '../helpers/server.js';

const SENDER = `alice@${HARNESS_DOMAIN}`;
const RCPT = 'bob@example.net';
let exim: EximSender | undefined;

afterEach(() => {
  exim?.stop();
  exim = undefined;
});

async function pair(yaml: string) {
  const server = await serve(yaml);
  exim = startExim({ port: server.smtp.port });
  return { server, exim };
}

function message(subject: string, bodyLines: number): { text: string; body: string } {
  const body = Array.from({ length: bodyLines }, (_, i) => `line ${String(i).padStart(6, '0')}: some text, a leading dot below, and 8-bit é\r\n${i % 97 === 0 ? '.\r\n' : ''}`).join('');
  const text = `From: Alice <${SENDER}>\r\nTo: <${RCPT}>\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W+/g, '-')}@${HARNESS_DOMAIN}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`;
  return { text, body };
}

const bdatLines = (server: Awaited<ReturnType<typeof serve>>) =>
  server.sessions
    .list()
    .flatMap((s) => s.transcript)
    .filter((l) => l.direction === 'in' && l.verb === 'BDAT');

describe.skipIf(!requireExim())('Exim sends by BDAT to mockmx', () => {
  it('a large message goes as chunks (header section, then body LAST) and is stored intact', async () => {
    const { server, exim } = await pair('server: { chunking: true }\n');
    const { text, body } = message('chunked delivery', 4000);
    const sent = await exim.send(SENDER, [RCPT], text);

    const delivered = sent.lines.find((l) => l.flag === '=>');
    expect(delivered, sent.lines.map((l) => l.raw).join('\n')).toBeDefined();
    // Exim marks a delivery made with CHUNKING with K
    expect(delivered!.chunking).toBe(true);
    const [stored] = await server.messages.list();
    expect(delivered!.fields['C']).toBe(`250 2.0.0 OK: queued as ${stored!.id}`);

    const chunks = bdatLines(server).map((l) => l.chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.at(-1)!.last).toBe(true);
    expect(chunks.slice(0, -1).every((c) => c && !c.last)).toBe(true);
    expect(chunks.reduce((n, c) => n + c!.size, 0)).toBe(stored!.size);

    // intact: Exim's own headers come first, then ours, then the body byte for byte
    const raw = stored!.raw.toString('utf8');
    expect(raw.endsWith(`\r\n\r\n${body}`)).toBe(true);
    for (const header of text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n')) expect(raw).toContain(`${header}\r\n`);
    expect(raw).toMatch(/^Received: from root by exim\.test with local \(Exim 4\.\d+\)/);
    expect(stored!.envelope).toEqual({ mailFrom: SENDER, rcptTo: [RCPT] });
  });

  it('a small message goes as one BDAT LAST, QUIT pipelined after it', async () => {
    const { server, exim } = await pair('server: { chunking: true }\n');
    const sent = await exim.send(SENDER, [RCPT], message('small', 3).text);
    expect(sent.lines.find((l) => l.flag === '=>')?.chunking).toBe(true);
    expect(bdatLines(server).map((l) => l.chunk?.last)).toEqual([true]);
    const verbs = server.sessions.list()[0]!.transcript.filter((l) => l.direction === 'in').map((l) => l.verb ?? 'data');
    expect(verbs).toEqual(['EHLO', 'MAIL', 'RCPT', 'BDAT', 'data', 'QUIT']);
    expect(await server.messages.list()).toHaveLength(1);
  });

  it('a refused chunk: Exim bounces the message with mockmx\'s reply, and nothing is stored', async () => {
    const { server, exim } = await pair('server: { chunking: true }\nrules:\n  - { id: no-chunks, when: { chunk: 1 }, then: "554 5.7.1 Chunk refused by policy" }\n');
    const sent = await exim.send(SENDER, [RCPT], message('refused chunk', 4000).text);
    const failed = sent.lines.find((l) => l.flag === '**');
    expect(failed, sent.lines.map((l) => l.raw).join('\n')).toBeDefined();
    expect(failed!.address).toBe(RCPT);
    // Exim's words for a refused non-LAST chunk
    expect(failed!.rest).toMatch(/SMTP error from remote mail server after pipelined sending data block: 554 5\.7\.1 Chunk refused by policy$/);
    expect(sent.bounce).toBeDefined();
    expect(await server.messages.list()).toEqual([]);
    const refusal = server.sessions.list()[0]!.transcript.find((l) => l.code === 554);
    expect(refusal).toMatchObject({ verb: 'BDAT', rule: 'no-chunks' });
  });

  it('a 5xx after LAST (a message-stage rule): Exim bounces it after the last chunk', async () => {
    const { server, exim } = await pair('server: { chunking: true }\nrules:\n  - { id: no-invoices, when: { stage: message, subject: "/invoice/i" }, then: "550 5.7.1 Message rejected by policy" }\n');
    const sent = await exim.send(SENDER, [RCPT], message('Your invoice', 40).text);
    const failed = sent.lines.find((l) => l.flag === '**');
    expect(failed, sent.lines.map((l) => l.raw).join('\n')).toBeDefined();
    expect(failed!.rest).toMatch(/SMTP error from remote mail server after (?:pipelined )?end of data: 550 5\.7\.1 Message rejected by policy/);
    expect(sent.bounce).toBeDefined();
    expect(await server.messages.list()).toEqual([]);
    const log = server.sessions.list()[0]!.transcript;
    expect(log.find((l) => l.code === 550)?.rule).toBe('no-invoices');
    expect(log.some((l) => l.verb === 'BDAT' && l.chunk?.last)).toBe(true);
  });

  it('a 4xx on a chunk is a deferral, logged and kept for a retry', async () => {
    const { exim } = await pair('server: { chunking: true }\nrules:\n  - { when: { lastChunk: true }, then: "452 4.3.1 Insufficient system resources" }\n');
    const sent = await exim.send(SENDER, [RCPT], message('deferred', 3).text);
    const deferred = sent.lines.find((l) => l.flag === '==');
    expect(deferred, sent.lines.map((l) => l.raw).join('\n')).toBeDefined();
    expect(deferred!.rest).toContain('452 4.3.1 Insufficient system resources');
    expect(sent.bounce).toBeUndefined();
  });
});
