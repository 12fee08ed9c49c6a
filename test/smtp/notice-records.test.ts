/**
 * A notice queued for a kept message is a typed `notice` note in its transaction: the kind, the
 * addresses it reports and when it is due, so the report card can tell mail sent to an address
 * after its failure DSN went out from mail sent before.
 */
import { expect, it } from 'vitest';
import { eventually, serve } from '../helpers/server.js';
import { Telnet } from '../helpers/telnet.js';

const MINUTE = 60_000;

async function send(port: number, rcpts: string[]): Promise<void> {
  const t = await Telnet.connect(port);
  await t.reply();
  await t.expect('EHLO client.test', '250');
  await t.expect('MAIL FROM:<app@client.test>', '250');
  for (const r of rcpts) await t.expect(`RCPT TO:<${r}>`, '250');
  await t.expect('DATA', '354');
  t.write(`Subject: x\r\nMessage-ID: <${rcpts.join('.')}@client.test>\r\n\r\nhi\r\n.\r\n`);
  expect((await t.reply()).code).toBe(250);
  await t.expect('QUIT', '221');
  await t.closed;
}

it('records failure and delay notices with their recipients and due times; the card fails mail sent after a DSN was due', async () => {
  let t = Date.parse('2026-12-04T10:00:00Z');
  const server = await serve(
    'rules:\n' +
      '  - { id: later, when: { rcpt: "bob@*" }, then: { bounce: "550 5.1.1 No such user", notifyAfter: 10m } }\n' +
      '  - { id: slow, when: { rcpt: "slow@*" }, then: { delayNotice: "451 4.4.1 still trying", notifyAfter: 30m, bounce: "550 5.4.7 expired", bounceAfter: 4h } }\n',
    { now: () => t },
  );
  await send(server.smtp.port, ['bob@example.com', 'slow@example.com', 'carol@example.com']);
  const notes = await eventually(() => {
    const s = server.sessions.list().find((x) => x.endedAt !== undefined);
    return s?.transcript.filter((l) => l.note === 'notice' && l.noticeKind !== undefined);
  });
  expect(notes.map((n) => [n.noticeKind, n.rcpts, n.dueAt! - Date.parse('2026-12-04T10:00:00Z')])).toEqual([
    ['failure', ['bob@example.com'], 10 * MINUTE],
    ['delay', ['slow@example.com'], 30 * MINUTE],
    ['failure', ['slow@example.com'], 240 * MINUTE],
  ]);
  expect(notes[0]!.text).toMatch(/^failure DSN \(5\.1\.1\) about <bob@example\.com> queued, due 2026-12-04T10:10:00\.000Z$/);

  const dsnCheck = () => server.report().senders.find((s) => s.sender === 'app@client.test')!.checks.find((c) => c.id === 'no-mail-after-dsn')!;
  // before the DSN is due, mailing bob again is no fault
  t += 5 * MINUTE;
  await send(server.smtp.port, ['bob@example.com']);
  await eventually(() => (server.sessions.list().filter((s) => s.endedAt !== undefined).length === 2 ? true : undefined));
  expect(dsnCheck().failed).toBe(0);
  // after it, it is
  t += 10 * MINUTE;
  await send(server.smtp.port, ['bob@example.com']);
  await eventually(() => (server.sessions.list().filter((s) => s.endedAt !== undefined).length === 3 ? true : undefined));
  expect(dsnCheck()).toMatchObject({ verdict: 'fail', failed: 1 });
  expect(dsnCheck().evidence[0]!.detail).toMatch(/mailed <bob@example\.com> after mockmx's failure DSN/);
});
