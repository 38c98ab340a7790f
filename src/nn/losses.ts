/** Losses on logits and predictions; labels are validated data, never differentiated. */
import { add, mean, mul, neg, reshape, softplus, square, sub, sum } from '../ad/ops.ts';
import { ArgumentError, ShapeError } from '../tensor/errors.ts';
import { allocate, isTensor, Tensor } from '../tensor/tensor.ts';
import { sameShape, type DType, type Shape } from '../tensor/shape.ts';
import { DataError, LabelError } from './errors.ts';

export type Labels = readonly number[] | ArrayLike<number> | Tensor;

/** The labels as plain numbers, each checked to be exactly 0 or 1 (a LabelError names the first bad one). */
export function binaryLabels(op: string, labels: Labels): ArrayLike<number> {
  const values: ArrayLike<number> = isTensor(labels) ? labels.data : labels;
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') throw new ArgumentError(op, 'labels must be an array or a tensor');
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1) throw new LabelError(op, i, v);
  }
  return values;
}

function constant(values: ArrayLike<number>, n: number, dtype: DType, fn: (y: number) => number): Tensor<[number]> {
  const buf = allocate(dtype, n);
  for (let i = 0; i < n; i++) buf[i] = fn(values[i]!);
  return Tensor.fromBuffer([n], dtype, buf) as Tensor<[number]>;
}

export interface BceOptions {
  /** Weight of the positive class's term (like PyTorch's pos_weight), e.g. #negatives / #positives for balance. Default 1. */
  readonly posWeight?: number;
  /** 'mean' (default) divides by the number of samples, not by the total weight, like PyTorch. */
  readonly reduction?: 'mean' | 'sum';
}

/**
 * Binary cross-entropy on logits z [N] or [N, 1] with labels y ∈ {0, 1}:
 *   posWeight · y · softplus(−z) + (1 − y) · softplus(z),
 * the softplus form, so it and its gradient stay finite and exact for logits of any size.
 */
export function bceWithLogits<D extends DType>(logits: Tensor<Shape, D>, labels: Labels, options: BceOptions = {}): Tensor<[], D> {
  const op = 'bceWithLogits';
  const { posWeight = 1, reduction = 'mean' } = options;
  if (!(typeof posWeight === 'number' && Number.isFinite(posWeight) && posWeight > 0)) throw new ArgumentError(op, `posWeight must be a positive finite number, got ${String(posWeight)}`);
  if (reduction !== 'mean' && reduction !== 'sum') throw new ArgumentError(op, `reduction must be 'mean' or 'sum', got ${String(reduction)}`);
  const s = logits.shape;
  if (!(s.length === 1 || (s.length === 2 && s[1] === 1))) throw new ShapeError(op, 'logits must be [N] or [N, 1]', [s]);
  const n = s[0]!;
  if (n === 0) throw new DataError('empty-batch', op, 'no samples');
  const y = binaryLabels(op, labels);
  if (y.length !== n) throw new DataError('length-mismatch', op, `${n} logits but ${y.length} labels`);
  const z = reshape(logits, [n]) as Tensor<[number], D>;
  const wPos = constant(y, n, logits.dtype, (v) => v * posWeight);
  const wNeg = constant(y, n, logits.dtype, (v) => 1 - v);
  const perSample = add(mul(wPos as never, softplus(neg(z))), mul(wNeg as never, softplus(z)) as never) as Tensor<[number], D>;
  const total = sum(perSample) as unknown as Tensor<[], D>;
  return (reduction === 'sum' ? total : mul(total, 1 / n)) as Tensor<[], D>;
}

/** Mean squared error; prediction and target must have the same shape (no silent broadcasting). */
export function mse<D extends DType>(predictions: Tensor<Shape, D>, targets: Tensor<Shape, D> | readonly number[]): Tensor<[], D> {
  const op = 'mse';
  const t = isTensor(targets) ? targets : constant(targets, targets.length, predictions.dtype, (v) => v);
  const target = !isTensor(targets) && predictions.shape.length !== 1 && t.size === predictions.size ? reshape(t, predictions.shape) : t;
  if (!sameShape(predictions.shape, target.shape)) throw new ShapeError(op, 'predictions and targets must have the same shape', [predictions.shape, target.shape]);
  if (predictions.size === 0) throw new DataError('empty-batch', op, 'no samples');
  return mean(square(sub(predictions, target as never))) as unknown as Tensor<[], D>;
}
