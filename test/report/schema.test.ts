import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { PAPER_FIGURES, sampleReport, validateReport, type ReportJson } from '../../src/report/index.ts';

/** A deep, mutable copy of the sample report to break in tests. */
const mutable = (r: ReportJson = sampleReport({ examples: 1, nTest: 12, history: false })): any => structuredClone(r);

const problems = (x: unknown): string[] => {
  const r = validateReport(x);
  if (E.isRight(r)) throw new Error('expected the report to be rejected');
  return r.left;
};

describe('validateReport', () => {
  it('accepts the sample report and returns it unchanged', () => {
    const r = sampleReport();
    const v = validateReport(r);
    expect(E.isRight(v)).toBe(true);
    if (E.isRight(v)) expect(v.right).toBe(r);
  });

  it('accepts a minimal report with only the required fields', () => {
    const minimal = {
      version: 1,
      createdAt: '2025-01-01T00:00:00Z',
      settings: {},
      assumptions: [],
      data: { name: 'd', nTrain: 10, nTest: 5, positives: 2 },
      models: [
        {
          name: 'm', lambda: 0, kind: 'none', balancedAccuracy: 0.5, auc: 0.5, accuracy: 0.5,
          spanAlignment: 0.1, flowSpanAlignment: 0.1, unexplained: 0.9,
          features: { brightness: { S: 0.01, F: 0.02 } }, noise: { S: 0.001, F: 0.001 },
        },
      ],
      paper: { ...PAPER_FIGURES },
      timing: { totalSeconds: 1 },
    };
    expect(E.isRight(validateReport(minimal))).toBe(true);
  });

  it('survives a JSON round trip', () => {
    const r = JSON.parse(JSON.stringify(sampleReport()));
    expect(E.isRight(validateReport(r))).toBe(true);
  });

  it('rejects non-objects', () => {
    expect(problems(null)).toEqual(['report: expected an object, got null']);
    expect(problems([1])[0]).toMatch(/expected an object, got an array/);
    expect(problems('x')[0]).toMatch(/expected an object/);
  });

  it('lists every missing top-level field', () => {
    const p = problems({});
    for (const k of ['version', 'createdAt', 'settings', 'assumptions', 'data', 'models', 'paper', 'timing']) {
      expect(p.some((s) => s.startsWith(`${k}:`))).toBe(true);
    }
  });

  it('collects all problems, not just the first', () => {
    const r = mutable();
    r.version = 2;
    r.createdAt = 'yesterday';
    r.models[0].auc = 1.5;
    r.models[1].spanAlignment = Number.NaN;
    r.timing.totalSeconds = -1;
    const p = problems(r);
    expect(p).toEqual(
      expect.arrayContaining([
        'version: expected 1, got 2',
        'createdAt: not an ISO 8601 date: "yesterday"',
        'models[0].auc: must be ≤ 1, got 1.5',
        'models[1].spanAlignment: expected a finite number, got NaN',
        'timing.totalSeconds: must be ≥ 0, got -1',
      ]),
    );
    expect(p.length).toBe(5);
  });

  it('checks assumptions: source, duplicate ids, empty text', () => {
    const r = mutable();
    r.assumptions[0].source = 'folklore';
    r.assumptions[2].id = r.assumptions[1].id;
    r.assumptions[3].text = ' ';
    const p = problems(r);
    expect(p).toContainEqual('assumptions[0].source: expected one of "paper", "authors", "ours", got "folklore"');
    expect(p.some((s) => s.startsWith('assumptions[2].id: duplicate id'))).toBe(true);
    expect(p).toContainEqual('assumptions[3].text: must not be empty');
  });

  it('checks data counts', () => {
    const r = mutable();
    r.data.nTrain = 2.5;
    r.data.positives = 1000;
    r.data.groundTruth.weights.size = 'big';
    const p = problems(r);
    expect(p).toContainEqual('data.nTrain: expected an integer, got 2.5');
    expect(p).toContainEqual('data.groundTruth.weights.size: expected a number, got "big"');
    const r2 = mutable();
    r2.data.positives = 1000;
    expect(problems(r2)).toEqual(['data.positives: 1000 exceeds nTrain + nTest = 221']);
  });

  it('checks models: kind, lambda, names, features, noise, distributions, history, flags', () => {
    const r = mutable();
    r.models[0].kind = 'magic';
    r.models[1].name = r.models[2].name;
    r.models[0].lambda = -1;
    r.models[2].features.brightness.S = 2;
    r.models[2].features.extent.Sq1 = 0.9;
    r.models[2].features.noise = { S: 0, F: 0 };
    r.models[3].noise = { S: 0.1 };
    r.models[3].distributions.shape = { S: [0.1], F: [0.1] };
    r.models[3].distributions.brightness.S[4] = -0.5;
    r.models[4].flags.flowNotReached = 1.5;
    r.models[4].history = [{ epoch: 2, trainLoss: 1, trainBalancedAccuracy: 0.5, testBalancedAccuracy: 0.5 }, { epoch: 1, trainLoss: 1, trainBalancedAccuracy: 0.5, testBalancedAccuracy: 0.5 }];
    const p = problems(r);
    expect(p).toContainEqual('models[0].kind: expected one of "pointwise", "span", "none", got "magic"');
    expect(p).toContainEqual('models[0].lambda: must be ≥ 0, got -1');
    expect(p.some((s) => s.startsWith('models[2].name: duplicate model name'))).toBe(true);
    expect(p).toContainEqual('models[2].features.brightness.S: must be ≤ 1, got 2');
    expect(p.some((s) => s.startsWith('models[2].features.extent: Sq1 (0.9) exceeds Smedian'))).toBe(true);
    expect(p.some((s) => s.startsWith('models[2].features.noise:'))).toBe(true);
    expect(p).toContainEqual('models[3].noise.F: expected a number, got undefined');
    expect(p.some((s) => s.startsWith('models[3].distributions.shape: names no feature'))).toBe(true);
    expect(p).toContainEqual('models[3].distributions.brightness.S[4]: must be ≥ 0, got -0.5');
    expect(p).toContainEqual('models[4].flags.flowNotReached: expected an integer, got 1.5');
    expect(p).toContainEqual('models[4].history[1].epoch: epochs must increase, got 1 after 2');
  });

  it('requires λ = 0 for an unrewarded model and at least one model', () => {
    const r = mutable();
    r.models[0].lambda = 0.5;
    expect(problems(r)).toEqual(['models[0].lambda: must be 0 for kind "none", got 0.5']);
    const r2 = mutable();
    r2.models = [];
    r2.examples = [];
    expect(problems(r2)).toEqual(['models: must hold at least one model']);
  });

  it('checks examples: model reference, label, image sizes, colormap, mask, flow', () => {
    const r = mutable();
    const ex = r.examples[0];
    ex.model = 'nope';
    ex.label = 2;
    ex.images[0].data = ex.images[0].data.slice(1);
    ex.images[0].mask = [1, 0];
    ex.images[1].colormap = 'jet';
    ex.images[2].width = 0;
    ex.flow[0].data[3] = Number.POSITIVE_INFINITY;
    ex.path.reached = 'yes';
    const p = problems(r);
    expect(p).toContainEqual('examples[0].model: names no model in "models": "nope"');
    expect(p).toContainEqual('examples[0].label: expected one of 0, 1, got 2');
    expect(p.some((s) => /^examples\[0\]\.images\[0\]\.data: has \d+ values, expected width × height = \d+$/.test(s))).toBe(true);
    expect(p.some((s) => s.startsWith('examples[0].images[0].mask: has 2 values'))).toBe(true);
    expect(p).toContainEqual('examples[0].images[1].colormap: expected one of "gray", "diverging", got "jet"');
    expect(p).toContainEqual('examples[0].images[2].width: must be ≥ 1, got 0');
    expect(p).toContainEqual('examples[0].flow[0].data[3]: expected a finite number, got Infinity');
    expect(p).toContainEqual('examples[0].path.reached: expected a boolean, got "yes"');
  });

  it('reports at most three bad entries of a long array, then a count', () => {
    const r = mutable();
    r.models[0].distributions.noise.S = r.models[0].distributions.noise.S.map(() => 7);
    const p = problems(r).filter((s) => s.startsWith('models[0].distributions.noise.S'));
    expect(p.length).toBe(4);
    expect(p[3]).toMatch(/more invalid entries$/);
  });

  it('checks the comparison pair and the paper figures', () => {
    const r = mutable();
    r.comparison = { baseline: 'baseline', rewarded: 'ghost' };
    r.paper.balancedAccuracy = '0.68';
    const p = problems(r);
    expect(p).toContainEqual('comparison.rewarded: names no model in "models": "ghost"');
    expect(p).toContainEqual('paper.balancedAccuracy: expected a number, got "0.68"');
  });
});
