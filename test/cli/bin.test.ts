/**
 * bin/fgflow.js runs the compiled CLI when dist/ is at least as new as src/, and the TypeScript
 * sources through tsx otherwise (or when FGFLOW_FROM_SOURCE=1): both must behave the same.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../bin/fgflow.js');
const version = (JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
}

describe('bin/fgflow.js', () => {
  it('prints the package version with --version, from the sources', () => {
    const r = run(['--version'], { FGFLOW_FROM_SOURCE: '1' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('gives the same help and the same usage error whichever build runs', () => {
    for (const args of [['--help'], ['experiment', '--epochs', 'many']]) {
      const fromSource = run(args, { FGFLOW_FROM_SOURCE: '1' });
      const either = run(args);
      expect(either.status, args.join(' ')).toBe(fromSource.status);
      expect(either.stdout).toBe(fromSource.stdout);
      expect(either.stderr).toBe(fromSource.stderr);
    }
    // a bad number is a usage error (exit 1) that names the option
    const bad = run(['experiment', '--epochs', 'many'], { FGFLOW_FROM_SOURCE: '1' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/epochs/);
  });
});
