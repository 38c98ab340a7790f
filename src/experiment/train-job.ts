/**
 * Training one (λ, seed) job with model selection on the validation split: the epoch whose model
 * scores best on the validation metric is kept (ties go to the earlier epoch), and the test split
 * is never seen here. The job's checkpoint, written after every epoch, holds the run in progress
 * and the kept epoch's params, so an interrupted job resumes exactly, with the same selection.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { alignmentLoss, alignmentReward } from '../interp/reward.ts';
import {
  adam,
  augmentDihedral,
  balancedPosWeight,
  bceWithLogits,
  loadCheckpoint,
  saveCheckpoint,
  train,
  type Batch,
  type CnnParams,
  type Dataset,
  type EpochMetrics,
  type LossFn,
  type LearningRate,
  type Optimizer,
  type SplitMetrics,
  type TrainState,
} from '../nn/node.ts';
import * as random from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { subset, type ExperimentData, type SeedSplit } from './data.ts';
import { ExperimentError } from './errors.ts';
import { featureSet } from './features.ts';
import { experimentModel, fitInputScaling, type ExperimentModel } from './model.ts';
import type { ExperimentOptions, SelectionMetric } from './options.ts';
import { jobSettings, settingDifferences, type Job, type Plan, type PlanSettings } from './plan.ts';
import type { ProgressSink } from './progress.ts';

export interface TrainedJob {
  readonly model: ExperimentModel;
  /** The parameters of the selected epoch. */
  readonly params: CnnParams;
  readonly selectedEpoch: number;
  readonly history: readonly EpochMetrics[];
  readonly seconds: number;
}

/** What a job's checkpoints record, so a resume with other data or settings is refused. */
export interface JobMeta {
  readonly job: string;
  readonly lambda: number;
  readonly seed: number;
  readonly fingerprint: string;
  readonly dataFingerprint: string;
  readonly settings: PlanSettings;
  readonly split: { readonly train: readonly number[]; readonly validation: readonly number[]; readonly test: readonly number[] };
}

/** The job's checkpoint: the run in progress, with the params of the epoch kept so far (nn's restoreBest). */
export const CHECKPOINT_FILE = 'checkpoint.ckpt';

/** The learning rate as a schedule of the optimiser's step count: linear warm-up, then constant or a cosine decay to 0. */
export function learningRateSchedule(o: Pick<ExperimentOptions, 'lr' | 'warmupEpochs' | 'schedule' | 'epochs'>, stepsPerEpoch: number): LearningRate {
  const warmupSteps = o.warmupEpochs * stepsPerEpoch;
  if (o.schedule === 'cosine') return { kind: 'warmupCosine', peak: o.lr, warmupSteps, decaySteps: Math.max(warmupSteps + 1, o.epochs * stepsPerEpoch) };
  return warmupSteps > 0 ? { kind: 'linearWarmup', peak: o.lr, warmupSteps } : o.lr;
}

function lossFor(job: Job, model: ExperimentModel, o: ExperimentOptions, posWeight: number, spacing?: readonly [number, number]): LossFn<CnnParams> {
  const bce = (logits: Tensor, batch: Batch) => bceWithLogits(logits as never, batch.y, { posWeight });
  const base: LossFn<CnnParams> =
    job.lambda === 0
      ? (params, batch) => bce(model.apply(params, batch.x as never), batch)
      : alignmentLoss<CnnParams, Batch, random.Key>(model, alignmentReward({ features: featureSet(job.rewardFeatures ?? o.features, spacing), lambda: job.lambda, kind: o.reward }), bce);
  return base;
}

/** The selection metric's value (higher is better: BCE is negated). */
export function selectionValue(metric: SelectionMetric, m: SplitMetrics | undefined): number | null {
  if (!m) return null;
  if (metric === 'validation.bce') return -m.bce;
  if (metric === 'validation.auc') return m.auc;
  return m.balancedAccuracy;
}

async function resumeState(file: string, meta: JobMeta, model: ExperimentModel, optimizer: Optimizer): Promise<TrainState<CnnParams> | undefined> {
  if (!existsSync(file)) return undefined;
  const loaded = await loadCheckpoint<CnnParams>(file, { model, optimizer });
  checkMeta(file, meta, loaded.meta as JobMeta | undefined);
  return loaded.state;
}

/** Refuses a checkpoint made for other data, another split or other settings, naming each difference. */
export function checkMeta(file: string, mine: JobMeta, theirs: JobMeta | undefined): void {
  if (!theirs || typeof theirs !== 'object' || typeof theirs.fingerprint !== 'string') {
    throw new ExperimentError('mismatch', `${file}: not a checkpoint of an fgflow experiment job (it records no job fingerprint); use --force to start over`);
  }
  if (theirs.fingerprint === mine.fingerprint) return;
  const differences = settingDifferences(mine.settings, theirs.settings ?? {});
  if (theirs.dataFingerprint !== mine.dataFingerprint) differences.unshift(`data: fingerprint ${theirs.dataFingerprint} there, ${mine.dataFingerprint} here`);
  throw new ExperimentError('mismatch', `${file} was made with other settings (${differences.join('; ') || 'its job differs'}); rerun with the original options, or use --force to start over`);
}

export function jobMeta(plan: Plan, job: Job, split: SeedSplit): JobMeta {
  return { job: job.id, lambda: job.lambda, seed: job.seed, fingerprint: job.fingerprint, dataFingerprint: plan.dataFingerprint, settings: jobSettings(plan.settings), split: { train: split.train, validation: split.validation, test: split.test } };
}

export interface TrainJobInput {
  readonly options: ExperimentOptions;
  readonly plan: Plan;
  readonly data: ExperimentData;
  readonly job: Job;
  readonly split: SeedSplit;
  readonly dir: string;
  readonly progress: ProgressSink;
}

/** The labels of a dataset in a seeded random order: what the label-randomisation sanity check trains on. */
function shuffledLabels(d: Dataset, seed: number, stream: number): Dataset {
  const order = random.permutation(random.foldIn(random.key(seed), stream), d.y.length);
  return { x: d.x, y: order.map((i) => d.y[i]!) };
}

export async function trainJob({ options: o, plan, data, job, split, dir, progress }: TrainJobInput): Promise<TrainedJob> {
  const shuffle = job.kind === 'shuffled-labels';
  const trainData = shuffle ? shuffledLabels(subset(data.prepared, split.train), job.seed, 0x5f1) : subset(data.prepared, split.train);
  const validation = shuffle ? shuffledLabels(subset(data.prepared, split.validation), job.seed, 0x5f2) : subset(data.prepared, split.validation);
  const model = experimentModel({ inputSize: o.size, channels: [...o.channels], hidden: [...o.hidden] }, o.inputs, o.normalise ? fitInputScaling(o.inputs, trainData) : undefined);
  const stepsPerEpoch = Math.ceil(trainData.y.length / o.batchSize);
  const optimizer = adam({ lr: learningRateSchedule(o, stepsPerEpoch), weightDecay: o.weightDecay, decoupled: true });
  const meta = jobMeta(plan, job, split);
  const file = join(dir, CHECKPOINT_FILE);
  const resume = o.resume ? await resumeState(file, meta, model, optimizer) : undefined;
  if (resume) progress.log(`resuming from ${file} at epoch ${resume.epoch + 1}`);
  const save = (state: TrainState<CnnParams>) => saveCheckpoint(file, { model: model.config, optimizer: optimizer.config, state, meta });
  progress.start('train', o.epochs * stepsPerEpoch, { epoch: resume?.epoch ?? 0 });
  const started = performance.now();
  let shown = '–';
  const result = await train({
    model,
    loss: lossFor(job, model, o, balancedPosWeight(trainData.y), data.prepared.spacing),
    data: trainData,
    validation,
    epochs: o.epochs,
    batchSize: o.batchSize,
    optimizer,
    seed: job.seed,
    restoreBest: { metric: o.selection },
    ...(o.augment === 'dihedral' ? { augment: augmentDihedral } : {}),
    ...(resume ? { resume } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onStep: (e) => progress.update(e.epoch * stepsPerEpoch + e.batch + 1, { epoch: `${e.epoch + 1}/${o.epochs}`, loss: round(e.loss), [o.selection]: shown }),
    onEpoch: async (e) => {
      const value = selectionValue(o.selection, e.metrics.validation);
      shown = value === null ? '–' : round(Math.abs(value));
      await save(e.state);
    },
  });
  await save(result.state);
  if (result.stopReason === 'aborted') {
    progress.stop('interrupted');
    throw new ExperimentError('interrupted', `interrupted; progress saved to ${file} (rerun with --resume to continue)`);
  }
  const seconds = (performance.now() - started) / 1000;
  const chosen = result.bestEpoch;
  if (!chosen) throw new ExperimentError('plan', `${job.id}: no epoch gave a validation score (${o.selection})`);
  progress.stop(`${seconds.toFixed(0)} s, kept epoch ${chosen.epoch + 1} of ${o.epochs} (${o.selection})`);
  return { model, params: result.params, selectedEpoch: chosen.epoch, history: result.history, seconds };
}

const round = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));
