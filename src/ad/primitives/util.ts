import { DTypeError, ShapeError } from '../../tensor/errors.ts';
import { allocate, Tensor, type ArrayFor } from '../../tensor/tensor.ts';
import { shapeSize, type DType, type Shape } from '../../tensor/shape.ts';
import type { FloatArray } from '../../tensor/kernels/types.ts';
import type { Aval } from '../core.ts';

/** A tensor, or a plain number standing for a scalar of the other operand's dtype. */
export type Operand<S extends Shape = Shape, D extends DType = DType> = Tensor<S, D> | number;

export function newBuffer<D extends DType>(dtype: D, size: number): ArrayFor<D> {
  return allocate(dtype, size);
}

export function make<S extends Shape, D extends DType>(shape: S, dtype: D, data: ArrayFor<D>): Tensor<S, D> {
  return Tensor.fromBuffer(shape, dtype, data);
}

/** A new tensor of the aval the shape rule computed, its buffer filled by `write`: every kernel's output. */
export function produce(out: Aval, write: (buf: FloatArray) => void): Tensor {
  // Elementwise shape rules return their operand as the aval, whose size is already known.
  const buf = newBuffer(out.dtype, out instanceof Tensor ? out.size : shapeSize(out.shape));
  write(buf);
  return make(out.shape, out.dtype, buf);
}

export function scalarOf(value: number, dtype: DType): Tensor<[]> {
  const buf = allocate(dtype, 1);
  buf[0] = value;
  return Tensor.fromBuffer([] as [], dtype, buf);
}

/** Turns numbers into scalars of the tensors' common dtype; mixing dtypes is a DTypeError. */
export function toTensors(op: string, operands: readonly Operand[]): Tensor[] {
  let dtype: DType | undefined;
  for (const x of operands) {
    if (x instanceof Tensor) {
      if (dtype && x.dtype !== dtype) throw new DTypeError(op, `operands have dtypes ${dtype} and ${x.dtype}; convert one with astype first`);
      dtype = x.dtype;
    } else if (typeof x !== 'number') {
      throw new DTypeError(op, `operand is ${x === null ? 'null' : typeof x}, not a tensor or a number`);
    }
  }
  const d = dtype ?? 'f32';
  return operands.map((x) => (x instanceof Tensor ? x : scalarOf(x, d)));
}

export function sameDType(op: string, avals: readonly Aval[]): DType {
  const d = avals[0]!.dtype;
  for (const a of avals) if (a.dtype !== d) throw new DTypeError(op, `operands have dtypes ${d} and ${a.dtype}; convert one with astype first`);
  return d;
}

export { broadcastShapes } from '../../tensor/geometry.ts';

export function normalizeAxis(op: string, axis: number, rank: number, shape: Shape): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(op, `axis ${axis} is out of range for rank ${rank}`, [shape]);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Sorted, distinct, in-range axes (all of them when undefined); a ShapeError names the op otherwise. */
export function normalizeAxes(op: string, shape: Shape, axes: number | readonly number[] | undefined): number[] {
  if (axes === undefined) return shape.map((_, i) => i);
  if (typeof axes !== 'number' && !Array.isArray(axes)) throw new ShapeError(op, `axes must be an array of axis numbers, got ${JSON.stringify(axes)}`, [shape]);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, shape.length, shape));
  if (new Set(out).size !== out.length) throw new ShapeError(op, `axes ${JSON.stringify(list)} repeat an axis`, [shape]);
  return out.sort((a, b) => a - b);
}

/** The operand must be a tensor (not null, a number or an array): a DTypeError names the op otherwise. */
export function requireTensor(op: string, x: unknown, what = 'operand'): Tensor {
  if (!(x instanceof Tensor)) throw new DTypeError(op, `${what} is ${describeValue(x)}, not a tensor`);
  return x;
}

export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'number' ? `the number ${x}` : typeof x;
}

/** A shape argument: an array of non-negative integers (and -1 where `allowMinusOne`). */
export function requireShapeArg(op: string, shape: unknown, allowMinusOne = false, from?: Shape): readonly number[] {
  const context = from ? [from] : [];
  if (!Array.isArray(shape)) throw new ShapeError(op, `the shape argument must be an array of dimensions, got ${describeValue(shape)}`, context);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || (d < 0 && !(allowMinusOne && d === -1)))
      throw new ShapeError(op, `dimension ${String(d)} is not a non-negative integer${allowMinusOne ? ' or -1' : ''}`, [...context, shape as number[]]);
  }
  return shape as readonly number[];
}
