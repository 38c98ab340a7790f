/**
 * Structural primitives, all linear: reshape, transpose (its own family under inverse
 * permutation), flip (its own transpose), slice and pad (each other's transposes), concat
 * (transposed by slices), and astype (transposed by the opposite conversion). Their rules are in
 * ../rules.ts.
 */
import * as K from '../../tensor/kernels/elementwise.ts';
import { DTypeError, ShapeError } from '../../tensor/errors.ts';
import { Tensor } from '../../tensor/tensor.ts';
import {
  shapeSize,
  type Concat,
  type DType,
  type Pad,
  type Reshape,
  type Shape,
  type Slice,
  type Transpose,
  type Flip,
  type Check, type AsShape } from '../../tensor/shape.ts';
import { bind, definePrimitive } from '../core.ts';
import { describeValue, make, produce, normalizeAxes, normalizeAxis, requireShapeArg, requireTensor } from './util.ts';

export const reshapePrim = definePrimitive<{ readonly shape: Shape }>({
  name: 'reshape',
  shapeRule: ([x], { shape }) => {
    if (shapeSize(shape) !== shapeSize(x!.shape)) throw new ShapeError('reshape', `cannot reshape ${shapeSize(x!.shape)} elements`, [x!.shape, shape]);
    return { shape, dtype: x!.dtype };
  },
  // Tensors are immutable, so a reshape shares the buffer.
  impl: ([x], _p, out) => make(out.shape, out.dtype, x!.data as Float32Array),
});

function resolveShape(op: string, size: number, shape: readonly number[], from: Shape): number[] {
  let unknownAt = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (unknownAt >= 0) throw new ShapeError(op, 'at most one dimension may be -1', [from, shape]);
      unknownAt = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, `dimension ${d} is not a non-negative integer`, [from, shape]);
    } else known *= d;
  });
  const out = [...shape];
  if (unknownAt >= 0) {
    if (known === 0 || size % known !== 0) throw new ShapeError(op, `cannot infer -1 for ${size} elements`, [from, shape]);
    out[unknownAt] = size / known;
  }
  if (shapeSize(out) !== size) throw new ShapeError(op, `target holds ${shapeSize(out)} elements, tensor has ${size}`, [from, shape]);
  return out;
}

/** Reshape (row-major); one dimension may be -1 and is solved at run time. */
export function reshape<S extends Shape, D extends DType, const T extends Shape>(x: Tensor<S, D>, shape: T): Tensor<AsShape<Reshape<T>>, D> {
  requireTensor('reshape', x);
  requireShapeArg('reshape', shape, true, x.shape);
  const resolved = resolveShape('reshape', x.size, shape, x.shape);
  if (resolved.length === x.shape.length && resolved.every((d, i) => d === x.shape[i])) return x as unknown as Tensor<AsShape<Reshape<T>>, D>;
  return bind(reshapePrim, [x], { shape: resolved }) as Tensor<AsShape<Reshape<T>>, D>;
}

export const transposePrim = definePrimitive<{ readonly perm: readonly number[] }>({
  name: 'transpose',
  shapeRule: ([x], { perm }) => ({ shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype }),
  impl: ([x], { perm }, out) => produce(out, (buf) => K.transpose(x!.data, x!.shape, perm, buf)),
});

export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Permutes axes (reverses them by default). */
export function transpose<S extends Shape, D extends DType, const P extends readonly number[] | undefined = undefined>(
  x: Tensor<S, D>,
  perm?: P & Check<Transpose<S, P>>,
): Tensor<AsShape<Transpose<S, P>>, D> {
  requireTensor('transpose', x);
  if (perm !== undefined && !Array.isArray(perm)) throw new ShapeError('transpose', `perm must be an array of axes, got ${describeValue(perm)}`, [x.shape]);
  const rank = x.shape.length;
  const p = (perm as readonly number[] | undefined) ?? x.shape.map((_, i) => rank - 1 - i);
  const seen = new Set<number>();
  if (p.length !== rank) throw new ShapeError('transpose', `permutation ${JSON.stringify(p)} has length ${p.length}, tensor has rank ${rank}`, [x.shape]);
  for (const a of p) {
    if (!Number.isInteger(a) || a < 0 || a >= rank || seen.has(a)) throw new ShapeError('transpose', `${JSON.stringify(p)} is not a permutation of 0..${rank - 1}`, [x.shape]);
    seen.add(a);
  }
  if (p.every((a, i) => a === i)) return x as unknown as Tensor<AsShape<Transpose<S, P>>, D>;
  return bind(transposePrim, [x], { perm: p }) as Tensor<AsShape<Transpose<S, P>>, D>;
}

export const flipPrim = definePrimitive<{ readonly axes: readonly number[] }>({
  name: 'flip',
  shapeRule: ([x], { axes }) => {
    for (const a of axes) if (!Number.isInteger(a) || a < 0 || a >= x!.shape.length) throw new ShapeError('flip', `axis ${a} is out of range for rank ${x!.shape.length}`, [x!.shape]);
    return { shape: x!.shape, dtype: x!.dtype };
  },
  impl: ([x], { axes }, out) => produce(out, (buf) => K.flip(x!.data, x!.shape, axes, buf)),
});

/**
 * Reverses the order of the elements along `axes` (numpy.flip); negative axes count from the end.
 * Linear and its own adjoint; with transpose it gives the 90° rotations (rot90 = flip ∘ transpose).
 */
export function flip<S extends Shape, D extends DType, const A extends readonly number[]>(x: Tensor<S, D>, axes: A & Check<Flip<S, A>>): Tensor<S, D> {
  requireTensor('flip', x);
  const list = normalizeAxes('flip', x.shape, axes as readonly number[]);
  if (list.length === 0) return x;
  return bind(flipPrim, [x], { axes: list }) as Tensor<S, D>;
}

export interface SliceParams {
  readonly begin: readonly number[];
  readonly size: readonly number[];
}

export const slicePrim = definePrimitive<SliceParams>({
  name: 'slice',
  shapeRule: ([x], { size }) => ({ shape: size, dtype: x!.dtype }),
  impl: ([x], { begin, size }, out) => produce(out, (buf) => K.slice(x!.data, x!.shape, begin, size, buf)),
});

/** The window of `x` starting at `begin` with extent `size` (-1: to the end of that axis). */
export function slice<S extends Shape, D extends DType, const Z extends Shape>(
  x: Tensor<S, D>,
  begin: readonly number[],
  size: Z & Check<Slice<S, Z>>,
): Tensor<AsShape<Slice<S, Z>>, D> {
  requireTensor('slice', x);
  if (!Array.isArray(begin)) throw new ShapeError('slice', `begin must be an array, got ${describeValue(begin)}`, [x.shape]);
  requireShapeArg('slice', size, true, x.shape);
  const rank = x.shape.length;
  const sz = size as readonly number[];
  if (begin.length !== rank || sz.length !== rank) throw new ShapeError('slice', `begin and size need ${rank} entries each`, [x.shape, sz]);
  const resolved = sz.map((s, i) => (s === -1 ? x.shape[i]! - begin[i]! : s));
  resolved.forEach((s, i) => {
    const b = begin[i]!;
    if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || s < 0 || b + s > x.shape[i]!)
      throw new ShapeError('slice', `axis ${i}: begin ${b} with size ${s} leaves the dimension ${x.shape[i]}`, [x.shape]);
  });
  return bind(slicePrim, [x], { begin: [...begin], size: resolved }) as Tensor<AsShape<Slice<S, Z>>, D>;
}

export type PadPairs = readonly (readonly [number, number])[];

export const padPrim = definePrimitive<{ readonly pads: PadPairs }>({
  name: 'pad',
  shapeRule: ([x], { pads }) => ({ shape: x!.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]), dtype: x!.dtype }),
  impl: ([x], { pads }, out) => produce(out, (buf) => K.pad(x!.data, x!.shape, pads, buf)),
});

/** Zero padding, `[before, after]` for each axis. */
export function pad<S extends Shape, D extends DType, const P extends PadPairs>(x: Tensor<S, D>, pads: P & Check<Pad<S, P>>): Tensor<AsShape<Pad<S, P>>, D> {
  requireTensor('pad', x);
  const pp = pads as PadPairs;
  if (!Array.isArray(pp) || pp.some((q) => !Array.isArray(q) || q.length !== 2)) throw new ShapeError('pad', `pads must be [before, after] pairs, one per axis, got ${JSON.stringify(pads)}`, [x.shape]);
  if (pp.length !== x.shape.length) throw new ShapeError('pad', `needs one [before, after] pair per axis, got ${pp.length} for rank ${x.shape.length}`, [x.shape]);
  for (const [b, a] of pp) if (!Number.isInteger(b) || !Number.isInteger(a) || b < 0 || a < 0) throw new ShapeError('pad', `paddings must be non-negative integers, got [${b}, ${a}]`, [x.shape]);
  return bind(padPrim, [x], { pads: pp.map(([b, a]) => [b, a] as const) }) as Tensor<AsShape<Pad<S, P>>, D>;
}

export const concatPrim = definePrimitive<{ readonly axis: number }>({
  name: 'concat',
  shapeRule: (xs, { axis }) => {
    const first = xs[0]!;
    let total = 0;
    for (const x of xs) {
      if (x.dtype !== first.dtype) throw new DTypeError('concat', `operands have dtypes ${first.dtype} and ${x.dtype}`);
      if (x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== axis && d !== first.shape[i]))
        throw new ShapeError('concat', `shapes differ off axis ${axis}`, [first.shape, x.shape]);
      total += x.shape[axis]!;
    }
    return { shape: first.shape.map((d, i) => (i === axis ? total : d)), dtype: first.dtype };
  },
  impl: (xs, { axis }, out) => produce(out, (buf) => K.concat(xs.map((x) => x.data), xs.map((x) => x.shape), axis, buf)),
});

/** Joins tensors along `axis`; every other dimension must agree. */
type ShapesOf<L extends readonly Tensor[]> = { [K in keyof L]: L[K] extends Tensor<infer S> ? S : never };

export function concat<const L extends readonly Tensor<Shape, D>[], D extends DType, const A extends number>(
  xs: L & Check<Concat<ShapesOf<L>, A>>,
  axis: A,
): Tensor<AsShape<Concat<ShapesOf<L>, A>>, D> {
  if (!Array.isArray(xs)) throw new DTypeError('concat', `needs an array of tensors, got ${describeValue(xs)}`);
  if (xs.length === 0) throw new ShapeError('concat', 'needs at least one tensor');
  xs.forEach((x, i) => requireTensor('concat', x, `operand ${i}`));
  const ax = normalizeAxis('concat', axis, xs[0]!.shape.length, xs[0]!.shape);
  if (xs.length === 1) return xs[0] as never;
  return bind(concatPrim, xs, { axis: ax }) as never;
}

export const astypePrim = definePrimitive<{ readonly dtype: DType }>({
  name: 'astype',
  shapeRule: ([x], { dtype }) => ({ shape: x!.shape, dtype }),
  impl: ([x], _p, out) => produce(out, (buf) => buf.set(x!.data)),
});

/** Explicit dtype conversion (differentiable). */
export function astype<S extends Shape, D2 extends DType>(x: Tensor<S>, dtype: D2): Tensor<S, D2> {
  requireTensor('astype', x);
  if (dtype !== 'f32' && dtype !== 'f64') throw new DTypeError('astype', `unknown dtype ${String(dtype)}`);
  if (x.dtype === dtype) return x as Tensor<S, D2>;
  return bind(astypePrim, [x], { dtype }) as Tensor<S, D2>;
}

/** Reshape to one dimension per sample: [N, ...] → [N, prod(...)]. */
export function flattenBatch<N extends number, D extends DType>(x: Tensor<readonly [N, ...number[]], D>): Tensor<[N, number], D> {
  requireTensor('flattenBatch', x);
  if (x.shape.length < 1) throw new ShapeError('flattenBatch', 'needs a batch axis', [x.shape]);
  const rest = x.shape.slice(1).reduce((p, d) => p * d, 1);
  return reshape(x, [x.shape[0]!, rest]) as unknown as Tensor<[N, number], D>;
}

export { Tensor };
