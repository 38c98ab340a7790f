/**
 * Batched matmul with transpose flags. The flags close the family under transposition:
 * every cotangent is another matmul with different flags, so no transposed copies are made.
 */
import { matmul as matmulKernel } from '../../tensor/kernels/matmul.ts';
import { ShapeError } from '../../tensor/errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { sameShape, shapeSize, type Check, type DType, type Matmul, type Shape, type AsShape } from '../../tensor/shape.ts';
import { bind, definePrimitive, type Aval } from '../core.ts';
import { add, unbroadcast } from './binary.ts';
import { broadcastTo } from './reduce.ts';
import { broadcastShapes, make, newBuffer, sameDType, toTensors } from './util.ts';

/** Broadcasts batch shapes, naming the operands' full shapes when they do not fit. */
function broadcastShapesOf(op: string, a: Shape, b: Shape, operands: readonly Shape[]): number[] {
  try {
    return broadcastShapes(op, a, b);
  } catch {
    throw new ShapeError(op, 'batch dimensions do not broadcast', operands);
  }
}

interface MatmulParams {
  readonly transA: boolean;
  readonly transB: boolean;
}

function geometry(a: Aval, b: Aval, { transA, transB }: MatmulParams) {
  if (a.shape.length < 2 || b.shape.length < 2) throw new ShapeError('matmul', 'operands need rank >= 2', [a.shape, b.shape]);
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [m, k] = transA ? [a.shape[ra - 1]!, a.shape[ra - 2]!] : [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const [k2, n] = transB ? [b.shape[rb - 1]!, b.shape[rb - 2]!] : [b.shape[rb - 2]!, b.shape[rb - 1]!];
  if (k !== k2) throw new ShapeError('matmul', `inner dimensions differ (${k} vs ${k2})`, [a.shape, b.shape]);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batchShape = broadcastShapesOf('matmul', batchA, batchB, [a.shape, b.shape]);
  const batch = shapeSize(batchShape);
  const sizeA = shapeSize(batchA);
  const sizeB = shapeSize(batchB);
  // The kernel broadcasts a single matrix (stride 0); other batch broadcasting is materialised by the public op.
  if ((sizeA !== batch && sizeA !== 1) || (sizeB !== batch && sizeB !== 1)) throw new ShapeError('matmul', 'batch dimensions must match or be absent', [a.shape, b.shape]);
  return { m, k, n, batch, batchShape, aBatchStride: sizeA === 1 ? 0 : m * k, bBatchStride: sizeB === 1 ? 0 : k * n };
}

export const matmulPrim = definePrimitive<MatmulParams>({
  name: 'matmul',
  shapeRule: ([a, b], p) => {
    const g = geometry(a!, b!, p);
    return { shape: [...g.batchShape, g.m, g.n], dtype: sameDType('matmul', [a!, b!]) };
  },
  impl: ([a, b], p) => {
    const g = geometry(a!, b!, p);
    const out = newBuffer(a!.dtype, g.batch * g.m * g.n);
    matmulKernel(a!.data, b!.data, out, { ...g, transA: p.transA, transB: p.transB });
    return make([...g.batchShape, g.m, g.n], a!.dtype, out);
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
  const batch = broadcastShapesOf('matmul', batchA, batchB, [x.shape, y.shape]);
  const needs = (s: readonly number[]) => shapeSize(s) !== 1 && !sameShape(s, batch);
  const xa = needs(batchA) ? broadcastTo(x, [...batch, ...x.shape.slice(-2)]) : x;
  const yb = needs(batchB) ? broadcastTo(y, [...batch, ...y.shape.slice(-2)]) : y;
  return bind(matmulPrim, [xa, yb], { transA: false, transB: false }) as Tensor<AsShape<Matmul<A, B>>, D>;
}

/** matmul with transposed operands, without materialising the transposes (shapes checked at run time). */
export function matmulT<D extends DType>(a: Tensor<Shape, D>, b: Tensor<Shape, D>, options: MatmulOptions = {}): Tensor<Shape, D> {
  return bind(matmulPrim, toTensors('matmul', [a, b]), { transA: options.transA ?? false, transB: options.transB ?? false }) as Tensor<Shape, D>;
}
