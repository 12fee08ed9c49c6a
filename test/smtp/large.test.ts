/**
 * Large messages end to end: past `spoolAboveBytes` a body goes to a spool file as it arrives.
 * Rules, content checks and DKIM still see every byte, the stored message is byte-exact, and
 * no spool file outlives its message: refused, cut off mid-DATA, deleted, or the server closed.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { EICAR, GTUBE } from '../../src/checks/signatures.js';
import { eventually, serve } from '../helpers/server.js';
import { cmd, dialog } from '../helpers/telnet.js';

const SPOOL_ABOVE = 64 * 1024;
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const DKIM_RECORD = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

const SCENARIO = `name: large
dns:
  example.com: { TXT: "v=spf1 ip4:127.0.0.1 -all" }
  _dmarc.example.com: { TXT: "v=DMARC1; p=reject" }
  s1._domainkey.example.com: { TXT: "${DKIM_RECORD}" }
rules:
  - id: virus
    when: { stage: message, check: eicar }
    then: { reply: "550 5.7.0 virus found" }
  - id: spam
    when: { stage: message, check: gtube }
    then: { reply: "550 5.7.1 spam found" }
  - id: exe
    when: { stage: message, check: blocked-attachment }
    then: { reply: "552 5.7.0 blocked attachment" }
  - id: dkim-fail
    when: { stage: message, dkim: [fail, neutral] } # mailauth: a body hash mismatch is "neutral"
    then: { reply: "550 5.7.26 dkim failed" }
`;

async function largeServer() {
  const spoolDir = await mkdtemp(join(tmpdir(), 'mockmx-large-test-'));
  dirs.push(spoolDir);
  const server = await serve(SCENARIO, { spoolAboveBytes: SPOOL_ABOVE, spoolDir });
  return Object.assign(server, { spoolFiles: () => spoolFiles(spoolDir), spoolDir });
}

async function spoolFiles(parent: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(parent)) out.push(...(await readdir(join(parent, d))));
  return out;
}

/** About `mb` MB of text lines, numbered so that any lost or reordered chunk shows. */
const text = (mb: number) => Array.from({ length: Math.ceil((mb * 1024 * 1024) / 40) }, (_, i) => `line ${String(i).padStart(8, '0')} of the long text`).join('\n');

async function send(port: number, mail: Record<string, unknown>): Promise<{ ok: boolean; response: string }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ from: 'alice@example.com', to: 'bob@example.org', subject: 'large', ...mail });
    return { ok: true, response: info.response };
  } catch (err) {
    return { ok: false, response: String((err as { response?: string }).response ?? err) };
  } finally {
    transport.close();
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('messages larger than the spool threshold', () => {
  it('are accepted and stored byte for byte, with a parsed view, the file owned by the store', async () => {
    const server = await largeServer();
    const attachment = Buffer.alloc(1_000_000, 3);
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    const built = await transport.sendMail({ from: 'alice@example.com', to: 'bob@example.org', subject: 'large', messageId: '<large.1@example.com>', text: text(2), attachments: [{ filename: 'data.bin', content: attachment }] });
    const sent = built.message as Buffer;
    const result = await send(server.smtp.port, { raw: sent });
    expect(result.ok, result.response).toBe(true);
    const [stored] = await server.messages.list();
    expect(stored!.size).toBeGreaterThan(3_000_000);
    // what arrived is what was sent (nodemailer ends the raw message with CRLF before the dot)
    expect(sha(stored!.raw)).toBe(sha(sent));
    const streamed: Buffer[] = [];
    for await (const c of stored!.rawStream()) streamed.push(c as Buffer);
    expect(sha(Buffer.concat(streamed))).toBe(sha(sent));
    const parsed = await stored!.parsed();
    expect(parsed.subject).toBe('large');
    expect(parsed.attachments).toEqual([{ filename: 'data.bin', contentType: 'application/octet-stream', size: attachment.length }]);
    expect(parsed.text.startsWith('line 00000000 of the long text')).toBe(true);
    expect(await server.spoolFiles()).toHaveLength(1); // the memory store keeps it in its file
    await server.messages.delete(stored!.id);
    expect(await server.spoolFiles()).toEqual([]);
  });

  it('content checks see the whole body: EICAR in a late attachment, GTUBE at the end, an .exe last', async () => {
    const server = await largeServer();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ text: text(2), attachments: [{ filename: 'x.bin', content: Buffer.alloc(500_000, 1) }, { filename: 'eicar.com.txt', content: EICAR }] }, /^550 5\.7\.0 virus found/],
      [{ text: `${text(3)}\n${GTUBE}\n` }, /^550 5\.7\.1 spam found/],
      [{ text: text(2), attachments: [{ filename: 'setup.exe', content: Buffer.alloc(300_000, 2) }] }, /^552 5\.7\.0 blocked attachment/],
    ];
    for (const [mail, expected] of cases) {
      const result = await send(server.smtp.port, mail);
      expect(result.ok).toBe(false);
      expect(result.response).toMatch(expected);
    }
    expect(await server.messages.count()).toBe(0);
    // refused messages leave nothing in the spool
    await eventually(async () => ((await server.spoolFiles()).length === 0 ? true : undefined));
  });

  it('DKIM is verified over the whole spooled body: a signed message passes, an altered one fails', async () => {
    const server = await largeServer();
    const dkim = { domainName: 'example.com', keySelector: 's1', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    const good = await send(server.smtp.port, { text: text(2), dkim });
    expect(good.ok, good.response).toBe(true);
    const [stored] = await server.messages.list();
    expect(stored!.authenticationResults).toMatch(/dkim=pass header\.i=@example\.com header\.s=s1/);

    // the same signature over a body changed in its last line
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const signed = (await transport.sendMail({ from: 'alice@example.com', to: 'bob@example.org', subject: 'large', text: text(2), dkim })).message as Buffer;
    // the last body line is "line NNNNNNNN of the long text" (quoted-printable: "=\r\n" soft breaks apart)
    const at = signed.lastIndexOf('of the long text');
    const altered = Buffer.concat([signed.subarray(0, at), Buffer.from('of the LONG text'), signed.subarray(at + 'of the long text'.length)]);
    expect(altered.equals(signed)).toBe(false);
    const bad = await send(server.smtp.port, { raw: altered });
    expect(bad.ok, `${bad.response} ${(await server.messages.list())[0]?.authenticationResults?.replace(/\r\n/g, " ")}`).toBe(false);
    expect(bad.response).toMatch(/^550 5\.7\.26 dkim failed/);
  });

  it('a client that goes away in the middle of a large DATA leaves no spool file, and the server carries on', async () => {
    const server = await largeServer();
    const t = await dialog(server.smtp.port, [cmd('EHLO client.example.com', '250'), cmd('MAIL FROM:<alice@example.com>', '250'), cmd('RCPT TO:<bob@example.org>', '250'), cmd('DATA', '354')]);
    t.write(`Subject: cut off\r\n\r\n${'x'.repeat(76)}\r\n`.repeat(8000)); // ~600 KB, past the threshold
    await eventually(async () => ((await server.spoolFiles()).length > 0 ? true : undefined));
    t.close();
    await eventually(async () => ((await server.spoolFiles()).length === 0 ? true : undefined));
    const after = await send(server.smtp.port, { text: 'still here' });
    expect(after.ok, after.response).toBe(true);
    expect(await server.messages.count()).toBe(1);
  });

  it('a bounce of a spooled message returns its header section only (too large to return whole)', async () => {
    const server = await largeServer();
    const sent = await send(server.smtp.port, { to: 'godaddy.storage-limit+bounce@coolexample.com', subject: 'large and bounced', text: `${text(2)}\nTHE-LAST-LINE` });
    expect(sent.ok, sent.response).toBe(true);
    // the queue sends a due notice by itself; flush() sends it now if it has not gone yet
    await server.outbound.flush();
    const dsn = await eventually(async () => (await server.messages.list()).find((m) => m.outbound));
    const parsed = await simpleParser(dsn!.raw, { keepDeliveryStatus: true });
    const headers = parsed.attachments.find((a) => a.contentType === 'text/rfc822-headers');
    expect(headers!.content.toString()).toContain('Subject: large and bounced');
    expect(dsn!.size).toBeLessThan(64 * 1024);
    expect(dsn!.raw.toString()).not.toContain('THE-LAST-LINE');
  });

  it('closing the server removes the spool directory with the messages kept in it', async () => {
    const server = await largeServer();
    expect((await send(server.smtp.port, { text: text(1) })).ok).toBe(true);
    expect(await readdir(server.spoolDir)).toHaveLength(1);
    await server.close(0);
    expect(await readdir(server.spoolDir)).toEqual([]);
  });
});
