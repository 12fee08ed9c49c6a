/** The public test helper, used exactly as the README shows. */
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockMx, type MockMx } from '../../src/testing/index.js';

const open: MockMx[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((mx) => mx.close()));
});

async function start(...args: Parameters<typeof startMockMx>): Promise<MockMx> {
  const mx = await startMockMx(...args);
  open.push(mx);
  return mx;
}

function transport(mx: MockMx) {
  return nodemailer.createTransport({ host: mx.smtp.host, port: mx.smtp.port, ignoreTLS: true });
}

describe('startMockMx', () => {
  it('a sender that retries after 450 4.2.1 gets through on the retry', async () => {
    const mx = await start({ scenario: 'rules:\n  - { when: { rcpt: "bob@*" }, then: gmail.rate-limited-recipient, times: 1 }\n' });
    const mail = { from: 'app@example.com', to: 'bob@example.com', subject: 'Your receipt', text: 'Thanks!' };
    const t = transport(mx);
    await expect(t.sendMail(mail)).rejects.toThrow(/450-4\.2\.1 The user you are trying to contact/);
    await t.sendMail(mail);
    const message = await mx.waitForMessage({ to: 'bob@example.com', subject: /receipt/ });
    expect(message.envelope.mailFrom).toBe('app@example.com');
    const [refusal] = mx.rejections({ code: 450 });
    expect(refusal).toMatchObject({ code: 450, enhanced: '4.2.1', command: 'RCPT TO:<bob@example.com>' });
    t.close();
  });

  it('waitForMessage waits for a message that has not arrived yet, and times out clearly', async () => {
    const mx = await start();
    const waiting = mx.waitForMessage({ to: /carol@/ }, { timeout: 5000 });
    const t = transport(mx);
    await t.sendMail({ from: 'a@example.com', to: 'carol@example.com', text: 'hi' });
    t.close();
    expect((await waiting).envelope.rcptTo).toEqual(['carol@example.com']);
    await expect(mx.waitForMessage({ to: 'nobody@example.com' }, { timeout: 50 })).rejects.toThrow('mockmx: no matching message within 50 ms');
  });

  it('addRule, waitForRejection, useScenario and reset', async () => {
    const mx = await start();
    const [id] = mx.addRule({ when: { rcpt: 'dave@*' }, then: '550 5.1.1 No such user', times: 1 });
    const rejected = mx.waitForRejection({ rule: id });
    const t = transport(mx);
    await expect(t.sendMail({ from: 'a@example.com', to: 'dave@example.com', text: 'x' })).rejects.toThrow(/550 5\.1\.1/);
    expect((await rejected).text).toEqual(['No such user']);
    mx.useScenario('gmail');
    await mx.reset();
    expect(await mx.messages()).toEqual([]);
    expect(mx.rejections()).toEqual([]);
    await t.sendMail({ from: 'a@example.com', to: 'dave@example.com', text: 'x', messageId: '<r1@example.com>' });
    expect(await mx.messages({ to: 'dave@example.com' })).toHaveLength(1);
    t.close();
  });

  it('two instances in one file do not interfere', async () => {
    const a = await start({ scenario: 'rules:\n  - { when: { rcpt: "*" }, then: "550 5.7.1 a refuses" }\n' });
    const b = await start();
    expect(a.smtp.port).not.toBe(b.smtp.port);
    const ta = transport(a);
    const tb = transport(b);
    await expect(ta.sendMail({ from: 'x@example.com', to: 'y@example.com', text: '1' })).rejects.toThrow(/a refuses/);
    await tb.sendMail({ from: 'x@example.com', to: 'y@example.com', text: '2' });
    expect(await a.messages()).toHaveLength(0);
    expect(await b.messages()).toHaveLength(1);
    expect(b.rejections()).toEqual([]);
    ta.close();
    tb.close();
  });

  it('greylisting on an injected clock, with state visible and resettable', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const mx = await start({ now: () => clock.now, scenario: 'rules:\n  - { id: grey, when: { stage: rcpt }, greylist: { delay: 5m }, then: "450 4.7.1 Greylisted" }\n' });
    const t = transport(mx);
    const mail = { from: 'a@example.com', to: 'bob@example.com', text: 'x' };
    await expect(t.sendMail(mail)).rejects.toThrow(/450 4\.7\.1/);
    expect(await mx.state('greylist:grey')).toHaveLength(1);
    clock.now += 5 * 60_000;
    await t.sendMail(mail);
    expect(await mx.state('greylist-passed:')).toHaveLength(1);
    expect(await mx.resetState('greylist')).toBe(1);
    t.close();
  });
});
