/**
 * The explainer's two ways in besides the page: `mockmx explain` (the built CLI, as a child
 * process: argument or stdin, text or --json, exit 1 when nothing matches) and
 * `POST /api/v1/explain` (curl and fetch; 400 with advice on a bad body).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { curl, serveHttp } from '../http/helpers.js';
import { LINES } from './lines.js';

function run(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe.concurrent('mockmx explain', () => {
  it('explains a Postfix line given as an argument, as text', async () => {
    const r = await run(['explain', LINES[0]!.text]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^read as postfix: 550 5\.7\.26 \(in reply to RCPT TO\)\n/);
    expect(r.stdout).toContain('points at: gmail');
    expect(r.stdout).toContain('\n1. gmail.dmarc-policy  (score ');
    expect(r.stdout).toContain('   next:  Permanent: do not retry this message');
    expect(r.stdout).toContain('   magic recipient: RCPT TO:<gmail.dmarc-policy@example.com>');
    expect(r.stdout).toContain('       - id: reproduce-gmail-dmarc-policy\n');
  });

  it('reads a multi-line bounce from stdin, and --json --limit give the ranked matches as data', async () => {
    const exim = LINES.find((l) => l.format === 'exim' && l.text.includes('\n'))!;
    const r = await run(['explain', '--json', '--limit', '2'], exim.text);
    expect(r.code).toBe(0);
    const x = JSON.parse(r.stdout);
    expect(x.parsed).toMatchObject({ format: 'exim', code: 450, enhanced: '4.2.1', command: 'MAIL FROM' });
    expect(x.matches).toHaveLength(2);
    expect(x.matches[0]).toMatchObject({ id: exim.first, provider: 'gmail', next: { retry: 'retry-later' }, reproduce: { magicRecipient: `${exim.first}@example.com` } });
  });

  it('exits 1 when nothing matches, 2 on a usage mistake', async () => {
    const none = await run(['explain', 'hello world']);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('no catalog entry is like it');
    const empty = await run(['explain']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^mockmx: explain needs the bounce text or log line, as an argument or on stdin/);
    const limit = await run(['explain', '--limit', '0', '550 5.1.1 x']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit is a whole number');
  });
});

describe('POST /api/v1/explain', () => {
  it('ranks the matches of a DSN sent with curl, like the CLI', async () => {
    const { url } = await serveHttp();
    const dsn = LINES.find((l) => l.format === 'dsn')!;
    const r = await curl(['-X', 'POST', '-H', 'content-type: application/json', '--data-binary', '@-', `${url}/api/v1/explain`], JSON.stringify({ text: dsn.text, limit: 3 }));
    expect(r.status).toBe(200);
    const x = JSON.parse(r.body);
    expect(x.parsed).toMatchObject({ format: 'dsn', code: 550, enhanced: '5.7.708' });
    expect(x.providers).toEqual(['microsoft365']);
    expect(x.matches.length).toBeLessThanOrEqual(3);
    expect(x.matches[0]).toMatchObject({ id: dsn.first, next: { retry: 'do-not-retry' } });
    expect(x.matches[0].reproduce.rule).toContain(`then: ${dsn.first}`);
  });

  it('answers 400 with advice for a missing, blank or wrong body, and 200 with no matches for text that is no bounce', async () => {
    const { api } = await serveHttp();
    expect(await api('/api/v1/explain', { method: 'POST', json: {} })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/text/) } });
    expect(await api('/api/v1/explain', { method: 'POST', json: { text: '   ' } })).toMatchObject({ status: 400, body: { error: 'text is blank: paste the bounce or log line' } });
    expect(await api('/api/v1/explain', { method: 'POST', json: { text: '550 5.1.1 x', limit: 0 } })).toMatchObject({ status: 400 });
    expect(await api('/api/v1/explain', { method: 'POST', body: '550 5.1.1 x', headers: { 'content-type': 'text/plain' } })).toMatchObject({ status: 400 });
    expect(await api('/api/v1/explain', { method: 'POST', json: { text: 'hello world' } })).toMatchObject({ status: 200, body: { matches: [], next: null } });
  });
});
