/**
 * After acceptance: failure and delay DSNs (RFC 3464) and auto-replies (RFC 3834), on the
 * injected clock, kept as outbound messages and delivered to a second SMTP listener.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { serve, eventually } from '../helpers/server.js';
import { cmd, dialog } from '../helpers/telnet.js';

/** mailparser folds the delivery-status part into the text unless told to keep it. */
const KEEP = { keepDeliveryStatus: true };
const T0 = Date.UTC(2026, 10, 26, 9, 0, 0);
const MIN = 60_000;

function clock() {
  const c = { now: T0 };
  return { c, now: () => c.now };
}

async function send(port: number, to: string | string[], extra: Record<string, unknown> = {}) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
  try {
    return await transport.sendMail({ from: 'alice@example.com', to, subject: 'Quarterly report', text: 'Please find it attached.\n', messageId: '<q1@example.com>', ...extra });
  } finally {
    transport.close();
  }
}

/** The delivery-status part, checked against RFC 3464's grammar; returns its field groups. */
function deliveryStatus(parsed: ParsedMail): { message: Record<string, string>; recipients: Record<string, string>[] } {
  expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
  const part = parsed.attachments.find((a) => a.contentType === 'message/delivery-status');
  expect(part, 'a message/delivery-status part').toBeDefined();
  const groups = part!.content
    .toString()
    .trim()
    .split(/\r?\n\r?\n/)
    .map((group) => {
      const fields: Record<string, string> = {};
      for (const line of group.split(/\r?\n/)) {
        // RFC 3464 §2.1: field = field-name ":" value; names are RFC 5322 field names
        const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.+)$/.exec(line);
        expect(m, `not a status field: ${JSON.stringify(line)}`).not.toBeNull();
        fields[m![1]!.toLowerCase()] = m![2]!;
      }
      return fields;
    });
  const [message, ...recipients] = groups;
  expect(message!['reporting-mta']).toMatch(/^dns; ?\S+$/);
  expect(Number.isNaN(Date.parse(message!['arrival-date']!))).toBe(false);
  expect(recipients.length).toBeGreaterThan(0);
  for (const r of recipients) {
    expect(r['final-recipient']).toMatch(/^rfc822; ?\S+@\S+$/);
    expect(r['action']).toMatch(/^(failed|delayed|delivered|relayed|expanded)$/);
    expect(r['status']).toMatch(/^[245]\.\d{1,3}\.\d{1,3}$/);
    expect(r['status']![0]).toBe(r['action'] === 'failed' ? '5' : r['action'] === 'delayed' ? '4' : '2');
    expect(r['diagnostic-code']).toMatch(/^smtp; ?[245]\d\d[ -]/);
    expect(r['remote-mta']).toMatch(/^dns; ?\S+$/);
  }
  return { message: message!, recipients };
}

async function outbound(server: Awaited<ReturnType<typeof serve>>) {
  return (await server.messages.list()).filter((m) => m.outbound);
}

describe('bounce: 250 now, a failure DSN later', () => {
  it('sends an RFC 3464 report after the delay, kept as an outbound message', async () => {
    const { c, now } = clock();
    const server = await serve('rules:\n  - { id: later, when: { rcpt: "bob@*" }, then: { bounce: gmail.user-unknown, notifyAfter: 10m } }\n', { now });
    const info = await send(server.smtp.port, ['bob@gmail.test', 'carol@gmail.test']);
    expect(info.accepted).toEqual(['bob@gmail.test', 'carol@gmail.test']);
    expect(server.outbound.pending()).toHaveLength(1);
    expect(await server.outbound.flush()).toBe(0);
    c.now += 10 * MIN;
    expect(await server.outbound.flush()).toBe(1);

    const [dsn] = await outbound(server);
    expect(dsn!.envelope).toEqual({ mailFrom: '', rcptTo: ['alice@example.com'] });
    expect(dsn!.outbound).toMatchObject({ kind: 'dsn-failure', delivery: 'kept' });
    const parsed = await simpleParser(dsn!.raw, KEEP);
    expect(parsed.subject).toBe('Delivery Status Notification (Failure)');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed.text).toMatch(/There was a problem delivering your message to bob@gmail\.test/);
    const status = deliveryStatus(parsed);
    expect(status.recipients).toHaveLength(1);
    expect(status.recipients[0]).toMatchObject({ 'final-recipient': 'rfc822; bob@gmail.test', action: 'failed', status: '5.1.1' });
    expect(status.recipients[0]!['diagnostic-code']).toMatch(/^smtp; 550-5\.1\.1 The email account that you tried to reach does not exist\./);
    // the original comes back whole (RET=FULL is the default)
    const returned = parsed.attachments.find((a) => a.contentType === 'message/rfc822');
    expect(returned!.content.toString()).toContain('Subject: Quarterly report');
    // the inbound message itself is kept too
    expect((await server.messages.list()).filter((m) => !m.outbound)).toHaveLength(1);
  });

  it('is delivered to the sender’s own inbox on a second SMTP listener, from the null sender', async () => {
    const inbox = await serve();
    const server = await serve('rules:\n  - { when: { stage: message }, then: { bounce: "550 5.7.1 Message rejected after acceptance" } }\n', {
      bounceTo: { host: '127.0.0.1', port: inbox.smtp.port },
    });
    await send(server.smtp.port, 'bob@example.net');
    const [dsn] = await eventually(async () => {
      const got = await inbox.messages.list();
      return got.length ? got : undefined;
    });
    expect(dsn!.envelope).toEqual({ mailFrom: '', rcptTo: ['alice@example.com'] });
    const status = deliveryStatus(await simpleParser(dsn!.raw, KEEP));
    expect(status.recipients[0]).toMatchObject({ status: '5.7.1', 'diagnostic-code': 'smtp; 550 5.7.1 Message rejected after acceptance' });
    const [kept] = await outbound(server);
    expect(kept!.outbound!.delivery).toBe(`delivered to 127.0.0.1:${inbox.smtp.port}`);
  });

  it('honours NOTIFY, RET, ENVID and ORCPT (RFC 3461)', async () => {
    const server = await serve('rules:\n  - { when: { rcpt: "*" }, then: { bounce: "550 5.1.1 No such user" } }\n');
    const t = await dialog(server.smtp.port, [
      cmd('EHLO c.test', '250'),
      cmd('MAIL FROM:<alice@example.com> RET=HDRS ENVID=QQ314159', '250'),
      cmd('RCPT TO:<never@x.test> NOTIFY=NEVER', '250'),
      cmd('RCPT TO:<success@x.test> NOTIFY=SUCCESS', '250'),
      cmd('RCPT TO:<failure@x.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;Failure@X.test', '250'),
      cmd('DATA', '354'),
      cmd('Subject: headers only\r\nMessage-ID: <h1@example.com>\r\n\r\nThe body is not returned.\r\n.', '250'),
    ]);
    t.close();
    await server.outbound.flush();
    const dsns = await outbound(server);
    expect(dsns).toHaveLength(1);
    const parsed = await simpleParser(dsns[0]!.raw, KEEP);
    const status = deliveryStatus(parsed);
    expect(status.message['original-envelope-id']).toBe('QQ314159');
    expect(status.recipients.map((r) => r['final-recipient'])).toEqual(['rfc822; failure@x.test']);
    expect(status.recipients[0]!['original-recipient']).toBe('rfc822;Failure@X.test');
    const headersOnly = parsed.attachments.find((a) => a.contentType === 'text/rfc822-headers');
    expect(headersOnly!.content.toString()).toContain('Subject: headers only');
    expect(dsns[0]!.raw.toString()).not.toContain('The body is not returned.');
  });
});

describe('delay notice, then delivery or a final failure', () => {
  it('a delayed DSN first, the failure when the retries run out', async () => {
    const { c, now } = clock();
    const server = await serve(
      'rules:\n  - { when: { rcpt: "slow@*" }, then: { delayNotice: microsoft365.4.4.318-connection-closed, notifyAfter: 30m, bounce: microsoft365.5.4.318-message-expired, bounceAfter: 4h } }\n',
      { now },
    );
    await send(server.smtp.port, 'slow@contoso.test');
    c.now += 30 * MIN;
    expect(await server.outbound.flush()).toBe(1);
    let dsns = await outbound(server);
    const delayed = await simpleParser(dsns[0]!.raw, KEEP);
    expect(delayed.subject).toBe('Delivery delayed: Quarterly report');
    const first = deliveryStatus(delayed).recipients[0]!;
    expect(first).toMatchObject({ action: 'delayed', status: '4.4.318' });
    expect(Date.parse(first['will-retry-until']!)).toBe(T0 + 4 * 60 * MIN);
    expect(first['diagnostic-code']).toMatch(/^smtp; 450 4\.4\.318 Connection was closed abruptly \[\S+\.outlook\.com \S+Z [0-9A-F]{16}\]$/);
    c.now = T0 + 4 * 60 * MIN;
    expect(await server.outbound.flush()).toBe(1);
    dsns = await outbound(server);
    const failed = deliveryStatus(await simpleParser(dsns[0]!.raw, KEEP)).recipients[0]!;
    expect(failed).toMatchObject({ action: 'failed', status: '5.4.318' });
  });
});

describe('auto-reply (RFC 3834)', () => {
  it('answers once, marked auto-replied and threaded; never the null sender or bulk mail', async () => {
    const server = await serve('rules:\n  - { when: { rcpt: "away@*" }, then: { autoReply: { subject: "Out of office", text: "Back on Monday." } } }\n');
    await send(server.smtp.port, 'away@x.test');
    await send(server.smtp.port, 'away@x.test', { headers: { Precedence: 'bulk' } });
    const t = await dialog(server.smtp.port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<>', '250'), cmd('RCPT TO:<away@x.test>', '250'), cmd('DATA', '354'), cmd('Subject: a bounce\r\n\r\nx\r\n.', '250')]);
    t.close();
    await server.outbound.flush();
    const replies = await outbound(server);
    expect(replies).toHaveLength(1);
    const parsed = await simpleParser(replies[0]!.raw, KEEP);
    expect(parsed.subject).toBe('Out of office');
    expect(parsed.text?.trim()).toBe('Back on Monday.');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed.inReplyTo).toBe('<q1@example.com>');
    expect(parsed.from?.value[0]?.address).toBe('away@x.test');
    expect(replies[0]!.envelope).toEqual({ mailFrom: '', rcptTo: ['alice@example.com'] });
  });
});

describe('magic recipients for notices', () => {
  it('<id>+bounce accepts, then bounces with that entry in its provider’s wording', async () => {
    const server = await serve();
    await send(server.smtp.port, 'godaddy.storage-limit+bounce@coolexample.com');
    await server.outbound.flush();
    const [dsn] = await outbound(server);
    const parsed = await simpleParser(dsn!.raw, KEEP);
    expect(parsed.subject).toBe('failure notice');
    expect(parsed.text).toMatch(/qmail-send program/);
    expect(deliveryStatus(parsed).recipients[0]).toMatchObject({ status: '5.2.2', 'diagnostic-code': 'smtp; 552 5.2.2 Account storage limit' });
  });

  it('+delay and +autoreply', async () => {
    const server = await serve();
    await send(server.smtp.port, ['gmail.receiving-too-fast+delay@gmail.test', 'someone+autoreply@x.test']);
    await server.outbound.flush();
    const kinds = (await outbound(server)).map((m) => m.outbound!.kind).sort();
    expect(kinds).toEqual(['auto-reply', 'dsn-delay']);
  });
});

describe('validation', () => {
  it('notices apply at rcpt or message, and report failures', async () => {
    const { loadScenarioText } = await import('../../src/scenario/load.js');
    expect(() => loadScenarioText('rules:\n  - { when: { stage: mail }, then: { bounce: gmail.user-unknown } }\n', 'x.yaml')).toThrow(/apply at rcpt or message/);
    expect(() => loadScenarioText('rules:\n  - { when: { stage: rcpt }, then: { bounce: "250 2.0.0 fine" } }\n', 'x.yaml')).toThrow(/a 5xx or 4xx reply, got 250/);
    expect(() => loadScenarioText('rules:\n  - { when: { stage: rcpt }, then: { delayNotice: "550 5.1.1 x" } }\n', 'x.yaml')).toThrow(/a 4xx reply, got 550/);
    expect(() => loadScenarioText('rules:\n  - { when: { stage: rcpt }, then: { accept: true, notifyAfter: 5m } }\n', 'x.yaml')).toThrow(/goes with bounce, delayNotice or autoReply/);
  });
});

describe('a provider scenario, a real client, a second listener', () => {
  it('GoDaddy: a full mailbox is reported by bounce, in GoDaddy’s words, to the sender’s inbox', async () => {
    const inbox = await serve();
    const server = await serve('extends: godaddy\nrules:\n  - { when: { rcpt: "jane@*" }, then: { bounce: godaddy.storage-limit, notifyAfter: 0 } }\n', {
      bounceTo: { host: '127.0.0.1', port: inbox.smtp.port },
    });
    const info = await send(server.smtp.port, 'jane@coolexample.com');
    expect(info.response).toMatch(/^250 /);
    const [dsn] = await eventually(async () => {
      const got = await inbox.messages.list();
      return got.length ? got : undefined;
    });
    const parsed = await simpleParser(dsn!.raw, KEEP);
    expect(parsed.subject).toBe('failure notice');
    expect(parsed.text).toMatch(/^Hi\. This is the qmail-send program at p3plibsmtp01-01\.prod\.phx3\.secureserver\.net\./);
    expect(deliveryStatus(parsed).recipients[0]).toMatchObject({ 'final-recipient': 'rfc822; jane@coolexample.com', status: '5.2.2', 'diagnostic-code': 'smtp; 552 5.2.2 Account storage limit' });
    expect(dsn!.envelope.mailFrom).toBe('');
  });
});

describe('visible over HTTP', () => {
  it('the API marks notices as outbound and filters on it', async () => {
    const { startHttp } = await import('../../src/http/index.js');
    const server = await serve();
    const http = await startHttp(server, { host: '127.0.0.1', port: 0 });
    try {
      await send(server.smtp.port, 'gmail.user-unknown+bounce@gmail.test');
      await server.outbound.flush();
      const all = (await (await fetch(`${http.url}/api/v1/messages`)).json()) as { items: { id: string; outbound?: { kind: string; about: string } }[] };
      expect(all.items).toHaveLength(2);
      const sent = (await (await fetch(`${http.url}/api/v1/messages?outbound=true`)).json()) as typeof all;
      expect(sent.items).toHaveLength(1);
      expect(sent.items[0]!.outbound).toMatchObject({ kind: 'dsn-failure' });
      const received = (await (await fetch(`${http.url}/api/v1/messages?outbound=false`)).json()) as typeof all;
      expect(received.items.map((m) => m.id)).toEqual([sent.items[0]!.outbound!.about]);
    } finally {
      await http.close();
    }
  });
});
