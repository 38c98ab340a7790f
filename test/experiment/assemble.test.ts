import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { assembleReport } from '../../src/experiment/assemble.ts';
import type { JobResult } from '../../src/experiment/job.ts';
import { defaultExperimentOptions as D } from '../../src/experiment/options.ts';
import { makePlan } from '../../src/experiment/plan.ts';
import { validateReport, type ModelRun } from '../../src/report/schema.ts';

const options = { ...D, seeds: [0, 1, 2, 3], lambdas: [0, 0.1], sanity: false };
const plan = makePlan(options, 'data-fp', 'cpu');

function run(seed: number, ba: number, a: number): ModelRun {
  return {
    seed,
    balancedAccuracy: ba,
    auc: Math.min(1, ba + 0.05),
    accuracy: ba,
    spanAlignment: a,
    flowSpanAlignment: a,
    unexplained: 1 - a,
    features: { brightness: { S: a / 2, F: a / 2, ratioToNoise: 10 }, extent: { S: a / 4, F: null } },
    noise: { S: 0.001, F: 0.001, draws: 8 },
    selectedEpoch: seed,
    history: [{ epoch: 0, trainLoss: 1, trainBalancedAccuracy: 0.5, validationBalancedAccuracy: 0.5, validationAuc: 0.5, validationLoss: 0.7 }],
    trainSeconds: 1,
    measureSeconds: 1,
  };
}

// Baseline A per seed and the rewarded model's gain: +0.10, +0.12, +0.08, +0.10 (mean 0.10).
const baseA = [0.1, 0.2, 0.15, 0.12];
const gain = [0.1, 0.12, 0.08, 0.1];
const baseBA = [0.8, 0.7, 0.75, 0.78];
function results(skip?: string): JobResult[] {
  return plan.jobs
    .filter((j) => j.id !== skip)
    .map((job) => {
      const k = options.seeds.indexOf(job.seed);
      const rewarded = job.lambda > 0;
      return {
        version: 1,
        job,
        planFingerprint: plan.fingerprint,
        settings: plan.settings,
        dataFingerprint: plan.dataFingerprint,
        data: { name: 'phantom', subjects: 298, positives: 40 },
        split: { train: 157, validation: 52, test: 89, testPositives: 12, validationPositives: 7 },
        run: run(job.seed, baseBA[k]! - (rewarded ? 0.01 : 0), baseA[k]! + (rewarded ? gain[k]! : 0)),
        ceilings: rewarded ? [] : [{ name: 'all label features', features: ['brightness'], balancedAccuracy: 0.9, auc: 0.95 }],
        examples: [],
        backend: 'cpu',
      } satisfies JobResult;
    });
}

describe('assembleReport', () => {
  const report = assembleReport({ settings: plan.settings, results: results(), timing: { totalSeconds: 3 } });

  it('is a valid version 2 report whose per-seed values follow the seed order', () => {
    const v = validateReport(JSON.parse(JSON.stringify(report)));
    expect(E.isRight(v) ? [] : v.left).toEqual([]);
    expect(report.seeds).toEqual([0, 1, 2, 3]);
    expect(report.models[0]!.spanAlignment!.values).toEqual(baseA);
    expect(report.models[0]!.runs.map((r) => r.seed)).toEqual([0, 1, 2, 3]);
    expect(report.models[0]!.balancedAccuracy.mean).toBeCloseTo(0.7575, 12);
  });

  it('pairs each rewarded seed with the baseline of the same seed', () => {
    const c = report.comparisons[0]!;
    expect(c.baseline).toBe('baseline');
    expect(c.rewarded).toBe('pointwise-λ0.1');
    c.spanAlignment.differences.forEach((d, i) => expect(d).toBeCloseTo(gain[i]!, 12));
    expect(c.spanAlignment.mean).toBeCloseTo(0.1, 12);
    // sd of the gains 0.01633; t = 0.1 / (0.01633 / 2) = 12.25 on 3 df: p ≈ 0.0012
    expect(c.spanAlignment.t).toBeCloseTo(12.247, 2);
    expect(c.spanAlignment.pValue!).toBeLessThan(0.002);
    expect(c.alignmentGain).toBe('significant');
    // BA drops by exactly 0.01 on every seed: no spread, a point interval inside the margin
    expect(c.balancedAccuracy.mean).toBeCloseTo(-0.01, 12);
    expect(c.accuracy).toBe('maintained');
    expect(c.verdict).toMatch(/a significant gain/);
    expect(c.verdict).toMatch(/maintained within the non-inferiority margin of 0.02/);
  });

  it('keeps a feature whose F is undefined on every seed as null, not zero', () => {
    expect(report.models[0]!.features.extent!.F).toBeNull();
    expect(report.models[0]!.features.brightness!.F!.mean).toBeCloseTo(0.07125, 12);
  });

  it('aggregates the ceilings over the baseline jobs', () => {
    expect(report.ceilings![0]!.balancedAccuracy.values).toEqual([0.9, 0.9, 0.9, 0.9]);
  });

  it('a missing job is an incomplete error naming its λ and seed', () => {
    expect(() => assembleReport({ settings: plan.settings, results: results('pointwise-λ0.1-seed2'), timing: {} })).toThrow(/lack 1 job: \(λ 0.1, seed 2\)/);
  });
});
