/**
 * The `mockmx` command as a user runs it: `node dist/src/cli.js` in a child process. Ports
 * are always 0 (the CLI prints the real ones), every child is killed after its test, and
 * every wait has a deadline.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Telnet } from './helpers/telnet.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const DEADLINE_MS = 10_000;

// ── processes ──────────────────────────────────────────────────────────────────────────────

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
const sockets = new Set<{ destroy(): void }>();

afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
  for (const s of sockets) s.destroy();
  sockets.clear();
});

/** The environment of the test run without any MOCKMX_* setting, plus `env`. */
function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MOCKMX_')) out[k] = v;
  return { ...out, ...env };
}

/** Spawns the CLI; `tracked` ones are killed after the test if still running. */
function start(args: string[], env: Record<string, string> = {}, tracked = true): Run {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  if (tracked) children.add(child);
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (run.stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (run.stderr += s));
  return run;
}

/** Rejects after `ms` with `what`; the timer never outlives the race. */
async function deadline<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const fail = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, fail]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the CLI to completion; stdout and stderr are fully read when this resolves. The child
 * is its own caller's to kill (not afterEach's), so such runs can go on concurrently.
 */
async function runToEnd(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = start(args, env, false);
  try {
    const closed = new Promise<void>((resolve) => run.child.once('close', () => resolve()));
    const { code } = await deadline(run.exited, `mockmx ${args.join(' ')} to exit`);
    await deadline(closed, `mockmx ${args.join(' ')} to close its output`);
    return { code, stdout: run.stdout, stderr: run.stderr };
  } finally {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  }
}

/** Waits until `stream`'s text so far matches `pattern` (or the process exits first: an error). */
async function waitFor(run: Run, stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray> {
  const found = new Promise<RegExpMatchArray>((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(run[stream]);
      if (!m) return false;
      cleanup();
      resolve(m);
      return true;
    };
    const onExit = () => {
      // the last output may still be in the pipe when 'exit' fires
      setImmediate(() => {
        if (check()) return;
        cleanup();
        reject(new Error(`mockmx exited before ${stream} matched ${pattern}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`));
      });
    };
    const cleanup = () => {
      run.child[stream]!.off('data', check);
      run.child.off('exit', onExit);
    };
    run.child[stream]!.on('data', check);
    run.child.once('exit', onExit);
    check();
  });
  return deadline(found, `${stream} to match ${pattern} (stdout: ${JSON.stringify(run.stdout)}, stderr: ${JSON.stringify(run.stderr)})`);
}

const LISTENING = /^smtp listening on 127\.0\.0\.1:(\d+)\n/m;
const SECURE_LISTENING = /^smtps listening on 127\.0\.0\.1:(\d+)\n/m;

/** Starts the server and returns it with the port it printed. */
async function serveCli(args: string[], env: Record<string, string> = {}): Promise<Run & { port: number }> {
  // every server here also gets a free HTTP port, so nothing depends on 8025 being free
  const run = start(args.includes('--http-port') || 'MOCKMX_HTTP_PORT' in env ? args : [...args, '--http-port', '0'], env);
  const m = await waitFor(run, 'stdout', LISTENING);
  const port = Number(m[1]);
  expect(port).toBeGreaterThan(0);
  return Object.assign(run, { port });
}

/** Stops a running server with SIGTERM and checks it exits 0. */
async function stop(run: Run): Promise<void> {
  run.child.kill('SIGTERM');
  expect(await deadline(run.exited, 'mockmx to exit after SIGTERM')).toEqual({ code: 0, signal: null });
}

async function telnet(port: number): Promise<Telnet> {
  const t = await Telnet.connect(port);
  sockets.add(t.socket);
  return t;
}

function connectError(port: number): Promise<string | undefined> {
  return deadline(
    new Promise((resolve) => {
      const s = netConnect({ port, host: '127.0.0.1' });
      sockets.add(s);
      s.once('connect', () => {
        s.destroy();
        resolve(undefined);
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    }),
    `a connection to port ${port}`,
  );
}

async function tlsGreeting(port: number): Promise<string> {
  const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  sockets.add(socket);
  return deadline(
    new Promise<string>((resolve, reject) => {
      let buffer = '';
      socket.setEncoding('latin1');
      socket.on('data', (s: string) => {
        buffer += s;
        const m = /^\d{3} [^\r\n]*\r\n/m.exec(buffer);
        if (m) resolve(m[0]);
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error(`closed before a greeting: ${JSON.stringify(buffer)}`)));
    }),
    'a TLS greeting',
  );
}

// ── files ──────────────────────────────────────────────────────────────────────────────────

let dir: string;

beforeAll(() => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'mockmx-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Where `token` is in `text`: the 1-based line and column of its first occurrence on the first line containing `lineWith`. */
function position(text: string, lineWith: string, token = lineWith): { line: number; column: number } {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => l.includes(lineWith));
  expect(index, `no line with ${lineWith}`).toBeGreaterThanOrEqual(0);
  const column = lines[index]!.indexOf(token);
  expect(column, `no ${token} on line ${index + 1}`).toBeGreaterThanOrEqual(0);
  return { line: index + 1, column: column + 1 };
}

const shipped = (): string[] =>
  readdirSync(join(ROOT, 'scenarios'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length));

// ── 1. listening ───────────────────────────────────────────────────────────────────────────

describe('mockmx (serve)', () => {
  it('--smtp-port 0 prints exactly one line with the real port, and that port greets with 220', async () => {
    const run = await serveCli(['--smtp-port', '0']);
    const t = await telnet(run.port);
    expect((await t.reply()).lines.at(-1)).toMatch(/^220 /);
    await t.expect('QUIT', '221');
    await stop(run);
    expect(run.stdout).toMatch(new RegExp(`^smtp listening on 127\\.0\\.0\\.1:${run.port}\nhttp listening on 127\\.0\\.0\\.1:\\d+\n$`));
  });

  it('--smtps-port 0 prints a second line, and a TLS connection to it greets with 220', async () => {
    const run = await serveCli(['--smtp-port', '0', '--smtps-port', '0']);
    const secure = Number((await waitFor(run, 'stdout', SECURE_LISTENING))[1]);
    expect(secure).toBeGreaterThan(0);
    expect(secure).not.toBe(run.port);
    expect(await tlsGreeting(secure)).toMatch(/^220 /);
    const t = await telnet(run.port);
    expect((await t.reply()).code).toBe(220);
    t.close();
    await stop(run);
    expect(run.stdout).toMatch(new RegExp(`^smtp listening on 127\\.0\\.0\\.1:${run.port}\nsmtps listening on 127\\.0\\.0\\.1:${secure}\nhttp listening on 127\\.0\\.0\\.1:\\d+\n$`));
  });

  it('--tls-cert and --tls-key: the implicit-TLS listener presents exactly that certificate', async () => {
    const { selfSignedCertificate } = await import('../src/smtp/tls.js');
    const { X509Certificate } = await import('node:crypto');
    const material = await selfSignedCertificate('given.example');
    const cert = file('given.crt', material.cert);
    const key = file('given.key', material.key);
    const run = await serveCli(['--smtp-port', '0', '--smtps-port', '0', '--tls-cert', cert, '--tls-key', key]);
    const secure = Number((await waitFor(run, 'stdout', SECURE_LISTENING))[1]);
    const socket = tlsConnect({ port: secure, host: '127.0.0.1', rejectUnauthorized: false });
    sockets.add(socket);
    const presented = await deadline(new Promise<string>((resolve, reject) => {
      socket.once('secureConnect', () => resolve(socket.getPeerX509Certificate()!.fingerprint256));
      socket.once('error', reject);
    }), 'the TLS handshake');
    expect(presented).toBe(new X509Certificate(material.cert).fingerprint256);
    socket.destroy();
    await stop(run);
  });

  // ── 2. environment ─────────────────────────────────────────────────────────────────────────

  const envScenario = `name: from-env
rules:
  - id: block
    when: { rcpt: blocked@example.org }
    then: { reply: "550 5.7.1 blocked by the env scenario" }
`;

  it('reads MOCKMX_SMTP_PORT, MOCKMX_SCENARIO and MOCKMX_SEED', async () => {
    const path = file('from-env.yaml', envScenario);
    const run = await serveCli([], { MOCKMX_SMTP_PORT: '0', MOCKMX_SCENARIO: path, MOCKMX_SEED: '7' });
    await waitFor(run, 'stderr', /scenario "from-env" \(1 rules\), seed 7\n/);
    const t = await telnet(run.port);
    expect((await t.reply()).code).toBe(220);
    await t.expect('EHLO client.example', '250');
    await t.expect('MAIL FROM:<a@client.example>', '250');
    await t.expect('RCPT TO:<blocked@example.org>', '550 5.7.1 blocked by the env scenario');
    await t.expect('RCPT TO:<fine@example.org>', '250');
    await t.expect('QUIT', '221');
    await stop(run);
  });

  it('a flag wins over its environment variable', async () => {
    const path = file('from-env-2.yaml', envScenario);
    const run = await serveCli(['--smtp-port', '0', '--seed', '9', '--scenario', 'default'], {
      MOCKMX_SMTP_PORT: 'abc', // would be a usage error if it were used
      MOCKMX_SEED: '7',
      MOCKMX_SCENARIO: path,
    });
    await waitFor(run, 'stderr', /scenario "default" \(\d+ rules\), seed 9\n/);
    const t = await telnet(run.port);
    expect((await t.reply()).code).toBe(220);
    await t.expect('EHLO client.example', '250');
    await t.expect('MAIL FROM:<a@client.example>', '250');
    await t.expect('RCPT TO:<blocked@example.org>', '250');
    t.close();
    await stop(run);
  });

  // ── 5. signals ─────────────────────────────────────────────────────────────────────────────

  it('SIGTERM: an open session gets 421 and is closed, the process exits 0, and the port is closed', async () => {
    const run = await serveCli(['--smtp-port', '0']);
    const t = await telnet(run.port);
    expect((await t.reply()).code).toBe(220);
    await t.expect('EHLO client.example', '250');
    run.child.kill('SIGTERM');
    const r = await t.reply();
    expect(r.lines.at(-1)).toMatch(/^421 /);
    await deadline(t.closed, 'the session to close');
    expect(await deadline(run.exited, 'mockmx to exit')).toEqual({ code: 0, signal: null });
    expect(await connectError(run.port)).toBe('ECONNREFUSED');
  });

  it('SIGINT: a session idle before EHLO gets 421 and is closed, the process exits 0, and the port is closed', async () => {
    const run = await serveCli(['--smtp-port', '0']);
    const t = await telnet(run.port);
    expect((await t.reply()).code).toBe(220);
    run.child.kill('SIGINT');
    const r = await t.reply();
    expect(r.lines.at(-1)).toMatch(/^421 /);
    await deadline(t.closed, 'the session to close');
    expect(await deadline(run.exited, 'mockmx to exit')).toEqual({ code: 0, signal: null });
    expect(await connectError(run.port)).toBe('ECONNREFUSED');
  });
});

// ── 3. and 6. usage: bad values, --help (one-shot runs, concurrently) ────────────────────────

describe.concurrent('mockmx usage', () => {
  // ── 3. bad values ──────────────────────────────────────────────────────────────────────────

  it('--smtp-port abc exits 2 naming --smtp-port and MOCKMX_SMTP_PORT', async () => {
    const [byFlag, byEnv] = await Promise.all([runToEnd(['--smtp-port', 'abc']), runToEnd([], { MOCKMX_SMTP_PORT: 'abc' })]);
    for (const r of [byFlag, byEnv]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--smtp-port');
      expect(r.stderr).toContain('MOCKMX_SMTP_PORT');
      expect(r.stderr).toContain('"abc"');
      expect(r.stdout).toBe('');
    }
  });

  it('an unknown flag exits 2 and suggests the flag that was meant', async () => {
    const r = await runToEnd(['--smtp-prot', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--smtp-prot');
    // the suggestion is something the user can type: the flag with its dashes
    expect(r.stderr).toMatch(/did you mean "--smtp-port"/);
    expect(r.stdout).toBe('');
  });

  it('an unknown scenario name exits 1 listing the shipped scenarios', async () => {
    const r = await runToEnd(['--smtp-port', '0', '--scenario', 'no-such-scenario']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no-such-scenario');
    const names = shipped();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(r.stderr).toContain(name);
    expect(r.stderr).toMatch(/shipped scenarios: /);
    expect(r.stdout).toBe('');
  });

  // ── 6. help ────────────────────────────────────────────────────────────────────────────────

  it('--help exits 0 and names every flag with its environment variable', async () => {
    const r = await runToEnd(['--help']);
    expect(r.code).toBe(0);
    const flags: [string, string][] = [
      ['--scenario', 'MOCKMX_SCENARIO'],
      ['--host', 'MOCKMX_HOST'],
      ['--smtp-port', 'MOCKMX_SMTP_PORT'],
      ['--smtps-port', 'MOCKMX_SMTPS_PORT'],
      ['--seed', 'MOCKMX_SEED'],
      ['--max-messages', 'MOCKMX_MAX_MESSAGES'],
      ['--tls-cert', 'MOCKMX_TLS_CERT'],
      ['--tls-key', 'MOCKMX_TLS_KEY'],
    ];
    const lines = r.stdout.split('\n');
    for (const [flag, env] of flags) {
      // the flag's entry: its line and the lines after it up to the next option
      const at = lines.findIndex((l) => new RegExp(`^\\s*${flag}(\\s|$)`).test(l));
      expect(at, `${flag} in --help`).toBeGreaterThanOrEqual(0);
      const next = lines.findIndex((l, i) => i > at && /^\s*--/.test(l));
      const entry = lines.slice(at, next === -1 ? undefined : next).join('\n');
      expect(entry, `${flag}'s entry in --help`).toContain(env);
    }
  });
});

// ── 4. validate ────────────────────────────────────────────────────────────────────────────

/** Runs `make()` once, on first use; later calls share the result (one process for several checks). */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= make());
}

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.concurrent('mockmx validate', () => {
  const good = `name: good
rules:
  - id: reject-blocked
    when: { rcpt: blocked@example.org }
    then: { reply: gmail.tls-required }
`;

  const schemaProblems = `name: broken
rules:
  - whne:
      stage: rcpt
    then: accept
  - when:
      stage: rcpt
    then: accept
    times: "two"
  - when:
      rcpt: "/[a-/"
    then: accept
`;

  const badReply = `name: bad-reply
rules:
  - when:
      stage: rcpt
    then:
      reply: gmail.tls-requird
`;

  const allProblems = `${schemaProblems}  - when:
      stage: mail
    then:
      reply: gmail.tls-requird
`;

  const paths = once(async () => ({
    first: file('first-good.yaml', good),
    schema: file('schema-problems.yaml', schemaProblems),
    reply: file('bad-reply.yaml', badReply),
    last: file('last-good.yaml', good.replace('name: good', 'name: good-too')),
    all: file('all-problems.yaml', allProblems),
  }));
  /** Good and bad files in one run. */
  const mixed = once(async () => {
    const p = await paths();
    const r = await runToEnd(['validate', p.first, p.schema, p.reply, p.last]);
    return { ...r, out: r.stdout + r.stderr };
  });

  const at = (path: string, p: { line: number; column: number }) => `${path}:${p.line}:${p.column}: `;

  /** The problem line starting with `prefix` (file:line:col: ), checked against `message`. */
  function expectProblem(output: string, prefix: string, message: RegExp): void {
    const line = output.split('\n').find((l) => l.startsWith(prefix));
    expect(line, `a problem at ${prefix} in:\n${output}`).toBeDefined();
    expect(line!.slice(prefix.length)).toMatch(message);
  }

  it('valid files exit 0 and print "<file>: ok"', async () => {
    const p = await paths();
    const r = await runToEnd(['validate', p.first, p.last]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${literal(p.first)}: ok\\b.*\\n${literal(p.last)}: ok\\b`, 'm'));
    expect(r.stderr).toBe('');
  });

  it('schema problems are printed as file:line:col: message, pointing at the right place', async () => {
    const { schema } = await paths();
    const { code, out } = await mixed();
    expect(code).toBe(1);
    expectProblem(out, at(schema, position(schemaProblems, 'whne:', 'whne')), /unknown key "whne".*did you mean "when"/);
    expectProblem(out, at(schema, position(schemaProblems, 'times:', '"two"')), /"two"/);
    expectProblem(out, at(schema, position(schemaProblems, 'rcpt: "/[a-/"', '"/[a-/"')), /regex|regular expression/i);
    expect(out.split('\n').filter((l) => l.startsWith(`${schema}:`))).toHaveLength(3);
  });

  it('an unknown reply id is printed with its position and the id that was meant', async () => {
    const { reply } = await paths();
    const { code, out } = await mixed();
    expect(code).toBe(1);
    expectProblem(out, at(reply, position(badReply, 'reply: gmail.tls-requird', 'gmail.tls-requird')), /"gmail\.tls-requird".*did you mean "gmail\.tls-required"/);
    expect(out.split('\n').filter((l) => l.startsWith(`${reply}:`))).toHaveLength(1);
  });

  it('several files: exit 1 if any is bad, and the good ones still print ok', async () => {
    const p = await paths();
    const { code, out } = await mixed();
    expect(code).toBe(1);
    expect(out).toMatch(new RegExp(`^${literal(p.first)}: ok\\b`, 'm'));
    expect(out).toMatch(new RegExp(`^${literal(p.last)}: ok\\b`, 'm'));
    for (const bad of [p.schema, p.reply]) expect(out).not.toMatch(new RegExp(`^${literal(bad)}: ok`, 'm'));
  });

  it('reports every problem of a file in one run: schema problems and an unknown reply id together', async () => {
    const { all } = await paths();
    const r = await runToEnd(['validate', all]);
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    expectProblem(out, at(all, position(allProblems, 'whne:', 'whne')), /did you mean "when"/);
    expectProblem(out, at(all, position(allProblems, 'times:', '"two"')), /"two"/);
    expectProblem(out, at(all, position(allProblems, 'rcpt: "/[a-/"', '"/[a-/"')), /regex|regular expression/i);
    expectProblem(out, at(all, position(allProblems, 'reply: gmail.tls-requird', 'gmail.tls-requird')), /did you mean "gmail\.tls-required"/);
  });
});

// ── 6. catalog ─────────────────────────────────────────────────────────────────────────────

describe.concurrent('mockmx catalog', () => {
  const json = once(() => runToEnd(['catalog', '--json']));

  it('--json prints an array of entries with id, provider, code, enhanced, stage and text', async () => {
    const r = await json();
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(Array.isArray(entries)).toBe(true);
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(typeof e.id, JSON.stringify(e)).toBe('string');
      expect(typeof e.provider).toBe('string');
      expect(typeof e.code).toBe('number');
      expect(e.enhanced === null || typeof e.enhanced === 'string', JSON.stringify(e)).toBe(true);
      expect(typeof e.stage).toBe('string');
      expect(typeof e.text).toBe('string');
      expect(String(e.id).startsWith(`${String(e.provider)}.`)).toBe(true);
    }
  });

  it('--provider gmail lists only gmail ids, all of them', async () => {
    const [listed, all] = await Promise.all([runToEnd(['catalog', '--provider', 'gmail']), json()]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.split('\n').filter((l) => l.trim() !== '');
    // an entry's line, then one indented line per source
    const ids = lines.filter((l) => !l.startsWith(' ')).map((l) => l.split(/\s+/)[0]!);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(/^gmail\./);
    const gmail = (JSON.parse(all.stdout) as { id: string; provider: string; sources: { verified: string; url: string; date: string }[] }[]).filter((e) => e.provider === 'gmail');
    expect(ids).toEqual(gmail.map((e) => e.id));
    const sources = lines.filter((l) => l.startsWith(' ')).map((l) => l.trim());
    expect(sources).toEqual(gmail.flatMap((e) => e.sources.map((s) => `${s.verified} ${s.url} (read ${s.date})`)));
    expect(sources.some((l) => l.startsWith('verbatim-capture https://github.com/'))).toBe(true);
  });

  it('--provider gmial exits 2 suggesting gmail', async () => {
    const r = await runToEnd(['catalog', '--provider', 'gmial']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did you mean "gmail"/);
    expect(r.stdout).toBe('');
  });
});
