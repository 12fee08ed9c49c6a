/**
 * `mockmx report` as a user runs it: the built CLI (`node dist/src/cli.js report`) against a
 * real mockmx on free ports that real SMTP sessions (typed over sockets) went through, and
 * against a `--store` directory a server wrote. Exit codes: 0 no check fails, 1 one does,
 * 2 no card (bad flags, unreachable server, no store).
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli-args.js';
import { reportCommand } from '../src/cli-report.js';
import { toJUnit } from '../src/report/index.js';
import { CLI, ROOT } from './helpers/cli.js';
import { serveHttp } from './http/helpers.js';
import { GREYLIST_SCENARIO, typedSend } from './helpers/report-senders.js';
import { eventually, serve } from './helpers/server.js';
import type { MockMxServer } from '../src/server/types.js';

const HOUR = 3_600_000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'mockmx-report-'));
  dirs.push(d);
  return d;
};

/** The environment without any MOCKMX_* setting, plus `env`. */
function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MOCKMX_')) out[k] = v;
  return { ...out, ...env };
}

/** Runs `mockmx report ARGS` to its end (at most 20 s). */
function report(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'report', ...args], { cwd: ROOT, env: cleanEnv(env), timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

const allEnded = (mx: MockMxServer) => eventually(() => (mx.sessions.list().length > 0 && mx.sessions.list().every((s) => s.endedAt !== undefined) ? true : undefined));

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * app@ is greylisted and retries at once (refused again: too soon), other@ delivers cleanly;
 * on the real clock, so the too-soon retry fails whatever the clock says.
 */
async function traffic(mx: MockMxServer): Promise<void> {
  await typedSend(mx.smtp.port, 'app@example.com', 'slow@example.com', '450 4.2.1');
  await typedSend(mx.smtp.port, 'app@example.com', 'slow@example.com', '450 4.2.1');
  await typedSend(mx.smtp.port, 'other@example.com', 'fine@example.com');
  await allEnded(mx);
}

// each test runs the CLI several times, a process each: on a loaded machine that takes a while
const SLOW = { timeout: 90_000 };

describe('mockmx report --url', SLOW, () => {
  it('prints the failing card as text (failing checks first, with clause, remedy and evidence) and exits 1; a passing sender exits 0', async () => {
    const { mx, url } = await serveHttp(GREYLIST_SCENARIO);
    await traffic(mx);

    const failing = await report(['--url', url]);
    expect(failing.code, failing.stderr).toBe(1);
    const out = failing.stdout;
    expect(out).toMatch(/^mockmx sender report card at \d{4}-/);
    expect(out).toContain('app@example.com from 127.0.0.1: 2 fail');
    expect(out).toContain('  FAIL retry-after-4xx: Retries recipients refused with 4xx later');
    expect(out).toContain('       RFC 5321 §4.5.4.1');
    expect(out).toMatch(/ {7}remedy: Queue each 4xx-refused recipient/);
    expect(out).toMatch(/session s\w+: retried <slow@example\.com> \d+ ms after the refusal in session s\w+ at .*; wait at least 1 min\n {11}\| RCPT TO:<slow@example\.com>\n {11}\| 450 4\.2\.1 Greylisted, try again later\n/);
    expect(out).toContain('  FAIL greylist-and-rate-limit');
    // failing sender before the passing one, then the verdict
    expect(out.indexOf('app@example.com from')).toBeLessThan(out.indexOf('other@example.com from'));
    expect(out).toContain('other@example.com from 127.0.0.1: 0 fail');
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^FAILED: 2 failing check\(s\)/);

    const passing = await report(['--url', `${url}/api/v1/`, '--sender', '<other@example.com>', '--ip', '127.0.0.1']);
    expect(passing.code, passing.stderr).toBe(0);
    expect(passing.stdout).toContain('(sender other@example.com, ip 127.0.0.1)');
    expect(passing.stdout).toContain('PASSED: no check fails');
    expect(passing.stdout).not.toContain('app@example.com');
  });

  it('--format json is the API\'s JSON and --format junit its XML, with the same exit codes', async () => {
    let now = Date.parse('2026-12-04T10:00:00Z');
    const { mx, url, api } = await serveHttp(GREYLIST_SCENARIO, { now: () => now });
    await traffic(mx);
    now += 1000; // the clock stands still from here: the CLI's card and the API's are made at the same time

    const json = await report(['--url', url, '--format', 'json']);
    expect(json.code, json.stderr).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual((await api('/api/v1/report')).body);

    const junit = await report(['--url', url, '--format', 'junit', '--sender', 'app@example.com']);
    expect(junit.code, junit.stderr).toBe(1);
    expect(junit.stdout).toBe((await api('/api/v1/report?format=junit&sender=app@example.com')).body);
    expect(junit.stdout).toMatch(/<testcase [^>]*name="retry-after-4xx[^"]*">\s*<failure message="retried &lt;slow@example\.com&gt;/);

    const clean = await report(['--url', url, '--format', 'junit', '--sender', 'other@example.com']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/<testsuites name="mockmx sender report" tests="\d+" failures="0"/);

    // time filters: ISO or ms, the same as the API's
    const later = await report(['--url', url, '--format', 'json', '--from', new Date(now).toISOString(), '--to', String(now + HOUR)]);
    expect(later.code).toBe(0);
    expect(JSON.parse(later.stdout)).toEqual((await api(`/api/v1/report?from=${now}&to=${now + HOUR}`)).body);
  });

  it('sends the API token from --token or MOCKMX_API_TOKEN, and says what to do without it', async () => {
    const { mx, url } = await serveHttp(GREYLIST_SCENARIO, { token: 's3cret' });
    await typedSend(mx.smtp.port, 'other@example.com', 'fine@example.com');
    await allEnded(mx);
    const [flag, env, without, wrong] = await Promise.all([report(['--url', url, '--token', 's3cret']), report(['--url', url], { MOCKMX_API_TOKEN: 's3cret' }), report(['--url', url]), report(['--url', url, '--token', 'wrong'])]);
    expect(flag.code, flag.stderr).toBe(0);
    expect(env.code, env.stderr).toBe(0);
    expect(without.code).toBe(2);
    expect(without.stdout).toBe('');
    expect(without.stderr).toMatch(/^mockmx: .*\/api\/v1\/report: an API token is required.*; pass the server's --api-token with --token or MOCKMX_API_TOKEN\n$/);
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringMatching(/invalid API token/) });
  });

  it('exits 2 with one clear line when the server cannot be reached or the flags are wrong', async () => {
    const port = await closedPort();
    const down = await report(['--url', `http://127.0.0.1:${port}`]);
    expect(down).toMatchObject({ code: 2, stdout: '' });
    expect(down.stderr).toBe(`mockmx: cannot reach mockmx at http://127.0.0.1:${port} (connection refused); is it running, and is --url its HTTP API (--http-port, default 8025)?\n`);

    const filter = await report(['--from', 'yesterday']);
    expect(filter).toMatchObject({ code: 2, stdout: '', stderr: 'mockmx: --from: "yesterday" is not a time; expected ISO 8601 (2026-12-04T10:00:00Z) or ms since the epoch\n' });
    const range = await report(['--from', '2026-12-04T12:00:00Z', '--to', '2026-12-04T11:00:00Z']);
    expect(range).toMatchObject({ code: 2, stderr: 'mockmx: --from is after to; expected from ≤ to\n' });
    const format = await report(['--format', 'junti']);
    expect(format).toMatchObject({ code: 2, stderr: 'mockmx: --format "junti" is not one of text, json, junit (did you mean "junit"?)\n' });
  });

  it('refuses other misuses before asking anything (UsageError: exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['--url', 'localhost:8025'], /--url "localhost:8025" is not http\(s\)/],
      [['--url', 'not a url'], /--url "not a url" is not a URL/],
      [['--sendr', 'a@b'], /unknown option --sendr \(did you mean "--sender"\?\)/],
      [['app@example.com'], /report takes no argument \("app@example\.com"\); filters are flags/],
      [['--url', 'http://127.0.0.1:1', '--store', '/tmp'], /give --url \(a running mockmx\) or --store \(a store directory\), not both/],
      [['--scenario', 'exam'], /--scenario goes with --store/],
      [['--store', '/tmp', '--token', 'x'], /--token is for --url/],
    ];
    for (const [args, message] of cases) {
      const out: string[] = [];
      const err = await reportCommand(args, {}, (t) => void out.push(t)).then(() => undefined, (e: unknown) => e);
      expect(err, args.join(' ')).toBeInstanceOf(UsageError);
      expect((err as Error).message, args.join(' ')).toMatch(message);
      expect(out).toEqual([]);
    }
  });

  it('is in mockmx --help, and report --help says how to call it', async () => {
    const help = await new Promise<string>((resolve) => execFile(process.execPath, [CLI, '--help'], { cwd: ROOT, env: cleanEnv() }, (_e, stdout) => resolve(stdout)));
    expect(help).toContain('mockmx report [--url URL] [--token T] [filters] [--format text|json|junit]');
    expect(help).toContain('mockmx report --store DIR [--scenario FILE|NAME]');
    const own = await report(['--help']);
    expect(own.code).toBe(0);
    expect(own.stdout).toContain('exit 0 no check fails, 1 one fails');
  });
});

describe('mockmx report --store', SLOW, () => {
  /** A store directory written by a server on a clock the test moves: app@ greylisted and never retried, other@ two hours later. */
  async function storeWithSilence(): Promise<{ dir: string; live: ReturnType<MockMxServer['report']> }> {
    const dir = tempDir();
    let now = Date.parse('2026-12-04T10:00:00Z');
    const mx = await serve(GREYLIST_SCENARIO, { now: () => now, store: dir });
    await typedSend(mx.smtp.port, 'app@example.com', 'slow@example.com', '450 4.2.1');
    await allEnded(mx); // ended on the clock of its end, before the clock moves
    now += 2 * HOUR;
    await typedSend(mx.smtp.port, 'other@example.com', 'fine@example.com');
    await allEnded(mx);
    const live = mx.report();
    await mx.close(0);
    return { dir, live };
  }

  it('replays the transcripts as of the log\'s last record: "never retried" fails, exit 1; the same card as the live server\'s', async () => {
    const { dir, live } = await storeWithSilence();
    const text = await report(['--store', dir]);
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toMatch(/^mockmx sender report card at 2026-12-04T12:00:00\.000Z\n/);
    expect(text.stdout).toMatch(/session s\w+: never retried <slow@example\.com>: refused 2 h before the report\n {11}\| RCPT TO:<slow@example\.com>\n {11}\| 450 4\.2\.1 Greylisted, try again later/);

    const json = await report(['--store', dir, '--format', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(live)));

    const junit = await report(['--store', dir, '--format', 'junit']);
    expect(junit).toMatchObject({ code: 1, stdout: toJUnit(live) });

    const other = await report(['--store', dir, '--sender', 'other@example.com']);
    expect(other.code, other.stdout).toBe(0);
    // what happened after the refusal: other@'s session only (app@'s failure is dated at its refusal)
    const later = await report(['--store', dir, '--from', '2026-12-04T11:00:00Z']);
    expect(later.code, later.stdout).toBe(0);
    expect(later.stdout, later.stdout).not.toContain('app@example.com');
  });

  it('takes the thresholds from --scenario (a file or a shipped name), and refuses a bad store or scenario with exit 2', async () => {
    const { dir } = await storeWithSilence();
    const patient = join(tempDir(), 'patient.yaml');
    writeFileSync(patient, 'extends: exam\nreport: { neverRetriedAfter: 3h }\n');
    const tolerant = await report(['--store', dir, '--scenario', patient]);
    expect(tolerant.code, tolerant.stdout).toBe(0);
    expect((await report(['--store', dir, '--scenario', 'exam'])).code).toBe(1);

    const broken = join(tempDir(), 'broken.yaml');
    writeFileSync(broken, 'report: { neverRetriedAftr: 3h }\n');
    const bad = await report(['--store', dir, '--scenario', broken]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mockmx: --scenario .*broken\.yaml: .*broken\.yaml:1:\d+: unknown key "neverRetriedAftr"/);

    // a torn last line (a crash mid-append) is said, and the rest graded; the store is left as it was
    const log = join(dir, 'sessions.jsonl');
    appendFileSync(log, '{"format":2,"id":"s9');
    const before = readFileSync(log, 'utf8');
    const torn = await report(['--store', dir, '--scenario', patient]);
    expect(torn.code, torn.stderr).toBe(0);
    expect(torn.stderr).toBe(`mockmx report: some lines of ${dir}/sessions.jsonl are not sessions (cut short, or from a newer mockmx); graded without them\n`);
    expect(readFileSync(log, 'utf8')).toBe(before);

    const empty = tempDir();
    const none = await report(['--store', empty]);
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toBe(`mockmx: --store ${empty} has no sessions.jsonl: is it a directory mockmx ran with --store? (a session is written there when it ends)\n`);
    const missing = await report(['--store', join(empty, 'nope')]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toMatch(/no such directory; give the directory mockmx ran with --store/);
  });
});
