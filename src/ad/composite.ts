/** Operations built from primitives (their derivatives come for free from the primitives'). */
import type { Tensor } from '../tensor/tensor.ts';
import type { DType, Shape } from '../tensor/shape.ts';
import { add, equal, mul, sub, where } from './primitives/binary.ts';
import { max, sum } from './primitives/reduce.ts';
import { reshape } from './primitives/layout.ts';
import { exp, log } from './primitives/unary.ts';
import { stopGradient } from './primitives/stop.ts';

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
