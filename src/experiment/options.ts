/**
 * The experiment's options, their defaults and the one validation every command shares
 * (`experiment`, `train`, `explain`, `validate`): a bad value is reported with the option's name.
 */
import { FEATURE_NAMES } from './features.ts';
import { ExperimentError } from './errors.ts';
import { INPUT_MODES, type InputMode } from './model.ts';

export type RewardName = 'pointwise' | 'span';
export type Integrator = 'euler' | 'heun' | 'rk4';
export type Augmentation = 'none' | 'dihedral';
export type Schedule = 'constant' | 'cosine';
export type SelectionMetric = 'validation.auc' | 'validation.balancedAccuracy' | 'validation.bce';

export interface Shard {
  /** 1-based index of this shard, and how many shards split the jobs. */
  readonly index: number;
  readonly count: number;
}

export interface ExperimentOptions {
  /** Manifest or directory; the phantom when absent. */
  readonly data?: string;
  /** Phantom subjects and positives (the paper: 298 and 40), and the seed of its draw. */
  readonly subjects: number;
  readonly positives?: number;
  readonly dataSeed: number;
  /** Non-finite pixels in loaded images: refused (default), or ±Infinity clipped to the image's finite range. */
  readonly nonFinite: 'refuse' | 'clip';
  /** Binarise masks with several grey levels at this threshold (default: such masks are refused). */
  readonly maskThreshold?: number;
  /** The phantom's label rule: weights of its standardised features (default: the phantom's own mixed rule). */
  readonly phantomWeights?: Readonly<Record<string, number>>;
  readonly out: string;
  readonly size: number;
  readonly crop?: number;
  /** Seeds: each varies the split, the initialisation, the batch order, augmentation and noise draws. */
  readonly seeds: readonly number[];
  readonly testFraction: number;
  /** Fraction of the training part held out for model selection. */
  readonly validationFraction: number;
  readonly selection: SelectionMetric;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly warmupEpochs: number;
  readonly schedule: Schedule;
  readonly weightDecay: number;
  readonly augment: Augmentation;
  /** Standardise each input channel with the training split's mean and sd. */
  readonly normalise: boolean;
  /** What the CNN sees of [CT, mask]: both channels, the CT only, or the CT inside the mask (model.ts says why). */
  readonly inputs: InputMode;
  readonly channels: readonly number[];
  readonly hidden: readonly number[];
  /** λ of each model; 0 is the baseline. */
  readonly lambdas: readonly number[];
  readonly reward: RewardName;
  readonly features: readonly string[];
  readonly noiseDraws: number;
  readonly noiseMask: boolean;
  readonly integrator: Integrator;
  readonly flowSamples: number;
  readonly flowSteps: number;
  /** Example images drawn in the report, per model (from the first seed). */
  readonly examples: number;
  /** Balanced-accuracy non-inferiority margin of the paired comparison. */
  readonly margin: number;
  /** Sanity checks: cascading parameter randomisation of each baseline, and a model trained on shuffled labels per seed. */
  readonly sanity: boolean;
  /** Feature ablation of the reward: retrain the largest λ without each feature (one extra job per feature and seed). */
  readonly ablateReward: boolean;
  /** Jobs run at once, each in a process of its own (1: in this process). */
  readonly jobs: number;
  readonly shard?: Shard;
  readonly resume: boolean;
  /** A recovery study's folder (fgflow validate --out) whose matrix the report embeds and links to, when it holds one. */
  readonly recovery?: string;
  /** Refuse to start when the jobs are estimated to need more than this many minutes. */
  readonly budgetMinutes?: number;
  /** Replace the results in a non-empty `out`. */
  readonly force: boolean;
  readonly signal?: AbortSignal;
}

export const defaultExperimentOptions: ExperimentOptions = {
  subjects: 298,
  dataSeed: 0,
  nonFinite: 'refuse',
  out: './fgflow-report',
  // The tumour is small in a whole slice; cropping around it, as radiomics pipelines do, lets the
  // CNN see its shape. 32 px (1:1, so the texture is not resampled) holds the longest tumour (its
  // semi-axis is at most 17 px of the 128² phantom) and, on a development phantom (data seed 1000,
  // 5 seeds), gave test balanced accuracy 0.72 against 0.61 for 48 px: less anatomy to overfit to,
  // and a dense layer of 1,024 inputs instead of 2,304.
  size: 32,
  crop: 32,
  seeds: [0, 1, 2, 3, 4],
  testFraction: 0.3,
  validationFraction: 0.25,
  selection: 'validation.auc',
  // 30 and 40 epochs gave the same mean (0.72 on the development phantom), 20 and 60 less (0.64, 0.67).
  epochs: 30,
  batchSize: 32,
  lr: 1e-3,
  warmupEpochs: 2,
  schedule: 'cosine',
  weightDecay: 0,
  augment: 'dihedral',
  normalise: true,
  inputs: 'ct+mask',
  channels: [16, 32, 64],
  hidden: [256, 128],
  lambdas: [0, 0.01, 0.1],
  reward: 'pointwise',
  features: ['brightness', 'extent', 'logAspectRatio'],
  noiseDraws: 8,
  noiseMask: false,
  integrator: 'euler',
  flowSamples: 16,
  flowSteps: 60,
  examples: 2,
  margin: 0.02,
  sanity: true,
  ablateReward: false,
  jobs: 1,
  resume: false,
  force: false,
};

const INTEGRATORS: readonly Integrator[] = ['euler', 'heun', 'rk4'];
const REWARDS: readonly RewardName[] = ['pointwise', 'span'];
const AUGMENTATIONS: readonly Augmentation[] = ['none', 'dihedral'];
const SCHEDULES: readonly Schedule[] = ['constant', 'cosine'];
export const SELECTION_METRICS: readonly SelectionMetric[] = ['validation.auc', 'validation.balancedAccuracy', 'validation.bce'];

type Problems = string[];

function positiveInt(p: Problems, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) p.push(`--${name} must be a positive integer, got ${v}`);
}
function nonNegativeInt(p: Problems, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) p.push(`--${name} must be a non-negative integer, got ${v}`);
}
function fraction(p: Problems, name: string, v: number): void {
  if (!(v > 0 && v < 1)) p.push(`--${name} must lie in (0, 1), got ${v}`);
}
function oneOf<T extends string>(p: Problems, name: string, v: T, choices: readonly T[]): void {
  if (!choices.includes(v)) p.push(`--${name} must be one of ${choices.join(', ')}, got ${v}`);
}

function checkModel(p: Problems, o: ExperimentOptions): void {
  positiveInt(p, 'size', o.size);
  if (Number.isInteger(o.size) && o.size % 8 !== 0) p.push(`--size must be a multiple of 8 (three 2×2 poolings), got ${o.size}`);
  if (o.crop !== undefined) positiveInt(p, 'crop', o.crop);
  if (o.channels.length === 0) p.push('--channels must list at least one width');
  for (const c of o.channels) positiveInt(p, 'channels', c);
  for (const h of o.hidden) positiveInt(p, 'hidden', h);
}

function checkTraining(p: Problems, o: ExperimentOptions): void {
  positiveInt(p, 'epochs', o.epochs);
  positiveInt(p, 'batch', o.batchSize);
  if (!(o.lr > 0 && Number.isFinite(o.lr))) p.push(`--lr must be a positive number, got ${o.lr}`);
  nonNegativeInt(p, 'warmup-epochs', o.warmupEpochs);
  if (!(o.weightDecay >= 0 && Number.isFinite(o.weightDecay))) p.push(`--weight-decay must be a non-negative number, got ${o.weightDecay}`);
  oneOf(p, 'schedule', o.schedule, SCHEDULES);
  oneOf(p, 'augment', o.augment, AUGMENTATIONS);
  oneOf(p, 'inputs', o.inputs, INPUT_MODES);
  oneOf(p, 'selection', o.selection, SELECTION_METRICS);
  fraction(p, 'test-fraction', o.testFraction);
  fraction(p, 'validation-fraction', o.validationFraction);
}

function checkSeeds(p: Problems, o: ExperimentOptions): void {
  if (o.seeds.length === 0) p.push('--seeds must give at least one seed');
  for (const s of o.seeds) if (!Number.isInteger(s) || s < 0) p.push(`each seed must be a non-negative integer, got ${s}`);
  if (new Set(o.seeds).size !== o.seeds.length) p.push(`--seeds repeats a seed: ${o.seeds.join(',')}`);
  nonNegativeInt(p, 'data-seed', o.dataSeed);
}

function checkMeasures(p: Problems, o: ExperimentOptions): void {
  if (o.lambdas.length === 0) p.push('--lambdas must list at least one value');
  for (const l of o.lambdas) if (!(Number.isFinite(l) && l >= 0)) p.push(`each --lambdas value must be a non-negative number, got ${l}`);
  if (new Set(o.lambdas).size !== o.lambdas.length) p.push(`--lambdas repeats a value: ${o.lambdas.join(',')}`);
  if (o.features.length === 0) p.push('--features must list at least one feature');
  for (const f of o.features) if (!FEATURE_NAMES.includes(f)) p.push(`unknown feature ${f}; choose from ${FEATURE_NAMES.join(', ')}`);
  oneOf(p, 'reward', o.reward, REWARDS);
  oneOf(p, 'integrator', o.integrator, INTEGRATORS);
  positiveInt(p, 'noise-draws', o.noiseDraws);
  nonNegativeInt(p, 'flow-samples', o.flowSamples);
  positiveInt(p, 'flow-steps', o.flowSteps);
  nonNegativeInt(p, 'examples', o.examples);
  if (!(o.margin >= 0 && o.margin < 1)) p.push(`--margin must lie in [0, 1), got ${o.margin}`);
  if (o.ablateReward && o.features.length < 2) p.push(`--ablate-reward needs at least two --features (leaving one out of ${o.features.join(',')} would leave nothing to reward or measure)`);
  if (o.ablateReward && !o.lambdas.some((l) => l > 0)) p.push('--ablate-reward needs a rewarded model: give --lambdas a value above 0');
}

function checkRunner(p: Problems, o: ExperimentOptions): void {
  positiveInt(p, 'subjects', o.subjects);
  oneOf(p, 'non-finite', o.nonFinite, ['refuse', 'clip']);
  if (o.maskThreshold !== undefined && !Number.isFinite(o.maskThreshold)) p.push(`--mask-threshold must be a number, got ${o.maskThreshold}`);
  if (o.positives !== undefined) nonNegativeInt(p, 'positives', o.positives);
  positiveInt(p, 'jobs', o.jobs);
  if (o.shard && !(Number.isInteger(o.shard.count) && o.shard.count >= 1 && Number.isInteger(o.shard.index) && o.shard.index >= 1 && o.shard.index <= o.shard.count)) {
    p.push(`--shard must be i/n with 1 ≤ i ≤ n, got ${o.shard.index}/${o.shard.count}`);
  }
  if (o.budgetMinutes !== undefined && !(o.budgetMinutes > 0 && Number.isFinite(o.budgetMinutes))) p.push(`--budget must be a positive number of minutes, got ${o.budgetMinutes}`);
  if (o.resume && o.force) p.push('--resume and --force contradict each other: --resume continues the results in --out, --force replaces them');
}

/** Every problem at once, as one usage error. */
export function validateOptions(o: ExperimentOptions): void {
  const problems: Problems = [];
  checkModel(problems, o);
  checkTraining(problems, o);
  checkSeeds(problems, o);
  checkMeasures(problems, o);
  checkRunner(problems, o);
  if (problems.length === 1) throw new ExperimentError('usage', problems[0]!);
  if (problems.length) throw new ExperimentError('usage', `${problems.length} invalid options: ${problems.join('; ')}`);
}

/** `--shard i/n`. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new ExperimentError('usage', `--shard must look like i/n (e.g. 1/4), got ${JSON.stringify(text)}`);
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  if (shard.count < 1 || shard.index < 1 || shard.index > shard.count) throw new ExperimentError('usage', `--shard ${text}: i must lie in 1..n`);
  return shard;
}

/** `--seeds N` (seeds 0..N−1), `--seeds a..b` (a range) or `--seeds a,b,c` (a list). */
export function parseSeeds(text: string): number[] {
  const t = text.trim();
  const usage = `--seeds must be a count (e.g. 5), a range (e.g. 5..9) or a list of non-negative integers (e.g. 0,3,7), got ${JSON.stringify(text)}`;
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1) throw new ExperimentError('usage', `--seeds must be at least 1, got ${t}`);
    return Array.from({ length: n }, (_, i) => i);
  }
  const range = /^(\d+)\.\.(\d+)$/.exec(t);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a) throw new ExperimentError('usage', `--seeds ${t}: the range is empty`);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  const parts = t.split(',').map((s) => s.trim());
  if (parts.length < 2 || parts.some((s) => !/^\d+$/.test(s))) throw new ExperimentError('usage', usage);
  return parts.map(Number);
}
