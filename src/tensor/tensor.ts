import * as E from 'fp-ts/lib/Either.js';
import { ArgumentError, DTypeError, ShapeError } from './errors.ts';
import { formatShape, shapeSize, type DType, type Shape } from './shape.ts';
import type { FloatArray } from './kernels/types.ts';

export type { DType, Shape } from './shape.ts';
export type ArrayFor<D extends DType> = D extends 'f64' ? Float64Array : Float32Array;

/**
 * What autodiff attaches to a traced tensor. The tensor layer only carries it; src/ad gives it meaning.
 * `primal` is the value one level down, so reading a traced tensor's numbers reads through the levels.
 */
export interface TracerPayload {
  readonly primal: Tensor;
}

/**
 * An immutable, row-major, contiguous tensor. The shape lives in the type `S`;
 * `D` is the dtype. A tensor is either concrete (it owns `data`) or a tracer that an
 * autodiff interpreter created (it carries a payload and reads its numbers through its primal).
 */
export class Tensor<S extends Shape = Shape, D extends DType = DType> {
  readonly size: number;
  private constructor(
    readonly shape: S,
    readonly dtype: D,
    /** @internal */ readonly concrete: ArrayFor<D> | undefined,
    /** @internal */ readonly tracer: TracerPayload | undefined,
  ) {
    this.size = shapeSize(shape);
    Object.freeze(shape);
  }

  /** @internal wraps a buffer without copying; the caller gives up ownership. */
  static fromBuffer<S extends Shape, D extends DType>(shape: S, dtype: D, data: ArrayFor<D>): Tensor<S, D> {
    return new Tensor(shape, dtype, data, undefined);
  }

  /** @internal creates a traced tensor; only interpreters in src/ad call this. */
  static traced<S extends Shape, D extends DType>(shape: S, dtype: D, payload: TracerPayload): Tensor<S, D> {
    return new Tensor(shape, dtype, undefined, payload);
  }

  get rank(): S['length'] {
    return this.shape.length;
  }

  /** The values as a typed array (read-only by contract: tensors are immutable). Traced tensors give their primal's values. */
  get data(): Readonly<ArrayFor<D>> {
    let t: Tensor = this;
    while (t.concrete === undefined) t = t.tracer!.primal;
    return t.concrete as ArrayFor<D>;
  }

  /** Whether an autodiff transform is tracing this tensor (its numbers are the primal's). */
  get isTraced(): boolean {
    return this.tracer !== undefined;
  }

  /** Nested arrays of the values (row-major), or a number for a scalar. */
  toArray(): NestedArray<S> {
    const data = this.data;
    const shape = this.shape;
    if (shape.length === 0) return data[0] as NestedArray<S>;
    const build = (axis: number, offset: number): unknown[] => {
      const n = shape[axis]!;
      const out = new Array<unknown>(n);
      if (axis === shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = data[offset + i];
        return out;
      }
      const step = shapeSize(shape.slice(axis + 1));
      for (let i = 0; i < n; i++) out[i] = build(axis + 1, offset + i * step);
      return out;
    };
    return build(0, 0) as NestedArray<S>;
  }

  /** A flat array of the values. */
  toFlatArray(): number[] {
    return Array.from(this.data);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError('item', 'needs a tensor with exactly one element', [this.shape]);
    return this.data[0]!;
  }

  toString(): string {
    return `Tensor<${formatShape(this.shape)}, ${this.dtype}>${this.tracer ? ' (traced)' : ''}`;
  }
}

export type NestedArray<S extends Shape> = S extends readonly []
  ? number
  : S extends readonly [number, ...infer R extends number[]]
    ? NestedArray<R>[]
    : unknown[];

export interface DTypeOption<D extends DType> {
  readonly dtype?: D;
}

/** Where large buffers come from: plain memory by default; a backend may ask for shared memory (see setSharedAllocation). */
let sharedFrom = Infinity;

/**
 * Buffers of at least `minElements` are allocated on SharedArrayBuffer (Infinity: never). A
 * multi-threaded backend turns this on so every activation is already visible to its workers
 * instead of being copied before each threaded call.
 */
export function setSharedAllocation(minElements: number): void {
  sharedFrom = minElements;
}

export function allocate<D extends DType>(dtype: D, size: number): ArrayFor<D> {
  if (size >= sharedFrom) {
    const buf = new SharedArrayBuffer(size * (dtype === 'f64' ? 8 : 4));
    return (dtype === 'f64' ? new Float64Array(buf) : new Float32Array(buf)) as ArrayFor<D>;
  }
  return (dtype === 'f64' ? new Float64Array(size) : new Float32Array(size)) as ArrayFor<D>;
}

function validateShape(op: string, shape: readonly number[]): ShapeError | undefined {
  if (!Array.isArray(shape)) return new ShapeError(op, `shape must be an array of dimensions, got ${String(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      return new ShapeError(op, `dimension ${String(d)} is not a non-negative integer`, [shape]);
    }
  }
  return undefined;
}

/** Flattens nested arrays, checking that the nesting matches the shape (no ragged rows); returns a problem or undefined. */
function flattenNested(values: unknown, shape: readonly number[], axis: number, out: number[]): string | undefined {
  if (!Array.isArray(values)) {
    if (axis === shape.length) {
      out.push(values as number);
      return undefined;
    }
    return `expected an array at depth ${axis} for shape ${formatShape(shape)}, got ${typeof values}`;
  }
  if (axis === shape.length) return `data is nested deeper than shape ${formatShape(shape)}`;
  if (values.length !== shape[axis]) return `axis ${axis} has ${values.length} entries but shape ${formatShape(shape)} needs ${shape[axis]}`;
  for (const v of values) {
    const problem = flattenNested(v, shape, axis + 1, out);
    if (problem) return problem;
  }
  return undefined;
}

type DataInput = ArrayLike<number> | readonly unknown[];

/**
 * Validates outside data against a shape. Returns `Left(ShapeError)` when the shape is malformed,
 * the element count differs from the shape's product, or a value is not a number.
 */
export function fromArray<const S extends Shape, D extends DType = 'f32'>(
  shape: S,
  data: DataInput,
  options: DTypeOption<D> = {},
): E.Either<ShapeError, Tensor<S, D>> {
  const dtype = (options.dtype ?? 'f32') as D;
  if (dtype !== 'f32' && dtype !== 'f64') return E.left(new ShapeError('fromArray', `unknown dtype ${String(dtype)}`));
  const bad = validateShape('fromArray', shape);
  if (bad) return E.left(bad);
  let flat: ArrayLike<number>;
  if (Array.isArray(data)) {
    const out: number[] = [];
    // A flat list of numbers is accepted for any shape; nested lists must match the shape exactly.
    const nested = data.some((v) => Array.isArray(v));
    const problem = nested ? flattenNested(data, shape, 0, out) : (out.push(...(data as number[])), undefined);
    if (problem) return E.left(new ShapeError('fromArray', problem, [shape]));
    flat = out;
  } else if (data !== null && typeof data === 'object' && typeof (data as ArrayLike<number>).length === 'number') {
    flat = data as ArrayLike<number>;
  } else {
    return E.left(new ShapeError('fromArray', 'data must be an array or a typed array', [shape]));
  }
  const size = shapeSize(shape);
  if (flat.length !== size) {
    return E.left(new ShapeError('fromArray', `data has ${flat.length} elements but shape ${formatShape(shape)} needs ${size}`, [shape]));
  }
  const buf = allocate(dtype, size);
  for (let i = 0; i < size; i++) {
    const v = flat[i];
    if (typeof v !== 'number') return E.left(new ShapeError('fromArray', `element ${i} is ${typeof v}, not a number`, [shape]));
    buf[i] = v;
  }
  return E.right(Tensor.fromBuffer([...shape] as unknown as S, dtype, buf));
}

/** Like `fromArray`, but throws the `ShapeError`. */
export function tensor<const S extends Shape, D extends DType = 'f32'>(data: DataInput, shape: S, options: DTypeOption<D> = {}): Tensor<S, D> {
  const result = fromArray(shape, data, options);
  if (E.isLeft(result)) throw result.left;
  return result.right;
}

/** A rank-0 tensor. */
export function scalar<D extends DType = 'f32'>(value: number, options: DTypeOption<D> = {}): Tensor<[], D> {
  return tensor([value], [] as [], options);
}

/** The dtype an options bag asks for (f32 by default); anything else is a DTypeError naming the op. */
export function dtypeOption<D extends DType>(op: string, options: DTypeOption<D> | undefined): D {
  const dtype = options?.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f64') throw new DTypeError(op, `unknown dtype ${String(dtype)} (use 'f32' or 'f64')`);
  return dtype as D;
}

/** Throws the ShapeError for a malformed shape argument. */
export function checkShape(op: string, shape: readonly number[]): void {
  const bad = validateShape(op, shape);
  if (bad) throw bad;
}

export function full<const S extends Shape, D extends DType = 'f32'>(shape: S, value: number, options: DTypeOption<D> = {}): Tensor<S, D> {
  return filled('full', shape, value, options);
}

function filled<const S extends Shape, D extends DType>(op: string, shape: S, value: number, options: DTypeOption<D>): Tensor<S, D> {
  checkShape(op, shape);
  if (typeof value !== 'number') throw new ArgumentError(op, `fill value must be a number, got ${typeof value}`);
  const dtype = dtypeOption(op, options);
  const buf = allocate(dtype, shapeSize(shape));
  if (value !== 0) buf.fill(value);
  return Tensor.fromBuffer([...shape] as unknown as S, dtype, buf);
}

export function zeros<const S extends Shape, D extends DType = 'f32'>(shape: S, options: DTypeOption<D> = {}): Tensor<S, D> {
  return filled('zeros', shape, 0, options);
}

export function ones<const S extends Shape, D extends DType = 'f32'>(shape: S, options: DTypeOption<D> = {}): Tensor<S, D> {
  return filled('ones', shape, 1, options);
}

/** [start, start+step, …) below stop, as a 1-D tensor. */
export function arange<D extends DType = 'f32'>(start: number, stop?: number, step = 1, options: DTypeOption<D> = {}): Tensor<[number], D> {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0 || !Number.isFinite(step)) throw new ArgumentError('arange', `step must be finite and non-zero, got ${step}`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new ArgumentError('arange', `bounds must be finite, got ${lo} and ${hi}`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const dtype = dtypeOption('arange', options);
  const buf = allocate(dtype, n);
  for (let i = 0; i < n; i++) buf[i] = lo + i * step;
  return Tensor.fromBuffer([n] as [number], dtype, buf);
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

export type { FloatArray };
