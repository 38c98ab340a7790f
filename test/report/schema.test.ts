import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { PAPER_FIGURES, REPORT_VERSION, reportJsonSchema, validateReport, type ModelRun, type ReportJson, type SeedStat } from '../../src/report/index.ts';
import { sampleReport } from '../../src/experiment/demo.ts';

/** A deep, mutable copy of the sample report to break in tests. */
const mutable = (r: ReportJson = sampleReport({ examples: 2, nTest: 12 })): any => structuredClone(r);

const problems = (x: unknown): string[] => {
  const r = validateReport(x);
  if (E.isRight(r)) throw new Error('expected the report to be rejected');
  return r.left;
};

const stat = (values: number[]): SeedStat => ({ mean: values.reduce((a, b) => a + b, 0) / values.length, lo: null, hi: null, sd: null, n: values.length, values });

describe('validateReport (version 2)', () => {
  it('accepts the sample report and returns it unchanged', () => {
    const r = sampleReport();
    const v = validateReport(r);
    expect(E.isRight(v)).toBe(true);
    if (E.isRight(v)) expect(v.right).toEqual(r);
  });

  it('accepts a minimal report with only the required fields', () => {
    const run: ModelRun = {
      seed: 0, balancedAccuracy: 0.5, auc: null, accuracy: 0.5, spanAlignment: null, flowSpanAlignment: null, unexplained: null,
      features: { brightness: { S: 0.01, F: null } }, noise: { S: 0.001, F: null, draws: 1 }, selectedEpoch: 0, history: [], trainSeconds: 0, measureSeconds: 0,
    };
    const minimal = {
      version: 2,
      createdAt: '2025-01-01T00:00:00Z',
      settings: {},
      assumptions: [],
      data: { name: 'd', subjects: 20, positives: 4, nTrain: 10, nValidation: 4, nTest: 6, testPositives: 1, validationPositives: 1, fingerprint: 'f' },
      seeds: [0],
      selection: { metric: 'validation.auc', rule: 'best' },
      models: [
        {
          name: 'm', lambda: 0, kind: 'none', balancedAccuracy: stat([0.5]), auc: null, accuracy: stat([0.5]),
          spanAlignment: null, flowSpanAlignment: null, unexplained: null,
          features: { brightness: { S: stat([0.01]), F: null, ratioToNoise: null, flowRatioToNoise: null } },
          noise: { S: stat([0.001]), F: null, draws: 1 }, selectedEpoch: stat([0]), runs: [run],
        },
      ],
      comparisons: [],
      paper: { ...PAPER_FIGURES },
      timing: { totalSeconds: 1 },
    };
    const v = validateReport(minimal);
    expect(E.isRight(v) ? [] : v.left).toEqual([]);
  });

  it('survives a JSON round trip', () => {
    const r = JSON.parse(JSON.stringify(sampleReport()));
    expect(E.isRight(validateReport(r))).toBe(true);
  });

  it('a non-object gets one problem at the root', () => {
    expect(problems(null)).toEqual(['(root): Invalid input: expected object, received null']);
    expect(problems([1])).toEqual(['(root): Invalid input: expected object, received array']);
    expect(problems('x')).toEqual(['(root): Invalid input: expected object, received string']);
  });

  it('a version 1 report gets one line naming both versions', () => {
    expect(problems({ version: 1, models: [] })).toEqual([`version: this fgflow reads report.json version ${REPORT_VERSION}, got 1 (a version 1 report comes from fgflow 0.1: rerun the experiment)`]);
  });

  it('an empty object gets a problem for every missing top-level field', () => {
    const p = problems({});
    for (const k of ['version', 'createdAt', 'settings', 'assumptions', 'data', 'seeds', 'selection', 'models', 'comparisons', 'paper', 'timing']) {
      expect(p.some((s) => s.startsWith(`${k}:`)), k).toBe(true);
    }
  });

  it('a report broken in many places gets every problem listed, each with its path', () => {
    const r = mutable();
    r.seeds = [];
    r.models[0].kind = 'magic';
    r.models[0].runs[0].features.brightness.Sq1 = 0.9;
    r.models[0].runs[1].history[0].validationLoss = -1;
    r.models[0].runs[2].distributions.brightness.S[4] = -0.5;
    r.models[0].runs[3].flags = { flowNotReached: 1.5 };
    r.models[1].spanAlignment.mean = 1.5;
    r.models[2].balancedAccuracy.values.pop();
    r.models[2].auc.lo = 0.99;
    r.comparisons[1].alignmentGain = 'huge';
    r.examples[0].label = 2;
    r.examples[0].images[0].data = r.examples[0].images[0].data.slice(1);
    r.examples[0].images[0].mask = [1, 0];
    r.examples[0].images[1].colormap = 'jet';
    r.examples[0].flow[0].data[3] = Number.POSITIVE_INFINITY;
    r.examples[0].path.reached = 'yes';
    r.paper.balancedAccuracy = '0.68';
    r.timing.totalSeconds = -1;
    const p = problems(r);
    const median = r.models[0].runs[0].features.brightness.Smedian;
    expect(p).toEqual([
      'seeds: Too small: expected array to have >=1 items',
      'models[0].kind: Invalid option: expected one of "pointwise"|"span"|"none"',
      `models[0].runs[0].features.brightness.Sq1: Sq1 (0.9) exceeds Smedian (${median})`,
      'models[0].runs[1].history[0].validationLoss: Too small: expected number to be >=0',
      'models[0].runs[2].distributions.brightness.S[4]: Too small: expected number to be >=0',
      'models[0].runs[3].flags.flowNotReached: Invalid input: expected int, received number',
      'models[1].spanAlignment: values, mean and interval must lie in [0, 1]',
      'models[2].balancedAccuracy.values: holds 4 values but n is 5',
      `models[2].auc.lo: lo (0.99) exceeds hi (${r.models[2].auc.hi})`,
      'comparisons[1].alignmentGain: Invalid option: expected one of "significant"|"not significant"|"untestable"',
      'examples[0].label: Invalid input',
      'examples[0].images[0].data: has 2303 values, expected width × height = 2304',
      'examples[0].images[0].mask: has 2 values, expected width × height = 2304',
      'examples[0].images[1].colormap: Invalid option: expected one of "gray"|"diverging"',
      'examples[0].flow[0].data[3]: Invalid input: expected number, received Infinity',
      'examples[0].path.reached: Invalid input: expected boolean, received string',
      'paper.balancedAccuracy: Invalid input: expected number, received string',
      'timing.totalSeconds: Too small: expected number to be >=0',
    ]);
  });

  it('a baseline with λ ≠ 0 and a model with fewer runs than seeds each get a problem', () => {
    const r = mutable();
    r.models[0].lambda = 0.5;
    r.models[1].runs.pop();
    expect(problems(r)).toEqual(['models[0].lambda: must be 0 for kind "none", got 0.5', 'models[1].runs: 4 runs but 5 seeds in balancedAccuracy']);
  });

  it('duplicate model names and assumption ids, and references to unknown models, each get a problem', () => {
    const r = mutable();
    r.models[1].name = r.models[2].name;
    r.assumptions[2].id = r.assumptions[1].id;
    r.comparisons[0].baseline = 'ghost';
    r.examples[0].model = 'nope';
    const p = problems(r);
    expect(p).toContainEqual(`models[2].name: duplicate model name ${JSON.stringify(r.models[2].name)}`);
    expect(p).toContainEqual(`assumptions[2].id: duplicate assumption id ${JSON.stringify(r.assumptions[1].id)}`);
    expect(p).toContainEqual('comparisons[0].baseline: names no model in "models": "ghost"');
    expect(p).toContainEqual('examples[0].model: names no model in "models": "nope"');
    // the two models renamed away no longer exist for the comparisons that named them
    expect(p).toContainEqual(`comparisons[0].rewarded: names no model in "models": ${JSON.stringify(sampleReport().models[1]!.name)}`);
    expect(p.length).toBe(5);
  });

  it('an empty models list gets one problem', () => {
    const r = mutable();
    r.models = [];
    r.comparisons = [];
    r.examples = [];
    expect(problems(r)).toEqual(['models: Too small: expected array to have >=1 items']);
  });

  it('publishes a JSON Schema (draft 2020-12) with every top-level field required', () => {
    const schema = reportJsonSchema() as { $schema: string; required: string[]; properties: Record<string, unknown> };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'createdAt', 'settings', 'assumptions', 'data', 'seeds', 'selection', 'models', 'comparisons', 'paper', 'timing']));
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['ceilings', 'examples', 'backend']));
  });
});

describe('sampleReport (the demo)', () => {
  const r = sampleReport();
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const stats = (m: ReportJson['models'][number]): SeedStat[] => [m.balancedAccuracy, m.auc!, m.accuracy, m.spanAlignment!, m.flowSpanAlignment!, m.unexplained!, m.noise.S, m.selectedEpoch, ...Object.values(m.features).flatMap((f) => [f.S, f.F!, f.ratioToNoise!, f.flowRatioToNoise!])];

  it('is deterministic: the same seed gives the same report, another seed another', () => {
    expect(sampleReport()).toEqual(r);
    expect(sampleReport({ seed: 2 }).models[0]!.balancedAccuracy.values).not.toEqual(r.models[0]!.balancedAccuracy.values);
  });

  it('holds three models over five seeds, with example images from the baseline and the largest λ', () => {
    expect(r.seeds).toEqual([0, 1, 2, 3, 4]);
    expect(r.models.map((m) => [m.name, m.kind, m.lambda])).toEqual([
      ['baseline', 'none', 0],
      ['pointwise-λ0.01', 'pointwise', 0.01],
      ['pointwise-λ0.1', 'pointwise', 0.1],
    ]);
    expect(r.examples?.map((e) => [e.id, e.model, e.seed])).toEqual([
      ['phantom-017', 'baseline', 0],
      ['phantom-017', 'pointwise-λ0.1', 0],
    ]);
    // the same test image under both models
    expect(r.examples?.[0]?.images[0]?.data).toEqual(r.examples?.[1]?.images[0]?.data);
  });

  it('every SeedStat is the mean of its per-seed values, in seed order, inside its interval', () => {
    for (const m of r.models) {
      expect(m.runs.map((run) => run.seed)).toEqual(r.seeds);
      expect(m.balancedAccuracy.values).toEqual(m.runs.map((run) => run.balancedAccuracy));
      expect(m.spanAlignment!.values).toEqual(m.runs.map((run) => run.spanAlignment));
      for (const s of stats(m)) {
        expect(s.n).toBe(r.seeds.length);
        expect(s.mean).toBeCloseTo(mean(s.values), 12);
        expect(s.lo!).toBeLessThanOrEqual(s.mean);
        expect(s.hi!).toBeGreaterThanOrEqual(s.mean);
      }
    }
  });

  it('95% t intervals match the textbook: mean ± t(0.975, 4)·sd/√5', () => {
    const s = r.models[0]!.balancedAccuracy;
    const sd = Math.sqrt(s.values.reduce((a, v) => a + (v - s.mean) ** 2, 0) / 4);
    expect(s.sd!).toBeCloseTo(sd, 12);
    // t(0.975, 4) = 2.776445105
    expect(s.hi! - s.mean).toBeCloseTo((2.776445105 * sd) / Math.sqrt(5), 8);
  });

  it('each comparison pairs the same seeds: differences are rewarded − baseline, Holm p ≥ p, the verdict follows the numbers', () => {
    const base = r.models[0]!;
    expect(r.comparisons.length).toBe(2);
    for (const c of r.comparisons) {
      const rew = r.models.find((m) => m.name === c.rewarded)!;
      expect(c.baseline).toBe(base.name);
      expect(c.seeds).toEqual(r.seeds);
      expect(c.spanAlignment.differences).toEqual(rew.runs.map((run, i) => run.spanAlignment! - base.runs[i]!.spanAlignment!));
      expect(c.balancedAccuracy.differences).toEqual(rew.runs.map((run, i) => run.balancedAccuracy - base.runs[i]!.balancedAccuracy));
      for (const d of [c.spanAlignment, c.flowSpanAlignment!, c.balancedAccuracy]) {
        expect(d.mean).toBeCloseTo(mean(d.differences), 12);
        expect(d.pHolm!).toBeGreaterThanOrEqual(d.pValue!);
        expect(d.lo!).toBeLessThan(d.hi!);
      }
      expect(c.alignmentGain).toBe(c.spanAlignment.pHolm! < 0.05 && c.spanAlignment.mean > 0 ? 'significant' : 'not significant');
      expect(c.accuracy).toBe(c.balancedAccuracy.lo! > -c.margin ? 'maintained' : 'not shown');
      expect(c.verdict).toContain(`${c.rewarded} vs ${c.baseline} over 5 paired seeds`);
    }
  });

  it('each run keeps the epoch with the best validation AUC of its own history', () => {
    for (const m of r.models) {
      for (const run of m.runs) {
        const best = Math.max(...run.history.map((h) => h.validationAuc ?? 0));
        expect(run.history[run.selectedEpoch]?.validationAuc).toBe(best);
        expect(run.history.findIndex((h) => h.validationAuc === best)).toBe(run.selectedEpoch);
      }
    }
  });

  it('each feature summary is the mean of its recorded distribution', () => {
    for (const m of r.models) {
      for (const run of m.runs) {
        for (const [f, s] of Object.entries(run.features)) {
          expect(s.S).toBeCloseTo(mean(run.distributions![f]!.S), 6);
          expect(s.F!).toBeCloseTo(mean(run.distributions![f]!.F), 6);
        }
        expect(run.noise.S).toBeCloseTo(mean(run.distributions!.noise!.S), 6);
      }
    }
  });
});
