import { describe, expect, it } from 'vitest';
import { ExperimentError } from '../../src/experiment/errors.ts';
import { defaultExperimentOptions as D, parseSeeds, parseShard, validateOptions, type ExperimentOptions } from '../../src/experiment/options.ts';
import { makePlan, settingDifferences, shardJobs } from '../../src/experiment/plan.ts';

const o: ExperimentOptions = { ...D, seeds: [0, 1, 2], lambdas: [0, 0.01, 0.1], sanity: false };

describe('the plan', () => {
  it('has one job per (λ, seed), named by both, with the baseline and largest λ of the first seed drawing examples', () => {
    const plan = makePlan(o, 'data', 'cpu');
    expect(plan.jobs.map((j) => j.id)).toEqual([
      'baseline-seed0', 'pointwise-λ0.01-seed0', 'pointwise-λ0.1-seed0',
      'baseline-seed1', 'pointwise-λ0.01-seed1', 'pointwise-λ0.1-seed1',
      'baseline-seed2', 'pointwise-λ0.01-seed2', 'pointwise-λ0.1-seed2',
    ]);
    expect(plan.jobs.filter((j) => j.examples).map((j) => j.id)).toEqual(['baseline-seed0', 'pointwise-λ0.1-seed0']);
    expect(new Set(plan.jobs.map((j) => j.fingerprint)).size).toBe(9);
  });

  it('gives a job the same fingerprint whatever the other seeds and λ are (a run can be extended)', () => {
    const a = makePlan(o, 'data', 'cpu').jobs.find((j) => j.id === 'baseline-seed1')!;
    const b = makePlan({ ...o, seeds: [0, 1, 5], lambdas: [0, 1] }, 'data', 'cpu').jobs.find((j) => j.id === 'baseline-seed1')!;
    expect(b.fingerprint).toBe(a.fingerprint);
    const c = makePlan({ ...o, lr: 2e-3 }, 'data', 'cpu').jobs.find((j) => j.id === 'baseline-seed1')!;
    expect(c.fingerprint).not.toBe(a.fingerprint);
    expect(makePlan(o, 'other data', 'cpu').jobs[0]!.fingerprint).not.toBe(makePlan(o, 'data', 'cpu').jobs[0]!.fingerprint);
  });

  it('does not depend on where results go or how jobs are run', () => {
    const a = makePlan(o, 'data', 'cpu');
    const b = makePlan({ ...o, out: '/elsewhere', jobs: 4, shard: { index: 2, count: 3 }, resume: true }, 'data', 'cpu');
    expect(b.fingerprint).toBe(a.fingerprint);
  });

  it('shards partition the jobs, each shard getting a mix of λ', () => {
    const jobs = makePlan(o, 'data', 'cpu').jobs;
    const shards = [1, 2, 3, 4].map((index) => shardJobs(jobs, { index, count: 4 }));
    expect(shards.flat().map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(new Set(shards[0]!.map((j) => j.lambda)).size).toBeGreaterThan(1);
  });

  it('names each differing setting with both values', () => {
    expect(settingDifferences({ lr: 0.001, epochs: 30, data: 'phantom' }, { lr: 0.002, epochs: 30, data: 'x.csv' })).toEqual(['data: "x.csv" there, "phantom" here', 'lr: 0.002 there, 0.001 here']);
  });
});

describe('option errors (one line naming the option)', () => {
  const bad = (patch: Partial<ExperimentOptions>) => {
    try {
      validateOptions({ ...o, ...patch });
    } catch (e) {
      expect(e).toBeInstanceOf(ExperimentError);
      return (e as Error).message;
    }
    return 'accepted';
  };
  it('--seeds with no seed, a repeated seed or a negative one', () => {
    expect(bad({ seeds: [] })).toMatch(/--seeds must give at least one seed/);
    expect(bad({ seeds: [1, 1] })).toMatch(/--seeds repeats a seed/);
    expect(bad({ seeds: [-1] })).toMatch(/non-negative integer, got -1/);
  });
  it('--jobs 0, a shard out of range, --resume with --force', () => {
    expect(bad({ jobs: 0 })).toMatch(/--jobs must be a positive integer, got 0/);
    expect(bad({ shard: { index: 3, count: 2 } })).toMatch(/--shard must be i\/n with 1 ≤ i ≤ n, got 3\/2/);
    expect(bad({ resume: true, force: true })).toMatch(/--resume and --force contradict/);
  });
  it('lists several problems in one line', () => {
    const m = bad({ size: 30, lambdas: [0, -1] });
    expect(m).toMatch(/^2 invalid options: /);
    expect(m).not.toMatch(/\n/);
  });
  it('parses --seeds as a count, a range or a list, and refuses 0 and junk', () => {
    expect(parseSeeds('3')).toEqual([0, 1, 2]);
    expect(parseSeeds('5..7')).toEqual([5, 6, 7]);
    expect(parseSeeds('4,9')).toEqual([4, 9]);
    expect(() => parseSeeds('0')).toThrow(/--seeds must be at least 1, got 0/);
    expect(() => parseSeeds('a,b')).toThrow(/--seeds must be a count/);
    expect(() => parseSeeds('7..5')).toThrow(/the range is empty/);
  });
  it('parses --shard i/n and refuses 3/2 and malformed values', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('3/2')).toThrow(/--shard 3\/2: i must lie in 1..n/);
    expect(() => parseShard('0/2')).toThrow(/i must lie in 1..n/);
    expect(() => parseShard('two')).toThrow(/--shard must look like i\/n/);
    expect(() => parseShard('1/')).toThrow(/--shard must look like i\/n/);
  });
});
