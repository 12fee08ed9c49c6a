/**
 * The shipped microsoft365 scenario through real sessions (raw socket, swaks, nodemailer):
 * Exchange Online's greeting and EHLO, and its refusals byte for byte, each ending with the
 * answering front-end server in brackets.
 */
import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/server.js';
import { cmd, dialog, Telnet } from '../helpers/telnet.js';
import { catalogReplies, expectOpen, firstRefusal, nodemailerSend, swaks, tap } from './helpers.js';

const { expectEntry } = catalogReplies('microsoft365');

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
    const refusal = firstRefusal(relay);
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
    const { err: failure } = await nodemailerSend(relay.port, { from: 'spammer@bad-outbound.test', to: TO, subject: 'hi', text: 'hello' });
    const refusal = firstRefusal(relay);
    expectEntry(refusal, 'microsoft365.5.1.8-bad-outbound-sender');
    expect(failure?.responseCode).toBe(550);
    expect(failure!.response).toBe(refusal!.lines.join('\n'));
    expect(failure!.command).toBe('MAIL FROM');
    expect(await server.messages.count()).toBe(0);
  });
});
