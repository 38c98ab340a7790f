/**
 * Training one (λ, seed) job with model selection on the validation split: the epoch whose model
 * scores best on the validation metric is kept (ties go to the earlier epoch), and the test split
 * is never seen here. Checkpoints go to the job's folder after every epoch (the run in progress)
 * and whenever the validation metric improves (the kept model), so an interrupted job resumes
 * exactly where it stopped, with the same selection.
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
  type Optimizer,
  type OptState,
  type SplitMetrics,
  type TrainState,
} from '../nn/index.ts';
import * as random from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { subset, type ExperimentData, type SeedSplit } from './data.ts';
import { ExperimentError } from './errors.ts';
import { featureSet } from './features.ts';
import { channelScaling, experimentModel, type ExperimentModel } from './model.ts';
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
  /** Only in the kept model's checkpoint: its epoch and validation score. */
  readonly selected?: { readonly epoch: number; readonly value: number };
}

export const CHECKPOINT_FILE = 'checkpoint.ckpt';
export const SELECTED_FILE = 'selected.ckpt';

/** Learning rate at optimiser step `step`: linear warm-up, then constant or a cosine decay to 0. */
export function learningRate(o: Pick<ExperimentOptions, 'lr' | 'warmupEpochs' | 'schedule' | 'epochs'>, stepsPerEpoch: number, step: number): number {
  const warmup = o.warmupEpochs * stepsPerEpoch;
  if (step < warmup) return (o.lr * (step + 1)) / warmup;
  if (o.schedule === 'constant') return o.lr;
  const total = Math.max(1, o.epochs * stepsPerEpoch - warmup);
  return 0.5 * o.lr * (1 + Math.cos((Math.PI * Math.min(step - warmup, total)) / total));
}

/** Adam whose learning rate follows the schedule; the step comes from the optimiser state, so a resumed run continues it. */
function scheduledAdam(o: ExperimentOptions, stepsPerEpoch: number): Optimizer {
  const base = adam({ lr: o.lr, weightDecay: o.weightDecay, decoupled: true });
  const stepOf = (state: OptState) => state.count.item();
  return {
    ...base,
    update: (grads, state, params) => adam({ lr: learningRate(o, stepsPerEpoch, stepOf(state)), weightDecay: o.weightDecay, decoupled: true }).update(grads, state, params),
  };
}

function lossFor(job: Job, model: ExperimentModel, o: ExperimentOptions, posWeight: number): LossFn<CnnParams> {
  const bce = (logits: Tensor, batch: Batch) => bceWithLogits(logits as never, batch.y, { posWeight });
  const base: LossFn<CnnParams> =
    job.lambda === 0
      ? (params, batch) => bce(model.apply(params, batch.x as never), batch)
      : alignmentLoss<CnnParams, Batch, random.Key>(model, alignmentReward({ features: featureSet(job.rewardFeatures ?? o.features), lambda: job.lambda, kind: o.reward }), bce);
  if (o.augment === 'none') return base;
  return (params, batch, key) => base(params, augmentDihedral(batch, random.foldIn(key, 0xa5)), key);
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
  const model = experimentModel({ inputSize: o.size, channels: [...o.channels], hidden: [...o.hidden] }, o.normalise ? channelScaling(trainData) : undefined);
  const stepsPerEpoch = Math.ceil(trainData.y.length / o.batchSize);
  const optimizer = scheduledAdam(o, stepsPerEpoch);
  const meta = jobMeta(plan, job, split);
  const running = join(dir, CHECKPOINT_FILE);
  const kept = join(dir, SELECTED_FILE);
  const resume = o.resume ? await resumeState(running, meta, model, optimizer) : undefined;
  let best = resume && existsSync(kept) ? await loadSelected(kept, meta, model) : null;
  if (resume) progress.log(`resuming from ${running} at epoch ${resume.epoch + 1}`);

  const save = (file: string, state: TrainState<CnnParams>, selected?: JobMeta['selected']) =>
    saveCheckpoint(file, { model: model.config, optimizer: optimizer.config, state, meta: selected ? { ...meta, selected } : meta });
  progress.start('train', o.epochs * stepsPerEpoch, { epoch: resume?.epoch ?? 0 });
  const started = performance.now();
  let shown = '–';
  const result = await train({
    model,
    loss: lossFor(job, model, o, balancedPosWeight(trainData.y)),
    data: trainData,
    test: validation,
    epochs: o.epochs,
    batchSize: o.batchSize,
    optimizer,
    seed: job.seed,
    ...(resume ? { resume } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onStep: (e) => progress.update(e.epoch * stepsPerEpoch + e.batch + 1, { epoch: `${e.epoch + 1}/${o.epochs}`, loss: round(e.loss), [o.selection]: shown }),
    onEpoch: async (e) => {
      const value = selectionValue(o.selection, e.metrics.test);
      shown = value === null ? '–' : round(Math.abs(value));
      if (value !== null && (best === null || value > best.value)) {
        best = { epoch: e.epoch, value, params: e.state.params };
        await save(kept, e.state, { epoch: e.epoch, value });
      }
      await save(running, e.state);
    },
  });
  await save(running, result.state);
  if (result.stopReason === 'aborted') {
    progress.stop('interrupted');
    throw new ExperimentError('interrupted', `interrupted; progress saved to ${running} (rerun with --resume to continue)`);
  }
  const seconds = (performance.now() - started) / 1000;
  if (best === null) throw new ExperimentError('plan', `${job.id}: no epoch gave a validation score (${o.selection}); train for at least one epoch`);
  const chosen: { epoch: number; params: CnnParams } = best;
  progress.stop(`${seconds.toFixed(0)} s, kept epoch ${chosen.epoch + 1} of ${o.epochs} (${o.selection})`);
  return { model, params: chosen.params, selectedEpoch: chosen.epoch, history: result.history, seconds };
}

async function loadSelected(file: string, meta: JobMeta, model: ExperimentModel): Promise<{ epoch: number; value: number; params: CnnParams }> {
  const loaded = await loadCheckpoint<CnnParams>(file, { model });
  const theirs = loaded.meta as JobMeta | undefined;
  checkMeta(file, meta, theirs);
  if (!theirs?.selected) throw new ExperimentError('mismatch', `${file}: records no selected epoch`);
  return { ...theirs.selected, params: loaded.state.params };
}

const round = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));
