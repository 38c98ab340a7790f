/**
 * package.json's `engines` states the oldest Node that runs fgflow: the newest of the Node APIs
 * that src/ and bin/ use (each with the release that added it) and of the runtime dependencies'
 * own `engines`. An API from a later release, or a dependency that needs a later Node, fails here
 * until `engines` says so; so does an `engines` that claims more than the code needs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; dependencies: Record<string, string> };

/** Node APIs added after Node 20.0 that fgflow might use, with the first 20.x release that has them. */
const LATE_APIS: readonly { readonly api: string; readonly use: RegExp; readonly since: string }[] = [
  { api: 'zlib.crc32', use: /import\s*\{[^}]*\bcrc32\b[^}]*\}\s*from\s*'node:zlib'|zlib\.crc32\(/, since: '20.15.0' },
  { api: 'process.getBuiltinModule', use: /\bgetBuiltinModule\b/, since: '20.16.0' },
  { api: 'import.meta.dirname / filename', use: /import\.meta\.(dirname|filename)\b/, since: '20.11.0' },
  { api: 'util.styleText', use: /\bstyleText\(/, since: '20.12.0' },
  { api: 'AbortSignal.any', use: /AbortSignal\.any\(/, since: '20.3.0' },
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.(ts|js|mjs|cjs)$/.test(e.name) ? [p] : [];
  });
}

const code = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'bin'))].map((f) => readFileSync(f, 'utf8')).join('\n');
const minimum = semver.minVersion(pkg.engines.node)!.version;

describe("package.json's engines", () => {
  it('is the newest release that a used Node API needs (at least 20.0, what commander needs)', () => {
    const used = LATE_APIS.filter((a) => a.use.test(code));
    const needed = used.map((a) => a.since).reduce((a, b) => (semver.gt(b, a) ? b : a), '20.0.0');
    expect(pkg.engines.node).toBe(`>=${needed}`);
    expect(minimum).toBe(needed);
  });

  it("is at least what each runtime dependency's own engines asks", () => {
    const unmet = Object.keys(pkg.dependencies).flatMap((name) => {
      const range = (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node;
      return range && !semver.satisfies(minimum, range) ? [`${name} needs node ${range}`] : [];
    });
    expect(unmet).toEqual([]);
  });

  it('is met by the Node running the tests', () => {
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });
});
