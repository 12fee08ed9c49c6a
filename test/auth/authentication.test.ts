/**
 * Authentication for real: messages signed by nodemailer's DKIM option, checked against DNS
 * records written in the scenario, entirely offline, answered with Gmail's exact replies.
 */
import dns from 'node:dns';
import { generateKeyPairSync } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dkimSign } from 'mailauth';
import { findEntry } from '../../src/catalog/index.js';
import { styleLines } from '../../src/catalog/style.js';
import { wireLines } from '../../src/smtp/write.js';
import { serve } from '../helpers/server.js';
import { cmd, dialog } from '../helpers/telnet.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const DKIM_RECORD = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

/** A Gmail scenario with DNS for example.com; `spf` and extra records vary per case. */
function scenario({ spf = 'v=spf1 ip4:127.0.0.1 -all', dmarc = 'v=DMARC1; p=reject', dkim = true, extra = '' } = {}): string {
  return `extends: gmail
dns:
  example.com: { TXT: "${spf}" }
${dmarc ? `  _dmarc.example.com: { TXT: "${dmarc}" }\n` : ''}${dkim ? `  s1._domainkey.example.com: { TXT: "${DKIM_RECORD}" }\n` : ''}${extra}`;
}

const MESSAGE = { from: 'alice@example.com', to: 'bob@gmail.test', subject: 'Hello', text: 'Signed and sealed.\n', messageId: '<m1@example.com>' };

async function send(port: number, options: Record<string, unknown> = {}) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  try {
    return await transport.sendMail({ ...MESSAGE, ...options });
  } finally {
    transport.close();
  }
}

/** The exact Gmail reply for an entry, with the token taken from the received reply. */
function gmailReply(id: string, response: string, values: Record<string, string>): string {
  const entry = findEntry(id)!;
  const token = / (\S+) - gsmtp$/.exec(response.split('\n').at(-1)!.trim())?.[1] ?? '';
  // the entry's captured line breaks where it has them, else its text for Gmail's wrapping
  const texts = (entry.lines ?? [entry.text]).map((l) => l.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole));
  return wireLines(entry.code, entry.enhanced, styleLines('gmail', texts, { gmailToken: token, microsoftServer: '' })).join('\n');
}

async function refusal(port: number, options: Record<string, unknown> = {}): Promise<string> {
  const error = await send(port, options).then(
    () => undefined,
    (err: Error & { response?: string }) => err,
  );
  expect(error, 'the message was accepted').toBeDefined();
  return (error as { response: string }).response;
}

const signed = { dkim: { domainName: 'example.com', keySelector: 's1', privateKey: PRIVATE } };
const values = { domain: 'example.com', fromDomain: 'example.com', ip: '127.0.0.1' };

describe('DKIM, SPF and DMARC against scenario DNS', () => {
  it('a message signed with the key whose record is in the scenario passes, and its results are kept', async () => {
    const server = await serve(scenario());
    await send(server.smtp.port, signed);
    const [message] = await server.messages.list();
    expect(message!.authenticationResults).toMatch(/^Received-SPF: pass /);
    expect(message!.authenticationResults).toMatch(/dkim=pass header\.i=@example\.com header\.s=s1/);
    expect(message!.authenticationResults).toMatch(/spf=pass .*smtp\.mailfrom=alice@example\.com/);
    expect(message!.authenticationResults).toMatch(/dmarc=pass \(p=REJECT/);
    expect(message!.raw.toString()).not.toMatch(/^Authentication-Results/m);
  });

  it('the body altered after signing: DKIM fails, and with SPF failing too DMARC rejects', async () => {
    const server = await serve(scenario({ spf: 'v=spf1 ip4:192.0.2.10 -all' }));
    const raw = Buffer.from(`From: alice@example.com\r\nTo: bob@gmail.test\r\nSubject: Hello\r\nMessage-ID: <m2@example.com>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nOriginal body.\r\n`);
    const { signatures } = await dkimSign(raw, { signatureData: [{ signingDomain: 'example.com', selector: 's1', privateKey: PRIVATE }] } as never);
    const tampered = Buffer.concat([Buffer.from(signatures), Buffer.from(raw.toString().replace('Original body.', 'Altered body.'))]);
    const response = await refusal(server.smtp.port, { raw: tampered, envelope: { from: 'alice@example.com', to: 'bob@gmail.test' } });
    expect(response).toBe(gmailReply('gmail.dmarc-policy', response, values));
  });

  it('a signature with a selector that has no record fails DMARC', async () => {
    const server = await serve(scenario({ spf: 'v=spf1 ip4:192.0.2.10 -all' }));
    const response = await refusal(server.smtp.port, { dkim: { domainName: 'example.com', keySelector: 'wrong', privateKey: PRIVATE } });
    expect(response).toBe(gmailReply('gmail.dmarc-policy', response, values));
  });

  it('no DKIM record and a soft SPF: the sender is unauthenticated', async () => {
    const server = await serve(scenario({ spf: 'v=spf1 ip4:192.0.2.10 ~all', dmarc: '', dkim: false }));
    const response = await refusal(server.smtp.port, signed);
    expect(response).toBe(gmailReply('gmail.unauthenticated-blocked', response, values));
  });

  it('a From not aligned with the signing domain fails DMARC', async () => {
    const server = await serve(
      scenario({ spf: 'v=spf1 ip4:192.0.2.10 -all', extra: `  other.example: { TXT: "v=spf1 ip4:127.0.0.1 -all" }\n  s1._domainkey.other.example: { TXT: "${DKIM_RECORD}" }\n` }),
    );
    const response = await refusal(server.smtp.port, {
      envelope: { from: 'bounce@other.example', to: 'bob@gmail.test' },
      dkim: { domainName: 'other.example', keySelector: 's1', privateKey: PRIVATE },
    });
    expect(response).toBe(gmailReply('gmail.dmarc-policy', response, values));
  });

  it('a client IP outside the SPF record, no DKIM, no DMARC: the SPF hard fail', async () => {
    const server = await serve(scenario({ spf: 'v=spf1 ip4:192.0.2.10 -all', dmarc: '', dkim: false }));
    const response = await refusal(server.smtp.port);
    expect(response).toBe(gmailReply('gmail.spf-hard-fail', response, values));
  });

  it('a domain with no records at all is let through (the scenario works before DNS is added)', async () => {
    const server = await serve('extends: gmail\n');
    await send(server.smtp.port);
    expect(await server.messages.count()).toBe(1);
  });
});

describe('reverse DNS', () => {
  it('127.0.0.1 resolves to localhost and back, built in', async () => {
    const server = await serve('rules:\n  - { id: p, when: { stage: connect, ptr: pass, ptrName: localhost }, then: "554 5.7.1 seen" }\n');
    const t = await dialog(server.smtp.port, [], '554 5.7.1 seen');
    t.close();
  });

  it('no PTR: gmail.missing-ptr; a PTR that does not resolve back: gmail.ptr-mismatch', async () => {
    const none = await serve('extends: gmail\ndns:\n  127.0.0.1: { PTR: [] }\n');
    let response = await refusal(none.smtp.port);
    expect(response).toBe(gmailReply('gmail.missing-ptr', response, values));
    const mismatch = await serve('extends: gmail\ndns:\n  127.0.0.1: { PTR: mail.elsewhere.example }\n  mail.elsewhere.example: { A: 192.0.2.99 }\n');
    response = await refusal(mismatch.smtp.port);
    expect(response).toBe(gmailReply('gmail.ptr-mismatch', response, values));
  });

  it('GoDaddy refuses a client without reverse DNS at the greeting (IB108)', async () => {
    const server = await serve('extends: godaddy\ndns:\n  127.0.0.1: { PTR: [] }\n');
    const t = await dialog(server.smtp.port, [], '421 Temporarily rejected. Reverse DNS for this IP failed. IB108');
    await t.closed;
  });
});

describe('SPF at MAIL', () => {
  it('GoDaddy refuses a sender whose SPF fails with IB508, quoting the sender', async () => {
    const server = await serve('extends: godaddy\ndns:\n  example.com: { TXT: "v=spf1 ip4:192.0.2.10 -all", MX: "10 mx.example.com" }\n  good.example: { A: 192.0.2.20 }\n');
    await dialog(server.smtp.port, [
      cmd('EHLO client.test', '250'),
      cmd('MAIL FROM:<alice@example.com>', '550 alice@example.com Invalid SPF record. Inspect your SPF settings, and try again. IB508'),
      cmd('MAIL FROM:<carol@good.example>', '250'),
    ]);
  });

  it('with a dns table, a sender domain with no MX or A record is invalid (GoDaddy IB506); without one, no domain is judged', async () => {
    const server = await serve('extends: godaddy\ndns:\n  good.example: { MX: "10 mx.good.example" }\n');
    await dialog(server.smtp.port, [
      cmd('EHLO client.test', '250'),
      cmd('MAIL FROM:<carol@unlisted.example>', '550 unlisted.example From: Domain is invalid. Provide a valid From: IB506'),
      cmd('MAIL FROM:<carol@good.example>', '250'),
    ]);
    const plain = await serve('extends: godaddy\n');
    await dialog(plain.smtp.port, [cmd('EHLO client.test', '250'), cmd('MAIL FROM:<carol@unlisted.example>', '250')]);
  });

  it('gmail-submission: a recipient domain that does not exist gets 553 5.1.2', async () => {
    const server = await serve('extends: gmail-submission\nserver: { tls: { starttls: offered }, auth: { required: false } }\ndns:\n  gmail.test: { MX: "5 gmail-smtp-in.l.google.com" }\n');
    const t = await dialog(server.smtp.port, [cmd('EHLO client.test', '250'), cmd('MAIL FROM:<a@gmail.test>', '250'), cmd('RCPT TO:<bob@gmail.test>', '250')]);
    const r = await t.cmd('RCPT TO:<bob@nowhere.example>');
    expect(r.lines[0]).toMatch(/^553-5\.1\.2 We weren't able to find the recipient domain/);
    t.close();
  });
});

describe('offline', () => {
  afterEach(() => vi.restoreAllMocks());

  it('no real DNS query is made during a whole authenticated session', async () => {
    const server = await serve(scenario({ extra: '  127.0.0.1: { PTR: localhost }\n' }));
    const raw = `From: alice@example.com\r\nTo: bob@gmail.test\r\nSubject: Hello\r\nMessage-ID: <m3@example.com>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nHi.\r\n`;
    const { signatures } = await dkimSign(Buffer.from(raw), { signatureData: [{ signingDomain: 'example.com', selector: 's1', privateKey: PRIVATE }] } as never);
    // a raw socket client, so that nothing on the client side resolves names either
    const methods = ['resolve', 'resolveTxt', 'resolve4', 'resolve6', 'resolveMx', 'resolvePtr', 'reverse', 'lookup'] as const;
    const spies = [...methods.map((m) => vi.spyOn(dns.promises, m)), ...methods.map((m) => vi.spyOn(dns, m))];
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd('MAIL FROM:<alice@example.com>', '250'), cmd('RCPT TO:<bob@gmail.test>', '250'), cmd('DATA', '354')]);
    await t.expect(`${signatures}${raw}.`, '250 2.0.0');
    t.close();
    const [message] = await server.messages.list();
    expect(message!.authenticationResults).toMatch(/dkim=pass[\s\S]*spf=pass[\s\S]*dmarc=pass/);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
