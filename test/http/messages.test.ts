/** Messages over HTTP: sent with real SMTP clients, read back, searched, paged, downloaded, deleted. */
import { describe, expect, it } from 'vitest';
import { cmd, dialog } from '../helpers/telnet.js';
import { curl, send, serveHttp } from './helpers.js';

describe('GET /api/v1/messages', () => {
  it('lists newest first with the total, pages by limit/offset and by page', async () => {
    const { mx, api } = await serveHttp();
    for (let i = 1; i <= 5; i++) await send(mx, { subject: `number ${i}` });
    const all = await api('/api/v1/messages');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(5);
    expect(all.body.items.map((m: any) => m.subject)).toEqual(['number 5', 'number 4', 'number 3', 'number 2', 'number 1']);

    const second = await api('/api/v1/messages?limit=2&offset=2');
    expect(second.body).toMatchObject({ total: 5, offset: 2, limit: 2 });
    expect(second.body.items.map((m: any) => m.subject)).toEqual(['number 3', 'number 2']);
    const page3 = await api('/api/v1/messages?limit=2&page=3');
    expect(page3.body).toMatchObject({ total: 5, offset: 4, limit: 2 });
    expect(page3.body.items.map((m: any) => m.subject)).toEqual(['number 1']);
    expect((await api('/api/v1/messages?limit=2&page=9')).body.items).toEqual([]);

    const bad = await api('/api/v1/messages?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/limit/);
    expect((await api('/api/v1/messages?page=abc')).status).toBe(400);
  });

  it('searches by from, to, subject, text, rule and outcome (case-insensitive substrings)', async () => {
    const { mx, api } = await serveHttp(`
rules:
  - { id: vip-welcome, when: { rcpt: "vip@*" }, then: "250 2.1.5 welcome, VIP" }
  - { id: slow-bob, when: { rcpt: "bob@*" }, then: "450 4.2.1 slow down" }
`);
    await send(mx, { from: 'Alice <alice@example.com>', to: 'carol@example.org', subject: 'Invoice 42', text: 'Please PAY now' });
    await send(mx, { from: 'dave@example.net', to: 'vip@example.org', subject: 'hello vip', html: '<p>Greetings in <b>HTML</b></p>' });
    // one recipient refused, the other accepted: the message keeps that in its transaction
    await send(mx, { from: 'erin@example.net', to: ['bob@example.org', 'carol@example.org'], subject: 'partly refused' });
    const subjects = async (query: string) => ((await api(`/api/v1/messages?${query}`)).body.items as any[]).map((m) => m.subject);

    expect(await subjects('from=ALICE@example')).toEqual(['Invoice 42']);
    expect(await subjects('to=carol')).toEqual(['partly refused', 'Invoice 42']);
    expect(await subjects('subject=invoice')).toEqual(['Invoice 42']);
    expect(await subjects('text=pay%20NOW')).toEqual(['Invoice 42']);
    expect(await subjects('text=greetings')).toEqual(['hello vip']);
    expect(await subjects('rule=vip')).toEqual(['hello vip']);
    expect(await subjects('rule=SLOW-bob')).toEqual(['partly refused']);
    expect(await subjects('outcome=4.2.1')).toEqual(['partly refused']);
    expect(await subjects('outcome=slow-bob')).toEqual(['partly refused']);
    expect(await subjects('outcome=refused')).toEqual(['partly refused']);
    expect(await subjects('outcome=queued')).toHaveLength(3);
    expect(await subjects('to=carol&subject=invoice')).toEqual(['Invoice 42']);
    expect(await subjects('to=nobody')).toEqual([]);
    const list = await api('/api/v1/messages?to=carol&limit=1');
    expect(list.body.total).toBe(2);
  });
});

describe('GET /api/v1/messages/:id', () => {
  it('shows envelope, headers, text, html, attachments, the transaction and the session it came in', async () => {
    const { mx, api } = await serveHttp();
    await send(mx, {
      from: 'alice@example.com',
      to: 'bob@example.com',
      subject: 'Report ✓',
      text: 'plain body',
      html: '<p>html body</p>',
      attachments: [
        { filename: 'notes.txt', content: 'some notes', contentType: 'text/plain' },
        { filename: 'data.bin', content: Buffer.from([0, 1, 2, 255]), contentType: 'application/octet-stream' },
      ],
    });
    const [stored] = await mx.messages.list();
    const { status, body } = await api(`/api/v1/messages/${stored!.id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: stored!.id,
      envelope: { mailFrom: 'alice@example.com', rcptTo: ['bob@example.com'] },
      subject: 'Report ✓',
      from: 'alice@example.com',
      to: ['bob@example.com'],
      text: 'plain body',
      html: '<p>html body</p>',
      size: stored!.size,
      session: { id: stored!.sessionId, href: `/api/v1/sessions/${stored!.sessionId}`, clientIp: '127.0.0.1' },
      transaction: { reply: { code: 250, enhanced: '2.0.0', text: `OK: queued as ${stored!.id}` }, refused: [] },
      links: { raw: `/api/v1/messages/${stored!.id}/raw` },
    });
    expect(body.receivedAt).toBe(new Date(stored!.receivedAt).toISOString());
    expect(body.headers).toContainEqual({ key: 'subject', value: '=?UTF-8?Q?Report_=E2=9C=93?=' }); // headers as written
    expect(body.attachments).toEqual([
      { index: 0, filename: 'notes.txt', contentType: 'text/plain', size: 10, href: `/api/v1/messages/${stored!.id}/attachments/0` },
      { index: 1, filename: 'data.bin', contentType: 'application/octet-stream', size: 4, href: `/api/v1/messages/${stored!.id}/attachments/1` },
    ]);

    // the session link leads to the transcript with this message in it
    const session = await api(body.session.href);
    expect(session.body.messages).toEqual([stored!.id]);

    const missing = await api('/api/v1/messages/m999999');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/m999999/);
  });

  it('shows the Authentication-Results kept beside the message', async () => {
    const { mx, api } = await serveHttp(`
dns:
  example.com: { TXT: "v=spf1 ip4:127.0.0.1 -all" }
`);
    await send(mx, { from: 'alice@example.com' });
    const [stored] = await mx.messages.list();
    const { body } = await api(`/api/v1/messages/${stored!.id}`);
    expect(body.authenticationResults).toMatch(/spf=pass/);
  });

  it('serves an attachment with its content type and filename; 404 past the last', async () => {
    const { mx, api, url } = await serveHttp();
    await send(mx, { attachments: [{ filename: 'naïve report.csv', content: 'a,b\n1,2\n', contentType: 'text/csv' }, { filename: 'x.bin', content: Buffer.from([0, 1, 254, 255]) }] });
    const [stored] = await mx.messages.list();
    const csv = await fetch(`${url}/api/v1/messages/${stored!.id}/attachments/0`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="na_ve report.csv"; filename*=UTF-8''na%C3%AFve%20report.csv`);
    expect(await csv.text()).toBe('a,b\n1,2\n');
    const bin = await fetch(`${url}/api/v1/messages/${stored!.id}/attachments/1`);
    expect(Buffer.from(await bin.arrayBuffer())).toEqual(Buffer.from([0, 1, 254, 255]));
    const past = await api(`/api/v1/messages/${stored!.id}/attachments/2`);
    expect(past.status).toBe(404);
    expect(past.body).toMatchObject({ attachments: 2 });
    expect((await api(`/api/v1/messages/${stored!.id}/attachments/x`)).status).toBe(400);
  });
});

describe('GET /api/v1/messages/:id/raw', () => {
  it('is the message exactly as received, as message/rfc822 (read with curl)', async () => {
    const { mx, url } = await serveHttp();
    const data = 'From: a@example.com\r\nTo: b@example.com\r\nSubject: raw one\r\n\r\nLine one\r\n..leading dot\r\n';
    const t = await dialog(mx.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@example.com>', '250'), cmd('RCPT TO:<b@example.com>', '250'), cmd('DATA', '354')]);
    t.write(`${data}.\r\n`);
    expect((await t.reply()).code).toBe(250);
    await t.expect('QUIT', '221');
    t.close();
    const [stored] = await mx.messages.list();

    const res = await curl([`${url}/api/v1/messages/${stored!.id}/raw`]);
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('message/rfc822');
    expect(res.body).toBe(data.replace('..leading', '.leading')); // dot-unstuffed, otherwise byte for byte
    expect(res.headers).toMatch(new RegExp(`content-disposition: inline; filename="${stored!.id}.eml"`, 'i'));

    const missing = await curl([`${url}/api/v1/messages/nope/raw`]);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error).toMatch(/nope/);
  });
});

describe('DELETE /api/v1/messages', () => {
  it('deletes one (404 the second time), then all', async () => {
    const { mx, api } = await serveHttp();
    for (let i = 0; i < 3; i++) await send(mx, { subject: `m${i}` });
    const [newest] = await mx.messages.list();
    expect(await api(`/api/v1/messages/${newest!.id}`, { method: 'DELETE' })).toMatchObject({ status: 200, body: { deleted: 1 } });
    expect((await api(`/api/v1/messages/${newest!.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await api(`/api/v1/messages/${newest!.id}`)).status).toBe(404);
    expect((await api('/api/v1/messages')).body.total).toBe(2);
    expect(await api('/api/v1/messages', { method: 'DELETE' })).toMatchObject({ status: 200, body: { deleted: 2 } });
    expect((await api('/api/v1/messages')).body).toMatchObject({ total: 0, items: [] });
    expect(await mx.messages.count()).toBe(0);
  });
});
