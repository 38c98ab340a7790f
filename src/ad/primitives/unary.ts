/**
 * Elementwise unary primitives. Each has a diagonal Jacobian, so one rule, the elementwise
 * derivative written in differentiable ops, serves forward (t ↦ t·f'(x)) and reverse
 * (ct ↦ ct·f'(x)) mode, and differentiates again for higher orders.
 */
import { mapUnary, type UnaryFn } from '../../tensor/kernels/elementwise.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { DType, Shape } from '../../tensor/shape.ts';
import { bind, definePrimitive, type Primitive } from '../core.ts';
import { add, div, greater, mul, sub, where } from './binary.ts';
import { make, newBuffer, toTensors, type Operand } from './util.ts';

type Derivative = (x: Tensor, y: Tensor) => Tensor;

function unaryPrimitive(name: string, fn: UnaryFn, derivative: Derivative | null, linear?: (t: Tensor) => Tensor): Primitive<void> {
  return definePrimitive<void>({
    name,
    shapeRule: ([x]) => x!,
    impl: ([x]) => {
      const out = newBuffer(x!.dtype, x!.size);
      mapUnary(x!.data, out, fn);
      return make(x!.shape, x!.dtype, out);
    },
    ...(derivative === null && linear === undefined
      ? {}
      : {
          jvp: ([x], [t], _p, y) => (t ? (linear ? linear(t) : mul(t, derivative!(x!, y))) : null),
          vjp: (ct, [x], _p, y) => [linear ? linear(ct) : mul(ct, derivative!(x!, y))],
        }),
  });
}

function stableSigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function stableSoftplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export const negPrim = unaryPrimitive('neg', (x) => -x, null, (t) => neg(t));
export const expPrim = unaryPrimitive('exp', Math.exp, (_x, y) => y);
export const logPrim = unaryPrimitive('log', Math.log, (x) => reciprocal(x));
export const log1pPrim = unaryPrimitive('log1p', Math.log1p, (x) => reciprocal(add(x, 1)));
export const sqrtPrim = unaryPrimitive('sqrt', Math.sqrt, (_x, y) => div(0.5, y));
export const absPrim = unaryPrimitive('abs', Math.abs, (x) => sign(x));
export const signPrim = unaryPrimitive('sign', (x) => (x > 0 ? 1 : x < 0 ? -1 : x), null);
export const squarePrim = unaryPrimitive('square', (x) => x * x, (x) => mul(x, 2));
export const reciprocalPrim = unaryPrimitive('reciprocal', (x) => 1 / x, (_x, y) => neg(square(y)));
export const sigmoidPrim = unaryPrimitive('sigmoid', stableSigmoid, (_x, y) => mul(y, sub(1, y)));
export const tanhPrim = unaryPrimitive('tanh', Math.tanh, (_x, y) => sub(1, square(y)));
// elu'(x) = 1 for x > 0 and exp(x) = elu(x) + 1 below; written with `where` so it differentiates again.
export const eluPrim = unaryPrimitive('elu', (x) => (x > 0 ? x : Math.expm1(x)), (x, y) => where(greater(x, 0), 1, add(y, 1)));
export const reluPrim = unaryPrimitive('relu', (x) => (x > 0 ? x : 0), (x) => greater(x, 0));
export const softplusPrim = unaryPrimitive('softplus', stableSoftplus, (x) => sigmoid(x));

function unary(prim: Primitive<void>) {
  return <S extends Shape = [], D extends DType = 'f32'>(x: Operand<S, D>): Tensor<S, D> =>
    bind(prim, toTensors(prim.name, [x]), undefined) as Tensor<S, D>;
}

export const neg = unary(negPrim);
export const exp = unary(expPrim);
export const log = unary(logPrim);
export const log1p = unary(log1pPrim);
export const sqrt = unary(sqrtPrim);
export const abs = unary(absPrim);
export const sign = unary(signPrim);
export const square = unary(squarePrim);
export const reciprocal = unary(reciprocalPrim);
/** 1 / (1 + e^{-x}), stable for |x| up to and beyond 1e4. */
export const sigmoid = unary(sigmoidPrim);
export const tanh = unary(tanhPrim);
/** ELU with α = 1: x for x > 0, e^x − 1 otherwise (smooth first derivative, as the paper wants). */
export const elu = unary(eluPrim);
export const relu = unary(reluPrim);
/** log(1 + e^x), stable for large |x|. */
export const softplus = unary(softplusPrim);
