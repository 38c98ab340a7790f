/**
 * Training as a sequence of pure state transitions. The state (params, optimiser state, position
 * in the run, history) is plain data, so a run stopped after any step and resumed from its state,
 * e.g. through a checkpoint, gives bit-identical results to an uninterrupted one: every random
 * draw is a function of the seed and the (epoch, batch) position, never of hidden state.
 */
import { valueAndGrad } from '../ad/transforms.ts';
import type { Pytree } from '../ad/pytree.ts';
import { ShapeError } from '../tensor/errors.ts';
import * as random from '../tensor/random.ts';
import type { Key } from '../tensor/random.ts';
import { allocate, isTensor, Tensor } from '../tensor/tensor.ts';
import { shapeSize, type DType, type Shape } from '../tensor/shape.ts';
import { ConfigError, DataError } from './errors.ts';
import type { Model } from './layers.ts';
import { bceWithLogits, binaryLabels, type BceOptions } from './losses.ts';
import { accuracy, balancedAccuracy, classify, rocAuc } from './metrics.ts';
import { clipByGlobalNorm, type Optimizer, type OptState } from './optim.ts';

type AnyTensor = Tensor<Shape, DType>;

/** Samples along the first axis of x, with one binary label each. */
export interface Dataset {
  readonly x: AnyTensor;
  readonly y: readonly number[];
}

export interface Batch {
  /** Rows of the dataset's x, in batch order. */
  readonly x: AnyTensor;
  /** The labels as a [B] tensor of x's dtype. */
  readonly y: Tensor<[number]>;
  readonly labels: readonly number[];
  /** Which dataset rows make up the batch. */
  readonly indices: readonly number[];
}

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

export interface SplitMetrics {
  readonly n: number;
  /** Mean unweighted BCE of the logits. */
  readonly bce: number;
  readonly accuracy: number;
  readonly balancedAccuracy: number;
  /** null when the split holds only one class (AUC is undefined). */
  readonly auc: number | null;
}

export interface EpochMetrics {
  /** 0-based. */
  readonly epoch: number;
  /** Mean of the objective over the epoch's steps (what the optimiser saw). */
  readonly trainLoss: number;
  /** The model after the epoch, scored on the training data (absent when evaluateTrain is false). */
  readonly train?: SplitMetrics;
  readonly test?: SplitMetrics;
}

export type MetricName = 'trainLoss' | `${'train' | 'test'}.${'bce' | 'accuracy' | 'balancedAccuracy' | 'auc'}`;

export interface EarlyStopping {
  readonly metric: MetricName;
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** The smallest change that counts as an improvement (default 0). */
  readonly minDelta?: number;
}

export type StopReason = 'completed' | 'aborted' | 'early-stopping';

/** Everything a run needs to continue: plain data plus tensors (see checkpoint.ts). */
export interface TrainState<P extends Pytree = Pytree> {
  readonly params: P;
  readonly optState: OptState<P>;
  /** The root key (from the seed); shuffles and loss keys derive from it and the position. */
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
  readonly test?: Dataset;
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
  readonly params: P;
  readonly state: TrainState<P>;
  readonly history: readonly EpochMetrics[];
  readonly stopReason: StopReason;
}

// ------------------------------------------------------------------ data

function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

/** Checks a dataset: a concrete tensor with samples along axis 0 and one 0/1 label per sample. */
export function checkDataset(op: string, name: string, d: Dataset | undefined): number {
  if (!d || !isTensor(d.x)) throw new DataError('empty-data', op, `${name}.x must be a tensor [N, ...]`);
  if (!Array.isArray(d.y)) throw new DataError('bad-value', op, `${name}.y must be an array of labels`);
  if (d.x.shape.length < 1) throw new ShapeError(op, `${name}.x needs a sample axis`, [d.x.shape]);
  const n = d.x.shape[0]!;
  if (n === 0) throw new DataError('empty-data', op, `${name} has no samples`);
  if (d.y.length !== n) throw new DataError('length-mismatch', op, `${name}.x has ${n} samples but ${name}.y has ${d.y.length} labels`);
  binaryLabels(`${op} (${name}.y)`, d.y);
  return n;
}

/** Rows `indices` of x (and their labels) as a batch: whole-row copies, nothing differentiated. */
export function gatherBatch(data: Dataset, indices: readonly number[]): Batch {
  if (indices.length === 0) throw new DataError('empty-batch', 'gatherBatch', 'a batch needs at least one sample');
  const x = data.x;
  const n = x.shape[0]!;
  const row = shapeSize(x.shape.slice(1));
  const src = x.data;
  const buf = allocate(x.dtype, indices.length * row);
  const yBuf = allocate(x.dtype, indices.length);
  const labels = new Array<number>(indices.length);
  indices.forEach((idx, i) => {
    if (!Number.isInteger(idx) || idx < 0 || idx >= n) throw new DataError('bad-value', 'gatherBatch', `index ${idx} is outside [0, ${n})`);
    buf.set(src.subarray(idx * row, (idx + 1) * row), i * row);
    labels[i] = data.y[idx]!;
    yBuf[i] = labels[i]!;
  });
  return {
    x: Tensor.fromBuffer([indices.length, ...x.shape.slice(1)], x.dtype, buf),
    y: Tensor.fromBuffer([indices.length], x.dtype, yBuf) as Tensor<[number]>,
    labels,
    indices,
  };
}

/** The model's outputs (one logit per sample) over x, in batches, with no tracing. */
export function predict<P extends Pytree>(model: Model<P>, params: P, x: AnyTensor, batchSize = 32): Float64Array {
  const n = x.shape[0] ?? 0;
  if (n === 0) throw new DataError('empty-data', 'predict', 'no samples');
  if (!isPosInt(batchSize)) throw new ConfigError('predict', [`batchSize must be a positive integer, got ${JSON.stringify(batchSize)}`]);
  const out = new Float64Array(n);
  const data: Dataset = { x, y: new Array<number>(n).fill(0) };
  for (let i = 0; i < n; i += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, n - i) }, (_, j) => i + j);
    const logits = model.apply(params, gatherBatch(data, idx).x);
    if (logits.size !== idx.length) throw new ShapeError('predict', `the model must give one output per sample, got ${logits.size} for ${idx.length}`, [logits.shape]);
    out.set(logits.data, i);
  }
  return out;
}

/** BCE, accuracy, balanced accuracy and AUC of logits against labels. */
export function scoreLogits(logits: ArrayLike<number>, labels: readonly number[]): SplitMetrics {
  const n = labels.length;
  let bce = 0;
  for (let i = 0; i < n; i++) {
    const z = logits[i]!;
    const sp = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    bce += labels[i] === 1 ? sp(-z) : sp(z);
  }
  const pred = classify(logits);
  const both = labels.includes(0) && labels.includes(1);
  return { n, bce: bce / n, accuracy: accuracy(labels, pred), balancedAccuracy: balancedAccuracy(labels, pred), auc: both ? rocAuc(labels, logits) : null };
}

// ------------------------------------------------------------------ options

const METRICS: readonly MetricName[] = ['trainLoss', ...(['train', 'test'] as const).flatMap((s) => (['bce', 'accuracy', 'balancedAccuracy', 'auc'] as const).map((m) => `${s}.${m}` as const))];

function validateOptions<P extends Pytree>(o: TrainOptions<P>): void {
  const problems: string[] = [];
  if (!o.model || typeof o.model.apply !== 'function' || typeof o.model.init !== 'function') problems.push('model must have init(key) and apply(params, x)');
  if (o.loss !== undefined && typeof o.loss !== 'function') problems.push('loss must be a function (params, batch, key) => scalar tensor');
  if (!(typeof o.epochs === 'number' && Number.isInteger(o.epochs) && o.epochs >= 0)) problems.push(`epochs must be a non-negative integer, got ${JSON.stringify(o.epochs)}`);
  if (!isPosInt(o.batchSize)) problems.push(`batchSize must be a positive integer, got ${JSON.stringify(o.batchSize)}`);
  if (!o.optimizer || typeof o.optimizer.update !== 'function') problems.push('optimizer must be an Optimizer (adam(...), sgd(...))');
  if (!(typeof o.seed === 'number' && Number.isFinite(o.seed))) problems.push(`seed must be a finite number, got ${JSON.stringify(o.seed)}`);
  if (o.clipNorm !== undefined && !(typeof o.clipNorm === 'number' && o.clipNorm > 0 && Number.isFinite(o.clipNorm))) problems.push(`clipNorm must be a positive number, got ${JSON.stringify(o.clipNorm)}`);
  if (o.evalBatchSize !== undefined && !isPosInt(o.evalBatchSize)) problems.push(`evalBatchSize must be a positive integer, got ${JSON.stringify(o.evalBatchSize)}`);
  const es = o.earlyStopping;
  if (es) {
    if (!METRICS.includes(es.metric)) problems.push(`earlyStopping.metric must be one of ${METRICS.join(', ')}, got ${JSON.stringify(es.metric)}`);
    else if (es.metric.startsWith('test.') && !o.test) problems.push(`earlyStopping.metric ${es.metric} needs test data`);
    else if (es.metric.startsWith('train.') && o.evaluateTrain === false) problems.push(`earlyStopping.metric ${es.metric} needs evaluateTrain`);
    if (!isPosInt(es.patience)) problems.push(`earlyStopping.patience must be a positive integer, got ${JSON.stringify(es.patience)}`);
    if (es.minDelta !== undefined && !(typeof es.minDelta === 'number' && es.minDelta >= 0)) problems.push(`earlyStopping.minDelta must be non-negative, got ${JSON.stringify(es.minDelta)}`);
  }
  if (problems.length) throw new ConfigError('train options', problems);
}

function metricValue(m: EpochMetrics, name: MetricName): number | null {
  if (name === 'trainLoss') return m.trainLoss;
  const [split, key] = name.split('.') as ['train' | 'test', keyof SplitMetrics];
  const v = m[split]?.[key];
  return typeof v === 'number' ? v : null;
}

const minimised = (name: MetricName) => name === 'trainLoss' || name.endsWith('.bce');

/** The root key a seed gives; TrainState.key and checkpoints hold it. */
export function trainKey(seed: number): Key {
  return random.key(seed);
}

function keysOf(root: Key): { init: Key; shuffle: Key; loss: Key } {
  const [init, shuffle, loss] = random.split(root, 3) as [Key, Key, Key];
  return { init, shuffle, loss };
}

/** The initial state of a run: params from model.init (or initialParams), a fresh optimiser state. */
export function initialState<P extends Pytree>(options: Pick<TrainOptions<P>, 'model' | 'optimizer' | 'seed' | 'initialParams'>): TrainState<P> {
  const key = trainKey(options.seed);
  const params = options.initialParams ?? options.model.init(keysOf(key).init);
  return { params, optState: options.optimizer.init(params), key, epoch: 0, batch: 0, step: 0, lossSum: 0, lossCount: 0, history: [], best: null, badEpochs: 0, finished: null };
}

// ------------------------------------------------------------------ the loop

/**
 * The run as a synchronous generator of events, one per step and one per epoch; returns the
 * result. Callers that stop iterating keep the last event's state, which resumes exactly.
 */
export function* trainIterator<P extends Pytree>(options: TrainOptions<P>): Generator<TrainEvent<P>, TrainResult<P>, void> {
  validateOptions(options);
  const n = checkDataset('train', 'data', options.data);
  if (options.test) checkDataset('train', 'test', options.test);
  const { model, optimizer, batchSize, epochs, signal, earlyStopping } = options;
  const loss = options.loss ?? bceLoss(model);
  const evalBatch = options.evalBatchSize ?? Math.max(batchSize, 32);
  const evaluateTrain = options.evaluateTrain ?? true;
  const batches = Math.ceil(n / batchSize);

  let state = options.resume ?? initialState(options);
  if (options.resume) {
    // A finished run can be extended by asking for more epochs than it ran.
    if (state.finished === 'completed') state = { ...state, finished: null };
    const expected = trainKey(options.seed);
    if (state.key[0] !== expected[0] || state.key[1] !== expected[1]) {
      throw new ConfigError('train options', [`resume state was made with a different seed than ${options.seed}; pass the run's original seed`]);
    }
    if (state.batch > batches) throw new ConfigError('train options', [`resume state is at batch ${state.batch} but the data gives ${batches} batches per epoch`]);
  }
  const keys = keysOf(state.key);
  const step = (params: P, batch: Batch, k: Key) => valueAndGrad((p: P) => loss(p, batch, k))(params);
  let epochStart = performance.now();

  while (state.finished === null) {
    if (state.epoch >= epochs) {
      state = { ...state, finished: 'completed' };
      break;
    }
    if (state.batch === 0) epochStart = performance.now();
    const order = random.permutation(random.foldIn(keys.shuffle, state.epoch), n);
    const idx = order.slice(state.batch * batchSize, Math.min(n, (state.batch + 1) * batchSize));
    const batch = gatherBatch(options.data, idx);
    const [value, grads] = step(state.params, batch, random.foldIn(random.foldIn(keys.loss, state.epoch), state.batch));
    const l = value.item();
    if (!Number.isFinite(l)) throw new DataError('non-finite', 'train', `the loss is ${l} at epoch ${state.epoch}, batch ${state.batch} (lower the learning rate or clip gradients)`);
    const g = options.clipNorm !== undefined ? clipByGlobalNorm(grads, options.clipNorm) : grads;
    const updated = optimizer.update(g, state.optState, state.params);
    state = { ...state, params: updated.params, optState: updated.state, batch: state.batch + 1, step: state.step + 1, lossSum: state.lossSum + l, lossCount: state.lossCount + 1 };
    yield { kind: 'step', epoch: state.epoch, batch: state.batch - 1, batches, step: state.step, loss: l, state };

    if (state.batch === batches) {
      const metrics: EpochMetrics = {
        epoch: state.epoch,
        trainLoss: state.lossSum / state.lossCount,
        ...(evaluateTrain ? { train: scoreLogits(predict(model, state.params, options.data.x, evalBatch), options.data.y) } : {}),
        ...(options.test ? { test: scoreLogits(predict(model, state.params, options.test.x, evalBatch), options.test.y) } : {}),
      };
      let { best, badEpochs } = state;
      let finished: TrainState['finished'] = null;
      if (earlyStopping) {
        const v = metricValue(metrics, earlyStopping.metric);
        const delta = earlyStopping.minDelta ?? 0;
        const better = v !== null && (best === null || (minimised(earlyStopping.metric) ? v < best.value - delta : v > best.value + delta));
        if (better) {
          best = { value: v, epoch: state.epoch };
          badEpochs = 0;
        } else if (++badEpochs >= earlyStopping.patience) finished = 'early-stopping';
      }
      state = { ...state, epoch: state.epoch + 1, batch: 0, lossSum: 0, lossCount: 0, history: [...state.history, metrics], best, badEpochs, finished };
      yield { kind: 'epoch', epoch: metrics.epoch, metrics, seconds: (performance.now() - epochStart) / 1000, state };
    }
    if (state.finished === null && state.epoch < epochs && signal?.aborted) return { params: state.params, state, history: state.history, stopReason: 'aborted' };
  }
  return { params: state.params, state, history: state.history, stopReason: state.finished ?? 'completed' };
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
