/**
 * Elementwise unary primitives. Each has a diagonal Jacobian, so one rule, the elementwise
 * derivative written in differentiable ops, serves forward (t ↦ t·f'(x)) and reverse
 * (ct ↦ ct·f'(x)) mode, and differentiates again for higher orders.
 */
import { compileUnary } from '../../tensor/kernels/elementwise.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { DType, Shape } from '../../tensor/shape.ts';
import { bind, definePrimitive, type Primitive } from '../core.ts';
import { add, div, greater, mul, sub, where } from './binary.ts';
import { make, newBuffer, toTensors, type Operand } from './util.ts';

type Derivative = (x: Tensor, y: Tensor) => Tensor;

/** `expr` computes the result from `v` (JavaScript, compiled once into the kernel's loop). */
function unaryPrimitive(name: string, expr: string, derivative: Derivative | null, linear?: (t: Tensor) => Tensor): Primitive<void> {
  const kernel = compileUnary(expr);
  return definePrimitive<void>({
    name,
    shapeRule: ([x]) => x!,
    impl: ([x]) => {
      const out = newBuffer(x!.dtype, x!.size);
      kernel(x!.data, out);
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

export const negPrim = unaryPrimitive('neg', '-v', null, (t) => neg(t));
export const expPrim = unaryPrimitive('exp', 'Math.exp(v)', (_x, y) => y);
export const logPrim = unaryPrimitive('log', 'Math.log(v)', (x) => reciprocal(x));
export const log1pPrim = unaryPrimitive('log1p', 'Math.log1p(v)', (x) => reciprocal(add(x, 1)));
export const sqrtPrim = unaryPrimitive('sqrt', 'Math.sqrt(v)', (_x, y) => div(0.5, y));
export const absPrim = unaryPrimitive('abs', 'Math.abs(v)', (x) => sign(x));
export const signPrim = unaryPrimitive('sign', 'v > 0 ? 1 : v < 0 ? -1 : v', null);
export const squarePrim = unaryPrimitive('square', 'v * v', (x) => mul(x, 2));
export const reciprocalPrim = unaryPrimitive('reciprocal', '1 / v', (_x, y) => neg(square(y)));
export const sigmoidPrim = unaryPrimitive('sigmoid', 'v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))', (_x, y) => mul(y, sub(1, y)));
export const tanhPrim = unaryPrimitive('tanh', 'Math.tanh(v)', (_x, y) => sub(1, square(y)));
// Sigmoid and softplus are written so that no exp overflows at ±1e4.
// elu'(x) = 1 for x > 0 and exp(x) = elu(x) + 1 below; written with `where` so it differentiates again.
export const eluPrim = unaryPrimitive('elu', 'v > 0 ? v : Math.expm1(v)', (x, y) => where(greater(x, 0), 1, add(y, 1)));
export const reluPrim = unaryPrimitive('relu', 'v > 0 ? v : 0', (x) => greater(x, 0));
export const softplusPrim = unaryPrimitive('softplus', 'Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))', (x) => sigmoid(x));

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
