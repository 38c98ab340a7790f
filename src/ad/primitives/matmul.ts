/**
 * Batched matmul with transpose flags. The flags close the family under transposition:
 * every cotangent is another matmul with different flags, so no transposed copies are made.
 */
import { matmul as matmulKernel } from '../../tensor/kernels/matmul.ts';
import { ShapeError } from '../../tensor/errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { sameShape, shapeSize, type Check, type DType, type Matmul, type Shape, type AsShape } from '../../tensor/shape.ts';
import { bind, definePrimitive } from '../core.ts';
import { batchShapeOf, matmulGeometry, type MatmulFlags } from '../../tensor/geometry.ts';
import { add, unbroadcast } from './binary.ts';
import { broadcastTo } from './reduce.ts';
import { make, newBuffer, sameDType, toTensors } from './util.ts';

type MatmulParams = MatmulFlags;

export const matmulPrim = definePrimitive<MatmulParams>({
  name: 'matmul',
  shapeRule: ([a, b], p) => ({ shape: matmulGeometry(a!.shape, b!.shape, p).shape, dtype: sameDType('matmul', [a!, b!]) }),
  impl: ([a, b], p) => {
    const { g, shape } = matmulGeometry(a!.shape, b!.shape, p);
    const out = newBuffer(a!.dtype, g.batch * g.m * g.n);
    matmulKernel(a!.data, b!.data, out, g);
    return make(shape, a!.dtype, out);
  },
  jvp: ([a, b], [ta, tb], p) => {
    const fromA = ta && mm(ta, b!, p.transA, p.transB);
    const fromB = tb && mm(a!, tb, p.transA, p.transB);
    return fromA && fromB ? add(fromA, fromB) : (fromA ?? fromB ?? null);
  },
  vjp: (ct, [a, b], { transA, transB }, _o, needs) => {
    // C = op(A)·op(B): d op(A) = ct·op(B)ᵀ and d op(B) = op(A)ᵀ·ct, written back through the flags.
    const ga = needs[0] ? (transA ? mm(b!, ct, transB, true) : mm(ct, b!, false, !transB)) : null;
    const gb = needs[1] ? (transB ? mm(ct, a!, true, transA) : mm(a!, ct, !transA, false)) : null;
    return [ga && unbroadcast(ga, a!.shape), gb && unbroadcast(gb, b!.shape)];
  },
});

function mm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  return bind(matmulPrim, [a, b], { transA, transB });
}

export interface MatmulOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

/** Batched matrix product [..., M, K] × [..., K, N] → [..., M, N], batch dimensions broadcast. */
export function matmul<A extends Shape, B extends Shape, D extends DType>(
  a: Tensor<A, D>,
  b: Tensor<B, D> & Check<Matmul<A, B>>,
): Tensor<AsShape<Matmul<A, B>>, D> {
  const [x, y] = toTensors('matmul', [a, b as Tensor<B, D>]) as [Tensor, Tensor];
  if (x.shape.length < 2 || y.shape.length < 2) throw new ShapeError('matmul', 'operands need rank >= 2', [x.shape, y.shape]);
  const batchA = x.shape.slice(0, -2);
  const batchB = y.shape.slice(0, -2);
  const batch = batchShapeOf(batchA, batchB, [x.shape, y.shape]);
  const needs = (s: readonly number[]) => shapeSize(s) !== 1 && !sameShape(s, batch);
  const xa = needs(batchA) ? broadcastTo(x, [...batch, ...x.shape.slice(-2)]) : x;
  const yb = needs(batchB) ? broadcastTo(y, [...batch, ...y.shape.slice(-2)]) : y;
  return bind(matmulPrim, [xa, yb], { transA: false, transB: false }) as Tensor<AsShape<Matmul<A, B>>, D>;
}

/** matmul with transposed operands, without materialising the transposes (shapes checked at run time). */
export function matmulT<D extends DType>(a: Tensor<Shape, D>, b: Tensor<Shape, D>, options: MatmulOptions = {}): Tensor<Shape, D> {
  return bind(matmulPrim, toTensors('matmul', [a, b]), { transA: options.transA ?? false, transB: options.transB ?? false }) as Tensor<Shape, D>;
}
