/**
 * Finds, reads and compiles a scenario and the scenarios it extends. A name such as
 * `gmail` means a shipped scenario (a provider's, or one in <package>/scenarios); anything
 * with a slash or a .yaml/.yml ending is a path.
 *
 * `providers` is where scenario names and catalog ids resolve: the registered providers
 * unless a test brings its own registry.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import type { CompiledScenario } from '../engine/scenario.js';
import { REGISTRY, type Registry } from '../providers/index.js';
import { compileLayers, problemsOfValidRules, type Layer } from './compile.js';
import { ScenarioError, type Problem } from './errors.js';
import { SHIPPED_DIR, shippedFile } from '../providers/shipped.js';
import { parseSource, problemAt, validateSource } from './source.js';

export { SHIPPED_DIR } from '../providers/shipped.js';

/** Every shipped scenario name: the providers' and the rest of <package>/scenarios (default). */
export function shippedScenarioNames(providers: Registry = REGISTRY): string[] {
  const files = readdirSync(SHIPPED_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length));
  return [...new Set([...providers.scenarioNames(), ...files])].sort();
}

const isPath = (ref: string) => ref.includes('/') || ref.includes('\\') || /\.ya?ml$/i.test(ref);

/** Resolves a scenario reference to a file, relative to `fromDir` for paths. */
export function resolveScenarioRef(ref: string, fromDir = process.cwd(), providers: Registry = REGISTRY): string {
  if (isPath(ref)) return isAbsolute(ref) ? ref : resolve(fromDir, ref);
  return providers.scenarioFile(ref) ?? shippedFile(`${ref}.yaml`);
}

/** Loads a scenario by name or path; throws ScenarioError listing every problem. */
export function loadScenario(ref: string, cwd = process.cwd(), providers: Registry = REGISTRY): CompiledScenario {
  const file = resolveScenarioRef(ref, cwd, providers);
  if (!existsSync(file)) {
    const hint = isPath(ref) ? '' : `; shipped scenarios: ${shippedScenarioNames(providers).join(', ')}`;
    throw new ScenarioError([{ code: 'MX_FILE', file: ref, line: 1, column: 1, message: `scenario not found: ${file}${hint}` }]);
  }
  return loadScenarioText(readFileSync(file, 'utf8'), file, providers);
}

/** Compiles scenario text (from a file, or pushed over HTTP); `extends` resolves beside `file`. */
export function loadScenarioText(text: string, file: string, providers: Registry = REGISTRY): CompiledScenario {
  const problems: Problem[] = [];
  const layers: Layer[] = [];
  const seen: string[] = [];
  let current: { file: string; text: string } | undefined = { file, text };
  while (current) {
    seen.push(resolve(current.file));
    const parsed = parseSource(displayPath(current.file), current.text);
    if (parsed.problems.length) {
      problems.push(...parsed.problems);
      break;
    }
    const { value, problems: invalid } = validateSource(parsed.source);
    problems.push(...invalid);
    if (!value) {
      const rules = (parsed.source.doc.toJS() as { rules?: unknown } | null)?.rules;
      problems.push(...problemsOfValidRules(parsed.source, rules, providers));
      break;
    }
    layers.push({ source: parsed.source, spec: value, name: value.name ?? basename(current.file, extname(current.file)) });
    current = undefined;
    if (value.extends !== undefined) {
      const target = resolveScenarioRef(value.extends, dirname(resolve(parsed.source.file)), providers);
      const complain = (message: string) => problems.push(problemAt(parsed.source, ['extends'], 'MX_EXTENDS', message));
      if (seen.includes(resolve(target))) complain(`"${value.extends}" is already in the chain (${seen.map((f) => basename(f)).join(' → ')}); extends must not loop`);
      else if (!existsSync(target)) complain(`cannot find "${value.extends}" (${target}); shipped scenarios: ${shippedScenarioNames(providers).join(', ')}`);
      else current = { file: target, text: readFileSync(target, 'utf8') };
    }
  }
  if (problems.length) throw new ScenarioError(problems);
  const { scenario, problems: compileProblems } = compileLayers(layers, providers);
  if (!scenario) throw new ScenarioError(compileProblems);
  return scenario;
}

/** Paths under the working directory are shown relative, as editors and terminals link them. */
function displayPath(file: string): string {
  const abs = resolve(file);
  const cwd = process.cwd() + '/';
  return abs.startsWith(cwd) ? abs.slice(cwd.length) : abs;
}
