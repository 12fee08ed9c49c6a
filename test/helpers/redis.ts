/**
 * A private redis-server for tests: its own loopback port, no persistence, killed at the end.
 * The system's Redis service (if any) is never used. CI installs Debian's `redis-server`
 * (.ci/run); there a missing binary fails the test, elsewhere the tests skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** Why Redis tests cannot run here, or undefined when they can. */
export function redisMissing(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.error ? 'redis-server not found: apt-get install redis-server' : undefined;
}

/** Use as `describe.skipIf(!requireRedis())(…)`: throws under CI=true when redis-server is missing. */
export function requireRedis(): boolean {
  const missing = redisMissing();
  if (!missing) return true;
  if (process.env['CI'] === 'true') throw new Error(`Redis tests must run in CI: ${missing}`);
  console.warn(`skipping Redis tests: ${missing}`);
  return false;
}

/** A port free on 127.0.0.1 right now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One PING on a fresh connection: true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

export class PrivateRedis {
  private proc: ChildProcess | undefined;
  private log = '';

  private constructor(readonly port: number) {}

  /** Starts redis-server on a free loopback port (or `port`, to restart one) and waits for PONG. */
  static async start(port?: number): Promise<PrivateRedis> {
    const redis = new PrivateRedis(port ?? (await freePort()));
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Starts it again on the same port after a stop (its data is gone: no persistence). */
  async restart(deadlineMs = 10_000): Promise<void> {
    if (this.proc) throw new Error('redis-server is already running');
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-4000)));
    proc.stderr!.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-4000)));
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}) on port ${this.port}: ${this.log}`))));
    exited.catch(() => undefined);
    const deadline = Date.now() + deadlineMs;
    while (!(await Promise.race([ping(this.port), exited]))) {
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`redis-server on port ${this.port} did not answer PING within ${deadlineMs} ms: ${this.log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills it (SIGKILL: as abrupt as a crash) and waits until it is gone. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }
}
