/**
 * A real Postfix as the sender under test, relaying through an in-process mockmx on loopback:
 * what Postfix logs (status, dsn, the reply it was given), what it does next (retry, DSN to the
 * sender) and what mockmx saw. Waits are polls with deadlines on the maillog, the local
 * mailbox and mockmx's own records; nothing sleeps. Needs root and Debian's `postfix`
 * (CI installs it, see .ci/run): missing in CI it fails, locally it skips.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/store/sessions.js';
import { requirePostfix, startPostfix, type PostfixSender } from '../helpers/postfix.js';
import { eventually, serve } from '../helpers/server.js';

type Server = Awaited<ReturnType<typeof serve>>;

const SENDER = 'alice@harness.test';
const WAIT = 15_000;
let postfix: PostfixSender | undefined;

afterEach(async () => {
  // before serve()'s own afterEach closes mockmx, so Postfix does not retry into a closed port
  await postfix?.stop();
  postfix = undefined;
});

/** A mockmx server and a Postfix relaying everything to it. */
async function pair(yaml = 'default'): Promise<{ server: Server; pf: PostfixSender }> {
  const server = await serve(yaml);
  postfix = await startPostfix({ relayPort: server.smtp.port });
  return { server, pf: postfix };
}

/** Client commands and server replies of the sessions Postfix opened, oldest first. */
const sessions = (server: Server): SessionRecord[] => [...server.sessions.list()].reverse();
const said = (record: SessionRecord, direction: 'in' | 'out', pattern: RegExp) => record.transcript.filter((l) => l.direction === direction && pattern.test(l.text));

describe.skipIf(!requirePostfix())('Postfix as the sender, relaying to mockmx', () => {
  it('accepted: Postfix logs status=sent dsn=2.0.0 with mockmx\'s reply, and mockmx stored the message', async () => {
    const { server, pf } = await pair();
    const queueId = await pf.submit({ from: SENDER, to: ['bob@example.net'], subject: 'plain delivery', headers: { 'X-Harness': 'sent' } });
    expect(queueId).toMatch(/^[0-9A-F]+$/);

    const [line] = await pf.waitForStatus((l) => l.queueId === queueId, WAIT);
    expect(line).toMatchObject({ to: 'bob@example.net', relay: `127.0.0.1[127.0.0.1]:${server.smtp.port}`, dsn: '2.0.0', status: 'sent', program: 'smtp' });

    const [message] = await server.messages.list();
    expect(message!.envelope).toEqual({ mailFrom: SENDER, rcptTo: ['bob@example.net'] });
    // Postfix logs mockmx's final reply verbatim, the stored id included
    expect(line!.said).toBe(`250 2.0.0 OK: queued as ${message!.id}`);
    const parsed = await message!.parsed();
    expect(parsed.subject).toBe('plain delivery');
    expect(parsed.headers.find((h) => h.key === 'x-harness')?.value).toBe('sent');
    expect(message!.raw.toString()).toContain(`by ${pf.hostname} (Postfix) with ESMTP id ${queueId}`);
    expect(pf.bounces()).toEqual([]);
  });

  it('550 at RCPT: that recipient bounces with dsn=5.1.1 and a DSN reaches the sender; the other is delivered', async () => {
    const { server, pf } = await pair(`
name: no-carol
rules:
  - id: carol-unknown
    when: { stage: rcpt, rcpt: carol@example.net }
    then: "550 5.1.1 <carol@example.net>: no such user here"
`);
    const queueId = await pf.submit({ from: SENDER, to: ['carol@example.net', 'bob@example.net'], subject: 'one of two' });

    const lines = await pf.waitForStatus((l) => l.queueId === queueId, WAIT, 2);
    const carol = lines.find((l) => l.to === 'carol@example.net')!;
    expect(carol).toMatchObject({ status: 'bounced', dsn: '5.1.1', reply: '550 5.1.1 <carol@example.net>: no such user here', command: 'RCPT TO' });
    expect(lines.find((l) => l.to === 'bob@example.net')).toMatchObject({ status: 'sent', dsn: '2.0.0' });

    const [dsn] = await pf.waitForBounces((b) => b.queueId === queueId, WAIT);
    expect(dsn).toMatchObject({ deliveredTo: SENDER, subject: 'Undelivered Mail Returned to Sender', status: '5.1.1', diagnosticCode: '550 5.1.1 <carol@example.net>: no such user here' });
    expect(dsn!.recipients).toEqual([{ recipient: 'carol@example.net', action: 'failed', status: '5.1.1', diagnosticCode: '550 5.1.1 <carol@example.net>: no such user here' }]);

    // mockmx kept the message for bob only, and its transcript names the rule that refused carol
    const stored = await server.messages.list();
    expect(stored.map((m) => m.envelope.rcptTo)).toEqual([['bob@example.net']]);
    const refusals = sessions(server).flatMap((s) => s.transcript.filter((l) => l.rule === 'carol-unknown'));
    expect(refusals.map((l) => l.text)).toEqual(['550 5.1.1 <carol@example.net>: no such user here']);
  });

  it('a magic recipient replays Gmail\'s multi-line 550 5.1.1, which Postfix logs joined and bounces', async () => {
    const { pf } = await pair();
    const queueId = await pf.submit({ from: SENDER, to: ['gmail.user-unknown@example.net'] });

    const [line] = await pf.waitForStatus((l) => l.queueId === queueId, WAIT);
    expect(line).toMatchObject({ status: 'bounced', dsn: '5.1.1', command: 'RCPT TO' });
    // every line keeps its own "550-5.1.1 " / "550 5.1.1 " prefix, joined by single spaces
    expect(line!.reply).toMatch(/^550-5\.1\.1 The email account that you tried to reach does not exist\. .* 550 5\.1\.1 .*NoSuchUser/);
    const [dsn] = await pf.waitForBounces((b) => b.queueId === queueId, WAIT);
    expect(dsn!.status).toBe('5.1.1');
  });

  it('450 at RCPT: Postfix defers, retries on its own, and the retry is delivered', async () => {
    const { server, pf } = await pair(`
name: dan-busy-once
rules:
  - id: dan-busy
    when: { stage: rcpt, rcpt: dan@example.net }
    times: 1
    then: "450 4.2.0 dan's mailbox is busy, try again later"
`);
    const queueId = await pf.submit({ from: SENDER, to: ['dan@example.net'], subject: 'try again' });

    const [deferred] = await pf.waitForStatus((l) => l.queueId === queueId && l.status === 'deferred', WAIT);
    expect(deferred).toMatchObject({ to: 'dan@example.net', dsn: '4.2.0', reply: "450 4.2.0 dan's mailbox is busy, try again later", command: 'RCPT TO' });
    const [sent] = await pf.waitForStatus((l) => l.queueId === queueId && l.status === 'sent', WAIT);
    expect(sent).toMatchObject({ to: 'dan@example.net', dsn: '2.0.0' });
    expect(pf.deliveryLines().filter((l) => l.queueId === queueId).map((l) => l.status)).toEqual(['deferred', 'sent']);

    // mockmx saw the same sender and recipient twice, in two sessions: refused by the rule, then accepted
    await eventually(() => (sessions(server).filter((s) => s.endedAt !== undefined).length >= 2 ? true : undefined), WAIT);
    const attempts = sessions(server).filter((s) => said(s, 'in', /^RCPT TO:<dan@example\.net>/i).length > 0);
    expect(attempts).toHaveLength(2);
    for (const s of attempts) expect(said(s, 'in', /^MAIL FROM:<alice@harness\.test>/i)).toHaveLength(1);
    expect(attempts[0]!.transcript.find((l) => l.rule === 'dan-busy')?.text).toBe("450 4.2.0 dan's mailbox is busy, try again later");
    expect(attempts[1]!.transcript.some((l) => l.rule === 'dan-busy')).toBe(false);
    expect((await server.messages.list()).map((m) => m.envelope)).toEqual([{ mailFrom: SENDER, rcptTo: ['dan@example.net'] }]);
    expect(pf.bounces()).toEqual([]);
  });
});
