/**
 * `sampleReport()`: a demo report (version 2) for tests and for `fgflow report --demo`: three
 * models (the baseline and two pointwise rewards) over five seeds, deterministic for a given seed.
 *
 * The numbers are made up but consistent, the way the experiment computes them: each seed shares
 * a split effect across the models (so the paired comparison has something to pair), each
 * headline number is the mean over seeds with a 95% t interval, each comparison a paired t-test
 * with Holm's correction, the selected epoch the best on validation AUC of its own history, and
 * the example images carry exact feature gradients (./sample-phantom.ts).
 */
import { PAPER_ASSUMPTIONS } from '../report/assumptions.ts';
import { PAPER_FIGURES, REPORT_VERSION, type Ceiling, type ModelResult, type ModelRun, type ReportJson, type SeedStat, type TrainingEpoch } from '../report/schema.ts';
import { aggregateModel, compareWithBaseline } from './assemble.ts';
import { FEATURES, makeExample, makeRng, type Feature, type Rng, type Tumour } from './demo-examples.ts';
import { seedStat } from './stats.ts';

export interface SampleOptions {
  readonly seed?: number;
  /** Seeds of the runs (default 0–4). */
  readonly seeds?: readonly number[];
  /** Side of the example images in pixels (default 48, the experiment's crop). */
  readonly size?: number;
  /** Test images per seed in the distributions (default 90: 30% of the paper's 298). */
  readonly nTest?: number;
  /** Include per-image distributions (default true). */
  readonly distributions?: boolean;
  /** Epochs of each training history (default 30). */
  readonly epochs?: number;
  /** Example cards: the same test images under the baseline and the largest λ, alternately (default 2). */
  readonly examples?: number;
}

interface ModelSpec {
  readonly name: string;
  readonly lambda: number;
  readonly kind: ModelResult['kind'];
  /** Mean test balanced accuracy, AUC and span alignment over seeds. */
  readonly ba: number;
  readonly auc: number;
  readonly A: number;
  /** Mean S per feature. */
  readonly S: Record<Feature, number>;
}

const SPECS: readonly ModelSpec[] = [
  { name: 'baseline', lambda: 0, kind: 'none', ba: 0.818, auc: 0.884, A: 0.152, S: { brightness: 0.006, extent: 0.041, logAspectRatio: 0.093 } },
  { name: 'pointwise-λ0.01', lambda: 0.01, kind: 'pointwise', ba: 0.820, auc: 0.886, A: 0.178, S: { brightness: 0.007, extent: 0.045, logAspectRatio: 0.101 } },
  { name: 'pointwise-λ0.1', lambda: 0.1, kind: 'pointwise', ba: 0.797, auc: 0.871, A: 0.214, S: { brightness: 0.010, extent: 0.058, logAspectRatio: 0.131 } },
];

const NOISE_S = 0.0009;
const NOISE_DRAWS = 8;
const FLOW_SAMPLES = 16;
const MARGIN = 0.02;

const round = (v: number, d = 4): number => Number(v.toFixed(d));
const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
const meanOf = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

// ---------------------------------------------------------------------------
// One (λ, seed) run
// ---------------------------------------------------------------------------

/** Log-normal values with the given mean, clipped to [0, 1]. */
const lognormalValues = (rng: Rng, n: number, mean: number, sigma: number): number[] => {
  const mu = Math.log(mean) - (sigma * sigma) / 2;
  return Array.from({ length: n }, () => round(clamp01(Math.exp(mu + sigma * rng.normal())), 6));
};

const quantile = (v: readonly number[], q: number): number => {
  const s = [...v].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return (s[lo] as number) + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] as number) - (s[lo] as number));
};

/** Learning curves that rise and flatten; validation loss turns up again after its best epoch. */
const makeHistory = (rng: Rng, spec: ModelSpec, epochs: number, skill: number): TrainingEpoch[] =>
  Array.from({ length: epochs }, (_, e) => {
    const progress = 1 - Math.exp(-(e + 1) / 6);
    const overfit = Math.max(0, e - epochs * 0.55) / epochs;
    const valBa = 0.5 + (spec.ba + skill - 0.5) * progress - 0.04 * overfit + 0.012 * rng.normal();
    return {
      epoch: e,
      trainLoss: round(Math.max(0.05, 0.69 * Math.exp(-(e + 1) / 9) + 0.16 - spec.lambda * 0.4 * progress + 0.01 * rng.normal())),
      trainBalancedAccuracy: round(clamp01(0.5 + (0.95 - 0.5) * progress + 0.01 * rng.normal())),
      validationBalancedAccuracy: round(clamp01(valBa)),
      validationAuc: round(clamp01(0.5 + (spec.auc + skill - 0.5) * progress - 0.03 * overfit + 0.01 * rng.normal())),
      validationLoss: round(Math.max(0.1, 0.69 - 0.32 * progress + 0.9 * overfit * overfit + 0.012 * rng.normal())),
    };
  });

/** The epoch with the best validation AUC (ties: the earlier), as the experiment selects. */
const bestEpoch = (history: readonly TrainingEpoch[]): number =>
  history.reduce((best, h) => ((h.validationAuc ?? 0) > (history[best]?.validationAuc ?? 0) ? h.epoch : best), 0);

const featureRun = (rng: Rng, mean: number, nTest: number, noiseS: number, noiseF: number): { summary: ModelRun['features'][string]; S: number[]; F: number[] } => {
  const S = lognormalValues(rng, nTest, mean, 0.9);
  const F = lognormalValues(rng, FLOW_SAMPLES, mean * 1.15, 0.7);
  const ratio = meanOf(S) / noiseS;
  // With 8 noise draws the empirical p-value is at least 1/9; a feature far above noise gets it.
  const p = ratio > 4 ? 1 / (NOISE_DRAWS + 1) : round(Math.min(1, 2 / ratio), 3);
  const summary = {
    S: meanOf(S),
    F: meanOf(F),
    Smedian: round(quantile(S, 0.5), 6),
    Sq1: round(quantile(S, 0.25), 6),
    Sq3: round(quantile(S, 0.75), 6),
    ratioToNoise: round(ratio, 3),
    pValue: p,
    flowRatioToNoise: round(meanOf(F) / noiseF, 3),
    flowPValue: p,
  };
  return { summary, S, F };
};

interface SeedEffect {
  readonly seed: number;
  /** Shared by every model of the seed: how lucky its split is. */
  readonly skill: number;
  readonly alignment: number;
}

const makeRun = (rng: Rng, spec: ModelSpec, effect: SeedEffect, o: Required<Pick<SampleOptions, 'nTest' | 'distributions' | 'epochs'>>): ModelRun => {
  const jitter = (sd: number) => sd * rng.normal();
  const A = clamp01(spec.A * (1 + effect.alignment) + jitter(0.006));
  const noiseSvals = lognormalValues(rng, o.nTest * NOISE_DRAWS, NOISE_S, 1.1);
  const noiseFvals = lognormalValues(rng, FLOW_SAMPLES * NOISE_DRAWS, NOISE_S * 1.1, 0.9);
  const [noiseS, noiseF] = [meanOf(noiseSvals), meanOf(noiseFvals)];
  const features = FEATURES.map((f) => [f, featureRun(rng, spec.S[f] * (1 + effect.alignment), o.nTest, noiseS, noiseF)] as const);
  const history = makeHistory(rng, spec, o.epochs, effect.skill);
  const ba = clamp01(spec.ba + effect.skill + jitter(0.004));
  const flowNotReached = Math.floor(rng.next() * 3);
  return {
    seed: effect.seed,
    balancedAccuracy: round(ba),
    auc: round(clamp01(spec.auc + effect.skill + jitter(0.008))),
    accuracy: round(clamp01(ba + 0.05 + jitter(0.005))),
    spanAlignment: round(A),
    flowSpanAlignment: round(clamp01(A * 1.12 + jitter(0.004))),
    unexplained: round(1 - A),
    features: Object.fromEntries(features.map(([f, r]) => [f, r.summary])),
    noise: { S: noiseS, F: noiseF, draws: NOISE_DRAWS },
    selectedEpoch: bestEpoch(history),
    history,
    ...(o.distributions ? { distributions: { ...Object.fromEntries(features.map(([f, r]) => [f, { S: r.S, F: r.F }])), noise: { S: noiseSvals, F: noiseFvals } } } : {}),
    ...(flowNotReached > 0 ? { flags: { flowNotReached } } : {}),
    trainSeconds: round(70 + 25 * spec.lambda * 10 + 6 * rng.next(), 1),
    measureSeconds: round(9 + 2 * rng.next(), 1),
  };
};

// ---------------------------------------------------------------------------
// Over seeds: aggregated as the experiment aggregates its jobs
// ---------------------------------------------------------------------------

const unitStat = (values: readonly number[]): SeedStat => seedStat('demo', values, { range: [0, 1] });

const ceilingsOf = (rng: Rng, effects: readonly SeedEffect[]): Ceiling[] =>
  (
    [
      ['all label features', ['brightness', 'size', 'logAspectRatio', 'texture'], 0.902],
      ['visible features only', ['brightness', 'size', 'logAspectRatio'], 0.804],
    ] as const
  ).map(([name, features, ba]) => ({
    name,
    features: [...features],
    method: "logistic regression on the phantom's true per-sample features (class-weighted, ridge 1e-3), fit on each seed's training split, scored on its test split",
    balancedAccuracy: unitStat(effects.map((e) => round(clamp01(ba + e.skill * 0.6 + 0.01 * rng.normal())))),
    auc: unitStat(effects.map((e) => round(clamp01(ba + 0.05 + e.skill * 0.5 + 0.008 * rng.normal())))),
  }));

const TUMOURS: readonly { label: 0 | 1; t: (n: number) => Tumour }[] = [
  { label: 1, t: (n) => ({ cx: n * 0.62, cy: n * 0.46, a: n * 0.16, b: n * 0.075, angle: 0.6, brightness: 0.62 }) },
  { label: 0, t: (n) => ({ cx: n * 0.4, cy: n * 0.5, a: n * 0.1, b: n * 0.085, angle: -0.3, brightness: 0.55 }) },
];

/** Example cards: test image k under the baseline, then under the largest λ, from the first seed. */
const examplesOf = (count: number, n: number, models: readonly ModelResult[], seed: number): ReportJson['examples'] =>
  Array.from({ length: count }, (_, i) => {
    const image = Math.floor(i / 2);
    const model = (i % 2 === 0 ? models[0] : models[models.length - 1]) as ModelResult;
    const tumour = TUMOURS[image % TUMOURS.length] as (typeof TUMOURS)[number];
    const id = `phantom-${String(17 + image * 23).padStart(3, '0')}`;
    const A = model.runs[0]?.spanAlignment ?? 0.15;
    // One generator per test image, so the same image looks the same under every model.
    return makeExample(makeRng(1000 + image), n, id, tumour.label, { name: model.name, seed, A }, tumour.t(n));
  });

const settingsOf = (seeds: readonly number[], n: number, epochs: number): Record<string, unknown> => ({
  data: 'phantom',
  subjects: 298,
  dataSeed: 0,
  size: n,
  crop: n,
  seeds: [...seeds],
  testFraction: 0.3,
  validationFraction: 0.25,
  selection: 'validation.auc',
  epochs,
  batchSize: 32,
  lr: 0.001,
  warmupEpochs: 2,
  schedule: 'cosine',
  weightDecay: 0,
  augment: 'dihedral',
  normalise: true,
  channels: [16, 32, 64],
  hidden: [256, 128],
  lambdas: SPECS.map((s) => s.lambda),
  reward: 'pointwise',
  features: [...FEATURES],
  noiseDraws: NOISE_DRAWS,
  noiseMask: false,
  integrator: 'euler',
  flowSamples: FLOW_SAMPLES,
  flowSteps: 60,
  examples: 2,
  margin: MARGIN,
  numerics: 'cpu (float32)',
});

/** The demo report (deterministic for a given seed). */
export const sampleReport = (options: SampleOptions = {}): ReportJson => {
  const seed = options.seed ?? 1;
  const rng = makeRng(seed);
  const seeds = options.seeds ?? [0, 1, 2, 3, 4];
  const n = options.size ?? 48;
  const o = { nTest: options.nTest ?? 90, distributions: options.distributions ?? true, epochs: options.epochs ?? 30 };
  const effects: SeedEffect[] = seeds.map((s) => ({ seed: s, skill: 0.025 * rng.normal(), alignment: 0.08 * rng.normal() }));
  const models = SPECS.map((spec) => aggregateModel(spec.name, spec.lambda, spec.kind, effects.map((e) => makeRun(rng, spec, e, o))));
  const jobs = models.flatMap((m) => m.runs.map((r) => [`train:${m.name}-seed${r.seed}`, r.trainSeconds] as const));
  const measured = models.reduce((s, m) => s + m.runs.reduce((a, r) => a + r.trainSeconds + r.measureSeconds, 0), 0);
  return {
    version: REPORT_VERSION,
    createdAt: new Date(Date.UTC(2025, 0, 15, 9, 30, 0)).toISOString(),
    settings: settingsOf(seeds, n, o.epochs),
    assumptions: [...PAPER_ASSUMPTIONS],
    data: {
      name: 'phantom',
      subjects: 298,
      positives: 40,
      nTrain: 156,
      nValidation: 52,
      nTest: o.nTest,
      testPositives: 12,
      validationPositives: 7,
      fingerprint: `demo-${seed}`,
      description: `Synthetic head-and-neck CT phantom: 298 subjects, ${n}×${n} px crops around the tumour, 40 positive (13.4%), data seed 0.`,
      groundTruth: {
        rule: 'top 40 of score = 1·z(brightness) + 0.5·z(size) + 1.5·z(logAspectRatio) + 1·z(texture) + 0.5·ε',
        weights: { brightness: 1, size: 0.5, logAspectRatio: 1.5, texture: 1 },
      },
      units: 'px',
    },
    seeds: [...seeds],
    selection: { metric: 'validation.auc', rule: 'the epoch whose model scores best on validation.auc (ties: the earlier epoch); the test split is scored once, after selection' },
    models,
    comparisons: compareWithBaseline(models, MARGIN),
    ceilings: ceilingsOf(rng, effects),
    backend: 'cpu (pure TypeScript)',
    examples: examplesOf(options.examples ?? 2, n, models, seeds[0] ?? 0),
    paper: { ...PAPER_FIGURES },
    timing: { totalSeconds: round(measured + 4.2, 1), ...Object.fromEntries(jobs) },
  };
};
