/** The published package: `npm pack` gives a package that installs into an empty folder and runs. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown> & { exports: Record<string, unknown>; bin: Record<string, string> };
const dir = mkdtempSync(join(tmpdir(), 'mockmx-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(cmd: string, args: string[], cwd: string, timeout = 240_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { cwd, timeout, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' }, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}

describe('package.json', () => {
  it('declares bin, exports (main, ./testing, the JSON Schema), files, engines and types', () => {
    expect(pkg.bin).toEqual({ mockmx: 'dist/src/cli.js' });
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './testing', './schema/scenario.schema.json']));
    expect(pkg['types']).toBe('dist/src/index.d.ts');
    expect(pkg['engines']).toEqual({ node: '>=20.0.0' });
    expect(pkg['files']).toEqual(expect.arrayContaining(['dist/src', 'scenarios', 'schema', 'README.md']));
  });
});

describe('npm pack', () => {
  it('installs into an empty folder; npx mockmx --help and mockmx/testing work from there', async () => {
    const packed = await sh('npm', ['pack', '--json', '--pack-destination', dir], root);
    expect(packed.code, packed.out).toBe(0);
    const [info] = JSON.parse(packed.out.slice(packed.out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const paths = info!.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['dist/src/cli.js', 'dist/src/testing/index.js', 'dist/src/testing/index.d.ts', 'dist/src/http/page/assets/index.html', 'dist/src/http/page/assets/app.js', 'schema/scenario.schema.json', 'scenarios/gmail.yaml', 'README.md']));
    expect(paths.some((p) => p.startsWith('test/') || (p.startsWith('src/') && p.endsWith('.ts')))).toBe(false);

    const app = join(dir, 'app');
    await sh('mkdir', ['-p', app], dir);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
    const installed = await sh('npm', ['install', '--prefer-offline', '--no-package-lock', join(dir, info!.filename)], app);
    expect(installed.code, installed.out).toBe(0);

    const help = await sh('npx', ['--no-install', 'mockmx', '--help'], app, 60_000);
    expect(help.code, help.out).toBe(0);
    expect(help.out).toMatch(/Usage:\n\s+mockmx \[options\]/);

    writeFileSync(
      join(app, 'check.mjs'),
      `import { startMockMx } from 'mockmx/testing';
import schema from 'mockmx/schema/scenario.schema.json' with { type: 'json' };
const mx = await startMockMx();
console.log(mx.smtp.port > 0 && schema.title === 'mockmx scenario' ? 'ok' : 'bad');
await mx.close();`,
    );
    const run = await sh(process.execPath, ['check.mjs'], app, 60_000);
    expect(run.out.trim(), run.out).toBe('ok');
    // npm install alone takes 10–18 s on this two-core machine under load; the 20 s default cut it off
  }, 120_000);
});
