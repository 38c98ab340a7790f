/**
 * Reductions and broadcasting: `sum` and `broadcastTo` (each other's transposes, a closed
 * linear family) and `max`. Their rules are in ../rules.ts; `mean` is a composite (../composite.ts).
 */
import { broadcastCopy, reduce as reduceKernel } from '../../tensor/kernels/elementwise.ts';
import { ShapeError } from '../../tensor/errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { DType, Reduce, Shape, AsShape } from '../../tensor/shape.ts';
import { bind, definePrimitive, type Primitive } from '../core.ts';
import { broadcastShapes, produce, normalizeAxes, requireShapeArg, requireTensor } from './util.ts';

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
  impl: ([x], p, out) => produce(out, (buf) => reduceKernel(x!.data, x!.shape, p.axes, 'sum', buf)),
});

export const maxPrim = definePrimitive<ReduceParams>({
  name: 'max',
  shapeRule: ([x], p) => {
    for (const a of p.axes) if (x!.shape[a] === 0) throw new ShapeError('max', `axis ${a} is empty`, [x!.shape]);
    return { shape: reducedShape(x!.shape, p), dtype: x!.dtype };
  },
  impl: ([x], p, out) => produce(out, (buf) => reduceKernel(x!.data, x!.shape, p.axes, 'max', buf)),
});

export const broadcastToPrim = definePrimitive<{ readonly shape: Shape }>({
  name: 'broadcastTo',
  shapeRule: ([x], { shape }) => {
    const b = broadcastShapes('broadcastTo', x!.shape, shape);
    if (b.length !== shape.length || b.some((d, i) => d !== shape[i])) throw new ShapeError('broadcastTo', 'cannot broadcast', [x!.shape, shape]);
    return { shape: b, dtype: x!.dtype };
  },
  impl: ([x], _p, out) => produce(out, (buf) => broadcastCopy(x!.data, x!.shape, out.shape, buf)),
});

export interface ReduceOptions<K extends boolean> {
  readonly keepDims?: K;
}

export type AxesArg = readonly number[] | undefined;

/** The signature of the reductions over axes (all by default): sum, max and mean. */
export type Reduction = <S extends Shape, D extends DType, const A extends AxesArg = undefined, K extends boolean = false>(
  x: Tensor<S, D>,
  axes?: A,
  options?: ReduceOptions<K>,
) => Tensor<AsShape<Reduce<S, A, K>>, D>;

function reduction(prim: Primitive<ReduceParams>): Reduction {
  return ((x: Tensor, axes?: AxesArg, options: ReduceOptions<boolean> = {}) => {
    requireTensor(prim.name, x);
    return bind(prim, [x], { axes: normalizeAxes(prim.name, x.shape, axes), keepDims: options.keepDims ?? false });
  }) as Reduction;
}

/** Sum over `axes` (all by default). */
export const sum = reduction(sumPrim);
/** Maximum over `axes` (all by default); the derivative goes to the maxima, split among ties. */
export const max = reduction(maxPrim);

export function broadcastTo<S extends Shape, D extends DType, const T extends Shape>(x: Tensor<S, D>, shape: T): Tensor<T, D> {
  requireTensor('broadcastTo', x);
  requireShapeArg('broadcastTo', shape, false, x.shape);
  return bind(broadcastToPrim, [x], { shape: [...shape] }) as Tensor<T, D>;
}
