/**
 * Imports flow one way (the rules are in rules.ts): this reads every src/**\/*.ts file and
 * fails with every folder cycle, forbidden edge and stray smtp-server use it finds. The checker
 * itself is tested first on made-up graphs, so a checker that sees nothing cannot pass quietly.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTs, scanSources, type FileImport } from './graph.js';
import { findImports, lex, type StringLiteral } from './lexer.js';
import { checkImports, type Pending } from './rules.js';

const REPO = new URL('../..', import.meta.url).pathname;

/**
 * Edges that break the rules today and are being removed by other work in flight; each is an
 * exact file → folder (or package) pair, and each fails the test once it no longer occurs.
 */
export const PENDING: readonly Pending[] = []; // none left: every edge that was in flight has landed

/** smtp-server's own reply texts, as its source writes them ('Error: need MAIL command'…). */
function smtpServerReplyTexts(): string[] {
  const dir = join(REPO, 'node_modules/smtp-server/dist/esm');
  const texts = new Set<string>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    for (const s of lex(readFileSync(join(dir, name), 'utf8')).strings) {
      // 'Error: ' alone is the prefix of a message built at run time: too short to mean smtp-server
      if (s.text.startsWith('Error: ') && s.text.length > 'Error: '.length + 3) texts.add(s.text);
    }
  }
  return [...texts];
}

describe('src/ imports flow one way', () => {
  it('has no folder cycle, no forbidden edge, no smtp-server outside src/smtp/', () => {
    const { imports, unresolved } = scanSources(REPO);
    const strings = new Map<string, StringLiteral[]>(listTs(join(REPO, 'src'), REPO).map((file) => [file, lex(readFileSync(join(REPO, file), 'utf8')).strings]));
    const replyTexts = smtpServerReplyTexts();
    // the scan must see the project as it is, or the rules below prove nothing
    expect(imports.length).toBeGreaterThan(300);
    expect(replyTexts).toContain('Error: need MAIL command');

    const problems = checkImports({ imports, unresolved, strings, replyTexts: new Map([['smtp-server', replyTexts]]), pending: PENDING });
    if (problems.length > 0) {
      const report = problems.map((p) => `[${p.kind}] ${p.message}`).join('\n');
      expect.fail(`${problems.length} import rule(s) broken (rules: test/architecture/rules.ts):\n${report}\n`);
    }
  });
});

describe('the import checker', () => {
  const imp = (from: string, to: string, line = 1): FileImport => ({ from, line, specifier: `./${to}`, to });

  it('reports a folder cycle with one file import per edge', () => {
    const problems = checkImports({
      imports: [imp('src/a/x.ts', 'src/b/y.ts', 3), imp('src/b/y.ts', 'src/c/z.ts', 4), imp('src/c/z.ts', 'src/a/x.ts', 5), imp('src/b/w.ts', 'src/c/z.ts')],
      pending: [],
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.kind).toBe('cycle');
    expect(problems[0]!.message).toContain('folder cycle a → b → c → a');
    expect(problems[0]!.message).toContain('a → b: src/a/x.ts:3');
    expect(problems[0]!.message).toContain('c → a: src/c/z.ts:5');
  });

  it('reports each forbidden edge with its file and line', () => {
    const problems = checkImports({
      imports: [imp('src/engine/e.ts', 'src/scenario/s.ts', 7), imp('src/store/s.ts', 'src/http/h.ts', 2), imp('src/engine/f.ts', 'src/util/u.ts'), imp('src/http/h.ts', 'src/app.ts', 9)],
      pending: [],
    });
    expect(problems.map((p) => `${p.kind} ${p.message.split(' imports')[0]}`)).toEqual([
      'forbidden engine → scenario: src/engine/e.ts:7',
      'forbidden store → http: src/store/s.ts:2',
      'forbidden http → (root): src/http/h.ts:9',
    ]);
  });

  it('keeps report/ pure and imported only by the folders that feed or serve it', () => {
    const problems = checkImports({
      imports: [
        imp('src/report/card.ts', 'src/transcript/record.ts'),
        imp('src/report/card.ts', 'src/util/oldest.ts'),
        imp('src/report/card.ts', 'src/checks/index.ts', 3),
        imp('src/store/grades.ts', 'src/report/index.ts'),
        imp('src/http/routes/report.ts', 'src/report/index.ts'),
        imp('src/testing/index.ts', 'src/report/index.ts'),
        imp('src/cli.ts', 'src/report/junit.ts'),
        imp('src/engine/e.ts', 'src/report/index.ts', 4),
        imp('src/smtp/s.ts', 'src/report/index.ts', 5),
      ],
      pending: [],
    });
    expect(problems.map((p) => `${p.kind} ${p.message.split(' imports')[0]}`)).toEqual([
      'forbidden report → checks: src/report/card.ts:3',
      'forbidden engine → report: src/engine/e.ts:4',
      'forbidden smtp → report: src/smtp/s.ts:5',
    ]);
  });

  it('allows the root to import anything and testing/ to import the root', () => {
    const problems = checkImports({ imports: [imp('src/app.ts', 'src/http/h.ts'), imp('src/cli.ts', 'src/app.ts'), imp('src/testing/index.ts', 'src/app.ts')], pending: [] });
    expect(problems).toEqual([]);
  });

  it('reports smtp-server and its reply texts outside src/smtp/', () => {
    const problems = checkImports({
      imports: [{ from: 'src/engine/e.ts', line: 2, specifier: 'smtp-server', pkg: 'smtp-server' }, { from: 'src/smtp/c.ts', line: 1, specifier: 'smtp-server', pkg: 'smtp-server' }],
      strings: new Map([['src/engine/e.ts', [{ text: 'Error: need MAIL command', line: 5 }]], ['src/smtp/c.ts', [{ text: 'Error: need MAIL command', line: 8 }]]]),
      replyTexts: new Map([['smtp-server', ['Error: need MAIL command']]]),
      pending: [],
    });
    expect(problems.map((p) => p.kind)).toEqual(['package', 'reply-text']);
    expect(problems.map((p) => p.message.split(' ')[0])).toEqual(['src/engine/e.ts:2', 'src/engine/e.ts:5']);
  });

  it('lets a PENDING edge through, and fails a PENDING edge that no longer occurs', () => {
    const pending: Pending[] = [{ from: 'src/store/s.ts', to: 'smtp', why: '' }, { from: 'src/store/gone.ts', to: 'smtp', why: '' }];
    const problems = checkImports({ imports: [imp('src/store/s.ts', 'src/smtp/r.ts'), imp('src/smtp/r.ts', 'src/store/t.ts')], pending });
    expect(problems.map((p) => p.message)).toEqual(['PENDING src/store/gone.ts → smtp no longer occurs: remove it from the list']);
  });

  it('reports a relative import that names no file', () => {
    const problems = checkImports({ imports: [], unresolved: [{ from: 'src/a/x.ts', line: 1, specifier: './gone.js' }], pending: [] });
    expect(problems.map((p) => p.kind)).toEqual(['unresolved']);
  });
});

describe('the import lexer', () => {
  it('finds every import form, with its line', () => {
    const source = [
      "import a from './a.js';",
      "import type { B } from '../b/b.js';",
      'import {',
      '  c,',
      "  d } from './cd.js';",
      "import * as e from 'e';",
      "import f, { g } from './fg.js';",
      "export { h } from './h.js';",
      "export * from './star.js';",
      "export type { I } from './i.js';",
      "import './side.js';",
      "const j = await import('./j.js');",
      "type K = import('./k.js').K;",
    ].join('\n');
    expect(findImports(source).map((i) => `${i.line} ${i.specifier}${i.typeOnly ? ' type' : ''}`)).toEqual([
      '1 ./a.js',
      '2 ../b/b.js type',
      '3 ./cd.js',
      '6 e',
      '7 ./fg.js',
      '8 ./h.js',
      '9 ./star.js',
      '10 ./i.js type',
      '11 ./side.js',
      '12 ./j.js',
      '13 ./k.js',
    ]);
  });

  it('ignores imports written in comments, strings, templates and regexes', () => {
    const source = [
      "// import x from './comment.js';",
      "/* import('./block.js') */",
      "const s = \"import y from './string.js'\";",
      "const t = `import('./template.js') ${n / 2} import z from './t2.js'`;",
      "const r = /import('.\\/regex.js')/;",
      "const q = a / b; import real from './real.js';",
    ].join('\n');
    expect(findImports(source).map((i) => i.specifier)).toEqual(['./real.js']);
  });

  it('collects string literals and template text, with their lines (for the reply-text rule)', () => {
    const source = "const a = 'one';\n// 'not this'\nconst b = `two${f('three')}four`;";
    expect(lex(source).strings.map((s) => `${s.line} ${s.text}`)).toEqual(['1 one', '3 two', '3 three', '3 four']);
  });
});
