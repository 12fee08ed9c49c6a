/**
 * The import graph of src/: every file's imports, resolved to files, and the folder each
 * file belongs to. Kept apart from the rules so the rules can be tested on a made-up graph.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { findImports } from './lexer.js';

/** Files directly in src/ (app.ts, cli.ts, index.ts…): the composition root. */
export const ROOT = '(root)';

export interface FileImport {
  /** Importing file, relative to the repository with forward slashes: `src/engine/scenario.ts`. */
  readonly from: string;
  readonly line: number;
  /** The specifier as written. */
  readonly specifier: string;
  /** The resolved file under src/ for a relative specifier; undefined for a package. */
  readonly to?: string;
  /** The package name for a bare specifier (`smtp-server` for `smtp-server/lib/x.js`). */
  readonly pkg?: string;
}

/** The folder a src/ file belongs to: its first path segment under src/, or ROOT. */
export function folderOf(file: string): string {
  const parts = file.replace(/^src\//, '').split('/');
  return parts.length > 1 ? parts[0]! : ROOT;
}

/** Every `.ts` file under dir (recursively), relative to base, with forward slashes. */
export function listTs(dir: string, base: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...listTs(path, base));
    else if (name.endsWith('.ts')) files.push(relative(base, path).split(sep).join('/'));
  }
  return files;
}

/**
 * The file a relative specifier names, as Node's ESM resolution with TypeScript's `.js` to
 * `.ts` mapping finds it; undefined when no such file exists (the caller reports that).
 */
export function resolveRelative(repo: string, from: string, specifier: string): string | undefined {
  const target = resolve(repo, dirname(from), specifier);
  const candidates = [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, join(target, 'index.ts')];
  const hit = candidates.find((path) => existsSync(path) && statSync(path).isFile());
  return hit && relative(repo, hit).split(sep).join('/');
}

/** `smtp-server` for `smtp-server/lib/x.js`, `@scope/pkg` for `@scope/pkg/y`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export interface Scan {
  readonly imports: FileImport[];
  /** Relative specifiers that name no file: the checker would otherwise miss those edges. */
  readonly unresolved: FileImport[];
}

/** Reads every src/**\/*.ts file of the repository and resolves its imports. */
export function scanSources(repo: string): Scan {
  const imports: FileImport[] = [];
  const unresolved: FileImport[] = [];
  for (const from of listTs(join(repo, 'src'), repo)) {
    for (const found of findImports(readFileSync(join(repo, from), 'utf8'))) {
      const base = { from, line: found.line, specifier: found.specifier };
      if (!found.specifier.startsWith('.')) imports.push({ ...base, pkg: packageOf(found.specifier) });
      else {
        const to = resolveRelative(repo, from, found.specifier);
        if (to) imports.push({ ...base, to });
        else unresolved.push(base);
      }
    }
  }
  return { imports, unresolved };
}
