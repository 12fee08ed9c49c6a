/**
 * CHUNKING (RFC 3030) over raw sockets: BDAT chunks are read as exact octet counts — split
 * across packets, pipelined, binary, holding CRLF.CRLF and command lines — answered one by one
 * by the rules at stage data, and the whole message after LAST goes the way of DATA's.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import type { TranscriptRecord } from '../../src/transcript/record.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { eventually, serve } from '../helpers/server.js';
import { Telnet, type WireReply } from '../helpers/telnet.js';

const CHUNKING = 'server: { chunking: true }\n';

/** Connected, greeted, EHLO'd; with MAIL and RCPT when `envelope`. */
async function session(port: number, envelope = true): Promise<Telnet> {
  const t = await Telnet.connect(port);
  await t.reply();
  await t.expect('EHLO client.test', '250');
  if (envelope) {
    await t.expect('MAIL FROM:<alice@client.test>', '250');
    await t.expect('RCPT TO:<bob@example.test>', '250');
  }
  return t;
}

/** Sends `BDAT <size>[ LAST]` and the octets in one write, and returns the reply. */
async function bdat(t: Telnet, octets: Buffer | string, last = false): Promise<WireReply> {
  const data = Buffer.isBuffer(octets) ? octets : Buffer.from(octets, 'latin1');
  t.write(Buffer.concat([Buffer.from(`BDAT ${data.length}${last ? ' LAST' : ''}\r\n`), data]));
  return t.reply();
}

const transcript = (server: Awaited<ReturnType<typeof serve>>): TranscriptRecord[] => server.sessions.list()[0]!.transcript.map((l) => l.toJSON());

/** Every octet value, CRLF.CRLF, and lines that would be commands if parsed as such. */
const BINARY = Buffer.concat([
  Buffer.from('Subject: binary\r\n\r\nbefore\r\n.\r\nQUIT\r\nRSET\r\nMAIL FROM:<evil@x.test>\r\n'),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from('\r\n.\r\n'),
]);

describe('CHUNKING is advertised where the scenario says so', () => {
  it.each([
    ['default', '', false, false],
    ['chunking', CHUNKING, true, false],
    ['chunking and BINARYMIME', 'server: { chunking: true, binaryMime: true }\n', true, true],
  ])('%s', async (_name, yaml, chunking, binary) => {
    const server = await serve(yaml || 'default');
    const t = await Telnet.connect(server.smtp.port);
    await t.reply();
    const ehlo = (await t.cmd('EHLO client.test')).lines.map((l) => l.slice(4));
    expect(ehlo.includes('CHUNKING')).toBe(chunking);
    expect(ehlo.includes('BINARYMIME')).toBe(binary);
    if (chunking) expect(ehlo.indexOf('CHUNKING')).toBe(ehlo.indexOf('PIPELINING') + (binary ? 2 : 1));
    t.close();
  });

  it.each([
    ['gmail', false],
    ['microsoft365', true],
  ])('the shipped %s scenario advertises CHUNKING (BINARYMIME: %s)', async (name, binary) => {
    const server = await serve(name);
    const t = await Telnet.connect(server.smtp.port);
    await t.reply();
    const ehlo = (await t.cmd('EHLO client.test')).lines.map((l) => l.slice(4));
    expect(ehlo).toContain('CHUNKING');
    expect(ehlo.includes('BINARYMIME')).toBe(binary);
    t.close();
  });

  it('binaryMime without chunking fails at load, with its position', () => {
    expect(() => loadScenarioText('server:\n  binaryMime: true\n', 'bin.yaml')).toThrow(/bin\.yaml:2:\d+: .*binaryMime needs chunking: true/);
  });
});

describe('BDAT reads exact octet counts', () => {
  it('a message in chunks, each answered, stored byte for byte', async () => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port);
    const parts = [Buffer.from('Subject: chunks\r\n\r\n'), BINARY, Buffer.from('tail without CRLF')];
    expect((await bdat(t, parts[0]!)).raw).toBe(`250 2.0.0 ${parts[0]!.length} octets received\r\n`);
    expect((await bdat(t, parts[1]!)).raw).toBe(`250 2.0.0 ${parts[1]!.length} octets received\r\n`);
    expect((await bdat(t, parts[2]!, true)).lines[0]).toMatch(/^250 2\.0\.0 OK: queued as /);
    await t.expect('NOOP', '250');
    const [msg] = await server.messages.list();
    expect(msg!.raw.equals(Buffer.concat(parts))).toBe(true);
    expect(msg!.envelope).toEqual({ mailFrom: 'alice@client.test', rcptTo: ['bob@example.test'] });
    t.close();
  });

  it('octets split across packets, down to one byte at a time, command line included', async () => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port);
    t.socket.setNoDelay(true);
    const wire = Buffer.concat([Buffer.from(`BDAT ${BINARY.length} LAST\r\n`), BINARY]);
    for (let i = 0; i < wire.length; i++) {
      t.write(wire.subarray(i, i + 1));
      // let each byte leave as its own segment
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect((await t.reply()).lines[0]).toMatch(/^250 2\.0\.0 OK: queued as /);
    const [msg] = await server.messages.list();
    expect(msg!.raw.equals(BINARY)).toBe(true);
    t.close();
  });

  it('pipelined: MAIL, RCPT, chunks and QUIT in one packet get their replies in order', async () => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port, false);
    const one = Buffer.from('Subject: pipelined\r\n\r\nQUIT\r\n');
    t.write(
      Buffer.concat([
        Buffer.from('MAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@example.test>\r\n'),
        Buffer.from(`BDAT ${one.length}\r\n`),
        one,
        Buffer.from(`BDAT ${BINARY.length}\r\n`),
        BINARY,
        Buffer.from('BDAT 0 LAST\r\nQUIT\r\n'),
      ]),
    );
    const replies: string[] = [];
    for (let i = 0; i < 6; i++) replies.push((await t.reply()).lines.at(-1)!);
    expect(replies.slice(0, 4)).toEqual(['250 2.1.0 Accepted', '250 2.1.5 Accepted', `250 2.0.0 ${one.length} octets received`, `250 2.0.0 ${BINARY.length} octets received`]);
    expect(replies[4]).toMatch(/^250 2\.0\.0 OK: queued as /);
    expect(replies[5]).toMatch(/^221 /);
    const [msg] = await server.messages.list();
    expect(msg!.raw.equals(Buffer.concat([one, BINARY]))).toBe(true);
  });

  it('a client that pipelines QUIT after LAST and shuts its side (as Exim does) still gets every reply', async () => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port, false);
    const body = Buffer.from('Subject: half-close\r\n\r\nbye\r\n');
    t.write(Buffer.concat([Buffer.from(`MAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@example.test>\r\nBDAT ${body.length} LAST\r\n`), body, Buffer.from('QUIT\r\n')]));
    t.socket.end();
    const replies: string[] = [];
    for (let i = 0; i < 4; i++) replies.push((await t.reply()).lines.at(-1)!);
    expect(replies[2]).toMatch(/^250 2\.0\.0 OK: queued as /);
    expect(replies[3]).toMatch(/^221 /);
    await t.closed;
    expect(await server.messages.list()).toHaveLength(1);
  });

  it('a client that shuts its side without QUIT has its commands answered, then the server closes', async () => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port, false);
    t.write('NOOP\r\nNOOP\r\n');
    t.socket.end();
    expect((await t.reply()).code).toBe(250);
    expect((await t.reply()).code).toBe(250);
    await t.closed;
  });

  it('BDAT 0 LAST alone is an empty message', async () => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port);
    expect((await t.cmd('BDAT 0 LAST')).lines[0]).toMatch(/^250 2\.0\.0 OK: queued as /);
    const [msg] = await server.messages.list();
    expect(msg!.size).toBe(0);
    t.close();
  });

  it('the chunk octets are data, not lines: no wire findings from binary chunks', async () => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port);
    await bdat(t, Buffer.concat([Buffer.from('Subject: x\r\n\r\n'), Buffer.alloc(3000, 0x41), Buffer.from('\n\r\r'), BINARY]), true);
    await t.expect('QUIT', '221');
    await t.closed;
    const findings = transcript(server).filter((l) => l.note === 'client').map((l) => l.finding);
    expect(findings.filter((f) => f !== 'eight-bit-undeclared')).toEqual([]);
  });
});

describe('large chunked messages are spooled like DATA ones', () => {
  it('stored intact from the spool; a transaction reset mid-way leaves no spool file', async () => {
    const spoolDir = await mkdtemp(join(tmpdir(), 'mockmx-bdat-spool-'));
    try {
      const server = await serve(CHUNKING, { spoolAboveBytes: 100, spoolDir });
      const t = await session(server.smtp.port);
      const parts = [Buffer.from(`Subject: spooled\r\n\r\n${'a'.repeat(300)}`), BINARY, Buffer.alloc(5000, 0x62)];
      for (const part of parts.slice(0, -1)) expect((await bdat(t, part)).code).toBe(250);
      expect((await bdat(t, parts.at(-1)!, true)).lines[0]).toMatch(/^250 2\.0\.0 OK: queued as /);
      // a second message, reset after a spooled chunk: its file goes
      await t.expect('MAIL FROM:<alice@client.test>', '250');
      await t.expect('RCPT TO:<bob@example.test>', '250');
      expect((await bdat(t, Buffer.alloc(4000, 0x63))).code).toBe(250);
      await t.expect('RSET', '250');
      const [msg] = await server.messages.list();
      expect(msg!.raw.equals(Buffer.concat(parts))).toBe(true);
      const [dir] = await readdir(spoolDir);
      await eventually(async () => ((await readdir(join(spoolDir, dir!))).length === 1 ? true : undefined));
      t.close();
    } finally {
      await rm(spoolDir, { recursive: true, force: true });
    }
  });
});

describe('BDAT out of sequence: refused, and its octets still consumed', () => {
  const table: [name: string, setup: (t: Telnet) => Promise<unknown>, expected: string][] = [
    ['without MAIL', async () => undefined, '503 5.5.1 Error: need MAIL command'],
    ['without RCPT', (t) => t.expect('MAIL FROM:<alice@client.test>', '250'), '503 5.5.1 Error: need RCPT command'],
    [
      'after RSET (RSET drops the chunks)',
      async (t) => {
        await t.expect('MAIL FROM:<alice@client.test>', '250');
        await t.expect('RCPT TO:<bob@example.test>', '250');
        expect((await bdat(t, 'Subject: dropped\r\n\r\n')).code).toBe(250);
        await t.expect('RSET', '250');
      },
      '503 5.5.1 Error: need MAIL command',
    ],
  ];
  it.each(table)('%s', async (_name, setup, expected) => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port, false);
    await setup(t);
    expect((await bdat(t, 'QUIT\r\nRSET\r\n', true)).raw).toBe(`${expected}\r\n`);
    // the QUIT inside the chunk never ran
    await t.expect('NOOP', '250');
    expect(await server.messages.list()).toEqual([]);
    t.close();
  });

  it('DATA after BDAT in the same transaction gets 503; after RSET DATA works again', async () => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port);
    expect((await bdat(t, 'Subject: first part\r\n')).code).toBe(250);
    await t.expect('DATA', '503 5.5.1');
    await t.expect('RSET', '250');
    await t.expect('MAIL FROM:<alice@client.test>', '250');
    await t.expect('RCPT TO:<bob@example.test>', '250');
    await t.expect('DATA', '354');
    await t.expect('Subject: by DATA\r\n\r\nbody\r\n.', '250 2.0.0 OK: queued as');
    const [msg] = await server.messages.list();
    expect(msg!.raw.toString()).toBe('Subject: by DATA\r\n\r\nbody\r\n');
    t.close();
  });

  it('BODY=BINARYMIME: accepted where advertised, then DATA is refused and BDAT carries it', async () => {
    const server = await serve('server: { chunking: true, binaryMime: true }\n');
    const t = await session(server.smtp.port, false);
    await t.expect('MAIL FROM:<alice@client.test> BODY=BINARYMIME', '250');
    await t.expect('RCPT TO:<bob@example.test>', '250');
    await t.expect('DATA', '503 5.5.1');
    expect((await bdat(t, BINARY, true)).lines[0]).toMatch(/^250 2\.0\.0 OK: queued as /);
    const [msg] = await server.messages.list();
    expect(msg!.raw.equals(BINARY)).toBe(true);
    t.close();
  });

  it('BODY=BINARYMIME where only CHUNKING is advertised is a 501', async () => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port, false);
    await t.expect('MAIL FROM:<alice@client.test> BODY=BINARYMIME', '501');
    t.close();
  });

  it('a BDAT whose size does not parse gets 501 5.5.4 and the session goes on', async () => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port);
    await t.expect('BDAT ten LAST', '501 5.5.4');
    await t.expect('BDAT -1', '501 5.5.4');
    await t.expect('NOOP', '250');
    t.close();
  });

  it('without CHUNKING, BDAT is an unimplemented command as before', async () => {
    const server = await serve('default');
    const t = await session(server.smtp.port);
    await t.expect('BDAT 4 LAST', '500 5.5.2');
    t.close();
  });
});

describe('size limits hold across chunks', () => {
  it('the chunk that passes server.size gets 552 5.3.4, its octets are discarded unparsed, the transaction ends', async () => {
    const server = await serve('server: { chunking: true, size: 100 }\n');
    const t = await session(server.smtp.port);
    expect((await bdat(t, 'x'.repeat(60))).code).toBe(250);
    const over = await bdat(t, `QUIT\r\n${'y'.repeat(54)}`);
    expect(over.raw).toBe('552 5.3.4 Message size exceeds fixed maximum message size\r\n');
    await t.expect('NOOP', '250');
    // the transaction is over: a pipelined LAST after the refusal meets 503
    expect((await bdat(t, 'z', true)).code).toBe(503);
    expect(await server.messages.list()).toEqual([]);
    t.close();
  });

  it('the replies table words it as for DATA', async () => {
    const server = await serve('server: { chunking: true, size: 10 }\nreplies:\n  message-too-big: "552 5.3.4 Too big: {size} octets"\n');
    const t = await session(server.smtp.port);
    expect((await bdat(t, 'x'.repeat(11), true)).raw).toBe('552 5.3.4 Too big: 11 octets\r\n');
    t.close();
  });
});

describe('rules answer each chunk at stage data, and the whole message after LAST', () => {
  it('a rule refuses the second chunk; the pipelined rest is discarded with 503', async () => {
    const server = await serve(`${CHUNKING}rules:\n  - id: second-chunk\n    when: { chunk: 2 }\n    then: "452 4.3.1 Chunk refused"\n`);
    const t = await session(server.smtp.port);
    expect((await bdat(t, 'Subject: a\r\n\r\n')).code).toBe(250);
    t.write(Buffer.from('BDAT 6\r\nQUIT\r\nBDAT 6 LAST\r\nRSET\r\n'));
    const refused = await t.reply();
    expect(refused.raw).toBe('452 4.3.1 Chunk refused\r\n');
    expect((await t.reply()).raw).toBe('503 5.5.1 Error: need MAIL command\r\n');
    await t.expect('NOOP', '250');
    expect(transcript(server).find((l) => l.code === 452)?.rule).toBe('second-chunk');
    expect(await server.messages.list()).toEqual([]);
    t.close();
  });

  it.each([
    ['chunkSize', 'when: { chunkSize: "> 10" }', 'x'.repeat(11), false],
    ['lastChunk', 'when: { lastChunk: true }', 'x', true],
    ['size so far', 'when: { stage: data, size: "> 5" }', 'x'.repeat(6), false],
  ] as const)('%s', async (_name, when, octets, last) => {
    const server = await serve(`${CHUNKING}rules:\n  - id: r\n    ${when}\n    then: "554 5.7.1 no"\n`);
    const t = await session(server.smtp.port);
    expect((await bdat(t, octets, last)).raw).toBe('554 5.7.1 no\r\n');
    t.close();
  });

  it('a data-stage rule that reads no chunk fact answers BDAT as it answers DATA', async () => {
    const server = await serve(`${CHUNKING}rules:\n  - id: no-bob\n    when: { stage: data, rcpt: "bob@*" }\n    then: "554 5.7.1 not for bob"\n`);
    const t = await session(server.smtp.port);
    expect((await bdat(t, 'Subject: x\r\n\r\n')).raw).toBe('554 5.7.1 not for bob\r\n');
    t.close();
  });

  it('message-stage rules see the whole message after LAST, exactly as after DATA', async () => {
    const server = await serve(`${CHUNKING}rules:\n  - id: no-invoices\n    when: { stage: message, subject: "/invoice/i" }\n    then: "550 5.7.1 Message rejected by policy"\n`);
    const t = await session(server.smtp.port);
    // the subject is split across two chunks
    expect((await bdat(t, 'Subject: Your inv')).code).toBe(250);
    expect((await bdat(t, 'oice\r\n\r\nbody\r\n', true)).raw).toBe('550 5.7.1 Message rejected by policy\r\n');
    expect(await server.messages.list()).toEqual([]);
    // a new transaction after the refused message
    await t.expect('MAIL FROM:<alice@client.test>', '250');
    t.close();
  });

  it('a delay on a chunk holds its reply, and the chunk reply can be reworded', async () => {
    const server = await serve(`server: { chunking: true, chunkReply: "OK {chunkSize} of {size} octets" }\nrules:\n  - { id: slow, when: { chunk: 1 }, then: { delay: 50ms, accept: true } }\n`);
    const t = await session(server.smtp.port);
    expect((await bdat(t, 'abc')).raw).toBe('250 2.0.0 OK 3 of 3 octets\r\n');
    expect((await bdat(t, 'defg')).raw).toBe('250 2.0.0 OK 4 of 7 octets\r\n');
    const log = transcript(server);
    expect(log.find((l) => l.note === 'delay')?.rule).toBe('slow');
    expect(log.find((l) => l.text === '250 2.0.0 OK 3 of 3 octets')?.rule).toBe('slow');
    t.close();
  });
});

describe('transcripts show each chunk', () => {
  it('BDAT lines carry verb, size and LAST; the message record and the final reply follow LAST', async () => {
    const server = await serve(CHUNKING);
    const t = await session(server.smtp.port);
    await bdat(t, 'Subject: t\r\n\r\n');
    await bdat(t, 'body\r\n', true);
    await t.expect('QUIT', '221');
    await t.closed;
    const log = transcript(server);
    const from = log.findIndex((l) => l.verb === 'BDAT');
    const shape = log.slice(from, from + 5).map((l) => ({ direction: l.direction, stage: l.stage, verb: l.verb, chunk: l.chunk, bytes: l.bytes, code: l.code }));
    expect(shape).toEqual([
      { direction: 'in', stage: 'data', verb: 'BDAT', chunk: { size: 14, last: false }, bytes: undefined, code: undefined },
      { direction: 'out', stage: 'data', verb: 'BDAT', chunk: undefined, bytes: undefined, code: 250 },
      { direction: 'in', stage: 'data', verb: 'BDAT', chunk: { size: 6, last: true }, bytes: undefined, code: undefined },
      { direction: 'in', stage: 'message', verb: undefined, chunk: undefined, bytes: 20, code: undefined },
      { direction: 'out', stage: 'message', verb: undefined, chunk: undefined, bytes: undefined, code: 250 },
    ]);
    const [msg] = await server.messages.list();
    expect(log[from + 4]!.messageId).toBe(msg!.id);
  });
});

describe('nodemailer', () => {
  it('does not implement BDAT (10.x): offered CHUNKING, it sends DATA, and that still works', async () => {
    const server = await serve(CHUNKING);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtp.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'alice@client.test', to: 'bob@example.test', subject: 'via nodemailer', text: 'hello' }).finally(() => transport.close());
    await eventually(() => (server.sessions.list()[0]?.endedAt ? true : undefined));
    const verbs = transcript(server).filter((l) => l.direction === 'in').map((l) => l.verb);
    expect(verbs).toContain('DATA');
    expect(verbs).not.toContain('BDAT');
    expect(await server.messages.list()).toHaveLength(1);
  });
});
