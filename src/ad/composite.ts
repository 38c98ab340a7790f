/** Operations built from primitives (their derivatives come for free from the primitives'). */
import { ShapeError } from '../tensor/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { sameShape, type DType, type Shape } from '../tensor/shape.ts';
import { bind } from './core.ts';
import { add, div, equal, mul, sub, where } from './primitives/binary.ts';
import { broadcastTo, max, sum, sumPrim, type AxesArg, type ReduceOptions, type Reduction } from './primitives/reduce.ts';
import { reshape } from './primitives/layout.ts';
import { exp, log } from './primitives/unary.ts';
import { stopGradient } from './primitives/stop.ts';
import { normalizeAxes, requireTensor } from './primitives/util.ts';

/** Mean over `axes` (all by default). */
export const mean = ((x: Tensor, axes?: AxesArg, options: ReduceOptions<boolean> = {}) => {
  requireTensor('mean', x);
  const norm = normalizeAxes('mean', x.shape, axes);
  const count = norm.reduce((p, a) => p * x.shape[a]!, 1);
  if (count === 0) throw new ShapeError('mean', 'reduces over no elements', [x.shape]);
  return div(bind(sumPrim, [x], { axes: norm, keepDims: options.keepDims ?? false }), count);
}) as Reduction;

/** Sums `x` over the axes along which `shape` was broadcast to x's shape, giving a tensor of `shape`. */
export function unbroadcast(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const lead = x.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? sum(x, axes, { keepDims: true }) : x;
  return reshape(summed, shape);
}

/** `x` broadcast to `shape` (itself when it already has that shape): the transpose of unbroadcast. */
export function expandTo(x: Tensor, shape: Shape): Tensor {
  return sameShape(x.shape, shape) ? x : broadcastTo(x, shape);
}

/** log Σ exp(x) over `axes` (all by default), stable for entries of any magnitude: the max is subtracted first. */
export function logSumExp<D extends DType>(x: Tensor<Shape, D>, axes?: readonly number[]): Tensor<Shape, D> {
  // An all −∞ slice has max −∞; shifting by 0 there keeps −∞ − (−∞) = NaN out of the sum.
  const rawMax = stopGradient(max(x, axes, { keepDims: true }));
  const m = where(isFiniteMask(rawMax), rawMax, 0);
  const s = log(sum(exp(sub(x, m)), axes, { keepDims: true }));
  const out = add(s, m);
  const kept = out.shape.filter((_, i) => !(axes ?? x.shape.map((_d, j) => j)).map((a) => (a < 0 ? a + x.shape.length : a)).includes(i));
  return reshape(out, kept) as Tensor<Shape, D>;
}

/** ⟨a, b⟩ over all elements, as a scalar. */
export function dot<S extends Shape, D extends DType>(a: Tensor<S, D>, b: Tensor<S, D>): Tensor<[], D> {
  return sum(mul(a, b as never)) as unknown as Tensor<[], D>;
}

/** ‖a‖² over all elements, as a scalar. */
export function norm2<S extends Shape, D extends DType>(a: Tensor<S, D>): Tensor<[], D> {
  return sum(mul(a, a as never)) as unknown as Tensor<[], D>;
}

/** 1 where x is finite, 0 at ±∞ and NaN (x − x is 0 only for finite x). */
function isFiniteMask<D extends DType>(x: Tensor<Shape, D>): Tensor<Shape, D> {
  return equal(sub(x, x), 0) as Tensor<Shape, D>;
}
