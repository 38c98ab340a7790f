import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

describe('the built package', () => {
  it('builds to dist/ and works from plain JavaScript through its exports', () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe' });
    const dir = mkdtempSync(join(tmpdir(), 'fgflow-consumer-'));
    const file = join(dir, 'consumer.mjs');
    writeFileSync(
      file,
      `import { tensor, grad, sum, square } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};\n` +
        `console.log(JSON.stringify(grad((x) => sum(square(x)))(tensor([1, 2, 3], [3], { dtype: 'f64' })).toArray()));\n`,
    );
    expect(execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim()).toBe('[2,4,6]');
  });
});
