/**
 * The layering of src/, as data, and the checker that holds an import graph to it.
 *
 *   scenario (load, compile) ──▶ engine ◀── smtp, http
 *
 * - No cycles between folders, anywhere.
 * - engine/ is the pure rule engine: it imports only leaf type/data folders (ENGINE_MAY_IMPORT),
 *   never an I/O folder (scenario, smtp, http, store, testing, spool, outbound) or the root.
 * - store/ and testing/ never import smtp/ or http/: they sit below the adapters.
 * - The composition root (files directly in src/: app.ts, cli.ts, index.ts…) may import
 *   anything, and nothing imports it but other root files, with one exception: testing/ is
 *   the public test helper, and what it does is compose the app (startApp) for a test, so
 *   testing → root is allowed. It is a dead end: nothing else may import testing/ either.
 * - report/ is the pure sender report card: it reads transcript records (and util/) only, and
 *   only the folders that feed or serve it (store, server, http, testing, the root's cli) import it.
 * - Only src/smtp/ imports `smtp-server`, and smtp-server's reply texts ('Error: …') are
 *   written only in src/smtp/: recognising them is the adapter's job.
 *
 * Every import counts, `import type` too: a type-only edge is erased at run time but still
 * ties the lower folder's design to the upper one, and it is how most cycles start.
 */
import { folderOf, ROOT, type FileImport } from './graph.js';
import type { StringLiteral } from './lexer.js';

/** Folders engine/ may import: data and types with no I/O of their own. */
export const ENGINE_MAY_IMPORT: readonly string[] = ['catalog', 'checks', 'state', 'auth', 'util', 'transcript'];

export interface FolderRule {
  readonly from: string;
  /** Folders `from` may not import; or, with `only`, every folder not listed. */
  readonly forbidden?: readonly string[];
  readonly only?: readonly string[];
  readonly why: string;
}

export const FOLDER_RULES: readonly FolderRule[] = [
  { from: 'engine', only: ENGINE_MAY_IMPORT, why: 'engine/ is the pure rule engine: it imports only leaf type/data folders, never I/O' },
  { from: 'store', forbidden: ['smtp', 'http'], why: 'store/ sits below the SMTP and HTTP adapters' },
  { from: 'testing', forbidden: ['smtp', 'http'], why: 'testing/ composes the app through the root, never through an adapter' },
  { from: 'report', only: ['transcript', 'util'], why: 'report/ is the pure report card: it reads transcript records, never the store, the adapters or I/O' },
];

/** Folders only some folders may import. */
export interface ImporterRule {
  readonly to: string;
  readonly by: readonly string[];
  readonly why: string;
}

export const IMPORTER_RULES: readonly ImporterRule[] = [
  {
    to: 'report',
    by: ['store', 'http', 'testing', 'server', ROOT],
    why: 'report/ is fed by the store (through server/, the running instance) and served by http/, testing/ and the CLI; nothing else grades clients',
  },
];

/** Folders that may import the composition root besides the root itself. */
export const ROOT_IMPORTERS: readonly string[] = [ROOT, 'testing'];

/** Packages only one folder may import. */
export const PACKAGE_OWNERS: Readonly<Record<string, string>> = { 'smtp-server': 'smtp' };

/**
 * An edge that breaks the rules today and is being removed by work in flight elsewhere.
 * `from` is an exact file; `to` a folder (or, for a package's reply texts, the package).
 * Each must still occur: a stale entry fails the check, so the list shrinks as work merges.
 */
export interface Pending {
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

export interface Problem {
  readonly kind: 'cycle' | 'forbidden' | 'package' | 'reply-text' | 'unresolved' | 'stale-pending';
  readonly message: string;
}

const where = (imp: FileImport): string => `${imp.from}:${imp.line} imports '${imp.specifier}'`;

/** The folder edge of an import between two src/ files, or undefined for a package or a same-folder import. */
function folderEdge(imp: FileImport): [string, string] | undefined {
  if (!imp.to?.startsWith('src/')) return undefined;
  const from = folderOf(imp.from);
  const to = folderOf(imp.to);
  return from === to ? undefined : [from, to];
}

function ruleBroken(from: string, to: string): string | undefined {
  if (to === ROOT && !ROOT_IMPORTERS.includes(from)) return 'only root files (and testing/, which composes the app) import the composition root';
  if (to === 'testing') return 'testing/ is the public test helper: nothing in src/ imports it';
  for (const rule of FOLDER_RULES) {
    if (rule.from !== from) continue;
    if (rule.forbidden?.includes(to) || (rule.only && !rule.only.includes(to))) return rule.why;
  }
  for (const rule of IMPORTER_RULES) if (rule.to === to && !rule.by.includes(from)) return rule.why;
  return undefined;
}

/** Every folder cycle: for each edge inside a strongly connected set, the shortest cycle through it. */
export function folderCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles = new Map<string, string[]>();
  for (const [from, targets] of edges) {
    for (const to of targets) {
      const back = shortestPath(edges, to, from);
      if (!back) continue;
      const cycle = [from, ...back.slice(0, -1)];
      // rotate to the smallest folder name so one cycle found from two edges is kept once
      const start = cycle.indexOf([...cycle].sort()[0]!);
      const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
      cycles.set(rotated.join(' → '), rotated);
    }
  }
  return [...cycles.values()].sort((a, b) => a.join().localeCompare(b.join()));
}

function shortestPath(edges: ReadonlyMap<string, ReadonlySet<string>>, start: string, goal: string): string[] | undefined {
  const previous = new Map<string, string>([[start, start]]);
  const queue = [start];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    if (node === goal) {
      const path = [goal];
      while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
      return path;
    }
    for (const next of [...(edges.get(node) ?? [])].sort()) {
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return undefined;
}

export interface Input {
  readonly imports: readonly FileImport[];
  readonly unresolved?: readonly FileImport[];
  /** String literals per file, for the reply-text rule. */
  readonly strings?: ReadonlyMap<string, readonly StringLiteral[]>;
  /** Reply texts (or their fixed prefixes) that belong to a package, per package. */
  readonly replyTexts?: ReadonlyMap<string, readonly string[]>;
  readonly pending: readonly Pending[];
}

export function checkImports(input: Input): Problem[] {
  const problems: Problem[] = [];
  const used = new Set<Pending>();
  const pendingFor = (from: string, to: string): Pending | undefined => {
    const hit = input.pending.find((p) => p.from === from && p.to === to);
    if (hit) used.add(hit);
    return hit;
  };

  for (const imp of input.unresolved ?? []) problems.push({ kind: 'unresolved', message: `${where(imp)}, which names no file` });

  // folder edges, each with the imports that make it; PENDING edges are left out of the graph
  const examples = new Map<string, FileImport>();
  const edges = new Map<string, Set<string>>();
  for (const imp of input.imports) {
    const edge = folderEdge(imp);
    if (imp.pkg && PACKAGE_OWNERS[imp.pkg] !== undefined && folderOf(imp.from) !== PACKAGE_OWNERS[imp.pkg] && !pendingFor(imp.from, imp.pkg)) {
      problems.push({ kind: 'package', message: `${where(imp)}: only src/${PACKAGE_OWNERS[imp.pkg]}/ imports ${imp.pkg}` });
    }
    if (!edge || pendingFor(imp.from, edge[1])) continue;
    const [from, to] = edge;
    const why = ruleBroken(from, to);
    if (why) problems.push({ kind: 'forbidden', message: `${from} → ${to}: ${where(imp)} (${why})` });
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
    if (!examples.has(`${from}\0${to}`)) examples.set(`${from}\0${to}`, imp);
  }

  for (const cycle of folderCycles(edges)) {
    const steps = cycle.map((from, k) => {
      const to = cycle[(k + 1) % cycle.length]!;
      return `    ${from} → ${to}: ${where(examples.get(`${from}\0${to}`)!)}`;
    });
    problems.push({ kind: 'cycle', message: `folder cycle ${[...cycle, cycle[0]].join(' → ')}\n${steps.join('\n')}` });
  }

  for (const [pkg, texts] of input.replyTexts ?? []) {
    for (const [file, strings] of input.strings ?? []) {
      if (folderOf(file) === PACKAGE_OWNERS[pkg]) continue;
      for (const s of strings) {
        if (!texts.some((t) => s.text.startsWith(t)) || pendingFor(file, pkg)) continue;
        problems.push({ kind: 'reply-text', message: `${file}:${s.line} writes ${pkg}'s reply text '${s.text}': only src/${PACKAGE_OWNERS[pkg]}/ knows ${pkg}'s wording` });
      }
    }
  }

  for (const p of input.pending) {
    if (!used.has(p)) problems.push({ kind: 'stale-pending', message: `PENDING ${p.from} → ${p.to} no longer occurs: remove it from the list` });
  }
  return problems;
}
