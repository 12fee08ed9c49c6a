/**
 * With --redis, the running scenario is the fleet's: a change on any instance (PUT, switch,
 * pushed or cleared rules, a --watch reload) is validated there — an invalid one is refused
 * with its problems and goes nowhere — then published as the scenario's top YAML file plus
 * the pushed rules, and every other instance compiles and installs it within the record's
 * poll bound (at once, usually, through pub/sub). An instance that starts later adopts the
 * fleet's current scenario. Concurrent changes on two instances: the later one wins. A change
 * made while Redis is away is published when it is back.
 */
import type { CompiledRule, CompiledScenario } from './engine/scenario.js';
import { loadScenarioText } from './scenario/load.js';
import { compilePushed } from './scenario/pushed.js';
import { SharedRecord } from './state/redis-record.js';

/** What another instance needs to rebuild the running scenario. */
interface Shape {
  readonly base: { readonly file: string; readonly text: string };
  readonly pushed: readonly unknown[];
}

export interface ScenarioHooks {
  /** Installs a scenario another instance published (no state reset: that instance did it). */
  adopt(base: CompiledScenario, pushed: CompiledRule[], specs: unknown[]): void;
  onError(err: unknown, context: string): void;
}

export interface SharedScenario {
  publish(base: CompiledScenario, specs: readonly unknown[]): void;
  close(): Promise<void>;
}


export async function shareScenario(url: string, keyPrefix: string, hooks: ScenarioHooks, pollMs?: number): Promise<SharedScenario> {
  let record: SharedRecord | undefined;
  const fetchAndAdopt = async () => {
    const latest = await record!.take();
    if (latest === undefined) return;
    const shape = JSON.parse(latest) as Shape;
    // the publisher validated it; compiling can still fail here (an `extends` path this host lacks)
    const base = loadScenarioText(shape.base.text, shape.base.file);
    hooks.adopt(base, compilePushed(shape.pushed), [...shape.pushed]);
  };
  const adopt = () => fetchAndAdopt().catch((err: unknown) => hooks.onError(err, 'adopting the shared scenario'));
  record = await SharedRecord.open({ url, key: `${keyPrefix}scenario`, onChange: () => void adopt(), onError: (err) => hooks.onError(err, 'publishing the scenario to other instances'), ...(pollMs === undefined ? {} : { pollMs }) });
  await adopt();
  return {
    publish(base, specs) {
      const top = base.sources[0];
      if (!top) return;
      const shape: Shape = { base: top, pushed: specs };
      record!.publish(JSON.stringify(shape)).catch((err: unknown) => hooks.onError(err, 'publishing the scenario to other instances'));
    },
    close: () => record!.close(),
  };
}
