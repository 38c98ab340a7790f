/**
 * Training as pure state transitions. `trainStep` is one optimisation step, a pure function of
 * (state, batch, key); `trainIterator` is a thin driver around it that walks epochs and batches,
 * scores each epoch, and yields events. The state (params, optimiser state, position in the run,
 * history) is plain data, so a run stopped after any step and resumed from its state, e.g.
 * through a checkpoint, gives bit-identical results to an uninterrupted one: every random draw
 * (shuffle, loss key, augmentation) is a function of the seed and the (epoch, batch) position.
 */
import { valueAndGrad } from '../ad/transforms.ts';
import type { Pytree } from '../ad/pytree.ts';
import * as random from '../tensor/random.ts';
import type { Key } from '../tensor/random.ts';
import { isTensor, type Tensor } from '../tensor/tensor.ts';
import { checkDataset, gatherBatch, isPosInt, predict, scoreLogits, type Batch, type Dataset, type SplitMetrics } from './batches.ts';
import { ConfigError, DataError } from './errors.ts';
import type { Model } from './layers.ts';
import { bceWithLogits, binaryLabels, type BceOptions } from './losses.ts';
import { clipByGlobalNorm, type Optimizer, type OptState } from './optim.ts';

/** The training objective: a scalar tensor, differentiated with respect to params. `key` is fresh per step. */
export type LossFn<P extends Pytree> = (params: P, batch: Batch, key: Key) => Tensor;

/** The default objective: (class-weighted) BCE on the model's logits. */
export function bceLoss<P extends Pytree>(model: Model<P>, options: BceOptions = {}): LossFn<P> {
  return (params, batch) => bceWithLogits(model.apply(params, batch.x), batch.y, options);
}

/** #negatives / #positives: the posWeight that gives both classes equal total weight in BCE. */
export function balancedPosWeight(labels: readonly number[]): number {
  const y = binaryLabels('balancedPosWeight', labels);
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i]!;
  if (pos === 0 || pos === y.length) throw new DataError('bad-value', 'balancedPosWeight', `needs both classes; got ${pos} positive of ${y.length}`);
  return (y.length - pos) / pos;
}

export interface EpochMetrics {
  /** 0-based. */
  readonly epoch: number;
  /** Mean of the objective over the epoch's steps (what the optimiser saw). */
  readonly trainLoss: number;
  /** The model after the epoch, scored on the training data (absent when evaluateTrain is false). */
  readonly train?: SplitMetrics;
  /** The model after the epoch, scored on the validation set (absent without one). */
  readonly validation?: SplitMetrics;
}

export type MetricName = 'trainLoss' | `${'train' | 'validation'}.${'bce' | 'accuracy' | 'balancedAccuracy' | 'auc'}`;

export interface EarlyStopping {
  readonly metric: MetricName;
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** The smallest change that counts as an improvement (default 0). */
  readonly minDelta?: number;
}

/** Keep the params of the best epoch on `metric` (Keras's restore_best_weights); ties go to the earlier epoch. */
export interface RestoreBest {
  readonly metric: MetricName;
  /** Default: 'min' for trainLoss and *.bce, 'max' for the others. */
  readonly mode?: 'min' | 'max';
}

export type StopReason = 'completed' | 'aborted' | 'early-stopping';

/** The optimisation state one step reads and writes. */
export interface StepState<P extends Pytree = Pytree> {
  readonly params: P;
  readonly optState: OptState<P>;
}

/** Everything a run needs to continue: plain data plus tensors (see checkpoint.ts). */
export interface TrainState<P extends Pytree = Pytree> extends StepState<P> {
  /** The root key (from the seed); shuffles, loss and augmentation keys derive from it and the position. */
  readonly key: Key;
  /** Epoch in progress (0-based) and the next batch in it. */
  readonly epoch: number;
  readonly batch: number;
  /** Optimiser steps taken in total. */
  readonly step: number;
  /** Running sum and count of the objective within the epoch in progress. */
  readonly lossSum: number;
  readonly lossCount: number;
  readonly history: readonly EpochMetrics[];
  /** Best early-stopping value so far and its epoch, and epochs since it improved. */
  readonly best: { readonly value: number; readonly epoch: number } | null;
  readonly badEpochs: number;
  /** With restoreBest: the best epoch so far on its metric, and the params after it. */
  readonly bestEpoch: { readonly value: number; readonly epoch: number; readonly params: P } | null;
  /** Set once the run has ended for good (all epochs, or early stopping). */
  readonly finished: 'completed' | 'early-stopping' | null;
}

export interface StepEvent<P extends Pytree = Pytree> {
  readonly kind: 'step';
  readonly epoch: number;
  /** 0-based batch index within the epoch, and the number of batches per epoch. */
  readonly batch: number;
  readonly batches: number;
  readonly step: number;
  readonly loss: number;
  readonly state: TrainState<P>;
}

export interface EpochEvent<P extends Pytree = Pytree> {
  readonly kind: 'epoch';
  readonly epoch: number;
  readonly metrics: EpochMetrics;
  /** Wall-clock seconds of the epoch (not part of the deterministic history). */
  readonly seconds: number;
  readonly state: TrainState<P>;
}

export type TrainEvent<P extends Pytree = Pytree> = StepEvent<P> | EpochEvent<P>;

export interface TrainOptions<P extends Pytree> {
  readonly model: Model<P>;
  /** Default: bceLoss(model) (unweighted). */
  readonly loss?: LossFn<P>;
  readonly data: Dataset;
  /** Scored after every epoch (metrics `validation.*`), for early stopping and restoreBest. */
  readonly validation?: Dataset;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: Optimizer;
  readonly seed: number;
  /** Clip gradients to this global norm before each update. */
  readonly clipNorm?: number;
  /** Batch size for scoring (forward only; default max(batchSize, 32)). */
  readonly evalBatchSize?: number;
  /** Score the training data after each epoch (default true; costs a forward pass over it). */
  readonly evaluateTrain?: boolean;
  readonly earlyStopping?: EarlyStopping;
  /** Keep the best epoch's params; the result's params are those, with `bestEpoch` saying which. */
  readonly restoreBest?: RestoreBest;
  /**
   * Applied to each training batch before the step (scoring uses the data as it is). Its key is a
   * function of the seed and the (epoch, batch) position, so augmented runs resume exactly.
   */
  readonly augment?: (batch: Batch, key: Key) => Batch;
  /** Continue from a state (e.g. a loaded checkpoint) instead of initialising. */
  readonly resume?: TrainState<P>;
  /** Start from these params instead of model.init (ignored when resuming). */
  readonly initialParams?: P;
  /** Called after every step; a returned promise is awaited before the next step (e.g. to draw progress). */
  readonly onStep?: (event: StepEvent<P>) => unknown;
  /** Called after every epoch; a returned promise is awaited (e.g. saveCheckpoint of event.state). */
  readonly onEpoch?: (event: EpochEvent<P>) => unknown;
  /** Checked after every step: the run stops there and returns its state (stopReason 'aborted'). */
  readonly signal?: AbortSignal;
}

export interface TrainResult<P extends Pytree = Pytree> {
  /** The final params, or with restoreBest the best epoch's (the state keeps the final ones, to resume from). */
  readonly params: P;
  readonly state: TrainState<P>;
  readonly history: readonly EpochMetrics[];
  readonly stopReason: StopReason;
  /** With restoreBest: the epoch whose params `params` are, and its metric value (null before any epoch ended). */
  readonly bestEpoch?: { readonly epoch: number; readonly value: number } | null;
}

// ------------------------------------------------------------------ the step

export interface StepSpec<P extends Pytree> {
  readonly loss: LossFn<P>;
  readonly optimizer: Optimizer;
  /** Clip gradients to this global norm before the update. */
  readonly clipNorm?: number;
}

/**
 * One optimisation step as a pure function: the loss and its gradient at the batch, clipped if
 * asked, applied by the optimiser. The loss comes back with the new state; a non-finite loss is
 * returned as it is (train() stops on it).
 */
export function trainStep<P extends Pytree>(spec: StepSpec<P>): (state: StepState<P>, batch: Batch, key: Key) => StepState<P> & { readonly loss: number } {
  const { loss, optimizer, clipNorm } = spec;
  return (state, batch, key) => {
    const [value, grads] = valueAndGrad((p: P) => loss(p, batch, key))(state.params);
    const g = clipNorm !== undefined ? clipByGlobalNorm(grads, clipNorm) : grads;
    const updated = optimizer.update(g, state.optState, state.params);
    return { params: updated.params, optState: updated.state, loss: value.item() };
  };
}

// ------------------------------------------------------------------ options

const METRICS: readonly MetricName[] = ['trainLoss', ...(['train', 'validation'] as const).flatMap((s) => (['bce', 'accuracy', 'balancedAccuracy', 'auc'] as const).map((m) => `${s}.${m}` as const))];

function metricProblems<P extends Pytree>(field: string, metric: unknown, o: TrainOptions<P>): string[] {
  if (!METRICS.includes(metric as MetricName)) return [`${field}.metric must be one of ${METRICS.join(', ')}, got ${JSON.stringify(metric)}`];
  const m = metric as MetricName;
  if (m.startsWith('validation.') && !o.validation) return [`${field}.metric ${m} needs validation data`];
  if (m.startsWith('train.') && o.evaluateTrain === false) return [`${field}.metric ${m} needs evaluateTrain`];
  return [];
}

function validateOptions<P extends Pytree>(o: TrainOptions<P>): void {
  const problems: string[] = [];
  if (!o.model || typeof o.model.apply !== 'function' || typeof o.model.init !== 'function') problems.push('model must have init(key) and apply(params, x)');
  if (o.loss !== undefined && typeof o.loss !== 'function') problems.push('loss must be a function (params, batch, key) => scalar tensor');
  if (!(typeof o.epochs === 'number' && Number.isInteger(o.epochs) && o.epochs >= 0)) problems.push(`epochs must be a non-negative integer, got ${JSON.stringify(o.epochs)}`);
  if (!isPosInt(o.batchSize)) problems.push(`batchSize must be a positive integer, got ${JSON.stringify(o.batchSize)}`);
  if (!o.optimizer || typeof o.optimizer.update !== 'function') problems.push('optimizer must be an Optimizer (adam(...), sgd(...), chain(...))');
  if (!(typeof o.seed === 'number' && Number.isFinite(o.seed))) problems.push(`seed must be a finite number, got ${JSON.stringify(o.seed)}`);
  if (o.clipNorm !== undefined && !(typeof o.clipNorm === 'number' && o.clipNorm > 0 && Number.isFinite(o.clipNorm))) problems.push(`clipNorm must be a positive number, got ${JSON.stringify(o.clipNorm)}`);
  if (o.evalBatchSize !== undefined && !isPosInt(o.evalBatchSize)) problems.push(`evalBatchSize must be a positive integer, got ${JSON.stringify(o.evalBatchSize)}`);
  if (o.augment !== undefined && typeof o.augment !== 'function') problems.push('augment must be a function (batch, key) => batch');
  const es = o.earlyStopping;
  if (es) {
    problems.push(...metricProblems('earlyStopping', es.metric, o));
    if (!isPosInt(es.patience)) problems.push(`earlyStopping.patience must be a positive integer, got ${JSON.stringify(es.patience)}`);
    if (es.minDelta !== undefined && !(typeof es.minDelta === 'number' && es.minDelta >= 0)) problems.push(`earlyStopping.minDelta must be non-negative, got ${JSON.stringify(es.minDelta)}`);
  }
  const rb = o.restoreBest;
  if (rb) {
    problems.push(...metricProblems('restoreBest', rb.metric, o));
    if (rb.mode !== undefined && rb.mode !== 'min' && rb.mode !== 'max') problems.push(`restoreBest.mode must be 'min' or 'max', got ${JSON.stringify(rb.mode)}`);
  }
  if (problems.length) throw new ConfigError('train options', problems);
}

function metricValue(m: EpochMetrics, name: MetricName): number | null {
  if (name === 'trainLoss') return m.trainLoss;
  const [split, key] = name.split('.') as ['train' | 'validation', keyof SplitMetrics];
  const v = m[split]?.[key];
  return typeof v === 'number' ? v : null;
}

const minimised = (name: MetricName) => name === 'trainLoss' || name.endsWith('.bce');

/** Whether `v` beats `best` by more than `delta` in the metric's direction (an equal value does not: ties keep the earlier epoch). */
function improves(v: number | null, best: { readonly value: number } | null, minimise: boolean, delta: number): v is number {
  return v !== null && (best === null || (minimise ? v < best.value - delta : v > best.value + delta));
}

/** The root key a seed gives; TrainState.key and checkpoints hold it. */
export function trainKey(seed: number): Key {
  return random.key(seed);
}

interface RunKeys {
  readonly init: Key;
  readonly shuffle: Key;
  readonly loss: Key;
  readonly augment: Key;
}

function keysOf(root: Key): RunKeys {
  const [init, shuffle, loss, augment] = random.split(root, 4) as [Key, Key, Key, Key];
  return { init, shuffle, loss, augment };
}

/** The initial state of a run: params from model.init (or initialParams), a fresh optimiser state. */
export function initialState<P extends Pytree>(options: Pick<TrainOptions<P>, 'model' | 'optimizer' | 'seed' | 'initialParams'>): TrainState<P> {
  const key = trainKey(options.seed);
  const params = options.initialParams ?? options.model.init(keysOf(key).init);
  return { params, optState: options.optimizer.init(params), key, epoch: 0, batch: 0, step: 0, lossSum: 0, lossCount: 0, history: [], best: null, badEpochs: 0, bestEpoch: null, finished: null };
}

// ------------------------------------------------------------------ the driver

/** What a run fixes once: its options checked and everything derived from them. */
interface Run<P extends Pytree> {
  readonly o: TrainOptions<P>;
  readonly n: number;
  readonly batches: number;
  readonly evalBatch: number;
  readonly keys: RunKeys;
  readonly step: ReturnType<typeof trainStep<P>>;
}

function prepare<P extends Pytree>(o: TrainOptions<P>): { run: Run<P>; state: TrainState<P> } {
  validateOptions(o);
  const n = checkDataset('train', 'data', o.data);
  if (o.validation) checkDataset('train', 'validation', o.validation);
  const batches = Math.ceil(n / o.batchSize);
  let state = o.resume ? { ...o.resume, bestEpoch: o.resume.bestEpoch ?? null } : initialState(o);
  if (o.resume) {
    // A finished run can be extended by asking for more epochs than it ran.
    if (state.finished === 'completed') state = { ...state, finished: null };
    const expected = trainKey(o.seed);
    if (state.key[0] !== expected[0] || state.key[1] !== expected[1]) {
      throw new ConfigError('train options', [`resume state was made with a different seed than ${o.seed}; pass the run's original seed`]);
    }
    if (state.batch > batches) throw new ConfigError('train options', [`resume state is at batch ${state.batch} but the data gives ${batches} batches per epoch`]);
  }
  const step = trainStep({ loss: o.loss ?? bceLoss(o.model), optimizer: o.optimizer, ...(o.clipNorm !== undefined ? { clipNorm: o.clipNorm } : {}) });
  return { run: { o, n, batches, evalBatch: o.evalBatchSize ?? Math.max(o.batchSize, 32), keys: keysOf(state.key), step }, state };
}

/** The batch at the state's position in the epoch's order, augmented when asked. */
function batchAt<P extends Pytree>(run: Run<P>, state: TrainState<P>, order: readonly number[]): Batch {
  const { o, n } = run;
  const batch = gatherBatch(o.data, order.slice(state.batch * o.batchSize, Math.min(n, (state.batch + 1) * o.batchSize)));
  if (!o.augment) return batch;
  const out = o.augment(batch, random.foldIn(random.foldIn(run.keys.augment, state.epoch), state.batch));
  if (!out || !isTensor(out.x) || out.x.shape[0] !== batch.indices.length || !isTensor(out.y) || !Array.isArray(out.labels)) {
    throw new DataError('bad-value', 'train', `augment must return a batch { x, y, labels, indices } of the ${batch.indices.length} samples it was given (epoch ${state.epoch}, batch ${state.batch})`);
  }
  return out;
}

/** One step at the state's position: the next state and the step's loss. */
function advance<P extends Pytree>(run: Run<P>, state: TrainState<P>, order: readonly number[]): { state: TrainState<P>; loss: number } {
  const key = random.foldIn(random.foldIn(run.keys.loss, state.epoch), state.batch);
  const next = run.step(state, batchAt(run, state, order), key);
  if (!Number.isFinite(next.loss)) throw new DataError('non-finite', 'train', `the loss is ${next.loss} at epoch ${state.epoch}, batch ${state.batch} (lower the learning rate or clip gradients)`);
  const moved = { params: next.params, optState: next.optState, batch: state.batch + 1, step: state.step + 1, lossSum: state.lossSum + next.loss, lossCount: state.lossCount + 1 };
  return { state: { ...state, ...moved }, loss: next.loss };
}

/** Scores the finished epoch, updates early stopping and the best epoch, and moves to the next epoch. */
function endEpoch<P extends Pytree>(run: Run<P>, state: TrainState<P>): { state: TrainState<P>; metrics: EpochMetrics } {
  const { o, evalBatch } = run;
  const score = (d: Dataset) => scoreLogits(predict(o.model, state.params, d.x, evalBatch), d.y);
  const metrics: EpochMetrics = {
    epoch: state.epoch,
    trainLoss: state.lossSum / state.lossCount,
    ...((o.evaluateTrain ?? true) ? { train: score(o.data) } : {}),
    ...(o.validation ? { validation: score(o.validation) } : {}),
  };
  let { best, badEpochs, bestEpoch } = state;
  let finished: TrainState['finished'] = null;
  const es = o.earlyStopping;
  if (es) {
    const v = metricValue(metrics, es.metric);
    if (improves(v, best, minimised(es.metric), es.minDelta ?? 0)) {
      best = { value: v, epoch: state.epoch };
      badEpochs = 0;
    } else if (++badEpochs >= es.patience) finished = 'early-stopping';
  }
  const rb = o.restoreBest;
  if (rb) {
    const v = metricValue(metrics, rb.metric);
    if (improves(v, bestEpoch, (rb.mode ?? (minimised(rb.metric) ? 'min' : 'max')) === 'min', 0)) bestEpoch = { value: v, epoch: state.epoch, params: state.params };
  }
  const next = { epoch: state.epoch + 1, batch: 0, lossSum: 0, lossCount: 0, history: [...state.history, metrics], best, badEpochs, bestEpoch, finished };
  return { state: { ...state, ...next }, metrics };
}

function resultOf<P extends Pytree>(run: Run<P>, state: TrainState<P>, stopReason: StopReason): TrainResult<P> {
  const base = { state, history: state.history, stopReason };
  if (!run.o.restoreBest) return { ...base, params: state.params };
  const b = state.bestEpoch;
  return { ...base, params: b?.params ?? state.params, bestEpoch: b && { epoch: b.epoch, value: b.value } };
}

/**
 * The run as a synchronous generator of events, one per step and one per epoch; returns the
 * result. Callers that stop iterating keep the last event's state, which resumes exactly.
 */
export function* trainIterator<P extends Pytree>(options: TrainOptions<P>): Generator<TrainEvent<P>, TrainResult<P>, void> {
  const prepared = prepare(options);
  const { run } = prepared;
  let { state } = prepared;
  // The epoch's order, computed once per epoch (it is a function of the epoch, so a resumed run recomputes the same one).
  let order = null as { readonly epoch: number; readonly indices: readonly number[] } | null;
  let epochStart = performance.now();
  while (state.finished === null) {
    if (state.epoch >= options.epochs) {
      state = { ...state, finished: 'completed' };
      break;
    }
    if (state.batch === 0) epochStart = performance.now();
    if (order?.epoch !== state.epoch) order = { epoch: state.epoch, indices: random.permutation(random.foldIn(run.keys.shuffle, state.epoch), run.n) };
    const stepped = advance(run, state, order.indices);
    state = stepped.state;
    yield { kind: 'step', epoch: state.epoch, batch: state.batch - 1, batches: run.batches, step: state.step, loss: stepped.loss, state };
    if (state.batch === run.batches) {
      const ended = endEpoch(run, state);
      state = ended.state;
      yield { kind: 'epoch', epoch: ended.metrics.epoch, metrics: ended.metrics, seconds: (performance.now() - epochStart) / 1000, state };
    }
    if (state.finished === null && state.epoch < options.epochs && options.signal?.aborted) return resultOf(run, state, 'aborted');
  }
  return resultOf(run, state, state.finished ?? 'completed');
}

/** The run as an async iterator (it yields to the event loop between steps, so a signal or a progress bar can act). */
export async function* trainSteps<P extends Pytree>(options: TrainOptions<P>): AsyncGenerator<TrainEvent<P>, TrainResult<P>, void> {
  const it = trainIterator(options);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
    yield r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Trains to the end (or early stopping, or the signal), calling and awaiting onStep/onEpoch; resolves to the final state. */
export async function train<P extends Pytree>(options: TrainOptions<P>): Promise<TrainResult<P>> {
  const it = trainSteps(options);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
    const e = r.value;
    if (e.kind === 'step') await options.onStep?.(e);
    else await options.onEpoch?.(e);
  }
}
