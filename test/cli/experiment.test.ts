import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { validateReport } from '../../src/report/index.ts';
import { defaultExperimentOptions, Interrupted, runExperiment, type ExperimentOptions } from '../../src/cli/experiment.ts';
import { createProgress } from '../../src/cli/progress.ts';
import { CliError } from '../../src/cli/errors.ts';

const BIN = join(import.meta.dirname, '../../bin/fgflow.js');
const tiny: ExperimentOptions = {
  ...defaultExperimentOptions,
  subjects: 32,
  positives: 8,
  size: 32,
  epochs: 2,
  batchSize: 8,
  channels: [4, 8, 8],
  hidden: [16, 8],
  lambdas: [0, 1],
  noiseDraws: 3,
  flowSamples: 3,
  flowSteps: 10,
  examples: 1,
  out: '',
};
const silent = createProgress('silent');

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
}

describe('fgflow experiment', () => {
  it('runs end to end on a tiny config and writes a valid report.json and a report.html', () => {
    const out = mkdtempSync(join(tmpdir(), 'fgflow-e2e-'));
    const r = run(['experiment', '--subjects', '32', '--positives', '8', '--size', '32', '--epochs', '2', '--batch', '8', '--channels', '4,8,8', '--hidden', '16,8', '--lambdas', '0,1', '--noise-draws', '3', '--flow-samples', '3', '--flow-steps', '10', '--examples', '1', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.models.map((m: { name: string }) => m.name)).toEqual(['baseline', 'pointwise-λ1']);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const valid = validateReport(report);
    expect(E.isRight(valid) ? [] : valid.left).toEqual([]);
    expect(report.models).toHaveLength(2);
    for (const m of report.models) {
      expect(Object.keys(m.features).sort()).toEqual(['brightness', 'extent', 'logAspectRatio']);
      expect(m.noise.draws).toBe(3);
      expect(m.history).toHaveLength(2);
    }
    expect(report.data.groundTruth.weights).toHaveProperty('logAspectRatio');
    expect(report.examples.length).toBeGreaterThan(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<figure');
    expect(existsSync(join(out, 'checkpoints', 'baseline.ckpt'))).toBe(true);
  });

  it('reports bad options as one usage error listing every problem, exit code 1', () => {
    const r = run(['experiment', '--size', '30', '--lambdas', '0,-1', '--features', 'brightness,colour', '--out', mkdtempSync(join(tmpdir(), 'fgflow-bad-'))]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/size must be a multiple of 8/);
    expect(r.stderr).toMatch(/each lambda must be a non-negative number, got -1/);
    expect(r.stderr).toMatch(/unknown feature colour/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('a non-numeric option is rejected by the parser with its name', () => {
    const r = run(['experiment', '--epochs', 'many']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/epochs must be an integer, got many/);
  });

  it('a missing data path is a DataError naming the path', () => {
    const r = run(['experiment', '--data', '/nonexistent/manifest.csv', '--out', mkdtempSync(join(tmpdir(), 'fgflow-missing-'))]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/nonexistent\/manifest\.csv/);
  });

  it('an interrupted run saves a checkpoint; --resume finishes with the uninterrupted result', async () => {
    const outA = mkdtempSync(join(tmpdir(), 'fgflow-a-'));
    const outB = mkdtempSync(join(tmpdir(), 'fgflow-b-'));
    const uninterrupted = await runExperiment({ ...tiny, lambdas: [0], out: outA }, silent);
    const controller = new AbortController();
    controller.abort(); // stops after the first step
    await expect(runExperiment({ ...tiny, lambdas: [0], out: outB, signal: controller.signal }, silent)).rejects.toBeInstanceOf(Interrupted);
    expect(existsSync(join(outB, 'checkpoints', 'baseline.ckpt'))).toBe(true);
    const resumed = await runExperiment({ ...tiny, lambdas: [0], out: outB, resume: true }, silent);
    const pick = (r: typeof resumed) => r.report.models.map((m) => [m.balancedAccuracy, m.auc, m.spanAlignment, m.history]);
    expect(pick(resumed)).toEqual(pick(uninterrupted));
  });

  it('validates options before doing any work', async () => {
    await expect(runExperiment({ ...tiny, epochs: -1, testFraction: 1.5, out: mkdtempSync(join(tmpdir(), 'fgflow-v-')) }, silent)).rejects.toThrow(CliError);
  });
});

describe('fgflow phantom and report', () => {
  it('writes the phantom as PNGs + manifest that the experiment reads back with --data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fgflow-ph-'));
    const r = run(['phantom', '--out', dir, '--subjects', '24', '--positives', '6', '--size', '32', '--quiet']);
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, 'manifest.csv'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')).groundTruth.positives).toBe(6);
    const out = mkdtempSync(join(tmpdir(), 'fgflow-ph-out-'));
    const e = run(['experiment', '--data', dir, '--size', '32', '--epochs', '1', '--batch', '8', '--channels', '4,4,4', '--hidden', '8,4', '--lambdas', '0', '--noise-draws', '2', '--flow-samples', '2', '--flow-steps', '5', '--examples', '1', '--out', out, '--json']);
    expect(e.stderr).toBe('');
    expect(e.status).toBe(0);
    expect(JSON.parse(e.stdout).data.nTrain + JSON.parse(e.stdout).data.nTest).toBe(24);
  });

  it('re-renders a report from its JSON and refuses an invalid one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fgflow-rep-'));
    expect(run(['report', '--demo', '--out', dir]).status).toBe(0);
    const again = run(['report', '--from', join(dir, 'report.json')]);
    expect(again.status).toBe(0);
    expect(again.stdout.trim()).toBe(join(dir, 'report.html'));
    const bad = run(['report', '--from', join(dir, 'report.html')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/not a valid report/);
  });

  it('prints help for every command', () => {
    for (const cmd of ['experiment', 'train', 'explain', 'phantom', 'report', 'bench']) {
      const out = execFileSync(process.execPath, [BIN, cmd, '--help'], { encoding: 'utf8' });
      expect(out).toContain(`Usage: fgflow ${cmd}`);
    }
  });
});

describe('fgflow train and explain', () => {
  it('train writes a checkpoint that explain measures, optionally as a report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fgflow-train-'));
    const common = ['--subjects', '32', '--positives', '8', '--size', '32', '--channels', '4,8,8', '--hidden', '16,8', '--noise-draws', '2', '--flow-samples', '2', '--flow-steps', '5'];
    const t = run(['train', ...common, '--epochs', '1', '--batch', '8', '--lambda', '0.5', '--out', dir, '--json']);
    expect(t.stderr).toBe('');
    expect(t.status).toBe(0);
    const trained = JSON.parse(t.stdout);
    expect(trained.name).toBe('pointwise-λ0.5');
    expect(existsSync(trained.checkpoint)).toBe(true);
    const out = join(dir, 'explained');
    const e = run(['explain', ...common, '--checkpoint', trained.checkpoint, '--examples', '1', '--out', out, '--json']);
    expect(e.stderr).toBe('');
    expect(e.status).toBe(0);
    const model = JSON.parse(e.stdout);
    expect(model.name).toBe('pointwise-λ0.5');
    expect(model.lambda).toBe(0.5);
    expect(Object.keys(model.features).sort()).toEqual(['brightness', 'extent', 'logAspectRatio']);
    const valid = validateReport(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(E.isRight(valid) ? [] : valid.left).toEqual([]);
  });

  it('explain with a file that is not a checkpoint is a CheckpointError naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fgflow-notckpt-'));
    const e = run(['explain', '--checkpoint', join(import.meta.dirname, 'experiment.test.ts'), '--out', dir]);
    expect(e.status).toBe(1);
    expect(e.stderr).toMatch(/experiment\.test\.ts/);
    expect(e.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('Ctrl-C', () => {
  it('SIGINT during training saves a checkpoint and exits 130; --resume then finishes the run', async () => {
    const { spawn } = await import('node:child_process');
    const out = mkdtempSync(join(tmpdir(), 'fgflow-sigint-'));
    const args = ['experiment', '--subjects', '32', '--positives', '8', '--size', '32', '--epochs', '40', '--batch', '4', '--channels', '4,8,8', '--hidden', '16,8', '--lambdas', '0', '--noise-draws', '2', '--flow-samples', '2', '--flow-steps', '5', '--examples', '1', '--out', out];
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // Interrupt once training is under way (its first progress line after the start).
        if (/train baseline: \d+\/\d+/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/progress saved to .*baseline\.ckpt/);
    expect(existsSync(join(out, 'checkpoints', 'baseline.ckpt'))).toBe(true);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    const resumed = run([...args, '--resume']);
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toMatch(/resuming from .*baseline\.ckpt at epoch/);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
  });
});
