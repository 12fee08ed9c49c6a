/** Runs the built `mockmx` command as a child process and waits for its listener lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';

export const CLI = new URL('../../dist/src/cli.js', import.meta.url).pathname;
export const ROOT = new URL('../..', import.meta.url).pathname;

const running = new Set<ChildProcess>();
afterEach(() => {
  for (const p of running) p.kill('SIGKILL');
  running.clear();
});

export interface Cli {
  readonly proc: ChildProcess;
  readonly smtp: number;
  readonly http: number;
  stderr(): string;
}

export interface CliOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** The whole argument list after `node`; default: the built CLI with free SMTP and HTTP ports, then `args`. */
  readonly argv?: readonly string[];
}

/** Spawns a process killed after the test; exits and output are the caller's to read. */
export function spawnTracked(argv: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
  const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  return proc;
}

export function startCli(args: readonly string[] = [], options: CliOptions = {}): Promise<Cli> {
  const proc = spawnTracked(options.argv ?? [CLI, '--smtp-port', '0', '--http-port', '0', ...args], {
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listener lines within 15 s: ${out} ${err}`)), 15_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const smtp = /smtp listening on 127\.0\.0\.1:(\d+)/.exec(out);
      const http = /http listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (smtp && http) {
        clearTimeout(timer);
        resolve({ proc, smtp: Number(smtp[1]), http: Number(http[1]), stderr: () => err });
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`mockmx exited (${code ?? signal}) before listening: ${err}`));
    });
  });
}

/** SIGTERM, then the exit code (null when a signal ended it). */
export function stopCli(cli: Cli): Promise<number | null> {
  if (cli.proc.exitCode !== null || cli.proc.signalCode !== null) return Promise.resolve(cli.proc.exitCode);
  return new Promise((resolve) => {
    cli.proc.once('exit', (code) => resolve(code));
    cli.proc.kill('SIGTERM');
  });
}

/** Resolves once the process has exited, however it ended. */
export function exited(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((resolve) => proc.once('exit', () => resolve()));
}
