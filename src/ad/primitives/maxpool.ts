/**
 * Max pooling. Away from ties it is, locally, a fixed selection of one input per window, so its
 * derivative is that selection: the argmax is computed once from the primal (a constant, like a
 * comparison's mask), and the tangent or cotangent is routed through it by a linear pair, the
 * gather `maxPool2dRoute` and its transpose, the scatter `maxPool2dRouteAdjoint`. Both are
 * closed under differentiation (../rules.ts), so max pooling differentiates to any order.
 */
import * as K from '../../tensor/kernels/maxpool.ts';
import { ArgumentError, ShapeError } from '../../tensor/errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { AsShape, Check, DType, MaxPool2d, Shape } from '../../tensor/shape.ts';
import { bind, definePrimitive, type Aval } from '../core.ts';
import { poolParams, type PoolParams } from './pool.ts';
import { make, newBuffer, requireTensor } from './util.ts';

function requireInput(op: string, x: Aval, p: PoolParams): void {
  if (x.shape.length !== 4 || x.shape[2] !== p.h || x.shape[3] !== p.w) throw new ShapeError(op, 'input does not match the geometry', [x.shape]);
}

function pooledShape(x: Aval, p: PoolParams): Shape {
  return [x.shape[0]!, x.shape[1]!, p.outH, p.outW];
}

function requireIndex(op: string, index: Aval, expected: Shape, dtype: DType): void {
  if (index.shape.length !== 4 || index.shape.some((d, i) => d !== expected[i])) throw new ShapeError(op, 'argmax index does not match the pooled shape', [index.shape, expected]);
  if (index.dtype !== dtype) throw new ArgumentError(op, `argmax index is ${index.dtype} but the operand is ${dtype}`);
}

function pool(x: Tensor, p: PoolParams, out: Aval): { values: Tensor; argmax: Tensor } {
  const [n, c] = x.shape as [number, number];
  const size = n * c * p.outH * p.outW;
  const values = newBuffer(out.dtype, size);
  const argmax = newBuffer(out.dtype, size);
  K.maxPool2d(x.data, { n, c, ...p }, values, argmax);
  return { values: make(out.shape, out.dtype, values), argmax: make(out.shape, out.dtype, argmax) };
}

export const maxPool2dPrim = definePrimitive<PoolParams>({
  name: 'maxPool2d',
  shapeRule: ([x], p) => {
    requireInput('maxPool2d', x!, p);
    return { shape: pooledShape(x!, p), dtype: x!.dtype };
  },
  impl: ([x], p, out) => pool(x!, p, out).values,
});

/** Where each window's (first) maximum is, as a flat index into its [h, w] plane: a constant. */
export const maxPool2dArgmaxPrim = definePrimitive<PoolParams>({
  name: 'maxPool2dArgmax',
  shapeRule: ([x], p) => {
    requireInput('maxPool2dArgmax', x!, p);
    return { shape: pooledShape(x!, p), dtype: x!.dtype };
  },
  impl: ([x], p, out) => pool(x!, p, out).argmax,
});

/** t [n,c,h,w] read at the argmax of each window: the derivative of max pooling applied to a tangent. */
export const maxPool2dRoutePrim = definePrimitive<PoolParams>({
  name: 'maxPool2dRoute',
  shapeRule: ([t, index], p) => {
    requireInput('maxPool2dRoute', t!, p);
    const shape = pooledShape(t!, p);
    requireIndex('maxPool2dRoute', index!, shape, t!.dtype);
    return { shape, dtype: t!.dtype };
  },
  impl: ([t, index], p, out) => {
    const [n, c] = t!.shape as [number, number];
    const buf = newBuffer(out.dtype, n * c * p.outH * p.outW);
    K.gatherPlanes(t!.data, index!.data, n * c, p.h * p.w, p.outH * p.outW, buf);
    return make(out.shape, out.dtype, buf);
  },
});

/** The transpose of maxPool2dRoute: each pooled cotangent goes back to its window's argmax. */
export const maxPool2dRouteAdjointPrim = definePrimitive<PoolParams>({
  name: 'maxPool2dRouteAdjoint',
  shapeRule: ([y, index], p) => {
    if (y!.shape.length !== 4 || y!.shape[2] !== p.outH || y!.shape[3] !== p.outW) throw new ShapeError('maxPool2dRouteAdjoint', 'cotangent does not match the geometry', [y!.shape]);
    requireIndex('maxPool2dRouteAdjoint', index!, y!.shape, y!.dtype);
    return { shape: [y!.shape[0]!, y!.shape[1]!, p.h, p.w], dtype: y!.dtype };
  },
  impl: ([y, index], p, out) => {
    const [n, c] = y!.shape as [number, number];
    const buf = newBuffer(out.dtype, n * c * p.h * p.w);
    K.scatterPlanes(y!.data, index!.data, n * c, p.h * p.w, p.outH * p.outW, buf);
    return make(out.shape, out.dtype, buf);
  },
});

export interface MaxPool2dOptions<K extends number, S extends number> {
  readonly size: K;
  readonly stride?: S;
}

/** Max pooling over size×size windows (stride defaults to size), no padding. */
export function maxPool2d<X extends Shape, D extends DType, const K extends number, const S extends number = K>(
  x: Tensor<X, D> & Check<MaxPool2d<X, K, S>>,
  options: MaxPool2dOptions<K, S>,
): Tensor<AsShape<MaxPool2d<X, K, S>>, D> {
  const t = requireTensor('maxPool2d', x) as Tensor<X, D>;
  if (options === null || typeof options !== 'object') throw new ArgumentError('maxPool2d', 'needs options { size, stride? }');
  const p = poolParams('maxPool2d', t.shape, options.size, options.stride ?? options.size);
  return bind(maxPool2dPrim, [t], p) as Tensor<AsShape<MaxPool2d<X, K, S>>, D>;
}

/** The argmax of each window of x (a constant: no derivative flows through it). */
export function maxPool2dArgmax(x: Tensor, params: PoolParams): Tensor {
  return bind(maxPool2dArgmaxPrim, [x], params);
}

export function maxPool2dRoute(t: Tensor, index: Tensor, params: PoolParams): Tensor {
  return bind(maxPool2dRoutePrim, [t, index], params);
}

export function maxPool2dRouteAdjoint(y: Tensor, index: Tensor, params: PoolParams): Tensor {
  return bind(maxPool2dRouteAdjointPrim, [y, index], params);
}
