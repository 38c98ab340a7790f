/**
 * Reductions and broadcasting: `sum` and `broadcastTo` (each other's transposes, a closed
 * linear family) and `max`. Their rules are in ../rules.ts; `mean` is a composite (../composite.ts).
 */
import { broadcastCopy, reduce as reduceKernel } from '../../tensor/kernels/elementwise.ts';
import { ShapeError } from '../../tensor/errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { shapeSize, type DType, type Reduce, type Shape, type AsShape } from '../../tensor/shape.ts';
import { bind, definePrimitive } from '../core.ts';
import { broadcastShapes, make, newBuffer, normalizeAxes, requireShapeArg, requireTensor } from './util.ts';

export interface ReduceParams {
  /** Sorted, distinct, non-negative. */
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

/** `shape` with each reduced axis kept as 1: the shape a reduction's result broadcasts back from. */
export function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

export const sumPrim = definePrimitive<ReduceParams>({
  name: 'sum',
  shapeRule: ([x], p) => ({ shape: reducedShape(x!.shape, p), dtype: x!.dtype }),
  impl: ([x], p, out) => {
    const buf = newBuffer(out.dtype, shapeSize(out.shape));
    reduceKernel(x!.data, x!.shape, p.axes, 'sum', buf);
    return make(out.shape, out.dtype, buf);
  },
});

export const maxPrim = definePrimitive<ReduceParams>({
  name: 'max',
  shapeRule: ([x], p) => {
    for (const a of p.axes) if (x!.shape[a] === 0) throw new ShapeError('max', `axis ${a} is empty`, [x!.shape]);
    return { shape: reducedShape(x!.shape, p), dtype: x!.dtype };
  },
  impl: ([x], p, out) => {
    const buf = newBuffer(out.dtype, shapeSize(out.shape));
    reduceKernel(x!.data, x!.shape, p.axes, 'max', buf);
    return make(out.shape, out.dtype, buf);
  },
});

export const broadcastToPrim = definePrimitive<{ readonly shape: Shape }>({
  name: 'broadcastTo',
  shapeRule: ([x], { shape }) => {
    const b = broadcastShapes('broadcastTo', x!.shape, shape);
    if (b.length !== shape.length || b.some((d, i) => d !== shape[i])) throw new ShapeError('broadcastTo', 'cannot broadcast', [x!.shape, shape]);
    return { shape: b, dtype: x!.dtype };
  },
  impl: ([x], _p, out) => {
    const buf = newBuffer(out.dtype, shapeSize(out.shape));
    broadcastCopy(x!.data, x!.shape, out.shape, buf);
    return make(out.shape, out.dtype, buf);
  },
});

export interface ReduceOptions<K extends boolean> {
  readonly keepDims?: K;
}

export type AxesArg = readonly number[] | undefined;

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

export function broadcastTo<S extends Shape, D extends DType, const T extends Shape>(x: Tensor<S, D>, shape: T): Tensor<T, D> {
  requireTensor('broadcastTo', x);
  requireShapeArg('broadcastTo', shape, false, x.shape);
  return bind(broadcastToPrim, [x], { shape: [...shape] }) as Tensor<T, D>;
}
