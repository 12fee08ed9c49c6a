/**
 * Walks the whole catalog through real sessions: every entry, triggered by its magic
 * recipient, goes out in its provider's layout with the right code on every line, and closes
 * the connection exactly when the provider does.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG, type CatalogEntry } from '../../src/catalog/index.js';
import { serve } from '../helpers/server.js';
import { cmd, dialog, type WireReply } from '../helpers/telnet.js';
import { GMAIL_TOKEN } from '../scenarios/layout.js';

const SENDER = 'alice@example.com';

function expectedText(entry: CatalogEntry, rcpt: string): RegExp {
  const known: Record<string, string> = { domain: 'example.com', ip: '127.0.0.1', address: rcpt, recipient: rcpt, sender: SENDER };
  const pattern = entry.text
    .split(/(\{[a-zA-Z]+\})/)
    .map((part) => {
      const name = /^\{([a-zA-Z]+)\}$/.exec(part)?.[1];
      if (name && known[name]) return known[name]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (name) return '.+?';
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
    })
    .join('');
  return new RegExp(`^${pattern}$`);
}

function checkLayout(entry: CatalogEntry, reply: WireReply, rcpt: string): void {
  const enh = entry.enhanced ? `${entry.enhanced} ` : '';
  reply.lines.forEach((line, i) => {
    const sep = i < reply.lines.length - 1 ? '-' : ' ';
    expect(line.startsWith(`${entry.code}${sep}${enh}`), `line ${i} of ${entry.id}: ${line}`).toBe(true);
  });
  const texts = reply.lines.map((l) => l.slice(4 + enh.length));
  switch (entry.provider) {
    case 'gmail': {
      const last = texts.at(-1)!;
      expect(GMAIL_TOKEN.test(/ (\S+) - gsmtp$/.exec(last)?.[1] ?? ''), last).toBe(true);
      // Gmail's [ip] tag pads the address to a fixed width before its number
      if (entry.text.startsWith('[{ip}]')) expect(texts[0]).toMatch(/^\[127\.0\.0\.1 +\d{1,2}\] /);
      const untagged = [texts[0]!.replace(/^\[([0-9a-f:.]+) +\d+\] /, '[$1] '), ...texts.slice(1)];
      const joined = [...untagged.slice(0, -1), untagged.at(-1)!.replace(/ \S+ - gsmtp$/, '')].join(' ').replace(/\s+/g, ' ').trim();
      expect(joined).toMatch(expectedText(entry, rcpt));
      for (const line of reply.lines.slice(0, -1)) expect(line.length).toBeLessThanOrEqual(4 + enh.length + 82);
      break;
    }
    case 'microsoft365': {
      expect(reply.lines).toHaveLength(1);
      // newer Exchange Online replies bracket the front-end server, the time and an id
      const m = /^(.*) \[([A-Z]{2}\d[A-Z]{3}\d{2}FT\d{3}\.eop-[a-z]{3}\d{2}\.prod\.protection\.outlook\.com) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [0-9A-F]{16}\]$/.exec(texts[0]!);
      expect(m, reply.raw).not.toBeNull();
      expect(m![1]).toMatch(expectedText(entry, rcpt));
      break;
    }
    case 'godaddy':
      expect(reply.lines).toHaveLength(1);
      expect(texts[0]).toMatch(expectedText(entry, rcpt));
      break;
  }
}

describe('every catalog entry replays through a real session', () => {
  it.each(CATALOG.map((e) => [e.id, e] as const))('%s', async (_id, entry) => {
    const server = await serve();
    const rcpt = `${entry.id}@example.net`;
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250'), cmd(`MAIL FROM:<${SENDER}>`, '250')]);
    let reply = await t.cmd(`RCPT TO:<${rcpt}>`);
    if (entry.stage === 'data' || entry.stage === 'message') {
      expect(reply.lines.at(-1)).toMatch(/^250 2\.1\.5/);
      reply = await t.cmd('DATA');
      if (entry.stage === 'message') {
        expect(reply.code).toBe(354);
        reply = await t.cmd('Subject: catalog walk\r\n\r\nHello.\r\n.');
      }
    }
    expect(reply.code).toBe(entry.code);
    checkLayout(entry, reply, rcpt);
    const transcript = server.sessions.list()[0]!.transcript;
    // a recipient accepted to answer later is named too: the engine decided that acceptance
    const acceptedEarlier = entry.stage === 'data' || entry.stage === 'message' ? 1 : 0;
    expect(transcript.filter((l) => l.direction === 'out' && l.rule === `magic:${entry.id}`)).toHaveLength(reply.lines.length + acceptedEarlier);
    if (entry.close || entry.code === 421) {
      await t.closed;
    } else {
      // a refused session answers all but QUIT with 503 (RFC 5321 §3.1); any other leaves it usable
      await t.expect('NOOP', entry.stage === 'connect' && entry.code >= 400 ? '503' : '250');
      t.close();
    }
    expect(await server.messages.count()).toBe(0);
  });
});

describe('magic recipients', () => {
  it('can be turned off by the scenario', async () => {
    const server = await serve('server: { magicRecipients: false }\n');
    await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250'), cmd('RCPT TO:<gmail.user-unknown@x.test>', '250 2.1.5')]);
  });

  it('a message-stage entry lets other recipients be accepted, then refuses the message', async () => {
    const server = await serve();
    const t = await dialog(server.smtp.port, [
      cmd('EHLO c.test', '250'),
      cmd('MAIL FROM:<a@example.com>', '250'),
      cmd('RCPT TO:<bob@x.test>', '250'),
      cmd('RCPT TO:<godaddy.ib212-spam@x.test>', '250'),
      cmd('DATA', '354'),
    ]);
    expect((await t.cmd('Subject: s\r\n\r\nbody\r\n.')).raw).toBe('552 5.2.0 This message has been rejected due to content judged to be spam by the internet community IB212\r\n'.replace('5.2.0 ', entryEnh('godaddy.ib212-spam')));
    // the next transaction is not affected
    await t.expect('MAIL FROM:<a@example.com>', '250');
    await t.expect('RCPT TO:<bob@x.test>', '250');
    await t.expect('DATA', '354');
    await t.expect('Subject: s\r\n\r\nbody\r\n.', '250 2.0.0');
    t.close();
  });

  it('HELP tells a telnet user about them', async () => {
    const server = await serve();
    const t = await dialog(server.smtp.port, []);
    const help = await t.cmd('HELP');
    expect(help.code).toBe(214);
    expect(help.raw).toMatch(/Magic recipients: RCPT TO:<ID@any\.domain>/);
    t.close();
  });
});

function entryEnh(id: string): string {
  const e = CATALOG.find((x) => x.id === id)!;
  return e.enhanced ? `${e.enhanced} ` : '';
}
