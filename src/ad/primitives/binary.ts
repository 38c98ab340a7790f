/**
 * Elementwise binary primitives with NumPy broadcasting, comparisons (masks of 0/1 with no
 * derivative) and `where`. Their partial derivatives are stated in ../rules.ts.
 */
import { compileBinary, mapTernary } from '../../tensor/kernels/elementwise.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { Broadcast, BroadcastShape, Check, DType, Shape } from '../../tensor/shape.ts';
import { bind, definePrimitive, type Primitive } from '../core.ts';
import { broadcastShapes, produce, sameDType, toTensors, type Operand } from './util.ts';

/** `expr` computes the result from `a` and `b` (JavaScript, compiled once into the kernel's loops). */
function binaryPrimitive(name: string, expr: string): Primitive<void> {
  const kernel = compileBinary(expr);
  return definePrimitive<void>({
    name,
    shapeRule: ([a, b]) => ({ shape: broadcastShapes(name, a!.shape, b!.shape), dtype: sameDType(name, [a!, b!]) }),
    impl: ([a, b], _p, out) => produce(out, (buf) => kernel(a!.data, a!.shape, b!.data, b!.shape, out.shape, buf)),
  });
}

export const addPrim = binaryPrimitive('add', 'a + b');
export const subPrim = binaryPrimitive('sub', 'a - b');
export const mulPrim = binaryPrimitive('mul', 'a * b');
export const divPrim = binaryPrimitive('div', 'a / b');
export const powPrim = binaryPrimitive('pow', 'Math.pow(a, b)');
export const maximumPrim = binaryPrimitive('maximum', 'Math.max(a, b)');
export const minimumPrim = binaryPrimitive('minimum', 'Math.min(a, b)');
export const greaterPrim = binaryPrimitive('greater', 'a > b ? 1 : 0');
export const greaterEqualPrim = binaryPrimitive('greaterEqual', 'a >= b ? 1 : 0');
export const lessPrim = binaryPrimitive('less', 'a < b ? 1 : 0');
export const lessEqualPrim = binaryPrimitive('lessEqual', 'a <= b ? 1 : 0');
export const equalPrim = binaryPrimitive('equal', 'a === b ? 1 : 0');
export const notEqualPrim = binaryPrimitive('notEqual', 'a !== b ? 1 : 0');

/** Every elementwise binary primitive (a backend registers its elementwise kernels from this list). */
export const BINARY_PRIMITIVES: readonly Primitive<void>[] = [
  addPrim, subPrim, mulPrim, divPrim, powPrim, maximumPrim, minimumPrim, greaterPrim, greaterEqualPrim, lessPrim, lessEqualPrim, equalPrim, notEqualPrim,
];

/** where(cond, a, b): a where cond ≠ 0, else b; cond is a constant mask (no derivative flows into it). */
export const wherePrim = definePrimitive<void>({
  name: 'where',
  shapeRule: ([c, a, b]) => ({
    shape: broadcastShapes('where', broadcastShapes('where', c!.shape, a!.shape), b!.shape),
    dtype: sameDType('where', [c!, a!, b!]),
  }),
  impl: ([c, a, b], _p, out) => produce(out, (buf) => mapTernary(c!.data, c!.shape, a!.data, a!.shape, b!.data, b!.shape, out.shape, buf)),
});

type BinaryOp = <A extends Shape = [], B extends Shape = [], D extends DType = 'f32'>(
  a: Operand<A, D>,
  b: Operand<B, D> & Check<Broadcast<A, B>>,
) => Tensor<BroadcastShape<A, B>, D>;

function binary(prim: Primitive<void>): BinaryOp {
  return ((a: Operand, b: Operand) => bind(prim, toTensors(prim.name, [a, b]), undefined)) as BinaryOp;
}

export const add = binary(addPrim);
export const sub = binary(subPrim);
export const mul = binary(mulPrim);
export const div = binary(divPrim);
export const pow = binary(powPrim);
export const maximum = binary(maximumPrim);
export const minimum = binary(minimumPrim);
/** Comparisons give masks of 0/1 in the operands' dtype; they have no derivative. */
export const greater = binary(greaterPrim);
export const greaterEqual = binary(greaterEqualPrim);
export const less = binary(lessPrim);
export const lessEqual = binary(lessEqualPrim);
export const equal = binary(equalPrim);
export const notEqual = binary(notEqualPrim);

export function where<C extends Shape = [], A extends Shape = [], B extends Shape = [], D extends DType = 'f32'>(
  cond: Operand<C, D>,
  a: Operand<A, D> & Check<Broadcast<C, A>>,
  b: Operand<B, D> & Check<Broadcast<BroadcastShape<C, A>, B>>,
): Tensor<BroadcastShape<BroadcastShape<C, A>, B>, D> {
  return bind(wherePrim, toTensors('where', [cond, a, b]), undefined) as Tensor<BroadcastShape<BroadcastShape<C, A>, B>, D>;
}
