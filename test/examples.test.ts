/** The README's Python example runs against a real mockmx, so it cannot rot. */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startHttp } from '../src/http/index.js';
import { serve } from './helpers/server.js';

function run(file: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('python3', [file], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

describe('examples/python/test_retry.py', () => {
  it('passes against a running mockmx', async () => {
    const server = await serve();
    const http = await startHttp(server, { host: '127.0.0.1', port: 0 });
    try {
      const result = await run(new URL('../examples/python/test_retry.py', import.meta.url).pathname, {
        MOCKMX_SMTP: `127.0.0.1:${server.smtp.port}`,
        MOCKMX_API: `${http.url}/api/v1`,
      });
      expect(result.output).toMatch(/Ran 1 test/);
      expect(result.code, result.output).toBe(0);
    } finally {
      await http.close();
    }
  });
});
