/**
 * No file in src/ imports another in a cycle, counting type-only imports too (a cycle of types is
 * still two files that cannot be read, or moved, one without the other). The scanner is small and
 * its own behaviour is tested on fixtures below: multi-line, side-effect, re-export and type
 * imports count; imports inside comments and strings do not.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

// Strings are kept (module specifiers are strings), template literals emptied, comments dropped.
const TOKENS = /("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|`(?:\\.|[^`\\])*`|\/\/[^\n]*|\/\*[\s\S]*?\*\//g;
const IMPORT = /(?:^|[;\n])\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?(['"])(\.[^'"]*)\1/g;

function resolveSpecifier(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => c.endsWith('.ts') && existsSync(c)) ?? base;
}

/** Each file's relative imports, resolved to files, with those that resolve to nothing. */
function importGraph(root: string): { edges: Map<string, string[]>; unresolved: string[] } {
  const edges = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of tsFiles(root)) {
    const code = readFileSync(file, 'utf8').replace(TOKENS, (m, str: string | undefined) => (str ? m : m.startsWith('`') ? '``' : ' '));
    const deps = [...code.matchAll(IMPORT)].map((m) => resolveSpecifier(file, m[2]!));
    for (const d of deps) if (!existsSync(d)) unresolved.push(`${relative(root, file)} → ${relative(root, d)}`);
    edges.set(file, [...new Set(deps)]);
  }
  return { edges, unresolved };
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>(), stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || edges.get(v)!.includes(v)) found.push(component.sort());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the import graph of src/', () => {
  it('has no cycle, and every relative import resolves to a file', () => {
    const { edges, unresolved } = importGraph(SRC);
    expect(edges.size).toBeGreaterThan(50);
    expect(unresolved).toEqual([]);
    expect(cycles(edges).map((c) => c.map((f) => relative(SRC, f)))).toEqual([]);
  });
});

describe('the import-graph scanner', () => {
  function fixture(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'fgflow-imports-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  }
  const names = (dir: string, found: string[][]) => found.map((c) => c.map((f) => relative(dir, f)));

  it('a two-file cycle through a multi-line import and a re-export is reported', () => {
    const dir = fixture({ 'a.ts': "import {\n  b,\n} from './b.ts';\nexport const a = b;\n", 'b.ts': "export * from './a.ts';\nexport const b = 1;\n" });
    expect(names(dir, cycles(importGraph(dir).edges))).toEqual([['a.ts', 'b.ts']]);
  });

  it('type-only and side-effect imports count, through an index file and a .js specifier', () => {
    const dir = fixture({ 'a.ts': "import type { B } from './lib';\nexport type A = B;\n", 'lib/index.ts': "import '../c.js';\nexport type B = 1;\n", 'c.ts': "import { type A } from './a.ts';\n" });
    expect(names(dir, cycles(importGraph(dir).edges))).toEqual([['a.ts', 'c.ts', 'lib/index.ts']]);
  });

  it('imports in comments and strings are not edges, and a missing file is listed as unresolved', () => {
    const dir = fixture({
      'a.ts': "// import { b } from './b.ts';\n/* import './b.ts'; */\nconst s = \"import './b.ts'\";\nconst t = `\nimport './b.ts';\n`;\nimport './gone.ts';\n",
      'b.ts': "import './a.ts';\n",
    });
    const { edges, unresolved } = importGraph(dir);
    expect(cycles(edges)).toEqual([]);
    expect(unresolved).toEqual(['a.ts → gone.ts']);
  });
});
