/**
 * Measuring a trained model on its test split, once: balanced accuracy and AUC, then S, A and F
 * of each feature and of the noise baseline, summarised per seed for the report.
 */
import { reshape, slice } from '../ad/ops.ts';
import { alignmentBatch, type AlignmentResult } from '../interp/alignment.ts';
import { flowAlignmentBatch, type FlowResult } from '../interp/flow.ts';
import { noiseDraws, type Spacing } from '../interp/features/index.ts';
import { imageChannelModel } from '../interp/model.ts';
import { column, noiseBaseline, summarize } from '../interp/summary.ts';
import type { BatchFunction, Feature, SampleBatch } from '../interp/types.ts';
import { gatherBatch, predict, scoreLogits, type Dataset, type Model, type SplitMetrics } from '../nn/index.ts';
import type { FeatureSummary, ModelRun, RandomisationStep } from '../report/schema.ts';
import * as random from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { featureSet } from './features.ts';
import type { ExperimentOptions } from './options.ts';
import type { ProgressSink } from './progress.ts';

/** Channel `c` of x [N, C, H, W] as [N, H, W]. */
export function channelOf(x: Tensor, c: number): Tensor<readonly [number, number, number]> {
  const [n, , h, w] = x.shape as readonly number[] as [number, number, number, number];
  return reshape(slice(x as Tensor<[number, number, number, number]>, [0, c, 0, 0], [n, 1, h, w]), [n, h, w]) as Tensor<readonly [number, number, number]>;
}

export type MeasureOptions = Pick<ExperimentOptions, 'features' | 'noiseDraws' | 'noiseMask' | 'integrator' | 'flowSamples' | 'flowSteps'> & {
  /** The data's [row, column] pixel size in mm (PreparedData.spacing): features in mm. */
  readonly spacing?: Spacing;
};

export interface Measurement {
  readonly logits: Float64Array;
  readonly metrics: SplitMetrics;
  readonly alignment: readonly AlignmentResult[];
  readonly noiseAlignment: readonly AlignmentResult[];
  readonly flow: readonly FlowResult[];
  readonly noiseFlow: readonly FlowResult[];
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

function rowsOf(batch: SampleBatch, index: readonly number[]): SampleBatch {
  const pick = (t: Tensor) => gatherBatch({ x: t, y: index.map(() => 0) }, index).x as SampleBatch['images'];
  return { images: pick(batch.images), masks: pick(batch.masks), ids: index.map((i) => batch.ids![i]!) };
}

export function noiseFeatures(seed: number, o: Pick<MeasureOptions, 'noiseDraws' | 'noiseMask'>): Record<string, Feature> {
  return Object.fromEntries(noiseDraws(random.foldIn(random.key(seed), 1), o.noiseDraws, { mask: o.noiseMask }).map((f, i) => [`noise#${i + 1}`, f]));
}

/** The model as a function of the CT channel of the test rows (the mask held fixed). */
export function testImageModel(model: Model<any>, params: unknown, test: Dataset): BatchFunction {
  return imageChannelModel((x) => model.apply(params as never, x as never), test.x, 0);
}

/** The features' results; the noise draws' S and F are columns of the same results (probes). */
interface FeatureMeasures {
  readonly alignment: readonly AlignmentResult[];
  readonly noiseAlignment: readonly AlignmentResult[];
  readonly flow: readonly FlowResult[];
  readonly noiseFlow: readonly FlowResult[];
}

/** S, A and F of the features and of the noise draws for one model (as a function of the CT channel). */
/**
 * S, A and F of the features, with the noise draws measured as probes of the same gradients and
 * flow paths (their S and F columns sit beside the features', and they stay out of A and F_A): one
 * backward pass per image and one flow per path serve both.
 */
function measureFeatures(f: BatchFunction, batch: SampleBatch, labels: readonly number[], seed: number, o: MeasureOptions, tick: (done: number) => void): FeatureMeasures {
  const features = featureSet(o.features, o.spacing);
  const probes = noiseFeatures(seed, o);
  const alignment = alignmentBatch(f, features, batch, { probes });
  tick(2);
  const flowIndex = flowSubset(labels, Math.min(o.flowSamples, labels.length), seed);
  if (!flowIndex.length) return { alignment, noiseAlignment: alignment, flow: [], noiseFlow: [] };
  const sub = rowsOf(batch, flowIndex);
  const subModel: BatchFunction = (images, index) => f(images, index.map((i) => flowIndex[i]!));
  const flow = flowAlignmentBatch(subModel, features, sub, { integrator: o.integrator, maxSteps: o.flowSteps, batchSize: 8, probes });
  tick(2 + 2 * flowIndex.length);
  return { alignment, noiseAlignment: alignment, flow, noiseFlow: flow };
}

export interface MeasureInput {
  readonly model: Model<any>;
  readonly params: unknown;
  readonly test: Dataset;
  readonly ids: readonly string[];
  readonly seed: number;
  readonly options: MeasureOptions;
  readonly progress: ProgressSink;
}

function testBatch(test: Dataset, ids: readonly string[]): SampleBatch {
  return { images: channelOf(test.x, 0), masks: channelOf(test.x, 1), ids };
}

export function measure({ model, params, test, ids, seed, options: o, progress }: MeasureInput): Measurement {
  const started = performance.now();
  const logits = predict(model, params as never, test.x);
  const metrics = scoreLogits(logits, test.y);
  progress.start('measure', 2 + 2 * o.flowSamples);
  const measured = measureFeatures(testImageModel(model, params, test), testBatch(test, ids), test.y, seed, o, (d) => progress.update(d));
  const seconds = (performance.now() - started) / 1000;
  progress.stop(`balanced accuracy ${metrics.balancedAccuracy.toFixed(3)}, AUC ${metrics.auc?.toFixed(3) ?? '–'}`);
  return { logits, metrics, ...measured, seconds };
}

/** Mean A of the feature set without each feature, on the same model (null when A is undefined throughout). */
export function ablate({ model, params, test, ids, options: o }: MeasureInput): Record<string, number | null> | undefined {
  if (o.features.length < 2) return undefined;
  const f = testImageModel(model, params, test);
  const batch = testBatch(test, ids);
  return Object.fromEntries(o.features.map((drop) => [drop, meanOrNull(alignmentBatch(f, featureSet(o.features.filter((n) => n !== drop), o.spacing), batch).map((r) => r.A))]));
}

/** The noise baseline of A for a trained model. */
export function noiseSpanAlignment({ model, params, test, ids, seed, options }: MeasureInput): number | null {
  return noiseSpan(testImageModel(model, params, test), testBatch(test, ids), seed, options);
}

/** The noise baseline of A: span alignment with as many noise features as there are features. */
function noiseSpan(f: BatchFunction, batch: SampleBatch, seed: number, o: MeasureOptions): number | null {
  const noise = Object.entries(noiseFeatures(seed, o)).slice(0, o.features.length);
  return meanOrNull(alignmentBatch(f, Object.fromEntries(noise), batch).map((r) => r.A));
}

/** The layers of a parameter record from the top (the last layer) down. */
function layersTopDown(params: Record<string, unknown>): string[] {
  return Object.keys(params).reverse();
}

/**
 * Cascading parameter randomisation (Adebayo et al., "Sanity checks for saliency maps", 2018):
 * re-initialise the top layer, measure, then the next one too, down to the first. Measures that
 * explain the model must fall to the noise level as it forgets what it learned.
 */
export function randomise(input: MeasureInput, init: (key: random.Key) => Record<string, unknown>): RandomisationStep[] {
  const { model, params, test, ids, seed, options: o, progress } = input;
  const fresh = init(random.foldIn(random.key(seed), 0x5a417));
  const layers = layersTopDown(params as Record<string, unknown>);
  const batch = testBatch(test, ids);
  const noiseMean = (rs: readonly (AlignmentResult | FlowResult)[]) => meanOrNull(noiseColumns(rs, o.noiseDraws).flat());
  progress.start('randomise', layers.length);
  const steps: RandomisationStep[] = [];
  let current = { ...(params as Record<string, unknown>) };
  for (const [k, layer] of layers.entries()) {
    current = { ...current, [layer]: fresh[layer] };
    const f = testImageModel(model, current, test);
    const m = measureFeatures(f, batch, test.y, seed, o, () => {});
    const [nS, nF] = [noiseMean(m.noiseAlignment), noiseMean(m.noiseFlow)];
    const ratio = (v: number | null, n: number | null) => (v === null || n === null || n === 0 ? null : v / n);
    steps.push({
      layers: layers.slice(0, k + 1),
      spanAlignment: meanOrNull(m.alignment.map((r) => r.A)),
      ratioToNoise: Object.fromEntries(o.features.map((name) => [name, ratio(meanOrNull(column(m.alignment, name)), nS)])),
      flowRatioToNoise: Object.fromEntries(o.features.map((name) => [name, m.flow.length ? ratio(meanOrNull(column(m.flow, name)), nF) : null])),
      noiseSpanAlignment: noiseSpan(f, batch, seed, o),
    });
    progress.update(k + 1);
  }
  progress.stop(`${layers.length} layers re-initialised`);
  return steps;
}

// ------------------------------------------------------------------ summaries

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
/** The mean of the defined values, or null when none is defined. */
const meanOrNull = (vs: readonly (number | null)[]): number | null => {
  const m = summarize(vs).mean;
  return finite(m) ? clamp01(m) : null;
};

function noiseColumns(results: readonly (AlignmentResult | FlowResult)[], draws: number): (number | null)[][] {
  return Array.from({ length: draws }, (_, k) => column(results, `noise#${k + 1}`));
}

function flagsOf(m: Measurement): Record<string, number> {
  const flags: Record<string, number> = {};
  const count = (key: string, n: number) => {
    if (n > 0) flags[key] = n;
  };
  count('flowNotReached', m.flow.filter((r) => !r.reached).length);
  count('undefinedAlignment', m.alignment.filter((r) => r.A === null).length);
  // The probes (noise draws) are the last columns; a feature is what the flag counts.
  count('undefinedFeature', m.alignment.filter((r) => r.S.slice(0, r.names.length - r.probes.length).some((s) => s === null)).length);
  return flags;
}

function featureSummary(name: string, m: Measurement, noiseS: (number | null)[][], noiseF: (number | null)[][]): FeatureSummary {
  const S = column(m.alignment, name);
  const stats = summarize(S);
  const cmpS = noiseBaseline(S, noiseS);
  const F = m.flow.length ? column(m.flow, name) : [];
  const cmpF = noiseF.length ? noiseBaseline(F, noiseF) : null;
  return {
    S: clamp01(stats.mean ?? 0),
    F: meanOrNull(F),
    ...(finite(stats.median) ? { Smedian: stats.median } : {}),
    ...(finite(stats.q1) ? { Sq1: stats.q1 } : {}),
    ...(finite(stats.q3) ? { Sq3: stats.q3 } : {}),
    ...(finite(cmpS.ratio) ? { ratioToNoise: cmpS.ratio } : {}),
    ...(finite(cmpS.pValue) ? { pValue: cmpS.pValue } : {}),
    ...(cmpF && finite(cmpF.ratio) ? { flowRatioToNoise: cmpF.ratio } : {}),
    ...(cmpF && finite(cmpF.pValue) ? { flowPValue: cmpF.pValue } : {}),
  };
}

export type RunMeasures = Omit<ModelRun, 'seed' | 'selectedEpoch' | 'history' | 'trainSeconds'>;

/** One seed's summary of a measurement, in the report's terms. */
export function summariseMeasurement(m: Measurement, o: MeasureOptions): RunMeasures {
  const noiseS = noiseColumns(m.noiseAlignment, o.noiseDraws);
  const noiseF = m.noiseFlow.length ? noiseColumns(m.noiseFlow, o.noiseDraws) : [];
  const flat = (cols: (number | null)[][]) => cols.flat().filter(finite);
  const distributions: Record<string, { S: number[]; F: number[] }> = Object.fromEntries(
    o.features.map((name) => [name, { S: column(m.alignment, name).filter(finite), F: m.flow.length ? column(m.flow, name).filter(finite) : [] }]),
  );
  distributions.noise = { S: flat(noiseS), F: flat(noiseF) };
  return {
    balancedAccuracy: m.metrics.balancedAccuracy,
    auc: m.metrics.auc,
    accuracy: m.metrics.accuracy,
    spanAlignment: meanOrNull(m.alignment.map((r) => r.A)),
    flowSpanAlignment: meanOrNull(m.flow.map((r) => r.FA)),
    unexplained: meanOrNull(m.alignment.map((r) => r.unexplained)),
    features: Object.fromEntries(o.features.map((name) => [name, featureSummary(name, m, noiseS, noiseF)])),
    noise: { S: meanOrNull(flat(noiseS)) ?? 0, F: noiseF.length ? meanOrNull(flat(noiseF)) : null, draws: o.noiseDraws },
    distributions,
    flags: flagsOf(m),
    measureSeconds: m.seconds,
  };
}
