/**
 * Finds the module specifiers a TypeScript file imports, without the compiler: the project's
 * TypeScript is the native compiler, whose JS API is not there to ask. A small lexer first
 * blanks comments and the insides of string, template and regex literals (keeping every
 * offset, so line numbers stay true); the import forms are then matched on that masked text,
 * so an `import '…'` written inside a comment or a string is never taken for a real one, and
 * the specifier is read back from the original text at the same place.
 */

export interface FoundImport {
  readonly specifier: string;
  readonly line: number;
  /** `import type` / `export type`: erased at run time, but still a dependency of the design. */
  readonly typeOnly: boolean;
}

/** Characters after which a `/` starts a regex literal rather than a division. */
const BEFORE_REGEX = new Set('(,=:[!&|?{};+-*%<>~^'.split(''));
const KEYWORDS_BEFORE_REGEX = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;

export interface StringLiteral {
  /** The literal's text as written (escapes not decoded); a template's text between substitutions. */
  readonly text: string;
  readonly line: number;
}

export interface Lexed {
  /** The source with comments and literal contents replaced by spaces (quotes and newlines kept). */
  readonly masked: string;
  readonly strings: StringLiteral[];
}

export function lex(source: string): Lexed {
  const out = source.split('');
  const strings: StringLiteral[] = [];
  const lineAt = lineIndex(source);
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const literal = (from: number, to: number): void => {
    strings.push({ text: source.slice(from, to), line: lineAt(from) });
    blank(from, to);
  };
  // one entry per open `${`: the brace depth at which that substitution returns to its template
  const templates: number[] = [];
  let depth = 0;
  let i = 0;
  const n = source.length;
  /** Scans a template literal's text from i (just past "`" or "}") to its end or its next "${". */
  const templateText = (): void => {
    const start = i;
    while (i < n && source[i] !== '`' && !(source[i] === '$' && source[i + 1] === '{')) i += source[i] === '\\' ? 2 : 1;
    literal(start, Math.min(i, n));
    if (source[i] === '`') i++;
    else if (i < n) {
      templates.push(depth);
      depth++;
      i += 2;
    }
  };
  while (i < n) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      const start = ++i;
      while (i < n && source[i] !== c && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      literal(start, Math.min(i, n));
      i++;
    } else if (c === '`') {
      i++;
      templateText();
    } else if (c === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      depth--;
      i++;
      if (templates.length > 0 && templates[templates.length - 1] === depth) {
        templates.pop();
        templateText();
      }
    } else if (c === '/' && startsRegex(out, i)) {
      const start = ++i;
      let inClass = false;
      while (i < n && source[i] !== '\n' && (inClass || source[i] !== '/')) {
        if (source[i] === '[') inClass = true;
        else if (source[i] === ']') inClass = false;
        i += source[i] === '\\' ? 2 : 1;
      }
      blank(start, Math.min(i, n));
      i++;
    } else i++;
  }
  return { masked: out.join(''), strings };
}

/** Whether the `/` at i opens a regex: judged by the masked code before it. */
function startsRegex(masked: string[], i: number): boolean {
  let k = i - 1;
  while (k >= 0 && /\s/.test(masked[k]!)) k--;
  if (k < 0) return true;
  if (BEFORE_REGEX.has(masked[k]!)) return true;
  return KEYWORDS_BEFORE_REGEX.test(masked.slice(Math.max(0, k - 10), k + 1).join(''));
}

/**
 * The import forms, matched on masked text; each ends at the opening quote of the specifier.
 * Static: `import x from`, `import { a } from`, `import * as x from`, `import x, { a } from`,
 * `import type … from`, `export { a } from`, `export * from`, `export * as x from`,
 * `export type { a } from`, and the bare `import '…'`. Dynamic: `import('…')`, which also
 * covers type positions such as `import('…').Stage`, and `require('…')`.
 */
const BINDINGS = String.raw`(?:\{[^}]*\}|\*\s*as\s+[\w$]+|[\w$]+(?:\s*,\s*(?:\{[^}]*\}|\*\s*as\s+[\w$]+))?)`;
const FORMS = new RegExp(
  [
    String.raw`\bimport\s+(type\s+)?${BINDINGS}\s*from\s*(['"])`,
    String.raw`\bexport\s+(type\s+)?(?:\{[^}]*\}|\*(?:\s*as\s+[\w$]+)?)\s*from\s*(['"])`,
    String.raw`\bimport\s*()(['"])`,
    String.raw`(?<![\w$.])(?:import|require)\s*\(\s*()(['"])`,
  ].join('|'),
  'g',
);

export function findImports(source: string): FoundImport[] {
  const { masked } = lex(source);
  const lineAt = lineIndex(source);
  const found: FoundImport[] = [];
  for (const m of masked.matchAll(FORMS)) {
    const quoteAt = m.index + m[0].length - 1;
    const close = source.indexOf(source[quoteAt]!, quoteAt + 1);
    const typeOnly = Boolean(m[1] ?? m[3]);
    found.push({
      specifier: source.slice(quoteAt + 1, close),
      line: lineAt(m.index),
      typeOnly,
    });
  }
  return found;
}

/** The line number of an offset into source: line starts found once, then a binary search each. */
function lineIndex(source: string): (offset: number) => number {
  const starts = [0];
  for (let k = 0; k < source.length; k++) if (source.charCodeAt(k) === 10) starts.push(k + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
