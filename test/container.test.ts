/**
 * No Docker engine runs here, so the Dockerfile and docker-compose.yml are checked against
 * each other and against mockmx's options, and mockmx is started with the command, the
 * environment and the health check the image uses.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPTIONS } from '../src/config.js';
import { startCli } from './helpers/cli.js';
import { serve } from './helpers/server.js';

const root = new URL('..', import.meta.url).pathname;
const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8')) as {
  services: Record<
    string,
    { build?: string; image?: string; profiles?: string[]; deploy?: { replicas?: number }; environment?: Record<string, string>; volumes?: string[]; ports?: string[]; command?: string[]; depends_on?: Record<string, unknown> }
  >;
};
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

/** ENV lines of the final stage, continuation lines joined. */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of finalStage.replace(/\\\n\s*/g, ' ').matchAll(/^ENV (.+)$/gm)) {
    for (const pair of m[1]!.matchAll(/(\w+)=(\S+)/g)) env[pair[1]!] = pair[2]!;
  }
  return env;
}

/** The JSON-array form of an instruction (`CMD`, or the `CMD` of `HEALTHCHECK …`). */
const jsonArray = (instruction: 'CMD' | 'HEALTHCHECK'): string[] => {
  const flat = finalStage.replace(/\\\n\s*/g, ' ');
  const re = instruction === 'CMD' ? /^CMD (\[.*\])$/m : /^HEALTHCHECK .*?CMD (\[.*\])$/m;
  return JSON.parse(re.exec(flat)![1]!) as string[];
};
const knownEnv = new Set(Object.values(OPTIONS).map((o) => o.env));

describe('Dockerfile', () => {
  it('is multi-stage, small and runs as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(finalStage).toMatch(/^FROM node:20-slim$/m);
    expect(finalStage).toMatch(/^USER node$/m);
  });

  it('listens on 0.0.0.0 inside the container and exposes SMTP, SMTPS and HTTP', () => {
    expect(imageEnv()).toMatchObject({ MOCKMX_HOST: '0.0.0.0', MOCKMX_SMTP_PORT: '2525', MOCKMX_HTTP_PORT: '8025' });
    expect(/^EXPOSE (.+)$/m.exec(finalStage)![1]!.split(/\s+/).sort()).toEqual(['2465', '2525', '8025']);
    for (const name of Object.keys(imageEnv()).filter((k) => k.startsWith('MOCKMX_'))) expect(knownEnv, name).toContain(name);
  });

  it('copies what the command needs', () => {
    for (const path of ['dist', 'scenarios', 'schema', 'package.json', 'node_modules']) expect(finalStage).toContain(path);
    expect(jsonArray('CMD')).toEqual(['node', 'dist/src/cli.js']);
    expect(existsSync(`${root}scenarios`)).toBe(true);
  });
});

describe('docker-compose.yml', () => {
  const mockmx = compose.services['mockmx']!;
  const sender = compose.services['sender']!;

  it('configures mockmx only through options mockmx knows, and publishes what the image exposes', () => {
    for (const name of Object.keys(mockmx.environment ?? {})) expect(knownEnv, name).toContain(name);
    const published = (mockmx.ports ?? []).map((p) => p.split(':').at(-1));
    expect(published).toEqual([mockmx.environment!['MOCKMX_SMTP_PORT'], mockmx.environment!['MOCKMX_HTTP_PORT']]);
    for (const p of mockmx.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it('mounts ./scenarios where MOCKMX_SCENARIO points, and the file exists', () => {
    const mount = (mockmx.volumes ?? []).find((v) => v.startsWith('./scenarios:'))!;
    const inside = mount.split(':')[1]!;
    const scenario = mockmx.environment!['MOCKMX_SCENARIO']!;
    expect(scenario.startsWith(`${inside}/`)).toBe(true);
    expect(existsSync(`${root}scenarios/${scenario.slice(inside.length + 1)}`)).toBe(true);
  });

  it('wires the example sender to mockmx through its environment', () => {
    expect(sender.environment).toMatchObject({ SMTP_HOST: 'mockmx', SMTP_PORT: mockmx.environment!['MOCKMX_SMTP_PORT'] });
    expect(sender.depends_on).toHaveProperty('mockmx');
    const mount = (sender.volumes ?? [])[0]!.split(':');
    expect(existsSync(`${root}${mount[0]!.replace(/^\.\//, '')}`)).toBe(true);
    expect(sender.command!.at(-1)!.startsWith(mount[1]!)).toBe(true);
  });
});

describe('docker-compose.yml, profile "shared"', () => {
  const replicas = compose.services['mockmx-shared']!;
  const valkey = compose.services['valkey']!;

  it('runs two replicas of the image against the Valkey service, only when the profile is asked for', () => {
    expect(replicas.profiles).toEqual(['shared']);
    expect(valkey.profiles).toEqual(['shared']);
    expect(compose.services['mockmx']!.profiles).toBeUndefined();
    expect(replicas.build).toBe(compose.services['mockmx']!.build);
    expect(replicas.deploy?.replicas).toBe(2);
    expect(replicas.depends_on).toHaveProperty('valkey');
    const url = new URL(replicas.environment!['MOCKMX_REDIS_URL']!);
    expect(url.protocol).toBe('redis:');
    expect(url.hostname).toBe('valkey');
    expect(valkey.image).toMatch(/^valkey\/valkey:/);
  });

  it('configures the replicas only through options mockmx knows, each on its own loopback port', () => {
    for (const name of Object.keys(replicas.environment ?? {})) expect(knownEnv, name).toContain(name);
    for (const p of replicas.ports ?? []) {
      const m = /^127\.0\.0\.1:(\d+)-(\d+):(\d+)$/.exec(p);
      expect(m, p).not.toBeNull();
      expect(Number(m![2]) - Number(m![1]) + 1).toBe(replicas.deploy!.replicas);
    }
    expect((replicas.ports ?? []).map((p) => p.split(':').at(-1))).toEqual([replicas.environment!['MOCKMX_SMTP_PORT'], replicas.environment!['MOCKMX_HTTP_PORT']]);
  });
});

describe('the image’s command, environment and health check', () => {
  it('start mockmx, pass the health check, and the example sender gets its expected answers', async () => {
    // the image's environment, but on free loopback ports: a test binds nothing wider
    const env = {
      ...process.env,
      ...imageEnv(),
      ...compose.services['mockmx']!.environment,
      MOCKMX_SCENARIO: `${root}scenarios/default.yaml`,
      MOCKMX_HOST: '127.0.0.1',
      MOCKMX_SMTP_PORT: '0',
      MOCKMX_HTTP_PORT: '0',
      NODE_ENV: 'production',
    };
    const [cmd, ...args] = jsonArray('CMD');
    expect(cmd).toBe('node');
    const { proc, ...ports } = await startCli([], { argv: args, cwd: root, env });
    try {
      const health = jsonArray('HEALTHCHECK');
      const healthy = await new Promise<number>((resolve) =>
        execFile(process.execPath, health.slice(1), { env: { ...env, MOCKMX_HTTP_PORT: String(ports.http) }, timeout: 10_000 }, (err) => resolve(err ? 1 : 0)),
      );
      expect(healthy).toBe(0);
      // the web page's assets travel inside dist/, which the image copies
      const page = await fetch(`http://127.0.0.1:${ports.http}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      const sent = await new Promise<{ code: number; out: string }>((resolve) =>
        execFile(process.execPath, [`${root}examples/sender/send.cjs`], { env: { ...env, ...compose.services['sender']!.environment, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(ports.smtp), NODE_PATH: `${root}node_modules` }, timeout: 20_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? 1 : 0, out: stdout + stderr }),
        ),
      );
      expect(sent.out).toMatch(/sent to alice@example\.com: 250 /);
      expect(sent.out).toMatch(/refused for gmail\.rate-limited-recipient@example\.com: 450-4\.2\.1/);
      expect(sent.code, sent.out).toBe(0);
    } finally {
      proc.kill('SIGTERM');
    }
  });
});

describe('a failing health check', () => {
  it('exits non-zero when nothing answers', async () => {
    const server = await serve();
    const health = jsonArray('HEALTHCHECK');
    // the SMTP port does not speak HTTP: the check must fail rather than hang
    const code = await new Promise<number>((resolve) =>
      execFile(process.execPath, health.slice(1), { env: { ...process.env, MOCKMX_HTTP_PORT: String(server.smtp.port) }, timeout: 10_000 }, (err) => resolve(err ? 1 : 0)),
    );
    expect(code).toBe(1);
  });
});
