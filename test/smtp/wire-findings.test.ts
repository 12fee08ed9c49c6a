/**
 * What only the bytes show about a client, typed like a telnet user would (or a broken mailer
 * would send): each finding lands in the transcript as a `client` note, once per session, and
 * the report card fails the matching hygiene check. Well-behaved clients raise none.
 */
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { eventually, serve } from '../helpers/server.js';
import { Telnet } from '../helpers/telnet.js';
import type { ClientFinding } from '../../src/transcript/record.js';

type Server = Awaited<ReturnType<typeof serve>>;

/** Findings noted in the server's only session, once it ended. */
async function findingsOf(server: Server): Promise<ClientFinding[]> {
  const session = await eventually(() => server.sessions.list().find((s) => s.endedAt !== undefined));
  return session.transcript.filter((l) => l.note === 'client').map((l) => l.finding!);
}

/** Connects, reads the greeting, runs `talk`, ends with QUIT, and returns the findings. */
async function session(talk: (t: Telnet) => Promise<void>, yaml = 'default'): Promise<{ findings: ClientFinding[]; server: Server }> {
  const server = await serve(yaml);
  const t = await Telnet.connect(server.smtp.port);
  await t.reply();
  await talk(t);
  await t.expect('QUIT', '221');
  await t.closed;
  return { findings: await findingsOf(server), server };
}

const line = (t: Telnet, raw: string) => {
  t.write(raw);
  return t.reply();
};

const ENVELOPE = async (t: Telnet, mailArgs = '') => {
  await t.expect('EHLO client.test', '250');
  await t.expect(`MAIL FROM:<a@client.test>${mailArgs}`, '250');
  await t.expect('RCPT TO:<b@example.com>', '250');
  await t.expect('DATA', '354');
};

const rows: { name: string; talk: (t: Telnet) => Promise<void>; findings: ClientFinding[]; check?: string }[] = [
  {
    name: 'a clean session with PIPELINING used as advertised',
    talk: async (t) => {
      await t.expect('EHLO client.test', '250');
      t.write('MAIL FROM:<a@client.test>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n');
      for (const code of [250, 250, 354]) expect((await t.reply()).code).toBe(code);
      expect((await line(t, 'Subject: hi\r\n\r\n..leading period, stuffed\r\n.\r\n')).code).toBe(250);
    },
    findings: [],
  },
  {
    name: 'a command ending in a bare LF',
    talk: async (t) => {
      expect((await line(t, 'EHLO client.test\n')).code).toBe(250);
    },
    findings: ['bare-lf'],
    check: 'hygiene-crlf',
  },
  {
    name: 'message data with bare LF and a bare CR',
    talk: async (t) => {
      await ENVELOPE(t);
      expect((await line(t, 'Subject: x\r\n\r\nline one\nline\rtwo\r\n.\r\n')).code).toBe(250);
    },
    findings: ['bare-lf', 'bare-cr'],
    check: 'hygiene-crlf',
  },
  {
    // one packet of many CRLF lines: each line's search for a CR ends at the next line's, which the next look starts from
    name: 'a bare CR deep in one packet of well-ended data lines',
    talk: async (t) => {
      await ENVELOPE(t);
      const good = Array.from({ length: 40 }, (_, i) => `line ${i}\r\n`).join('');
      expect((await line(t, `Subject: x\r\n\r\n${good}a bare\rCR here\r\n${good}.\r\n`)).code).toBe(250);
    },
    findings: ['bare-cr'],
    check: 'hygiene-crlf',
  },
  {
    name: 'many well-ended data lines in one packet, a CR only before each LF',
    talk: async (t) => {
      await ENVELOPE(t);
      const good = Array.from({ length: 200 }, (_, i) => `line ${i}${i % 7 ? '' : ' \t'}\r\n`).join('');
      expect((await line(t, `Subject: x\r\n\r\n${good}.\r\n`)).code).toBe(250);
    },
    findings: [],
  },
  {
    name: 'commands pipelined after HELO (nothing advertised)',
    talk: async (t) => {
      await t.expect('HELO client.test', '250');
      t.write('MAIL FROM:<a@client.test>\r\nRCPT TO:<b@example.com>\r\n');
      expect((await t.reply()).code).toBe(250);
      expect((await t.reply()).code).toBe(250);
      await t.expect('RSET', '250');
    },
    findings: ['pipelining-unadvertised'],
    check: 'hygiene-pipelining',
  },
  {
    name: 'a command line over 512 octets',
    talk: async (t) => {
      await t.expect('EHLO client.test', '250');
      expect((await line(t, `NOOP ${'x'.repeat(600)}\r\n`)).code).toBeGreaterThanOrEqual(250);
    },
    findings: ['line-too-long'],
    check: 'hygiene-line-length',
  },
  {
    name: 'a data line over 1000 octets',
    talk: async (t) => {
      await ENVELOPE(t);
      expect((await line(t, `Subject: x\r\n\r\n${'y'.repeat(1200)}\r\n.\r\n`)).code).toBe(250);
    },
    findings: ['line-too-long'],
  },
  {
    name: 'a data line starting with a single period (not dot-stuffed)',
    talk: async (t) => {
      await ENVELOPE(t);
      expect((await line(t, 'Subject: x\r\n\r\n.hidden line\r\n.\r\n')).code).toBe(250);
    },
    findings: ['dot-stuffing'],
    check: 'hygiene-dot-stuffing',
  },
  {
    name: '8-bit body without BODY=8BITMIME (and 8-bit headers without SMTPUTF8)',
    talk: async (t) => {
      await ENVELOPE(t);
      expect((await line(t, 'Subject: Grüße\r\n\r\nGrüße\r\n.\r\n')).code).toBe(250);
    },
    findings: ['eight-bit-undeclared', 'smtputf8-unoffered'],
    check: 'hygiene-8bitmime',
  },
  {
    name: '8-bit body with BODY=8BITMIME is fine',
    talk: async (t) => {
      await ENVELOPE(t, ' BODY=8BITMIME');
      expect((await line(t, 'Subject: plain\r\n\r\nGrüße\r\n.\r\n')).code).toBe(250);
    },
    findings: [],
  },
  {
    name: 'SMTPUTF8 for an all-ASCII message',
    talk: async (t) => {
      await ENVELOPE(t, ' SMTPUTF8');
      expect((await line(t, 'Subject: plain\r\n\r\nhello\r\n.\r\n')).code).toBe(250);
    },
    findings: ['smtputf8-unneeded'],
    check: 'hygiene-smtputf8',
  },
  {
    name: 'more octets than SIZE= declared',
    talk: async (t) => {
      await ENVELOPE(t, ' SIZE=10');
      expect((await line(t, 'Subject: x\r\n\r\nlonger than ten octets\r\n.\r\n')).code).toBe(250);
    },
    findings: ['size-exceeded-declared'],
    check: 'size',
  },
];

describe('wire findings', () => {
  it.each(rows)('$name', async ({ talk, findings, check }) => {
    const { findings: seen, server } = await session(talk);
    expect(seen).toEqual(findings);
    if (check) {
      const result = server.report().senders.flatMap((s) => s.checks).find((c) => c.id === check && c.verdict === 'fail');
      expect(result, `report check ${check}`).toBeDefined();
    }
  });

  it('commands after STARTTLS in the same packet', async () => {
    const server = await serve('default');
    const t = await Telnet.connect(server.smtp.port);
    await t.reply();
    await t.expect('EHLO client.test', '250');
    t.write('STARTTLS\r\nMAIL FROM:<a@client.test>\r\n');
    await t.reply();
    t.close();
    expect(await findingsOf(server)).toContain('pipelining-after-starttls');
  });

  it('nodemailer and its STARTTLS raise none, and the message carries its Message-ID as key', async () => {
    const server = await serve('default');
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtp.port, tls: { rejectUnauthorized: false } });
    await transport.sendMail({ from: 'a@client.test', to: 'b@example.com', subject: 'hi', text: '.starts with a period\nand more', messageId: '<key-1@client.test>' });
    transport.close();
    expect(await findingsOf(server)).toEqual([]);
    const [s] = server.sessions.list();
    expect(s!.transcript.find((l) => l.bytes !== undefined)?.messageKey).toBe('<key-1@client.test>');
  });

  it('a message without Message-ID is keyed by a digest of envelope and body, the same on a resend', async () => {
    const server = await serve('default');
    const send = async () => {
      const t = await Telnet.connect(server.smtp.port);
      await t.reply();
      await ENVELOPE(t);
      expect((await line(t, 'Subject: no id\r\n\r\nbody\r\n.\r\n')).code).toBe(250);
      await t.expect('QUIT', '221');
      await t.closed;
    };
    await send();
    await send();
    const keys = await eventually(() => {
      const ended = server.sessions.list().filter((s) => s.endedAt !== undefined);
      return ended.length === 2 ? ended.map((s) => s.transcript.find((l) => l.bytes !== undefined)?.messageKey) : undefined;
    });
    expect(keys[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(keys[1]).toBe(keys[0]);
  });
});
