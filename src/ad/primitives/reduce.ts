/**
 * Reductions and broadcasting: `sum` and `broadcastTo` are each other's transposes (a closed
 * linear family); `max` sends its derivative to the maxima, shared equally among ties.
 */
import { broadcastCopy, reduce as reduceKernel } from '../../tensor/kernels/elementwise.ts';
import { ShapeError } from '../../tensor/errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { shapeSize, type DType, type Reduce, type Shape, type AsShape } from '../../tensor/shape.ts';
import { bind, definePrimitive } from '../core.ts';
import { div, equal, mul } from './binary.ts';
import { reshape } from './layout.ts';
import { broadcastShapes, make, newBuffer, normalizeAxis, requireShapeArg, requireTensor } from './util.ts';
import { unbroadcast } from './binary.ts';

interface ReduceParams {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

function reducedShape(shape: Shape, { axes, keepDims }: ReduceParams): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

export const sumPrim = definePrimitive<ReduceParams>({
  name: 'sum',
  shapeRule: ([x], p) => ({ shape: reducedShape(x!.shape, p), dtype: x!.dtype }),
  impl: ([x], p) => {
    const shape = reducedShape(x!.shape, p);
    const out = newBuffer(x!.dtype, shapeSize(shape));
    reduceKernel(x!.data, x!.shape, p.axes, 'sum', out);
    return make(shape, x!.dtype, out);
  },
  jvp: (_x, [t], p) => (t ? sumRaw(t, p) : null),
  vjp: (ct, [x], p) => [broadcastTo(reshape(ct, keptShape(x!.shape, p.axes)), x!.shape)],
});

export const maxPrim = definePrimitive<ReduceParams>({
  name: 'max',
  shapeRule: ([x], p) => {
    for (const a of p.axes) if (x!.shape[a] === 0) throw new ShapeError('max', `axis ${a} is empty`, [x!.shape]);
    return { shape: reducedShape(x!.shape, p), dtype: x!.dtype };
  },
  impl: ([x], p) => {
    const shape = reducedShape(x!.shape, p);
    const out = newBuffer(x!.dtype, shapeSize(shape));
    reduceKernel(x!.data, x!.shape, p.axes, 'max', out);
    return make(shape, x!.dtype, out);
  },
  jvp: ([x], [t], p, y) => (t ? sumRaw(mul(t, argmaxShare(x!, y, p)), p) : null),
  vjp: (ct, [x], p, y) => [mul(broadcastTo(reshape(ct, keptShape(x!.shape, p.axes)), x!.shape), argmaxShare(x!, y, p))],
});

/** 1/(number of ties) at each maximum, 0 elsewhere: a constant weighting, so derivatives stay exact where the max is unique. */
function argmaxShare(x: Tensor, y: Tensor, p: ReduceParams): Tensor {
  const mask = equal(x, reshape(y, keptShape(x.shape, p.axes)));
  return div(mask, reshape(sumRaw(mask, { axes: p.axes, keepDims: true }), keptShape(x.shape, p.axes)));
}

function sumRaw(x: Tensor, p: ReduceParams): Tensor {
  return bind(sumPrim, [x], p);
}

export const broadcastToPrim = definePrimitive<{ readonly shape: Shape }>({
  name: 'broadcastTo',
  shapeRule: ([x], { shape }) => {
    const b = broadcastShapes('broadcastTo', x!.shape, shape);
    if (b.length !== shape.length || b.some((d, i) => d !== shape[i])) throw new ShapeError('broadcastTo', 'cannot broadcast', [x!.shape, shape]);
    return { shape, dtype: x!.dtype };
  },
  impl: ([x], { shape }) => {
    const out = newBuffer(x!.dtype, shapeSize(shape));
    broadcastCopy(x!.data, x!.shape, shape, out);
    return make([...shape], x!.dtype, out);
  },
  jvp: (_x, [t], p) => (t ? broadcastTo(t, p.shape) : null),
  vjp: (ct, [x]) => [unbroadcast(ct, x!.shape)],
});

function normalizeAxes(op: string, shape: Shape, axes: number | readonly number[] | undefined): number[] {
  if (axes === undefined) return shape.map((_, i) => i);
  if (typeof axes !== 'number' && !Array.isArray(axes)) throw new ShapeError(op, `axes must be an array of axis numbers, got ${JSON.stringify(axes)}`, [shape]);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, shape.length, shape));
  if (new Set(out).size !== out.length) throw new ShapeError(op, `axes ${JSON.stringify(list)} repeat an axis`, [shape]);
  return out.sort((a, b) => a - b);
}

export interface ReduceOptions<K extends boolean> {
  readonly keepDims?: K;
}

type AxesArg = readonly number[] | undefined;

/** Sum over `axes` (all by default). */
export function sum<S extends Shape, D extends DType, const A extends AxesArg = undefined, K extends boolean = false>(
  x: Tensor<S, D>,
  axes?: A,
  options: ReduceOptions<K> = {},
): Tensor<AsShape<Reduce<S, A, K>>, D> {
  requireTensor('sum', x);
  return bind(sumPrim, [x], { axes: normalizeAxes('sum', x.shape, axes), keepDims: options.keepDims ?? false }) as Tensor<AsShape<Reduce<S, A, K>>, D>;
}

/** Maximum over `axes` (all by default); the derivative goes to the maxima, split among ties. */
export function max<S extends Shape, D extends DType, const A extends AxesArg = undefined, K extends boolean = false>(
  x: Tensor<S, D>,
  axes?: A,
  options: ReduceOptions<K> = {},
): Tensor<AsShape<Reduce<S, A, K>>, D> {
  requireTensor('max', x);
  return bind(maxPrim, [x], { axes: normalizeAxes('max', x.shape, axes), keepDims: options.keepDims ?? false }) as Tensor<AsShape<Reduce<S, A, K>>, D>;
}

/** Mean over `axes` (all by default). */
export function mean<S extends Shape, D extends DType, const A extends AxesArg = undefined, K extends boolean = false>(
  x: Tensor<S, D>,
  axes?: A,
  options: ReduceOptions<K> = {},
): Tensor<AsShape<Reduce<S, A, K>>, D> {
  requireTensor('mean', x);
  const norm = normalizeAxes('mean', x.shape, axes);
  const count = norm.reduce((p, a) => p * x.shape[a]!, 1);
  if (count === 0) throw new ShapeError('mean', 'reduces over no elements', [x.shape]);
  const s = bind(sumPrim, [x], { axes: norm, keepDims: options.keepDims ?? false });
  return div(s, count) as unknown as Tensor<AsShape<Reduce<S, A, K>>, D>;
}

export function broadcastTo<S extends Shape, D extends DType, const T extends Shape>(x: Tensor<S, D>, shape: T): Tensor<T, D> {
  requireTensor('broadcastTo', x);
  requireShapeArg('broadcastTo', shape, false, x.shape);
  return bind(broadcastToPrim, [x], { shape: [...shape] }) as Tensor<T, D>;
}
