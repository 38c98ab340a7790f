/**
 * Batched matmul with transpose flags. The flags close the family under transposition:
 * every cotangent is another matmul with different flags (../rules.ts), so no transposed
 * copies are made.
 */
import { matmul as matmulKernel } from '../../tensor/kernels/matmul.ts';
import { ShapeError } from '../../tensor/errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { sameShape, shapeSize, type Check, type DType, type Matmul, type Shape, type AsShape } from '../../tensor/shape.ts';
import { bind, definePrimitive } from '../core.ts';
import { batchShapeOf, matmulGeometry, type MatmulFlags } from '../../tensor/geometry.ts';
import { broadcastTo } from './reduce.ts';
import { produce, sameDType, toTensors } from './util.ts';

export const matmulPrim = definePrimitive<MatmulFlags>({
  name: 'matmul',
  shapeRule: ([a, b], p) => ({ shape: matmulGeometry(a!.shape, b!.shape, p).shape, dtype: sameDType('matmul', [a!, b!]) }),
  impl: ([a, b], p, out) => {
    const { g } = matmulGeometry(a!.shape, b!.shape, p);
    return produce(out, (buf) => matmulKernel(a!.data, b!.data, buf, g));
  },
});

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
