/** Starts mockmx in-process on 127.0.0.1 with free ports, from a scenario written inline. */
import { afterEach } from 'vitest';
import { startServer, type ServerOptions } from '../../src/app.js';
import type { MockMxServer } from '../../src/server/types.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import type { CompiledScenario } from '../../src/engine/scenario.js';
import { selfSignedCertificate, type TlsMaterial } from '../../src/smtp/tls.js';

let sharedTls: Promise<TlsMaterial> | undefined;
const running = new Set<MockMxServer>();

afterEach(async () => {
  await Promise.all([...running].map((s) => s.close(0)));
  running.clear();
});

export function scenario(yaml: string, file = 'test-scenario.yaml'): CompiledScenario {
  return loadScenarioText(yaml, file);
}

/** A server on free ports, closed after the test. Errors it reports are collected in `errors`. */
export async function serve(yamlOrName: string = 'default', options: ServerOptions = {}): Promise<MockMxServer & { errors: unknown[] }> {
  const errors: unknown[] = [];
  sharedTls ??= selfSignedCertificate('mockmx.test');
  const server = await startServer({
    scenario: /\n|:/.test(yamlOrName) ? scenario(yamlOrName) : yamlOrName,
    smtpPort: 0,
    seed: 42,
    tls: await sharedTls,
    onError: (err) => errors.push(err),
    ...options,
  });
  running.add(server);
  return Object.assign(server, { errors });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
