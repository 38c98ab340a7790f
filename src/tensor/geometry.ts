/**
 * Runtime geometry of the shaped kernels, shared by the primitive table and every backend so
 * that all of them read operands the same way.
 */
import { ShapeError } from './errors.ts';
import { shapeSize, type Shape } from './shape.ts';
import type { Conv2dGeometry, MatmulGeometry } from './kernels/types.ts';

/** Runtime broadcasting of shapes; a ShapeError names the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else throw new ShapeError(op, 'shapes do not broadcast', [a, b]);
  }
  return out;
}


export interface MatmulFlags {
  readonly transA: boolean;
  readonly transB: boolean;
}

/** Broadcasts matmul batch shapes, naming the operands' full shapes when they do not fit. */
export function batchShapeOf(a: Shape, b: Shape, operands: readonly Shape[]): number[] {
  try {
    return broadcastShapes('matmul', a, b);
  } catch {
    throw new ShapeError('matmul', 'batch dimensions do not broadcast', operands);
  }
}

/**
 * The kernel geometry and output shape of op(A)·op(B). The kernel broadcasts a single matrix
 * over the batch (stride 0); any other batch broadcasting must be materialised by the caller.
 */
export function matmulGeometry(a: Shape, b: Shape, { transA, transB }: MatmulFlags): { g: MatmulGeometry; shape: number[] } {
  if (a.length < 2 || b.length < 2) throw new ShapeError('matmul', 'operands need rank >= 2', [a, b]);
  const ra = a.length;
  const rb = b.length;
  const [m, k] = transA ? [a[ra - 1]!, a[ra - 2]!] : [a[ra - 2]!, a[ra - 1]!];
  const [k2, n] = transB ? [b[rb - 1]!, b[rb - 2]!] : [b[rb - 2]!, b[rb - 1]!];
  if (k !== k2) throw new ShapeError('matmul', `inner dimensions differ (${k} vs ${k2})`, [a, b]);
  const batchA = a.slice(0, -2);
  const batchB = b.slice(0, -2);
  const batchShape = batchShapeOf(batchA, batchB, [a, b]);
  const batch = shapeSize(batchShape);
  const sizeA = shapeSize(batchA);
  const sizeB = shapeSize(batchB);
  if ((sizeA !== batch && sizeA !== 1) || (sizeB !== batch && sizeB !== 1)) throw new ShapeError('matmul', 'batch dimensions must match or be absent', [a, b]);
  return {
    g: { batch, m, k, n, transA, transB, aBatchStride: sizeA === 1 ? 0 : m * k, bBatchStride: sizeB === 1 ? 0 : k * n },
    shape: [...batchShape, m, n],
  };
}

/** The spatial part of a convolution's geometry; batch and channel counts come from the operands. */
export type ConvSpatial = Omit<Conv2dGeometry, 'n' | 'c' | 'o'>;

export function convGeometry(n: number, c: number, o: number, p: ConvSpatial): Conv2dGeometry {
  return { n, c, o, h: p.h, w: p.w, kh: p.kh, kw: p.kw, strideH: p.strideH, strideW: p.strideW, padTop: p.padTop, padLeft: p.padLeft, outH: p.outH, outW: p.outW };
}
