/**
 * `fgflow experiment` end to end on a tiny configuration: jobs over seeds, shards merged into the
 * report a single run writes, parallel jobs, resuming, and every bad input as a one-line error with
 * exit code 1 that writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { validateReport } from '../../src/report/index.ts';

const BIN = join(import.meta.dirname, '../../bin/fgflow.js');
const TINY = ['--subjects', '32', '--positives', '8', '--size', '16', '--crop', '16', '--epochs', '2', '--batch', '8', '--channels', '2,4,4', '--hidden', '8', '--lambdas', '0,1', '--noise-draws', '2', '--flow-samples', '2', '--flow-steps', '5', '--examples', '1', '--seeds', '2', '--backend', 'cpu'];

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 180_000 });
}
function runAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `fgflow-${name}-`));
const reportOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
/** What must agree between two runs of the same plan: everything but when it ran and how long it took. */
const CLOCK = new Set(['createdAt', 'timing', 'trainSeconds', 'measureSeconds']);
const results = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(results) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !CLOCK.has(k)).map(([k, x]) => [k, results(x)])) : v;
/** A one-line error with exit 1, no stack trace. */
function expectOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp) {
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(pattern);
  // The log may say which backend ran; the error itself is one line.
  expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('backend: '))).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

describe('fgflow experiment', () => {
  const single = tmp('single');
  const first = run(['experiment', ...TINY, '--out', single, '--json']);

  it('runs every (λ, seed) job and writes a valid version 2 report with intervals over seeds', () => {
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.models.map((m: { name: string }) => m.name)).toEqual(['baseline', 'pointwise-λ1']);
    const report = reportOf(single);
    const valid = validateReport(report);
    expect(E.isRight(valid) ? [] : valid.left).toEqual([]);
    expect(report.seeds).toEqual([0, 1]);
    for (const m of report.models) {
      expect(m.balancedAccuracy.n).toBe(2);
      expect(m.balancedAccuracy.values).toHaveLength(2);
      expect(m.runs.map((r: { seed: number }) => r.seed)).toEqual([0, 1]);
      for (const r of m.runs) expect(r.history).toHaveLength(2);
    }
    expect(report.comparisons).toHaveLength(1);
    expect(report.comparisons[0].method).toMatch(/paired t-test/);
    expect(report.ceilings.map((c: { name: string }) => c.name)).toEqual(['all label features', 'visible features only']);
    expect(readdirSync(join(single, 'jobs')).sort()).toEqual(['baseline-seed0', 'baseline-seed1', 'pointwise-λ1-seed0', 'pointwise-λ1-seed1', 'shuffled-labels-seed0', 'shuffled-labels-seed1']);
    const steps = report.sanity.parameterRandomisation.steps.map((s: { layers: string[] }) => s.layers);
    expect(steps[steps.length - 1]).toEqual(['logit', 'dense1', 'conv3', 'conv2', 'conv1']);
    expect(steps.map((l: string[]) => l.length)).toEqual([1, 2, 3, 4, 5]);
    expect(['pass', 'fail']).toContain(report.sanity.labelRandomisation.verdict);
    expect(Object.keys(report.models[0].ablation).sort()).toEqual(['brightness', 'extent', 'logAspectRatio']);
    expect(readFileSync(join(single, 'report.html'), 'utf8')).toContain('<figure');
  });

  it('two shards run as separate processes and merged give the unsharded report number for number', async () => {
    const [a, b, merged] = [tmp('shard1'), tmp('shard2'), tmp('merged')];
    const shards = await Promise.all([runAsync(['experiment', ...TINY, '--out', a, '--shard', '1/2', '--quiet']), runAsync(['experiment', ...TINY, '--out', b, '--shard', '2/2', '--quiet'])]);
    for (const s of shards) expect(s).toEqual({ status: 0, stderr: '' });
    expect(existsSync(join(a, 'report.json'))).toBe(false);
    const m = run(['report', '--merge', a, b, '--out', merged]);
    expect(m.stderr).toBe('');
    expect(m.status).toBe(0);
    expect(results(reportOf(merged))).toEqual(results(reportOf(single)));
  });

  it('--jobs 2 (two worker processes) gives the same numbers as one process', () => {
    const out = tmp('jobs2');
    const r = run(['experiment', ...TINY, '--out', out, '--jobs', '2', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(results(reportOf(out))).toEqual(results(reportOf(single)));
  });

  it('a non-empty --out is refused without --resume or --force, and nothing in it changes', () => {
    const before = readFileSync(join(single, 'report.json'), 'utf8');
    expectOneLineError(run(['experiment', ...TINY, '--out', single]), /already holds files; pass --resume .* --force/);
    expect(readFileSync(join(single, 'report.json'), 'utf8')).toBe(before);
  });

  it('--resume of a finished run reuses every job and writes the same report', () => {
    const r = run(['experiment', ...TINY, '--out', single, '--resume', '--quiet']);
    expect(r.status).toBe(0);
    expect(results(reportOf(single))).toEqual(results(JSON.parse(readFileSync(join(single, 'report.json'), 'utf8'))));
  });

  it('--resume with other settings is refused, naming each differing setting', () => {
    const r = run(['experiment', ...TINY.map((v) => (v === '2,4,4' ? '2,4,4' : v)), '--lr', '0.002', '--epochs', '3', '--out', single, '--resume']);
    expectOneLineError(r, /other settings \(.*epochs: 2 there, 3 here.*lr: 0.001 there, 0.002 here/);
  });

  it('--force replaces the results in --out', () => {
    const out = tmp('force');
    writeFileSync(join(out, 'report.json'), '{}');
    const r = run(['experiment', ...TINY, '--seeds', '1', '--lambdas', '0', '--out', out, '--force', '--quiet']);
    expect(r.status).toBe(0);
    expect(reportOf(out).seeds).toEqual([0]);
  });
});

describe('bad input gets a one-line error, exit 1, and nothing written', () => {
  const cases: [string, string[], RegExp][] = [
    ['--seeds 0', ['--seeds', '0'], /--seeds must be at least 1, got 0/],
    ['--shard 3/2', ['--shard', '3/2'], /--shard 3\/2: i must lie in 1..n/],
    ['a malformed --shard', ['--shard', 'half'], /--shard must look like i\/n/],
    ['--jobs 0', ['--jobs', '0'], /--jobs must be a positive integer, got 0/],
    ['--size 30 and a negative λ together', ['--size', '30', '--lambdas', '0,-1'], /2 invalid options: .*multiple of 8.*got -1/],
  ];
  for (const [name, args, pattern] of cases) {
    it(`${name} gets a usage error`, () => {
      const out = join(tmp('bad'), 'out');
      expectOneLineError(run(['experiment', ...TINY, ...args, '--out', out]), pattern);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('--out under a regular file gets an io error naming the path (ENOTDIR)', () => {
    const file = join(tmp('notdir'), 'file');
    writeFileSync(file, 'x');
    expectOneLineError(run(['experiment', ...TINY, '--out', join(file, 'out')]), /cannot create the folder .*file\/out: a part of the path is a file, not a folder \(ENOTDIR\)/);
  });

  it('--out that is a file gets an io error naming it', () => {
    const file = join(tmp('isfile'), 'out');
    writeFileSync(file, 'x');
    expectOneLineError(run(['experiment', ...TINY, '--out', file]), /cannot use .*out as the output folder: it is a file/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('a missing --data path is a data error naming the path, and no folder is left behind', () => {
    const out = join(tmp('nodata'), 'out');
    expectOneLineError(run(['experiment', ...TINY, '--data', '/nonexistent/manifest.csv', '--out', out]), /\/nonexistent\/manifest\.csv/);
    expect(existsSync(out)).toBe(false);
  });

  it('merging shards of different runs is refused, naming the setting that differs', () => {
    const [a, b] = [tmp('m1'), tmp('m2')];
    expect(run(['experiment', ...TINY, '--seeds', '1', '--lambdas', '0', '--out', a, '--shard', '1/1', '--quiet']).status).toBe(0);
    expect(run(['experiment', ...TINY, '--seeds', '1', '--lambdas', '0', '--lr', '0.01', '--out', b, '--shard', '1/1', '--quiet']).status).toBe(0);
    const out = join(tmp('m3'), 'out');
    expectOneLineError(run(['report', '--merge', a, b, '--out', out]), /was run with other settings .*lr: 0.01 there, 0.001 here/);
    expect(existsSync(out)).toBe(false);
  });

  it('a merge that lacks a job names the missing (λ, seed)', () => {
    const a = tmp('half');
    expect(run(['experiment', ...TINY, '--out', a, '--shard', '1/2', '--quiet']).status).toBe(0);
    expectOneLineError(run(['report', '--merge', a, '--out', join(tmp('m4'), 'out')]), /lack 3 jobs: \(λ 1, seed 0\), \(λ 0, seed 1\), \(shuffled-labels, seed 1\)/);
  });

  it('a non-numeric option is rejected by the parser with its name', () => {
    const r = run(['experiment', '--epochs', 'many']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/epochs must be an integer, got many/);
  });
});

describe('train and explain share the experiment’s checks', () => {
  const dir = tmp('train');
  const only = (drop: readonly string[]) => TINY.filter((_, i, a) => !drop.includes(a[i]!) && !drop.includes(a[i - 1]!));
  const trained = run(['train', ...only(['--seeds', '--lambdas', '--examples']), '--lambda', '0', '--seed', '0', '--out', join(dir, 'model'), '--quiet']);

  it('train keeps the epoch chosen on validation and explain measures it on the split it was trained with', () => {
    expect(trained.stderr).toBe('');
    expect(trained.status).toBe(0);
    const r = run(['explain', '--checkpoint', join(dir, 'model', 'checkpoint.ckpt'), '--out', join(dir, 'explained'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = reportOf(join(dir, 'explained'));
    expect(report.seeds).toEqual([0]);
    expect(report.settings.subjects).toBe(32);
  });

  it('explain with another --seed than the checkpoint’s is refused, naming both', () => {
    expectOneLineError(run(['explain', '--checkpoint', join(dir, 'model', 'checkpoint.ckpt'), '--seed', '7']), /trained with other settings than those given \(seeds: \[7\] given, \[0\] in the checkpoint\)/);
  });

  const invalid: [string, string[], RegExp][] = [
    ['train --lambda -1', ['train', '--lambda', '-1', '--out', join(dir, 'x')], /each --lambdas value must be a non-negative number, got -1/],
    ['train --size 30', ['train', '--size', '30', '--out', join(dir, 'y')], /--size must be a multiple of 8/],
    ['explain --flow-samples -3', ['explain', '--checkpoint', join(dir, 'model', 'checkpoint.ckpt'), '--flow-samples', '-3'], /--flow-samples must be a non-negative integer, got -3/],
  ];
  for (const [name, args, pattern] of invalid) it(`${name} gets the experiment’s usage error`, () => expectOneLineError(run(args), pattern));

  it('explain of a file that is not a checkpoint names the file', () => {
    const file = join(dir, 'not.ckpt');
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, 'hello');
    expectOneLineError(run(['explain', '--checkpoint', file]), /not\.ckpt: not a readable checkpoint/);
  });
});
