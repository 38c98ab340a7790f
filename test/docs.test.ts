/**
 * `npm run docs`: typedoc builds the API docs of both entry points (fgflow and fgflow/node) from
 * the doc comments with no warning (typedoc.json treats warnings as errors), and README links them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

describe('the API docs', () => {
  it('typedoc generates them for fgflow and fgflow/node with no warning', () => {
    const out = mkdtempSync(join(tmpdir(), 'fgflow-docs-'));
    const r = spawnSync('npm', ['run', 'docs', '--', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    expect(r.stdout + r.stderr).not.toMatch(/\[warning\]|\[error\]/);
    expect(r.status).toBe(0);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(existsSync(join(out, 'modules', 'index.html'))).toBe(true);
    expect(existsSync(join(out, 'modules', 'node.html'))).toBe(true);
  });

  it('README says how to build them and where they go', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toMatch(/npm run docs[^\n]*docs\/api\/index\.html/);
  });
});
