/**
 * Elementwise unary primitives. Their derivatives (one elementwise rule each, serving both
 * modes) are registered in ../rules.ts.
 */
import { compileUnary } from '../../tensor/kernels/elementwise.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { DType, Shape } from '../../tensor/shape.ts';
import { bind, definePrimitive, type Primitive } from '../core.ts';
import { produce, toTensors, type Operand } from './util.ts';

/** `expr` computes the result from `v` (JavaScript, compiled once into the kernel's loop). */
function unaryPrimitive(name: string, expr: string): Primitive<void> {
  const kernel = compileUnary(expr);
  return definePrimitive<void>({
    name,
    shapeRule: ([x]) => x!,
    impl: ([x], _p, out) => produce(out, (buf) => kernel(x!.data, buf)),
  });
}

export const negPrim = unaryPrimitive('neg', '-v');
export const expPrim = unaryPrimitive('exp', 'Math.exp(v)');
export const logPrim = unaryPrimitive('log', 'Math.log(v)');
export const log1pPrim = unaryPrimitive('log1p', 'Math.log1p(v)');
export const sqrtPrim = unaryPrimitive('sqrt', 'Math.sqrt(v)');
export const absPrim = unaryPrimitive('abs', 'Math.abs(v)');
export const signPrim = unaryPrimitive('sign', 'v > 0 ? 1 : v < 0 ? -1 : v');
export const squarePrim = unaryPrimitive('square', 'v * v');
export const reciprocalPrim = unaryPrimitive('reciprocal', '1 / v');
// Sigmoid and softplus are written so that no exp overflows at ±1e4.
export const sigmoidPrim = unaryPrimitive('sigmoid', 'v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))');
export const tanhPrim = unaryPrimitive('tanh', 'Math.tanh(v)');
export const eluPrim = unaryPrimitive('elu', 'v > 0 ? v : Math.expm1(v)');
export const reluPrim = unaryPrimitive('relu', 'v > 0 ? v : 0');
export const softplusPrim = unaryPrimitive('softplus', 'Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))');

/** Every elementwise unary primitive (a backend registers its elementwise kernels from this list). */
export const UNARY_PRIMITIVES: readonly Primitive<void>[] = [
  negPrim, expPrim, logPrim, log1pPrim, sqrtPrim, absPrim, signPrim, squarePrim, reciprocalPrim, sigmoidPrim, tanhPrim, eluPrim, reluPrim, softplusPrim,
];

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
