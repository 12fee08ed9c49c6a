/**
 * Unsigned mail is authenticated from its header section alone (no DKIM or ARC signature can
 * depend on the body). The results must be exactly those of the whole message, and any
 * signature field, however written, must send the whole message to mailauth.
 */
import { generateKeyPairSync } from 'node:crypto';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { checkMessage, unsignedHeaderSection } from '../../src/auth/check.js';
import { buildZone, zoneResolver } from '../../src/auth/zone.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const resolver = zoneResolver(
  buildZone({
    'example.com': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
    '_dmarc.example.com': { TXT: ['v=DMARC1; p=reject'] },
    's1._domainkey.example.com': { TXT: [`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`] },
  }),
);
const base = { sender: 'alice@example.com', ip: '192.0.2.1', helo: 'mail.example.com', mta: 'mx.test', resolver };

async function build(mail: Record<string, unknown>): Promise<Buffer> {
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return (await t.sendMail({ from: 'alice@example.com', to: 'bob@example.org', subject: 'hi', text: 'Hello.\n'.repeat(200), ...mail })).message as Buffer;
}

describe('unsignedHeaderSection', () => {
  it('gives the header section with its blank line, for CRLF and bare-LF messages', () => {
    expect(unsignedHeaderSection(Buffer.from('Subject: a\r\nFrom: b@c.d\r\n\r\nbody\r\n'), true)?.toString()).toBe('Subject: a\r\nFrom: b@c.d\r\n\r\n');
    expect(unsignedHeaderSection(Buffer.from('Subject: a\nFrom: b@c.d\n\nbody\r\n\r\nmore'), true)?.toString()).toBe('Subject: a\nFrom: b@c.d\n\n');
  });

  it('a message without a blank line is all header section; a head without one is not enough', () => {
    expect(unsignedHeaderSection(Buffer.from('Subject: a\r\n'), true)?.toString()).toBe('Subject: a\r\n');
    expect(unsignedHeaderSection(Buffer.from('Subject: a\r\n'), false)).toBeUndefined();
  });

  it('any DKIM or ARC field, in any case or spacing, means the body is needed', () => {
    for (const field of ['DKIM-Signature: v=1', 'dkim-signature : v=1', 'ARC-Seal: i=1', 'arc-message-signature:\ti=1', 'ARC-Authentication-Results: i=1']) {
      expect(unsignedHeaderSection(Buffer.from(`Subject: a\r\n${field}\r\n\r\nbody`), true), field).toBeUndefined();
    }
    // a signature-like text in a value or in the body is not a field
    expect(unsignedHeaderSection(Buffer.from('Subject: DKIM-Signature: no\r\n\r\nDKIM-Signature: v=1\r\n'), true)).toBeDefined();
  });
});

describe('authentication from the header section equals authentication of the whole message', () => {
  const cases: [string, () => Promise<Buffer>, Partial<typeof base>][] = [
    ['unsigned, SPF pass, DMARC pass by SPF', () => build({}), {}],
    ['unsigned, SPF fail, DMARC fail', () => build({}), { ip: '198.51.100.7' }],
    ['unsigned, From in another domain', () => build({ from: 'carol@other.example' }), {}],
  ];
  for (const [name, make, over] of cases) {
    it(name, async () => {
      const raw = await make();
      const section = unsignedHeaderSection(raw, true)!;
      expect(section.length).toBeLessThan(raw.length);
      const whole = await checkMessage({ ...base, ...over, message: raw });
      const fromHeaders = await checkMessage({ ...base, ...over, message: section });
      expect(fromHeaders).toEqual(whole);
    });
  }

  it('a signed message is not cut: its DKIM result needs the body', async () => {
    const raw = await build({ dkim: { domainName: 'example.com', keySelector: 's1', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } });
    expect(unsignedHeaderSection(raw, true)).toBeUndefined();
    expect((await checkMessage({ ...base, message: raw })).dkim[0]?.result).toBe('pass');
  });
});
