/** External client programs (swaks, curl, perl): finding them on PATH and running them. */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The executable `cmd` on PATH, or undefined when there is none. */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, cmd);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion (killed after timeoutMs), never through a shell. */
export async function run(file: string, args: readonly string[], timeoutMs = 15_000): Promise<RunResult> {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${file} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`)), timeoutMs);
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
