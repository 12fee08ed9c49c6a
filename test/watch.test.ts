/** --watch: a changed scenario file is reloaded; a broken edit is reported and changes nothing. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompiledScenario } from '../src/engine/scenario.js';
import { loadScenario } from '../src/scenario/load.js';
import { watchScenario, type ScenarioWatcher } from '../src/watch.js';

let dir: string | undefined;
let watcher: ScenarioWatcher | undefined;
afterEach(() => {
  watcher?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A queue of what the watcher reported, awaited one at a time (no sleeps). */
function reports() {
  const items: (CompiledScenario | Error)[] = [];
  const waiters: ((x: CompiledScenario | Error) => void)[] = [];
  const push = (x: CompiledScenario | Error) => (waiters.length ? waiters.shift()!(x) : items.push(x));
  return {
    handlers: { loaded: push, failed: push },
    next: () =>
      new Promise<CompiledScenario | Error>((resolve, reject) => {
        if (items.length) return resolve(items.shift()!);
        const timer = setTimeout(() => reject(new Error('no reload within 5 s')), 5000);
        waiters.push((x) => {
          clearTimeout(timer);
          resolve(x);
        });
      }),
  };
}

describe('watchScenario', () => {
  it('reloads on change, reports a broken edit, and picks up the next good one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mockmx-watch-'));
    const file = join(dir, 'live.yaml');
    writeFileSync(file, 'name: live\nrules: []\n');
    const first = loadScenario(file);
    const r = reports();
    watcher = watchScenario(file, first, r.handlers, 20);

    writeFileSync(file, 'name: live\nrules:\n  - { id: one, when: { rcpt: "bob@*" }, then: "550 5.1.1 no" }\n');
    const second = (await r.next()) as CompiledScenario;
    expect(second.rules.map((x) => x.id)).toEqual(['one']);

    writeFileSync(file, 'name: live\nrules:\n  - { id: two, whne: {}, then: accept }\n');
    const broken = await r.next();
    expect(broken).toBeInstanceOf(Error);
    expect((broken as Error).message).toMatch(/live\.yaml:3:\d+: unknown key "whne"/);

    writeFileSync(file, 'name: live\nrules:\n  - { id: three, when: { rcpt: "bob@*" }, then: accept }\n');
    let third = await r.next();
    // an editor may save twice; the last report is the file as it now is
    while (third instanceof Error) third = await r.next();
    expect(third.rules.map((x) => x.id)).toEqual(['three']);
  });
});
