/** The CLI's --store, --watch and --bounce-to, through the real command. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, spawnTracked, startCli, stopCli } from './helpers/cli.js';
import { serve, eventually } from './helpers/server.js';
import { cmd, dialog } from './helpers/telnet.js';

const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mockmx-cli-options-'));
  dirs.push(d);
  return d;
}

async function sendOne(port: number, to: string, body: string): Promise<void> {
  const t = await dialog(port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@example.com>', '250'), cmd(`RCPT TO:<${to}>`, '250'), cmd('DATA', '354')]);
  await t.expect(`Subject: kept\r\n\r\n${body}\r\n.`, '250 2.0.0');
  await t.expect('QUIT', '221');
}

describe('--store', () => {
  it('keeps messages in a Maildir and transcripts across a restart', async () => {
    const dir = tempDir();
    const first = await startCli(['--store', dir]);
    await sendOne(first.smtp, 'bob@example.com', 'survives a restart');
    expect(await stopCli(first)).toBe(0);
    expect(readdirSync(join(dir, 'new'))).toHaveLength(1);

    const second = await startCli(['--store', dir]);
    const list = (await (await fetch(`http://127.0.0.1:${second.http}/api/v1/messages`)).json()) as { messages?: { id: string }[]; items?: { id: string }[] };
    const items = list.messages ?? list.items ?? [];
    expect(items).toHaveLength(1);
    const raw = await (await fetch(`http://127.0.0.1:${second.http}/api/v1/messages/${items[0]!.id}/raw`)).text();
    expect(raw).toContain('survives a restart');
    const sessions = (await (await fetch(`http://127.0.0.1:${second.http}/api/v1/sessions`)).json()) as { sessions?: unknown[]; items?: unknown[] };
    expect((sessions.sessions ?? sessions.items ?? []).length).toBeGreaterThanOrEqual(1);
    await stopCli(second);
  });
});

describe('--watch', () => {
  it('reloads an edited scenario and keeps the running one on a broken edit', async () => {
    const dir = tempDir();
    const file = join(dir, 'live.yaml');
    writeFileSync(file, 'name: live\nrules: []\n');
    const cli = await startCli(['--scenario', file, '--watch']);
    const rcpt = async () => {
      const t = await dialog(cli.smtp, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@example.com>', '250')]);
      const code = (await t.cmd('RCPT TO:<bob@example.com>')).code;
      t.close();
      return code;
    };
    expect(await rcpt()).toBe(250);
    writeFileSync(file, 'name: live\nrules:\n  - { when: { rcpt: "bob@*" }, then: "550 5.1.1 gone" }\n');
    await eventually(() => (/reloaded scenario "live" \(1 rules\)/.test(cli.stderr()) ? true : undefined), 10_000);
    expect(await rcpt()).toBe(550);
    writeFileSync(file, 'name: live\nrules:\n  - { whne: {}, then: accept }\n');
    await eventually(() => (/scenario not reloaded, the running one stays:\n.*live\.yaml:3:\d+: unknown key "whne"/.test(cli.stderr()) ? true : undefined), 10_000);
    expect(await rcpt()).toBe(550);
    await stopCli(cli);
  });
});

describe('--bounce-to', () => {
  it('delivers a bounce to the given host:port', async () => {
    const inbox = await serve();
    const cli = await startCli(['--bounce-to', `127.0.0.1:${inbox.smtp.port}`]);
    await sendOne(cli.smtp, 'gmail.user-unknown+bounce@example.net', 'bounce me');
    const [dsn] = await eventually(async () => {
      const got = await inbox.messages.list();
      return got.length ? got : undefined;
    }, 10_000);
    expect(dsn!.envelope).toEqual({ mailFrom: '', rcptTo: ['a@example.com'] });
    expect(dsn!.raw.toString()).toMatch(/Status: 5\.1\.1/);
    await stopCli(cli);
  });

  it('rejects a malformed value naming the flag', async () => {
    const proc = spawnTracked([CLI, '--bounce-to', 'nowhere']);
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => proc.once('exit', r));
    expect(code).toBe(2);
    expect(err).toMatch(/--bounce-to \(MOCKMX_BOUNCE_TO\): expected host:port/);
  });
});
