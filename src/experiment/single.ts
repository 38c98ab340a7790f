/**
 * One model at a time: `train` (one λ and seed, selected on validation, checkpointed) and
 * `explain` (the measures of a trained checkpoint on the test split it was never selected on, or of
 * an ONNX model trained elsewhere). A checkpoint records the settings, data fingerprint and split it
 * was trained with, and explain uses exactly those: an option that contradicts them is refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryLogit, fromOnnx, loadCheckpoint, predict, readCheckpointHeader, scoreLogits, type CheckpointData, type CnnParams, type Dataset, type Model, type OnnxParams, type SplitMetrics } from '../nn/node.ts';
import type { ReportJson } from '../report/schema.ts';

import { assembleReport } from './assemble.ts';

import { planExperiment, type Environment } from './context.ts';
import { splitForSeed, subset, type ExperimentData, type SeedSplit } from './data.ts';
import { ExperimentError } from './errors.ts';
import { drawExamples } from './examples.ts';
import { ioError, makeDir, nonEmptyDir } from './files.ts';
import { jobResult, type JobResult, withSpacing } from './job.ts';
import { measure, summariseMeasurement } from './measure.ts';
import { cnnInput, modelFromConfig, type ExperimentModel } from './model.ts';
import { defaultExperimentOptions, validateOptions, type ExperimentOptions } from './options.ts';
import { settingDifferences, type Plan } from './plan.ts';
import type { ProgressSink } from './progress.ts';
import { trainJob, CHECKPOINT_FILE, type JobMeta } from './train-job.ts';

export interface TrainOneResult {
  readonly checkpoint: string;
  readonly selectedEpoch: number;
  readonly seconds: number;
  readonly test: SplitMetrics;
}

/** Trains the model of (λ, seed) into `out`: its running checkpoint and the kept (selected) one. */
export async function trainOne(options: ExperimentOptions, lambda: number, progress: ProgressSink, env: Environment): Promise<TrainOneResult> {
  const seed = options.seeds[0]!;
  const o: ExperimentOptions = { ...options, lambdas: [lambda], seeds: [seed] };
  validateOptions(o);
  if (o.seeds.length !== 1) throw new ExperimentError('usage', 'train takes one --seeds value');
  const { data, plan } = planExperiment(o, env);
  if (nonEmptyDir(o.out) && !o.resume && !o.force) throw new ExperimentError('usage', `${o.out} already holds files; pass --resume to continue the training in it, --force to replace it, or another --out`);
  await makeDir(o.out);
  const job = plan.jobs[0]!;
  const split = splitForSeed(data.prepared.labels, seed, o);
  const trained = await trainJob({ options: o, plan, data, job, split, dir: o.out, progress });
  const test = subset(data.prepared, split.test);
  return { checkpoint: join(o.out, CHECKPOINT_FILE), selectedEpoch: trained.selectedEpoch, seconds: trained.seconds, test: scoreLogits(predict(trained.model, trained.params, test.x), test.y) };
}

/** Options that only change how a trained model is measured, so explain may take them from the command line. */
const MEASUREMENT: readonly (keyof ExperimentOptions)[] = ['noiseDraws', 'noiseMask', 'integrator', 'flowSamples', 'flowSteps', 'examples', 'margin'];

/** The options a checkpoint was trained with, with the measurement options given; other given options must agree. */
function optionsOf(file: string, meta: JobMeta, explicit: Partial<ExperimentOptions>): ExperimentOptions {
  const recorded: Record<string, unknown> = { ...meta.settings, lambdas: [meta.lambda], seeds: [meta.seed] };
  const data = recorded.data === 'phantom' ? undefined : (recorded.data as string);
  delete recorded.data;
  delete recorded.numerics;
  const trained = { ...defaultExperimentOptions, ...recorded, ...(data !== undefined ? { data } : {}) } as ExperimentOptions;
  const given = Object.entries(explicit).filter(([k]) => !MEASUREMENT.includes(k as keyof ExperimentOptions));
  const conflicting = settingDifferences(Object.fromEntries(given.map(([k]) => [k, (trained as unknown as Record<string, unknown>)[k]])), Object.fromEntries(given)).map((d) =>
    d.replace(' there, ', ' given, ').replace(/ here$/, ' in the checkpoint'),
  );
  if (conflicting.length) throw new ExperimentError('mismatch', `${file} was trained with other settings than those given (${conflicting.join('; ')}); drop these options to explain it as trained`);
  const measured = Object.fromEntries(Object.entries(explicit).filter(([k]) => MEASUREMENT.includes(k as keyof ExperimentOptions)));
  return { ...trained, ...measured };
}

/** The data and split must be those the checkpoint was trained on. */
function checkTrainedOn(file: string, meta: JobMeta, dataFingerprint: string, split: SeedSplit): void {
  if (meta.dataFingerprint !== dataFingerprint) throw new ExperimentError('mismatch', `${file} was trained on other data (fingerprint ${meta.dataFingerprint}, these data ${dataFingerprint}); pass the data it was trained on`);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (!same(meta.split.test, split.test) || !same(meta.split.train, split.train)) throw new ExperimentError('mismatch', `${file}: the split of seed ${meta.seed} differs from the one it was trained with`);
}

interface Measured {
  readonly o: ExperimentOptions;
  readonly plan: ReturnType<typeof planExperiment>['plan'];
  readonly job: JobResult['job'];
  readonly data: ReturnType<typeof planExperiment>['data'];
  readonly split: SeedSplit;
  readonly model: Model<any>;
  readonly params: unknown;
  readonly m: ReturnType<typeof measure>;
  readonly selectedEpoch: number;
  readonly history: JobResult['run']['history'];
  readonly backend: Environment['backend'];
}

/** The job result of a model measured on its seed's test split (explain: a checkpoint, or an ONNX model). */
function measuredResult({ o, plan, job, data, split, model, params, m, selectedEpoch, history, backend }: Measured): JobResult {
  const seed = o.seeds[0]!;
  const test = subset(data.prepared, split.test);
  const ids = split.test.map((i) => data.prepared.ids[i]!);
  const examples = o.examples > 0 ? drawExamples({ model, params, modelName: job.model, seed, test, ids, logits: m.logits, count: o.examples, options: withSpacing(o, data) }) : [];
  return jobResult({ plan, job, data, split, run: { seed, ...summariseMeasurement(m, o), selectedEpoch, history, trainSeconds: 0 }, examples, backend });
}

export interface ExplainResult {
  readonly result: JobResult;
  readonly report: ReportJson;
}

/** A trained checkpoint with what it was trained on: its options, data, plan, split and kept params. */
export interface TrainedCheckpoint {
  readonly meta: JobMeta;
  readonly options: ExperimentOptions;
  readonly data: ExperimentData;
  readonly plan: Plan;
  readonly split: SeedSplit;
  readonly model: ExperimentModel;
  readonly loaded: CheckpointData<CnnParams>;
  /** The kept epoch's params (restoreBest), else the last epoch's. */
  readonly params: CnnParams;
  readonly selectedEpoch: number;
  readonly test: Dataset;
  readonly ids: readonly string[];
}

/** Loads a checkpoint of fgflow train or experiment, refusing one whose data or split cannot be rebuilt as it was trained. */
export async function loadTrainedCheckpoint(file: string, explicit: Partial<ExperimentOptions>, runtime: Pick<ExperimentOptions, 'out'>, env: Pick<Environment, 'numerics'>): Promise<TrainedCheckpoint> {
  const header = await readCheckpointHeader(file).catch((e: unknown) => {
    throw new ExperimentError('mismatch', `${file}: not a readable checkpoint (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  });
  const meta = header.meta as JobMeta | undefined;
  if (!meta || typeof meta.fingerprint !== 'string' || !meta.settings) throw new ExperimentError('mismatch', `${file}: not a checkpoint of fgflow train or experiment (it records no settings or split)`);
  // One model's report: no sanity-check or ablation jobs belong to it.
  const o: ExperimentOptions = { ...optionsOf(file, meta, explicit), ...runtime, resume: false, force: false, sanity: false, ablateReward: false };
  validateOptions(o);
  const { data, plan } = planExperiment(o, { numerics: String(meta.settings.numerics ?? env.numerics) });
  const split = splitForSeed(data.prepared.labels, meta.seed, o);
  checkTrainedOn(file, meta, data.fingerprint, split);
  const model = modelFromConfig(header.model, file);
  const loaded = await loadCheckpoint<CnnParams>(file, { model });
  return {
    meta, options: o, data, plan, split, model, loaded,
    params: loaded.state.bestEpoch?.params ?? loaded.state.params,
    selectedEpoch: loaded.state.bestEpoch?.epoch ?? Math.max(0, loaded.state.epoch - 1),
    test: subset(data.prepared, split.test),
    ids: split.test.map((i) => data.prepared.ids[i]!),
  };
}

/** Measures a trained checkpoint on the test split of the data and seed it was trained with. */
export async function explainCheckpoint(file: string, explicit: Partial<ExperimentOptions>, runtime: Pick<ExperimentOptions, 'out'>, progress: ProgressSink, env: Environment): Promise<ExplainResult> {
  const { meta, options: o, data, plan, split, model, loaded, params, selectedEpoch, test, ids } = await loadTrainedCheckpoint(file, explicit, runtime, env);
  const m = measure({ model, params, test, ids, seed: meta.seed, options: withSpacing(o, data), progress });
  const history = loaded.state.history.map((h) => ({ epoch: h.epoch, trainLoss: h.trainLoss, trainBalancedAccuracy: h.train?.balancedAccuracy ?? 0, validationBalancedAccuracy: h.validation?.balancedAccuracy ?? 0, validationAuc: h.validation?.auc ?? null, validationLoss: h.validation?.bce ?? 0 }));
  const result = measuredResult({ o, plan, job: plan.jobs[0]!, data, split, model, params, m, selectedEpoch, history, backend: env.backend });
  const report = assembleReport({ settings: { ...plan.settings, checkpoint: file }, results: [result], timing: { totalSeconds: m.seconds } });
  return { result, report };
}

/**
 * Measures a model trained elsewhere (an ONNX file) on the test split of `--seed` of the data, the
 * same subjects fgflow's own models are measured on. Its input is [N, C, H, W] with H = W = --size:
 * C = 2 takes the prepared [windowed CT, mask] channels, C = 1 the windowed CT alone (the mask still
 * defines the features). The logit is read as nn.binaryLogit says; gradients are taken with
 * respect to the CT channel, as for every fgflow model.
 */
export async function explainOnnx(file: string, options: ExperimentOptions, progress: ProgressSink, env: Environment): Promise<ExplainResult> {
  const seed = options.seeds[0] ?? 0;
  const o: ExperimentOptions = { ...options, lambdas: [0], seeds: [seed], sanity: false, ablateReward: false, resume: false, force: false };
  validateOptions(o);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw ioError('read the ONNX model', file, e);
  }
  const onnx = fromOnnx(bytes, { source: file });
  const dims = onnx.inputs[0]!.dims;
  const channels = dims?.[1];
  if (!dims || dims.length !== 4 || (channels !== 1 && channels !== 2)) throw new ExperimentError('usage', `${file}: the model's input '${onnx.inputs[0]!.name}' must be [N, 1 or 2, H, W] (the CT, or [CT, mask]), got [${dims?.map((d) => d ?? '?').join(', ') ?? 'no shape'}]`);
  const side = [dims[2], dims[3]].find((d) => typeof d === 'number' && d !== o.size);
  if (side !== undefined) throw new ExperimentError('usage', `${file}: the model takes ${dims[2]}×${dims[3]} images; pass --size ${dims[2]} (and a --crop that suits it)`);
  const logit = binaryLogit(onnx);
  const model = { init: logit.init, apply: (p: OnnxParams, x: never) => logit.apply(p, (channels === 1 ? cnnInput('ct', x) : x) as never) };
  const { data, plan } = planExperiment(o, env);
  const job = plan.jobs[0]!;
  const split = splitForSeed(data.prepared.labels, seed, o);
  const test = subset(data.prepared, split.test);
  const ids = split.test.map((i) => data.prepared.ids[i]!);
  const m = measure({ model, params: onnx.params, test, ids, seed, options: withSpacing(o, data), progress });
  const result = measuredResult({ o, plan, job, data, split, model, params: onnx.params, m, selectedEpoch: 0, history: [], backend: env.backend });
  const report = assembleReport({ settings: { ...plan.settings, onnx: file, onnxReadout: logit.readout, onnxInput: channels === 2 ? '[windowed CT, mask]' : 'windowed CT' }, results: [result], timing: { totalSeconds: m.seconds } });
  return { result, report };
}
