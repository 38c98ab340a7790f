/**
 * Datasets and batches for training and scoring: checking a dataset, gathering a batch of rows,
 * predicting in batches without tracing, and scoring logits against labels.
 */
import type { Pytree } from '../ad/pytree.ts';
import { ShapeError } from '../tensor/errors.ts';
import { allocate, isTensor, Tensor } from '../tensor/tensor.ts';
import { shapeSize, type DType, type Shape } from '../tensor/shape.ts';
import { ConfigError, DataError } from './errors.ts';
import type { Model } from './layers.ts';
import { binaryLabels } from './losses.ts';
import { accuracy, balancedAccuracy, classify, rocAuc } from './metrics.ts';

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

export interface SplitMetrics {
  readonly n: number;
  /** Mean unweighted BCE of the logits. */
  readonly bce: number;
  readonly accuracy: number;
  readonly balancedAccuracy: number;
  /** null when the split holds only one class (AUC is undefined). */
  readonly auc: number | null;
}

export function isPosInt(v: unknown): v is number {
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
