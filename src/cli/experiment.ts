/**
 * The paper's experiment, end to end: data → stratified split → a baseline and alignment-rewarded
 * CNNs (a λ sweep) → S, A, F per feature and for the noise baseline on the test set → report.
 * The command-line layer (main.ts) only parses options and draws progress; everything else is here
 * so that tests and other programs can run an experiment too.
 */
import * as E from 'fp-ts/lib/Either.js';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stratifiedSplit, type Dataset as DataSet } from '../data/index.ts';
import { grad } from '../ad/transforms.ts';
import { alignmentBatch, type AlignmentResult } from '../interp/alignment.ts';
import { flowAlignmentBatch, type FlowResult } from '../interp/flow.ts';
import { brightness, extent, logAspectRatio, noiseDraws } from '../interp/features/index.ts';
import { imageChannelModel } from '../interp/model.ts';
import { alignmentLoss, alignmentReward } from '../interp/reward.ts';
import { column, noiseBaseline, summarize } from '../interp/summary.ts';
import type { Feature, SampleBatch } from '../interp/types.ts';
import {
  adam,
  balancedPosWeight,
  bceLoss,
  bceWithLogits,
  type Batch,
  CheckpointError,
  gatherBatch,
  loadCheckpoint,
  paperCnn,
  predict,
  saveCheckpoint,
  scoreLogits,
  train,
  type CnnParams,
  type Dataset,
  type EpochMetrics,
  type PaperCnn,
  type TrainState,
} from '../nn/index.ts';
import { PAPER_ASSUMPTIONS, PAPER_FIGURES, writeReport, type Example, type ModelResult, type ReportImage, type ReportJson } from '../report/index.ts';
import * as random from '../tensor/random.ts';
import { allocate, Tensor } from '../tensor/tensor.ts';
import { CliError } from './errors.ts';
import { loadDataset, prepare, type PreparedData } from './prepare.ts';
import type { ProgressSink } from './progress.ts';

export const FEATURES: Readonly<Record<string, Feature>> = { brightness, extent, logAspectRatio };

export interface ExperimentOptions {
  /** Manifest or directory; the phantom when absent. */
  readonly data?: string;
  /** Phantom subjects and positives (the paper: 298 and 40). */
  readonly subjects: number;
  readonly positives?: number;
  readonly out: string;
  readonly size: number;
  readonly crop?: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly channels: readonly number[];
  readonly hidden: readonly number[];
  readonly seed: number;
  /** λ of each model; 0 is the baseline. */
  readonly lambdas: readonly number[];
  readonly reward: 'pointwise' | 'span';
  /** Which built-in features are rewarded and measured. */
  readonly features: readonly string[];
  readonly noiseDraws: number;
  /** Restrict the noise functional to the mask. */
  readonly noiseMask: boolean;
  readonly integrator: 'euler' | 'heun' | 'rk4';
  /** Test images whose gradient flow is followed (the flow costs one gradient per step). */
  readonly flowSamples: number;
  readonly flowSteps: number;
  /** Example images drawn in the report, per model. */
  readonly examples: number;
  readonly testFraction: number;
  /** Continue from the checkpoints in <out>/checkpoints. */
  readonly resume: boolean;
  readonly signal?: AbortSignal;
}

export const defaultExperimentOptions: ExperimentOptions = {
  subjects: 298,
  out: './fgflow-report',
  // The tumour is small in a whole slice (≈ 30 px at 64²); cropping 48 px around it, as radiomics
  // pipelines do, lets the CNN see its shape: test balanced accuracy ≈ 0.55 → ≈ 0.7 on the phantom.
  size: 48,
  crop: 48,
  epochs: 20,
  batchSize: 32,
  lr: 1e-3,
  channels: [16, 32, 64],
  hidden: [256, 128],
  seed: 0,
  lambdas: [0, 0.01, 0.1],
  reward: 'pointwise',
  features: ['brightness', 'extent', 'logAspectRatio'],
  noiseDraws: 8,
  noiseMask: false,
  integrator: 'euler',
  flowSamples: 16,
  flowSteps: 60,
  examples: 2,
  testFraction: 0.3,
  resume: false,
};

/** Raised when the user interrupts training; the checkpoint it names resumes the run. */
export class Interrupted extends CliError {
  constructor(readonly checkpoint: string) {
    super('interrupted', `interrupted; progress saved to ${checkpoint} (rerun with --resume to continue)`);
  }
}

export function validateExperimentOptions(o: ExperimentOptions): void {
  const problems: string[] = [];
  const posInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) problems.push(`${name} must be a positive integer, got ${v}`);
  };
  posInt('size', o.size);
  posInt('batch', o.batchSize);
  posInt('subjects', o.subjects);
  posInt('noise-draws', o.noiseDraws);
  if (!Number.isInteger(o.epochs) || o.epochs < 0) problems.push(`epochs must be a non-negative integer, got ${o.epochs}`);
  if (!Number.isInteger(o.flowSamples) || o.flowSamples < 0) problems.push(`flow-samples must be a non-negative integer, got ${o.flowSamples}`);
  if (!Number.isInteger(o.examples) || o.examples < 0) problems.push(`examples must be a non-negative integer, got ${o.examples}`);
  posInt('flow-steps', o.flowSteps);
  if (!(o.lr > 0 && Number.isFinite(o.lr))) problems.push(`lr must be a positive number, got ${o.lr}`);
  if (!(o.testFraction > 0 && o.testFraction < 1)) problems.push(`test-fraction must lie in (0, 1), got ${o.testFraction}`);
  if (o.lambdas.length === 0) problems.push('lambdas must list at least one value');
  for (const l of o.lambdas) if (!(Number.isFinite(l) && l >= 0)) problems.push(`each lambda must be a non-negative number, got ${l}`);
  if (new Set(o.lambdas).size !== o.lambdas.length) problems.push(`lambdas repeat a value: ${o.lambdas.join(',')}`);
  if (o.features.length === 0) problems.push('features must list at least one feature');
  for (const f of o.features) if (!(f in FEATURES)) problems.push(`unknown feature ${f}; choose from ${Object.keys(FEATURES).join(', ')}`);
  if (!['euler', 'heun', 'rk4'].includes(o.integrator)) problems.push(`integrator must be euler, heun or rk4, got ${o.integrator}`);
  if (!['pointwise', 'span'].includes(o.reward)) problems.push(`reward must be pointwise or span, got ${o.reward}`);
  if (o.size % 8 !== 0) problems.push(`size must be a multiple of 8 (three 2×2 poolings), got ${o.size}`);
  if (problems.length) throw new CliError('usage', `invalid options:\n  - ${problems.join('\n  - ')}`);
}

// ------------------------------------------------------------------ data

export interface SplitData {
  readonly prepared: PreparedData;
  readonly train: Dataset;
  readonly test: Dataset;
  readonly trainIndex: readonly number[];
  readonly testIndex: readonly number[];
}

function rows(x: Tensor, index: readonly number[]): Tensor {
  return gatherBatch({ x, y: index.map(() => 0) }, index).x;
}

export function loadAndSplit(o: Pick<ExperimentOptions, 'data' | 'subjects' | 'positives' | 'seed' | 'size' | 'crop' | 'testFraction'>): SplitData {
  // With a crop the phantom is drawn at 128² (its native scale) and cropped around the tumour.
  const ds = loadDataset({ data: o.data, phantom: { n: o.subjects, size: o.crop !== undefined ? Math.max(128, o.crop) : o.size, seed: o.seed, ...(o.positives !== undefined ? { positives: o.positives } : {}) } });
  if (E.isLeft(ds)) throw ds.left;
  const prepared = prepare(ds.right, { size: o.size, ...(o.crop !== undefined ? { crop: o.crop } : {}), hounsfield: true });
  if (E.isLeft(prepared)) throw prepared.left;
  const p = prepared.right;
  const split = stratifiedSplit(p.labels, { testFraction: o.testFraction, seed: o.seed });
  if (E.isLeft(split)) throw split.left;
  const { train: trainIndex, test: testIndex } = split.right;
  return {
    prepared: p,
    trainIndex,
    testIndex,
    train: { x: rows(p.x, trainIndex), y: trainIndex.map((i) => p.labels[i]!) },
    test: { x: rows(p.x, testIndex), y: testIndex.map((i) => p.labels[i]!) },
  };
}

// ------------------------------------------------------------------ training

export interface TrainedModel {
  readonly name: string;
  readonly lambda: number;
  readonly kind: 'none' | 'pointwise' | 'span';
  readonly cnn: PaperCnn<number, number, any>;
  readonly params: CnnParams;
  readonly history: readonly EpochMetrics[];
  readonly seconds: number;
  readonly checkpoint: string;
}

export function modelName(lambda: number, kind: 'pointwise' | 'span'): string {
  return lambda === 0 ? 'baseline' : `${kind}-λ${lambda}`;
}

export interface TrainSpec {
  readonly lambda: number;
  readonly options: ExperimentOptions;
  readonly split: SplitData;
  readonly checkpointDir: string;
  readonly progress: ProgressSink;
}

export async function trainModel({ lambda, options: o, split, checkpointDir, progress }: TrainSpec): Promise<TrainedModel> {
  const kind = lambda === 0 ? 'none' : o.reward;
  const name = modelName(lambda, o.reward);
  const cnn = paperCnn({ inputSize: o.size, channels: [...o.channels], hidden: [...o.hidden] });
  const optimizer = adam({ lr: o.lr });
  const posWeight = balancedPosWeight(split.train.y);
  const base = bceLoss(cnn, { posWeight });
  const features = Object.fromEntries(o.features.map((f) => [f, FEATURES[f]!]));
  const loss =
    lambda === 0
      ? base
      : alignmentLoss<CnnParams, Batch, unknown>(cnn, alignmentReward({ features, lambda, kind: o.reward }), (logits, batch) => bceWithLogits(logits, batch.y, { posWeight }));
  const checkpoint = join(checkpointDir, `${name}.ckpt`);
  let resume: TrainState<CnnParams> | undefined;
  if (o.resume && existsSync(checkpoint)) {
    try {
      resume = (await loadCheckpoint(checkpoint, { model: cnn, optimizer })).state;
      progress.log(`${name}: resuming from ${checkpoint} at epoch ${resume.epoch}`);
    } catch (e) {
      if (e instanceof CheckpointError) throw new CliError('bad-checkpoint', `cannot resume ${name}: ${e.message}`);
      throw e;
    }
  }
  const batches = Math.ceil(split.train.y.length / o.batchSize);
  const total = o.epochs * batches;
  progress.start(`train ${name}`, total, { epoch: resume?.epoch ?? 0 });
  const started = performance.now();
  let lastTestBa = NaN;
  const result = await train({
    model: cnn,
    loss,
    data: split.train,
    validation: split.test,
    epochs: o.epochs,
    batchSize: o.batchSize,
    optimizer,
    seed: o.seed,
    ...(resume ? { resume } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onStep: (e) => progress.update(e.epoch * batches + e.batch + 1, { epoch: `${e.epoch + 1}/${o.epochs}`, loss: e.loss, 'test bal.acc': Number.isNaN(lastTestBa) ? '–' : lastTestBa }),
    onEpoch: async (e) => {
      lastTestBa = e.metrics.validation?.balancedAccuracy ?? NaN;
      await saveCheckpoint(checkpoint, { model: cnn.config, optimizer: optimizer.config, state: e.state, meta: { name, lambda, kind } });
    },
  });
  const seconds = (performance.now() - started) / 1000;
  await saveCheckpoint(checkpoint, { model: cnn.config, optimizer: optimizer.config, state: result.state, meta: { name, lambda, kind } });
  if (result.stopReason === 'aborted') {
    progress.stop('interrupted');
    throw new Interrupted(checkpoint);
  }
  const last = result.history[result.history.length - 1];
  progress.stop(`${name}: ${seconds.toFixed(0)} s, test balanced accuracy ${last?.validation?.balancedAccuracy.toFixed(3) ?? '–'}`);
  return { name, lambda, kind, cnn, params: result.params, history: result.history, seconds, checkpoint };
}

// ------------------------------------------------------------------ measuring

/** Channel `c` of x [N, C, H, W] as [N, H, W] (a copy; nothing here is differentiated). */
export function channel(x: Tensor, c: number): Tensor<readonly [number, number, number]> {
  const [n, ch, h, w] = x.shape as unknown as [number, number, number, number];
  const plane = h * w;
  const buf = allocate(x.dtype, n * plane);
  const src = x.data;
  for (let i = 0; i < n; i++) buf.set(src.subarray((i * ch + c) * plane, (i * ch + c + 1) * plane), i * plane);
  return Tensor.fromBuffer([n, h, w] as const, x.dtype, buf) as Tensor<readonly [number, number, number]>;
}

export interface Measurement {
  readonly model: TrainedModel;
  readonly logits: Float64Array;
  readonly metrics: ReturnType<typeof scoreLogits>;
  readonly alignment: readonly AlignmentResult[];
  readonly noiseAlignment: readonly AlignmentResult[];
  readonly flow: readonly FlowResult[];
  readonly noiseFlow: readonly FlowResult[];
  readonly flowIndex: readonly number[];
  readonly seconds: number;
}

/** Test images whose flow is followed: a seeded, class-stratified choice so both classes appear. */
export function flowSubset(labels: readonly number[], count: number, seed: number): number[] {
  const order = random.permutation(random.foldIn(random.key(seed), 7), labels.length);
  const pos = order.filter((i) => labels[i] === 1);
  const neg = order.filter((i) => labels[i] === 0);
  const nPos = Math.min(pos.length, Math.max(count > 1 ? 1 : 0, Math.round((count * pos.length) / Math.max(labels.length, 1))));
  return [...pos.slice(0, nPos), ...neg.slice(0, count - nPos)].sort((a, b) => a - b);
}

function subsetBatch(batch: SampleBatch, index: readonly number[]): SampleBatch {
  const pick = (t: Tensor) => gatherBatch({ x: t, y: index.map(() => 0) }, index).x as SampleBatch['images'];
  return { images: pick(batch.images), masks: pick(batch.masks), ids: index.map((i) => batch.ids![i]!) };
}

export function measureModel(model: TrainedModel, split: SplitData, o: ExperimentOptions, progress: ProgressSink): Measurement {
  const started = performance.now();
  const testX = split.test.x;
  const logits = predict(model.cnn, model.params, testX);
  const metrics = scoreLogits(logits, split.test.y);
  const batchModel = imageChannelModel((x) => model.cnn.apply(model.params, x as never), testX, 0);
  const ids = split.testIndex.map((i) => split.prepared.ids[i]!);
  const batch: SampleBatch = { images: channel(testX, 0), masks: channel(testX, 1), ids };
  const features = Object.fromEntries(o.features.map((f) => [f, FEATURES[f]!]));
  const noise = Object.fromEntries(noiseDraws(random.foldIn(random.key(o.seed), 1), o.noiseDraws, { mask: o.noiseMask }).map((f, i) => [`noise#${i + 1}`, f]));
  progress.start(`measure ${model.name}`, 2 + 2 * o.flowSamples);
  const alignment = alignmentBatch(batchModel, features, batch);
  progress.update(1);
  const noiseAlignment = alignmentBatch(batchModel, noise, batch);
  progress.update(2);
  const flowIndex = flowSubset(split.test.y, Math.min(o.flowSamples, split.test.y.length), o.seed);
  let flow: FlowResult[] = [];
  let noiseFlow: FlowResult[] = [];
  if (flowIndex.length) {
    const sub = subsetBatch(batch, flowIndex);
    const subModel = (images: Parameters<typeof batchModel>[0], index: readonly number[]) => batchModel(images, index.map((i) => flowIndex[i]!));
    const flowOptions = { integrator: o.integrator, maxSteps: o.flowSteps, batchSize: 8 };
    flow = flowAlignmentBatch(subModel, features, sub, flowOptions);
    progress.update(2 + flowIndex.length);
    noiseFlow = flowAlignmentBatch(subModel, noise, sub, flowOptions);
    progress.update(2 + 2 * flowIndex.length);
  }
  const seconds = (performance.now() - started) / 1000;
  progress.stop(`${model.name}: balanced accuracy ${metrics.balancedAccuracy.toFixed(3)}, AUC ${metrics.auc?.toFixed(3) ?? '–'}`);
  return { model, logits, metrics, alignment, noiseAlignment, flow, noiseFlow, flowIndex, seconds };
}

// ------------------------------------------------------------------ report

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const mean = (vs: readonly (number | null)[]): number => summarize(vs).mean ?? 0;
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

function noiseColumns(results: readonly (AlignmentResult | FlowResult)[], draws: number): (number | null)[][] {
  return Array.from({ length: draws }, (_, k) => column(results, `noise#${k + 1}`));
}

function issueFlags(m: Measurement): Record<string, number> {
  const flags: Record<string, number> = {};
  const count = (key: string, n: number) => {
    if (n > 0) flags[key] = n;
  };
  count('flowNotReached', m.flow.filter((r) => !r.reached).length);
  count('undefinedAlignment', m.alignment.filter((r) => r.A === null).length);
  count('undefinedFeature', m.alignment.filter((r) => r.S.some((s) => s === null)).length);
  return flags;
}

export function modelResult(m: Measurement, o: ExperimentOptions): ModelResult {
  const noiseS = noiseColumns(m.noiseAlignment, o.noiseDraws);
  const noiseF = m.noiseFlow.length ? noiseColumns(m.noiseFlow, o.noiseDraws) : [];
  const features: ModelResult['features'] = Object.fromEntries(
    o.features.map((name) => {
      const S = column(m.alignment, name);
      const stats = summarize(S);
      const cmpS = noiseBaseline(S, noiseS);
      const F = m.flow.length ? column(m.flow, name) : [];
      const cmpF = noiseF.length ? noiseBaseline(F, noiseF) : null;
      return [
        name,
        {
          S: clamp01(stats.mean ?? 0),
          F: clamp01(mean(F)),
          ...(finite(stats.median) ? { Smedian: stats.median } : {}),
          ...(finite(stats.q1) ? { Sq1: stats.q1 } : {}),
          ...(finite(stats.q3) ? { Sq3: stats.q3 } : {}),
          ...(finite(cmpS.ratio) ? { ratioToNoise: cmpS.ratio } : {}),
          ...(finite(cmpS.pValue) ? { pValue: cmpS.pValue } : {}),
          ...(cmpF && finite(cmpF.ratio) ? { flowRatioToNoise: cmpF.ratio } : {}),
          ...(cmpF && finite(cmpF.pValue) ? { flowPValue: cmpF.pValue } : {}),
        },
      ];
    }),
  );
  const flat = (cols: (number | null)[][]) => cols.flat().filter(finite);
  const distributions: Record<string, { S: number[]; F: number[] }> = Object.fromEntries(
    o.features.map((name) => [name, { S: column(m.alignment, name).filter(finite), F: m.flow.length ? column(m.flow, name).filter(finite) : [] }]),
  );
  distributions.noise = { S: flat(noiseS), F: flat(noiseF) };
  return {
    name: m.model.name,
    lambda: m.model.lambda,
    kind: m.model.kind,
    balancedAccuracy: m.metrics.balancedAccuracy,
    auc: m.metrics.auc ?? 0.5,
    accuracy: m.metrics.accuracy,
    spanAlignment: clamp01(mean(m.alignment.map((r) => r.A))),
    flowSpanAlignment: clamp01(mean(m.flow.map((r) => r.FA))),
    unexplained: clamp01(mean(m.alignment.map((r) => r.unexplained))),
    features,
    noise: { S: clamp01(mean(flat(noiseS))), F: clamp01(mean(flat(noiseF))), draws: o.noiseDraws },
    distributions,
    history: m.model.history.map((h) => ({
      epoch: h.epoch,
      trainLoss: h.trainLoss,
      trainBalancedAccuracy: h.train?.balancedAccuracy ?? 0,
      testBalancedAccuracy: h.validation?.balancedAccuracy ?? 0,
    })),
    flags: issueFlags(m),
  };
}

function image(title: string, t: Tensor, colormap: ReportImage['colormap'], extra: Partial<ReportImage> = {}): ReportImage {
  const [h, w] = t.shape.slice(-2) as [number, number];
  return { title, width: w, height: h, data: Array.from(t.data, (v) => Math.round(v * 1e6) / 1e6), colormap, ...extra };
}

/** Test rows drawn in the report: alternate classes, positives first. */
export function exampleRows(labels: readonly number[], count: number): number[] {
  const pos = labels.flatMap((l, i) => (l === 1 ? [i] : []));
  const neg = labels.flatMap((l, i) => (l === 0 ? [i] : []));
  const out: number[] = [];
  for (let k = 0; out.length < count && (k < pos.length || k < neg.length); k++) {
    if (k < pos.length) out.push(pos[k]!);
    if (out.length < count && k < neg.length) out.push(neg[k]!);
  }
  return out;
}

export function examples(m: Measurement, split: SplitData, o: ExperimentOptions): Example[] {
  const testX = split.test.x;
  const images = channel(testX, 0);
  const masks = channel(testX, 1);
  const batchModel = imageChannelModel((x) => m.model.cnn.apply(m.model.params, x as never), testX, 0);
  const out: Example[] = [];
  for (const row of exampleRows(split.test.y, o.examples)) {
    const one = (t: Tensor) => gatherBatch({ x: t, y: [0] }, [row]).x;
    const img = one(images);
    const msk = one(masks);
    const [h, w] = img.shape.slice(1) as [number, number];
    const image2 = Tensor.fromBuffer([h, w] as const, img.dtype, img.data as Float32Array);
    const mask2 = Tensor.fromBuffer([h, w] as const, msk.dtype, msk.data as Float32Array);
    const id = split.prepared.ids[split.testIndex[row]!]!;
    const sample: SampleBatch = { images: img as SampleBatch['images'], masks: msk as SampleBatch['masks'], ids: [id] };
    const single = (x: Parameters<typeof batchModel>[0]) => batchModel(x, [row]);
    const gradF = grad((x: Tensor) => single(x as never))(img as Tensor) as Tensor;
    const features = Object.fromEntries(o.features.map((f) => [f, FEATURES[f]!]));
    const [al] = alignmentBatch(single, features, sample, { returnPerp: true });
    const [fl] = flowAlignmentBatch(single, features, sample, { integrator: o.integrator, maxSteps: o.flowSteps, returnPath: true });
    const logit = m.logits[row]!;
    const gImages = o.features.map((f) => {
      const g = grad((x: Tensor) => FEATURES[f]!(x as never, mask2 as never))(image2 as Tensor) as Tensor;
      return image(`∇ ${f}`, g, 'diverging', { caption: `S = ${(al!.S[o.features.indexOf(f)] ?? 0).toFixed(3)}` });
    });
    const path = fl?.path;
    const frames = path
      ? [0, 0.25, 0.5, 0.75, 1].map((q) => Math.round(q * (path.images.length - 1))).filter((v, i, a) => a.indexOf(v) === i).map((k) => ({
          title: k === 0 ? 'start' : k === path.images.length - 1 ? (fl!.reached ? 'boundary' : 'end') : `step ${k}`,
          width: w,
          height: h,
          data: Array.from(path.images[k]!.data, (v) => Math.round(v * 1e6) / 1e6),
          t: path.arc[k]!,
          prob: 1 / (1 + Math.exp(-path.values[k]!)),
        }))
      : undefined;
    out.push({
      id,
      label: split.test.y[row]! as 0 | 1,
      model: m.model.name,
      prob: 1 / (1 + Math.exp(-logit)),
      images: [
        image('CT with tumour mask', image2, 'gray', { mask: Array.from(mask2.data) }),
        image('∇f (model)', gradF, 'diverging'),
        ...gImages,
        ...(al?.gradPerp ? [image('∇f⊥ (unexplained)', al.gradPerp, 'diverging', { caption: `${((al.unexplained ?? 0) * 100).toFixed(1)}% of ‖∇f‖²` })] : []),
      ],
      ...(frames ? { flow: frames } : {}),
      measures: {
        spanAlignment: clamp01(al?.A ?? 0),
        unexplained: clamp01(al?.unexplained ?? 0),
        S: Object.fromEntries(o.features.map((f, i) => [f, clamp01(al?.S[i] ?? 0)])),
        ...(fl ? { F: Object.fromEntries(o.features.map((f, i) => [f, clamp01(fl.F[i] ?? 0)])) } : {}),
      },
      ...(fl ? { path: { reached: fl.reached, length: fl.length, steps: fl.steps } } : {}),
    });
  }
  return out;
}

function describeData(ds: DataSet, split: SplitData): ReportJson['data'] {
  const gt = ds.groundTruth;
  const positives = split.prepared.labels.filter((l) => l === 1).length;
  return {
    name: ds.name,
    nTrain: split.trainIndex.length,
    nTest: split.testIndex.length,
    positives,
    ...(ds.description ? { description: ds.description } : {}),
    ...(gt
      ? {
          groundTruth: {
            rule: `label = 1 for the ${gt.positives} highest scores of Σ w·z + ${gt.noise}·ε (z: standardised ${Object.keys(gt.weights).join(', ')}; hidden: ${gt.hidden.join(', ')})`,
            weights: { ...gt.weights },
          },
        }
      : {}),
  };
}

/** The options as report settings: plain JSON (no abort signal), with the data source named. */
export function reportSettings(o: ExperimentOptions, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { signal: _signal, ...rest } = o;
  return { ...rest, data: o.data ?? 'phantom', ...extra };
}

export interface ExperimentResult {
  readonly report: ReportJson;
  readonly files: { readonly json: string; readonly html: string };
}

export async function runExperiment(o: ExperimentOptions, progress: ProgressSink): Promise<ExperimentResult> {
  validateExperimentOptions(o);
  const t0 = performance.now();
  mkdirSync(o.out, { recursive: true });
  const checkpointDir = join(o.out, 'checkpoints');
  mkdirSync(checkpointDir, { recursive: true });
  progress.log(`fgflow experiment: ${o.data ?? `phantom (${o.subjects} subjects)`}, ${o.size}², λ ∈ {${o.lambdas.join(', ')}}, ${o.epochs} epochs`);
  const split = loadAndSplit(o);
  const tData = performance.now();
  progress.log(`data: ${split.trainIndex.length} train / ${split.testIndex.length} test, ${split.prepared.labels.filter((l) => l === 1).length} positive`);
  const timing: Record<string, number> = { dataSeconds: (tData - t0) / 1000 };
  const models: ModelResult[] = [];
  const allExamples: Example[] = [];
  for (const lambda of o.lambdas) {
    const trained = await trainModel({ lambda, options: o, split, checkpointDir, progress });
    timing[`train:${trained.name}`] = trained.seconds;
    const m = measureModel(trained, split, o, progress);
    timing[`measure:${trained.name}`] = m.seconds;
    models.push(modelResult(m, o));
    const te = performance.now();
    if (lambda === o.lambdas[0] || lambda === o.lambdas[o.lambdas.length - 1]) allExamples.push(...examples(m, split, o));
    timing[`examples:${trained.name}`] = (performance.now() - te) / 1000;
  }
  // No explicit comparison: the report pairs the baseline with the largest λ that keeps balanced
  // accuracy (the paper's "as large as possible without hurting performance").
  const settings = reportSettings(o);
  const report: ReportJson = {
    version: 1,
    createdAt: new Date().toISOString(),
    settings,
    assumptions: [...PAPER_ASSUMPTIONS],
    data: describeData(split.prepared.dataset, split),
    models,
    examples: allExamples,
    paper: PAPER_FIGURES,
    timing: { totalSeconds: (performance.now() - t0) / 1000, ...timing },
  } as ReportJson;
  const files = await writeReport(report, o.out);
  return { report, files };
}

export { CheckpointError };
