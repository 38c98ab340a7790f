/**
 * bin/fgflow.js runs the compiled CLI when dist/ is at least as new as src/, and the TypeScript
 * sources through tsx otherwise (or when FGFLOW_FROM_SOURCE=1): both must behave the same.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  /** An installed package: bin/ and dist/, a src/ (shipped for source maps), but no tsconfig.json. */
  function installed(withDist: boolean): string {
    const dir = mkdtempSync(join(tmpdir(), 'fgflow-installed-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(BIN, join(dir, 'bin/fgflow.js'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/newer.ts'), 'export {};\n');
    if (withDist) {
      mkdirSync(join(dir, 'dist/cli'), { recursive: true });
      writeFileSync(join(dir, 'dist/cli/main.js'), "export async function main() { process.stdout.write('compiled'); return 0; }\n");
      utimesSync(join(dir, 'dist/cli/main.js'), new Date(0), new Date(0));
    }
    return dir;
  }

  it('an installed package runs dist/ even when src/ looks newer, and never needs tsx', () => {
    const dir = installed(true);
    const r = spawnSync(process.execPath, [join(dir, 'bin/fgflow.js')], { encoding: 'utf8', cwd: dir, env: { ...process.env, FGFLOW_FROM_SOURCE: '' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('compiled');
  });

  it('an installed package without dist/ gets a one-line error naming the missing file (exit 1)', () => {
    const dir = installed(false);
    const r = spawnSync(process.execPath, [join(dir, 'bin/fgflow.js')], { encoding: 'utf8', cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^fgflow: .*dist\/cli\/main\.js is missing: this install of fgflow is incomplete/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
