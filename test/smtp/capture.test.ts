/**
 * What mockmx keeps: accepted messages (envelope, raw bytes, parsed view), session
 * transcripts stamped by the injected clock, the store bound, rule actions at the message
 * stage, mailboxes with quotas, and the size limit.
 */
import { once } from 'node:events';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import type { MockMxServer } from '../../src/server/types.js';
import type { SessionRecord } from '../../src/store/sessions.js';
import type { StoredMessage } from '../../src/store/types.js';
import { serve } from '../helpers/server.js';
import { cmd, dialog, Telnet, type WireReply } from '../helpers/telnet.js';

type Server = MockMxServer & { errors: unknown[] };

/** A message of exactly `size` bytes (CRLF line ends, no line starting with a dot). */
function messageOfSize(size: number, subject = 'sized'): string {
  const head = `From: a@client.test\r\nTo: b@example.test\r\nSubject: ${subject}\r\n\r\n`;
  let body = '';
  let n = 0;
  while (head.length + body.length + 78 <= size && n < 100_000) {
    body += `${'x'.repeat(76)}\r\n`;
    n++;
  }
  const rest = size - head.length - body.length;
  if (rest < 0) throw new Error(`cannot make a message of ${size} bytes`);
  if (rest === 1) body += 'y';
  else if (rest > 1) body += `${'y'.repeat(rest - 2)}\r\n`;
  const text = head + body;
  if (Buffer.byteLength(text) !== size) throw new Error('size mismatch');
  return text;
}

/**
 * Runs MAIL, RCPTs and DATA on an open session; returns every reply. Stops at the first
 * refused step (RCPT refusals are collected, DATA is only sent if some RCPT was accepted).
 */
async function transaction(t: Telnet, from: string, rcpts: string[], message: string) {
  const mail = await t.cmd(`MAIL FROM:<${from}>`);
  const rcpt: WireReply[] = [];
  if (mail.code !== 250) return { mail, rcpt };
  for (const r of rcpts) rcpt.push(await t.cmd(`RCPT TO:<${r}>`));
  if (!rcpt.some((r) => r.code === 250)) {
    await t.expect('RSET', '250');
    return { mail, rcpt };
  }
  const data = await t.cmd('DATA');
  if (data.code !== 354) return { mail, rcpt, data };
  t.write(`${message.endsWith('\r\n') ? message : `${message}\r\n`}.\r\n`);
  const end = await t.reply();
  return { mail, rcpt, data, end };
}

async function session(server: Server): Promise<Telnet> {
  return dialog(server.smtp.port, [cmd('EHLO client.test', '250')]);
}

/** Resolves with the session record when it ends. */
function sessionEnd(server: Server, id?: () => string | undefined): Promise<SessionRecord> {
  return new Promise((resolve) => {
    const onEnd = (r: SessionRecord) => {
      const want = id?.();
      if (want !== undefined && r.id !== want) return;
      server.events.off('sessionEnd', onEnd);
      resolve(r);
    };
    server.events.on('sessionEnd', onEnd);
  });
}

// ---------------------------------------------------------------------------------------------

describe('capturing a message', () => {
  it('keeps envelope, raw bytes, size, session and a parsed view, and emits "message"', async () => {
    const server = await serve('default');
    const attachmentBytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256));
    const message = once(server.events, 'message') as Promise<[StoredMessage]>;
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtp.port, secure: false, tls: { rejectUnauthorized: false } });
    const sending = transport.sendMail({
      envelope: { from: 'bounces@client.test', to: ['bob@example.test', 'carol@example.org'] },
      from: 'Alice <alice@client.test>',
      to: ['Bob <bob@example.test>', 'carol@example.org'],
      subject: 'Quarterly report ✓',
      text: 'Hello Bob,\nthe report is attached.\n',
      html: '<p>Hello Bob,<br>the report is <b>attached</b>.</p>',
      attachments: [
        { filename: 'notes.txt', content: 'first line\nsecond line\n', contentType: 'text/plain' },
        { filename: 'data.bin', content: attachmentBytes, contentType: 'application/octet-stream' },
      ],
    });
    const info = await sending.finally(() => transport.close());
    const [event] = await message;

    const list = await server.messages.list();
    expect(list).toHaveLength(1);
    const msg = list[0]!;
    expect(msg).toBe(event);
    expect(info.response).toBe(`250 2.0.0 OK: queued as ${msg.id}`);
    expect(msg.envelope).toEqual({ mailFrom: 'bounces@client.test', rcptTo: ['bob@example.test', 'carol@example.org'] });
    expect(Buffer.isBuffer(msg.raw)).toBe(true);
    expect(msg.size).toBe(msg.raw.length);
    const raw = msg.raw.toString('utf8');
    expect(raw).toMatch(/^Subject: =\?UTF-8\?Q\?Quarterly_report_=E2=9C=93\?=\r$/m);
    expect(raw).toContain(`Message-ID: ${info.messageId}`);
    expect(raw.endsWith('\r\n')).toBe(true);
    expect(raw).not.toMatch(/\r\n\.\r\n$/); // the end-of-data dot is not part of the message
    expect(msg.rule).toBeUndefined();

    const record = server.sessions.get(msg.sessionId);
    expect(record).toBeDefined();
    expect(record!.clientIp).toBe('127.0.0.1');
    expect(record!.listener).toBe('smtp');

    const parsed = await msg.parsed();
    expect(parsed.subject).toBe('Quarterly report ✓');
    expect(parsed.from).toBe('alice@client.test');
    expect(parsed.to).toEqual(['bob@example.test', 'carol@example.org']);
    expect(parsed.messageId).toBe(info.messageId);
    expect(parsed.text).toBe('Hello Bob,\nthe report is attached.\n');
    expect(parsed.html).toBe('<p>Hello Bob,<br>the report is <b>attached</b>.</p>');
    expect(parsed.attachments).toEqual([
      { filename: 'notes.txt', contentType: 'text/plain', size: 23 },
      { filename: 'data.bin', contentType: 'application/octet-stream', size: 300 },
    ]);
    expect(parsed.headers.find((h) => h.key === 'message-id')?.value).toBe(info.messageId);
    // parsed once: the same promise every time
    expect(msg.parsed()).toBe(msg.parsed());
  });
});

// ---------------------------------------------------------------------------------------------

describe('session transcripts', () => {
  it('records every line in and out, in order, stamped by the injected clock, with the rule that answered', async () => {
    const clock = { t: 1_700_000_000_000 };
    const server = await serve(
      `
name: transcript
rules:
  - id: reject-bob
    when: { rcpt: bob@example.test }
    then: { reply: "550 5.1.1 <{rcpt}>: no such user here" }
  - id: discard-spam
    when: { stage: message, subject: "/spam/i" }
    then: discard
`,
      { now: () => clock.t },
    );
    const started = once(server.events, 'session') as Promise<[SessionRecord]>;
    const t = await Telnet.connect(server.smtp.port);
    const wire: { at: number; lines: string[] }[] = [];
    const sent: { at: number; line: string }[] = [];
    let ended: Promise<SessionRecord> | undefined;
    try {
      const [record] = await started;
      ended = sessionEnd(server, () => record.id);
      wire.push({ at: clock.t, lines: (await t.reply()).lines });
      const step = async (line: string) => {
        clock.t += 1000;
        sent.push({ at: clock.t, line });
        wire.push({ at: clock.t, lines: (await t.cmd(line)).lines });
      };
      await step('EHLO client.test');
      await step('MAIL FROM:<alice@client.test>');
      await step('RCPT TO:<bob@example.test>');
      await step('RCPT TO:<carol@example.test>');
      await step('DATA');
      clock.t += 1000;
      const body = 'Subject: hello\r\n\r\nHi Carol.\r\n';
      t.write(`${body}.\r\n`);
      const dataAt = clock.t;
      wire.push({ at: clock.t, lines: (await t.reply()).lines });
      await step('MAIL FROM:<alice@client.test>');
      await step('RCPT TO:<carol@example.test>');
      await step('DATA');
      clock.t += 1000;
      const spam = 'Subject: cheap SPAM\r\n\r\nBuy.\r\n';
      t.write(`${spam}.\r\n`);
      const spamAt = clock.t;
      wire.push({ at: clock.t, lines: (await t.reply()).lines });
      await step('QUIT');
      await t.closed;
      const done = await ended;
      expect(done).toBe(record);

      // the wire, as the client saw it
      expect(wire.map((w) => w.lines.at(-1))).toEqual([
        '220 mockmx.test ESMTP',
        expect.stringMatching(/^250 /),
        '250 2.1.0 Accepted',
        '550 5.1.1 <bob@example.test>: no such user here',
        '250 2.1.5 Accepted',
        '354 End data with <CR><LF>.<CR><LF>',
        expect.stringMatching(/^250 2\.0\.0 OK: queued as m\w+$/),
        '250 2.1.0 Accepted',
        '250 2.1.5 Accepted',
        '354 End data with <CR><LF>.<CR><LF>',
        '250 2.0.0 OK: message accepted',
        '221 2.0.0 Bye',
      ]);

      // the transcript, as the server recorded it
      const expected: { at: number; direction: string; text: string; rule?: string }[] = [];
      const outs = (i: number, rule?: string) => wire[i]!.lines.map((text) => ({ at: wire[i]!.at, direction: 'out', text, ...(rule ? { rule } : {}) }));
      const inn = (i: number) => ({ at: sent[i]!.at, direction: 'in', text: sent[i]!.line });
      expected.push(...outs(0));
      expected.push(inn(0), ...outs(1)); // EHLO
      expected.push(inn(1), ...outs(2)); // MAIL
      expected.push(inn(2), ...outs(3, 'reject-bob')); // RCPT bob
      expected.push(inn(3), ...outs(4)); // RCPT carol
      expected.push(inn(4), ...outs(5)); // DATA
      expected.push({ at: dataAt, direction: 'in', text: `<${Buffer.byteLength(body)} bytes of message data>` }, ...outs(6));
      expected.push(inn(5), ...outs(7));
      expected.push(inn(6), ...outs(8));
      expected.push(inn(7), ...outs(9));
      expected.push(
        { at: spamAt, direction: 'in', text: `<${Buffer.byteLength(spam)} bytes of message data>` },
        { at: spamAt, direction: 'note', text: 'message discarded', rule: 'discard-spam' },
        ...outs(10, 'discard-spam'),
      );
      expected.push(inn(8), ...outs(11));
      expect(record.transcript).toEqual(expected);

      // lines that no rule answered carry no `rule` key at all
      for (const line of record.transcript) if (line.rule === undefined) expect(Object.keys(line)).not.toContain('rule');
      // timestamps never go backwards
      const ats = record.transcript.map((l) => l.at);
      expect(ats).toEqual([...ats].sort((a, b) => a - b));
      expect(record.startedAt).toBe(1_700_000_000_000);
      expect(done.endedAt).toBe(clock.t);
      // the body itself is not in the transcript
      expect(record.transcript.some((l) => l.text.includes('Hi Carol'))).toBe(false);

      const [stored] = await server.messages.list();
      expect(stored!.receivedAt).toBe(dataAt);
      expect(stored!.raw.toString()).toBe(body);
      expect(await server.messages.count()).toBe(1);
    } finally {
      t.close();
    }
  });

  it('emits "line" for every transcript line, and "session"/"sessionEnd" once', async () => {
    const server = await serve('default');
    const lines: string[] = [];
    const sessions: string[] = [];
    const ends: string[] = [];
    server.events.on('line', (r, l) => lines.push(`${r.id} ${l.direction} ${l.text}`));
    server.events.on('session', (r) => sessions.push(r.id));
    const ended = new Promise<SessionRecord>((resolve) =>
      server.events.on('sessionEnd', (r) => {
        ends.push(r.id);
        resolve(r);
      }),
    );
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250'), cmd('NOOP', '250'), cmd('QUIT', '221')]);
    try {
      const record = await ended;
      expect(sessions).toEqual([record.id]);
      expect(ends).toEqual([record.id]);
      expect(lines).toEqual(record.transcript.map((l) => `${record.id} ${l.direction} ${l.text}`));
      expect(lines[0]).toBe(`${record.id} out 220 mockmx.test ESMTP`);
    } finally {
      t.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('the message store bound', () => {
  it('--max-messages 3 keeps only the newest three, newest first', async () => {
    const server = await serve('default', { maxMessages: 3 });
    const t = await session(server);
    try {
      for (let i = 1; i <= 5; i++) {
        const r = await transaction(t, 'a@client.test', ['b@example.test'], `Subject: message ${i}\r\n\r\nnumber ${i}\r\n`);
        expect(r.end!.lines.at(-1)).toMatch(/^250 2\.0\.0 OK: queued as /);
      }
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    const list = await server.messages.list();
    expect(await server.messages.count()).toBe(3);
    expect(list.map((m) => /Subject: (.*)\r\n/.exec(m.raw.toString())![1])).toEqual(['message 5', 'message 4', 'message 3']);
    expect(new Set(list.map((m) => m.id)).size).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------

describe('rule actions at the message stage', () => {
  const YAML = `
name: message-rules
rules:
  - id: drop-it
    when: { stage: message, rcpt: void@example.test }
    then: discard
  - id: queued
    when: { stage: message, rcpt: queued@example.test }
    then: { reply: "250 2.0.0 Queued as ABC" }
  - id: no-invoices
    when: { subject: "/invoice/i" }
    then: { reply: "554 5.7.1 Message rejected" }
  - id: test-header
    when: { header: { X-Test: { present: true } } }
    then: { reply: "550 5.7.1 Test messages are not accepted here" }
  - id: lottery
    when: { body: "/lottery\\\\s+winner/i" }
    then: { reply: { code: 554, enhanced: 5.7.1, text: ["Message looks like spam", "See https://example.test/spam"] } }
`;

  it('discard: the client gets 250, nothing is stored', async () => {
    const server = await serve(YAML);
    const t = await session(server);
    try {
      const r = await transaction(t, 'a@client.test', ['void@example.test'], 'Subject: gone\r\n\r\nbye\r\n');
      expect(r.end!.raw).toBe('250 2.0.0 OK: message accepted\r\n');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    expect(await server.messages.count()).toBe(0);
  });

  it('a positive reply stores the message and sends exactly that reply', async () => {
    const server = await serve(YAML);
    const stored = once(server.events, 'message') as Promise<[StoredMessage]>;
    const t = await session(server);
    try {
      const r = await transaction(t, 'a@client.test', ['queued@example.test'], 'Subject: q\r\n\r\nkeep me\r\n');
      expect(r.end!.raw).toBe('250 2.0.0 Queued as ABC\r\n');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    const [msg] = await stored;
    expect(msg.rule).toBe('queued');
    expect(msg.envelope.rcptTo).toEqual(['queued@example.test']);
    expect(await server.messages.count()).toBe(1);
  });

  it('a negative reply on a subject condition refuses matching messages only', async () => {
    const server = await serve(YAML);
    const t = await session(server);
    try {
      const bad = await transaction(t, 'a@client.test', ['b@example.test'], 'Subject: Your INVOICE #42\r\n\r\npay\r\n');
      expect(bad.end!.raw).toBe('554 5.7.1 Message rejected\r\n');
      const good = await transaction(t, 'a@client.test', ['b@example.test'], 'Subject: lunch?\r\n\r\nnoon\r\n');
      expect(good.end!.raw).toMatch(/^250 2\.0\.0 OK: queued as \w+\r\n$/);
      // an encoded subject is matched decoded
      const encoded = await transaction(t, 'a@client.test', ['b@example.test'], 'Subject: =?UTF-8?B?SW52b2ljZSBkdWU=?=\r\n\r\npay\r\n');
      expect(encoded.end!.raw).toBe('554 5.7.1 Message rejected\r\n');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    const list = await server.messages.list();
    expect(list).toHaveLength(1);
    expect(list[0]!.raw.toString()).toContain('Subject: lunch?');
  });

  it('a header condition matches on presence', async () => {
    const server = await serve(YAML);
    const t = await session(server);
    try {
      const bad = await transaction(t, 'a@client.test', ['b@example.test'], 'Subject: hi\r\nX-Test: 1\r\n\r\nbody\r\n');
      expect(bad.end!.raw).toBe('550 5.7.1 Test messages are not accepted here\r\n');
      // header names are case-insensitive
      const bad2 = await transaction(t, 'a@client.test', ['b@example.test'], 'Subject: hi\r\nx-test:\r\n\r\nbody\r\n');
      expect(bad2.end!.raw).toBe('550 5.7.1 Test messages are not accepted here\r\n');
      const good = await transaction(t, 'a@client.test', ['b@example.test'], 'Subject: hi\r\nX-Tested: 1\r\n\r\nbody\r\n');
      expect(good.end!.code).toBe(250);
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    expect(await server.messages.count()).toBe(1);
  });

  it('a body regex answers with a multi-line reply', async () => {
    const server = await serve(YAML);
    const t = await session(server);
    try {
      const bad = await transaction(t, 'a@client.test', ['b@example.test'], 'Subject: news\r\n\r\nYou are our LOTTERY   winner!\r\n');
      expect(bad.end!.raw).toBe('554-5.7.1 Message looks like spam\r\n554 5.7.1 See https://example.test/spam\r\n');
      const good = await transaction(t, 'a@client.test', ['b@example.test'], 'Subject: news\r\n\r\nThe lottery had no winner.\r\n');
      expect(good.end!.code).toBe(250);
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    const list = await server.messages.list();
    expect(list).toHaveLength(1);
    expect((await list[0]!.parsed()).text).toBe('The lottery had no winner.\n');
    const record = server.sessions.get(list[0]!.sessionId)!;
    const ruled = record.transcript.filter((l) => l.rule === 'lottery').map((l) => l.text);
    expect(ruled).toEqual(['554-5.7.1 Message looks like spam', '554 5.7.1 See https://example.test/spam']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('mailboxes', () => {
  const YAML = `
name: mailboxes
server:
  recipients: known
mailboxes:
  alice@example.test: {}
  gone@example.test: { disabled: true }
  Small@Example.test: { quota: 2KB }
`;

  it('refuses unknown and disabled recipients', async () => {
    const server = await serve(YAML);
    const t = await session(server);
    try {
      await t.expect('MAIL FROM:<a@client.test>', '250 2.1.0');
      expect((await t.cmd('RCPT TO:<nobody@example.test>')).raw).toBe('550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown\r\n');
      expect((await t.cmd('RCPT TO:<gone@example.test>')).raw).toBe(
        '550 5.2.1 <gone@example.test>: The email account that you tried to reach is disabled\r\n',
      );
      expect((await t.cmd('RCPT TO:<ALICE@example.test>')).raw).toBe('250 2.1.5 Accepted\r\n');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
  });

  it('enforces quotas: too big gets 552 5.2.2, then 452 4.2.2 once full; resetState empties usage', async () => {
    const server = await serve(YAML);
    const t = await session(server);
    try {
      const big = await transaction(t, 'a@client.test', ['small@example.test'], messageOfSize(3 * 1024, 'big'));
      expect(big.end!.raw).toBe('552 5.2.2 <small@example.test>: Mailbox full: the message does not fit in the quota\r\n');
      expect(await server.messages.count()).toBe(0);

      const first = await transaction(t, 'a@client.test', ['small@example.test'], messageOfSize(1024, 'one'));
      expect(first.end!.code).toBe(250);
      const second = await transaction(t, 'a@client.test', ['small@example.test'], messageOfSize(1024, 'two'));
      expect(second.end!.code).toBe(250);
      expect(await server.messages.count()).toBe(2);

      // 2048 of 2048 bytes used: the mailbox refuses at RCPT, temporarily
      await t.expect('MAIL FROM:<a@client.test>', '250 2.1.0');
      expect((await t.cmd('RCPT TO:<small@example.test>')).raw).toBe(
        "452 4.2.2 <small@example.test>: The recipient's inbox is out of storage space\r\n",
      );
      // other mailboxes are not affected
      expect((await t.cmd('RCPT TO:<alice@example.test>')).code).toBe(250);
      await t.expect('RSET', '250');

      await server.resetState();
      const again = await transaction(t, 'a@client.test', ['small@example.test'], messageOfSize(1024, 'three'));
      expect(again.rcpt[0]!.raw).toBe('250 2.1.5 Accepted\r\n');
      expect(again.end!.code).toBe(250);
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    expect(await server.messages.count()).toBe(3);
  });

  it('a message that fits is accepted until the usage would pass the quota', async () => {
    const server = await serve(YAML);
    const t = await session(server);
    try {
      const size = 900;
      expect((await transaction(t, 'a@client.test', ['small@example.test'], messageOfSize(size))).end!.code).toBe(250);
      expect((await transaction(t, 'a@client.test', ['small@example.test'], messageOfSize(size))).end!.code).toBe(250);
      // 1800 used, 900 more would be 2700 > 2048: refused at end of data, not stored
      const third = await transaction(t, 'a@client.test', ['small@example.test'], messageOfSize(size));
      expect(third.rcpt[0]!.code).toBe(250);
      expect(third.end!.raw).toMatch(/^552 5\.2\.2 <small@example\.test>: /);
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    expect(await server.messages.count()).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------

describe('size limit', () => {
  const YAML = `
name: small
server:
  size: 10KB
`;

  it('advertises SIZE 10240 and refuses a declared SIZE over it at MAIL', async () => {
    const server = await serve(YAML);
    const t = await Telnet.connect(server.smtp.port);
    try {
      await t.reply();
      const ehlo = await t.cmd('EHLO client.test');
      expect(ehlo.lines.map((l) => l.slice(4))).toContain('SIZE 10240');
      expect((await t.cmd('MAIL FROM:<a@client.test> SIZE=20000')).raw).toMatch(/^552 5\.3\.4 /);
      expect((await t.cmd('MAIL FROM:<a@client.test> SIZE=10240')).raw).toBe('250 2.1.0 Accepted\r\n');
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
  });

  it('refuses a 20 KB message sent without SIZE= with 552 5.3.4 and stores nothing', async () => {
    const server = await serve(YAML);
    const t = await session(server);
    try {
      const big = await transaction(t, 'a@client.test', ['b@example.test'], messageOfSize(20 * 1024, 'big'));
      expect(big.end!.raw).toBe('552 5.3.4 Message size exceeds fixed maximum message size\r\n');
      // the session goes on, and a message at the limit is fine
      const ok = await transaction(t, 'a@client.test', ['b@example.test'], messageOfSize(10 * 1024, 'fits'));
      expect(ok.end!.code).toBe(250);
      await t.expect('QUIT', '221');
    } finally {
      t.close();
    }
    const list = await server.messages.list();
    expect(list).toHaveLength(1);
    expect(list[0]!.size).toBe(10 * 1024);
    const record = server.sessions.get(list[0]!.sessionId)!;
    expect(record.transcript.map((l) => l.text)).toContain(`<${20 * 1024} bytes of message data>`);
  });
});
