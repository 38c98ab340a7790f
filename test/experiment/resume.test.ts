/**
 * Interrupting a run (the CLI's Ctrl-C is an abort signal) at any point leaves a state that
 * --resume completes with exactly the numbers of an uninterrupted run: during a job's training,
 * and after the last training, while measuring. Leftover temporary files from a killed write are
 * removed by the resume, and a run that fails leaves no empty folders behind.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentError, runExperiment, silentProgress, type ExperimentOptions, type JobResult, type ProgressSink } from '../../src/experiment/index.ts';

const tiny: Partial<ExperimentOptions> = {
  subjects: 32,
  positives: 8,
  size: 16,
  crop: 16,
  epochs: 3,
  batchSize: 8,
  channels: [2, 4, 4],
  hidden: [8],
  lambdas: [0, 1],
  seeds: [0, 1],
  noiseDraws: 2,
  flowSamples: 2,
  flowSteps: 5,
  examples: 0,
  // a shard of one: every job runs, and no report is written (the report is tested elsewhere)
  shard: { index: 1, count: 1 },
};
const env = { backend: 'cpu', numerics: 'cpu' };
const tmp = () => mkdtempSync(join(tmpdir(), 'fgflow-resume-'));
const runs = (rs: readonly JobResult[]) => rs.map((r) => ({ job: r.job.id, ...r.run, trainSeconds: 0, measureSeconds: 0 }));

/** A progress sink that aborts when `when` first holds for a started task's label. */
function abortOn(when: (label: string, count: number) => boolean): { progress: ProgressSink; signal: AbortSignal } {
  const controller = new AbortController();
  let count = 0;
  const progress: ProgressSink = {
    ...silentProgress,
    start: (label) => {
      if (when(label, ++count) && !controller.signal.aborted) controller.abort();
    },
  };
  return { progress, signal: controller.signal };
}

describe('interrupt and --resume', () => {
  const reference = runExperiment({ ...tiny, out: tmp() }, silentProgress, env);

  it('during the second job’s training: stops with an interrupted error, and resuming gives the uninterrupted numbers', async () => {
    const out = tmp();
    const { progress, signal } = abortOn((label) => label === 'pointwise-λ1-seed0 train');
    await expect(runExperiment({ ...tiny, out, signal }, progress, env)).rejects.toMatchObject({ code: 'interrupted' });
    expect(existsSync(join(out, 'jobs', 'pointwise-λ1-seed0', 'checkpoint.ckpt'))).toBe(true);
    expect(existsSync(join(out, 'jobs', 'pointwise-λ1-seed0', 'result.json'))).toBe(false);
    const resumed = await runExperiment({ ...tiny, out, resume: true }, silentProgress, env);
    expect(runs(resumed.results)).toEqual(runs((await reference).results));
  });

  it('after the last training, while measuring: stops promptly, and resuming measures the trained model', async () => {
    const out = tmp();
    const { progress, signal } = abortOn((label) => label === 'pointwise-λ1-seed1 measure');
    await expect(runExperiment({ ...tiny, out, signal }, progress, env)).rejects.toThrow(ExperimentError);
    expect(existsSync(join(out, 'jobs', 'pointwise-λ1-seed1', 'result.json'))).toBe(false);
    const resumed = await runExperiment({ ...tiny, out, resume: true }, silentProgress, env);
    expect(runs(resumed.results)).toEqual(runs((await reference).results));
  });

  it('--resume removes the temporary files a killed checkpoint write left behind', async () => {
    const out = tmp();
    const { progress, signal } = abortOn((label) => label === 'baseline-seed1 train');
    await expect(runExperiment({ ...tiny, out, signal }, progress, env)).rejects.toMatchObject({ code: 'interrupted' });
    const stale = join(out, 'jobs', 'baseline-seed1', '.checkpoint.ckpt.12345.abc.tmp');
    writeFileSync(stale, 'half a checkpoint');
    await runExperiment({ ...tiny, out, resume: true }, silentProgress, env);
    expect(existsSync(stale)).toBe(false);
  });

  it('a run that fails leaves no empty folders in --out', async () => {
    const out = join(tmp(), 'out');
    // every training loss is NaN with this learning rate on the phantom: the first job fails
    await expect(runExperiment({ ...tiny, out, lr: 1e300 }, silentProgress, env)).rejects.toThrow();
    expect(existsSync(out) ? readdirSync(out) : 'removed').toBe('removed');
  });
});
