/**
 * `--watch`: reloads a scenario when one of its files changes. A broken edit is reported and
 * the version in force stays; the next good save takes over.
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname, basename, resolve } from 'node:path';
import type { CompiledScenario } from './engine/scenario.js';
import { ScenarioError } from './scenario/errors.js';
import { loadScenario } from './scenario/load.js';

export interface ScenarioWatcher {
  close(): void;
}

export interface WatchHandlers {
  loaded(scenario: CompiledScenario): void;
  failed(error: ScenarioError | Error): void;
}

/**
 * Watches the directories of every file the scenario was loaded from (editors often replace
 * a file rather than write it, which a watch on the file itself would miss).
 */
export function watchScenario(ref: string, current: CompiledScenario, handlers: WatchHandlers, debounceMs = 100): ScenarioWatcher {
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  const arm = (scenario: CompiledScenario) => {
    for (const w of watchers) w.close();
    const files = new Set(scenario.files.map((f) => resolve(f)));
    const dirs = new Set([...files].map((f) => dirname(f)));
    watchers = [...dirs].map((dir) =>
      watch(dir, (_event, name) => {
        if (name && !files.has(resolve(dir, basename(name.toString())))) return;
        clearTimeout(timer);
        timer = setTimeout(reload, debounceMs);
      }),
    );
  };
  const reload = () => {
    try {
      const next = loadScenario(ref);
      arm(next);
      handlers.loaded(next);
    } catch (err) {
      handlers.failed(err as Error);
    }
  };
  arm(current);
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
