/** `mockmx` starts the HTTP listener with SMTP, prints its line, honours --api-token, and stops it on SIGTERM. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { eventually } from '../helpers/server.js';

const CLI = join(fileURLToPath(new URL('../..', import.meta.url)), 'dist', 'src', 'cli.js');
const children = new Set<ReturnType<typeof spawn>>();
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
});

it('prints "http listening on 127.0.0.1:<port>", serves the API behind the token, and closes on SIGTERM', async () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MOCKMX_')));
  const child = spawn(process.execPath, [CLI, '--smtp-port', '0', '--http-port', '0'], { env: { ...env, MOCKMX_API_TOKEN: 'tok' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const lines = await eventually(() => (/^http listening on/m.test(stdout) ? stdout : undefined), 10_000).catch(() => {
    throw new Error(`no http line; stdout: ${stdout} stderr: ${stderr}`);
  });
  const [smtp, http] = lines.trim().split('\n');
  expect(smtp).toMatch(/^smtp listening on 127\.0\.0\.1:\d+$/);
  expect(http).toMatch(/^http listening on 127\.0\.0\.1:\d+$/);
  const url = `http://127.0.0.1:${http!.split(':').at(-1)}`;
  const smtpPort = Number(smtp!.split(':').at(-1));

  expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'ok', smtp: { port: smtpPort } });
  expect((await fetch(`${url}/api/v1/messages`)).status).toBe(401);
  expect((await fetch(`${url}/api/v1/messages`, { headers: { authorization: 'Bearer tok' } })).status).toBe(200);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
});
