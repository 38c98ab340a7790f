/**
 * The test split never reaches training or model selection. Proof by poison: the test rows' images
 * are replaced by NaN; a NaN in any training batch makes the loss NaN (training stops with an
 * error), and a NaN in the validation scoring makes its metrics NaN. So a job that trains and
 * selects cleanly on poisoned data used no test row. The control poisons one training row instead
 * and must fail, which shows the poison is seen wherever it is used.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperimentData, splitForSeed, type ExperimentData } from '../../src/experiment/data.ts';
import { defaultExperimentOptions, type ExperimentOptions } from '../../src/experiment/options.ts';
import { makePlan } from '../../src/experiment/plan.ts';
import { silentProgress } from '../../src/experiment/progress.ts';
import { trainJob } from '../../src/experiment/train-job.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const o: ExperimentOptions = {
  ...defaultExperimentOptions,
  subjects: 60,
  positives: 15,
  size: 16,
  crop: 16,
  epochs: 2,
  batchSize: 8,
  channels: [2, 4, 4],
  hidden: [8],
  lambdas: [0, 0.5],
  seeds: [3],
};

function poisoned(data: ExperimentData, rows: readonly number[]): ExperimentData {
  const x = data.prepared.x;
  const buf = Float32Array.from(x.data);
  const row = buf.length / x.shape[0];
  for (const r of rows) buf.fill(NaN, r * row, (r + 1) * row);
  return { ...data, prepared: { ...data.prepared, x: Tensor.fromBuffer(x.shape, x.dtype, buf) as typeof x } };
}

describe('no test index reaches training or selection', () => {
  const data = loadExperimentData(o);
  const plan = makePlan(o, data.fingerprint, 'cpu');
  const split = splitForSeed(data.prepared.labels, 3, o);

  for (const job of plan.jobs) {
    it(`${job.id} trains and selects on data whose test rows are NaN`, async () => {
      const trained = await trainJob({ options: o, plan, data: poisoned(data, split.test), job, split, dir: mkdtempSync(join(tmpdir(), 'fgflow-leak-')), progress: silentProgress });
      expect(trained.history).toHaveLength(2);
      for (const h of trained.history) {
        expect(Number.isFinite(h.trainLoss)).toBe(true);
        expect(Number.isFinite(h.validation!.bce)).toBe(true);
        expect(Number.isFinite(h.validation!.balancedAccuracy)).toBe(true);
      }
      expect([0, 1]).toContain(trained.selectedEpoch);
    });
  }

  it('control: poisoning one training row is caught (the training loss is NaN)', async () => {
    await expect(trainJob({ options: o, plan, data: poisoned(data, [split.train[0]!]), job: plan.jobs[0]!, split, dir: mkdtempSync(join(tmpdir(), 'fgflow-leak-')), progress: silentProgress })).rejects.toThrow(/NaN/);
  });

  it('control: poisoning one validation row is caught (selection sees it)', async () => {
    await expect(trainJob({ options: o, plan, data: poisoned(data, [split.validation[0]!]), job: plan.jobs[0]!, split, dir: mkdtempSync(join(tmpdir(), 'fgflow-leak-')), progress: silentProgress })).rejects.toThrow(/NaN/);
  });
});
