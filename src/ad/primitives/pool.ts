/** Average pooling and its adjoint: a closed linear family (each is the other's transpose, ../rules.ts). */
import * as K from '../../tensor/kernels/pool.ts';
import type { Pool2dGeometry } from '../../tensor/kernels/types.ts';
import { ArgumentError, ShapeError } from '../../tensor/errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { AsShape, AvgPool2d, Check, DType, Shape } from '../../tensor/shape.ts';
import { bind, definePrimitive } from '../core.ts';
import { produce, requireTensor } from './util.ts';

/** The spatial geometry of the family; batch and channel counts come from the operand. */
export type PoolParams = Omit<Pool2dGeometry, 'n' | 'c'>;

function geometry(n: number, c: number, p: PoolParams): Pool2dGeometry {
  return { n, c, ...p };
}

export const avgPool2dPrim = definePrimitive<PoolParams>({
  name: 'avgPool2d',
  shapeRule: ([x], p) => {
    if (x!.shape.length !== 4 || x!.shape[2] !== p.h || x!.shape[3] !== p.w) throw new ShapeError('avgPool2d', 'input does not match the geometry', [x!.shape]);
    return { shape: [x!.shape[0]!, x!.shape[1]!, p.outH, p.outW], dtype: x!.dtype };
  },
  impl: ([x], p, out) => {
    const [n, c] = x!.shape as [number, number];
    return produce(out, (buf) => K.avgPool2d(x!.data, geometry(n, c, p), buf));
  },
});

export const avgPool2dAdjointPrim = definePrimitive<PoolParams>({
  name: 'avgPool2dAdjoint',
  shapeRule: ([y], p) => {
    if (y!.shape.length !== 4 || y!.shape[2] !== p.outH || y!.shape[3] !== p.outW) throw new ShapeError('avgPool2dAdjoint', 'cotangent does not match the geometry', [y!.shape]);
    return { shape: [y!.shape[0]!, y!.shape[1]!, p.h, p.w], dtype: y!.dtype };
  },
  impl: ([y], p, out) => {
    const [n, c] = y!.shape as [number, number];
    return produce(out, (buf) => K.avgPool2dAdjoint(y!.data, geometry(n, c, p), buf));
  },
});

export interface AvgPool2dOptions<K extends number, S extends number> {
  readonly size: K;
  readonly stride?: S;
}

export function poolParams(op: string, shape: Shape, size: number, stride: number): PoolParams {
  if (shape.length !== 4) throw new ShapeError(op, 'input must be [N, C, H, W]', [shape]);
  for (const [name, v] of [['size', size], ['stride', stride]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(op, `${name} must be a positive integer, got ${v}`);
  }
  const [, , h, w] = shape as [number, number, number, number];
  if (size > h || size > w) throw new ShapeError(op, `window ${size} is larger than the input`, [shape]);
  return { h, w, kh: size, kw: size, strideH: stride, strideW: stride, outH: Math.floor((h - size) / stride) + 1, outW: Math.floor((w - size) / stride) + 1 };
}

/** Average pooling over size×size windows (stride defaults to size), no padding. */
export function avgPool2d<X extends Shape, D extends DType, const K extends number, const S extends number = K>(
  x: Tensor<X, D> & Check<AvgPool2d<X, K, S>>,
  options: AvgPool2dOptions<K, S>,
): Tensor<AsShape<AvgPool2d<X, K, S>>, D> {
  const t = requireTensor('avgPool2d', x) as Tensor<X, D>;
  if (options === null || typeof options !== 'object') throw new ArgumentError('avgPool2d', 'needs options { size, stride? }');
  const p = poolParams('avgPool2d', t.shape, options.size, options.stride ?? options.size);
  return bind(avgPool2dPrim, [t], p) as Tensor<AsShape<AvgPool2d<X, K, S>>, D>;
}

/** The transpose of avgPool2d (spreads each value evenly over its window). */
export function avgPool2dAdjoint<D extends DType>(y: Tensor<Shape, D>, params: PoolParams): Tensor<Shape, D> {
  return bind(avgPool2dAdjointPrim, [y], params) as Tensor<Shape, D>;
}
