/**
 * The elementwise side of the wasm backend: the kernels' operation codes (they must match
 * assembly/elementwise.ts) and the reduction of a broadcast to runs the kernels take whole.
 *
 * A broadcast elementwise call visits its output in row-major order; merging adjacent axes
 * along which every operand is laid out the same way leaves an innermost run in which each
 * operand either advances by one or repeats one value. The kernels take such a run in one call
 * (a bias over [N, C, H, W] is N·C runs of H·W, each with one repeated value).
 */
import { broadcastStrides } from '../tensor/kernels/elementwise.ts';

export const UNARY_CODES: Readonly<Record<string, number>> = {
  neg: 0, abs: 1, square: 2, relu: 3, elu: 4, exp: 5, sqrt: 6, reciprocal: 7, sign: 8,
};

export const BINARY_CODES: Readonly<Record<string, number>> = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5,
  greater: 6, greaterEqual: 7, less: 8, lessEqual: 9, equal: 10, notEqual: 11,
};

/** Operand layouts of a binary run (assembly/elementwise.ts: BOTH, SCALAR_B, SCALAR_A). */
export const BOTH = 0, SCALAR_B = 1, SCALAR_A = 2;

/** The runs of a broadcast: `rows` runs of `length` values; run r reads operand i from element offsets[i][r], stepping by steps[i] (0 or 1). */
export interface Runs {
  readonly length: number;
  readonly rows: number;
  readonly steps: readonly number[];
  /** Element offsets of each operand at the start of each run (row-major order of the runs). */
  readonly offsets: readonly Int32Array[];
}

/**
 * The runs of an elementwise call over operands of `shapes` broadcast to `outShape`, or null
 * when its innermost run is shorter than `minLength` (per-run overhead would dominate) or an
 * operand neither advances nor repeats along it.
 */
export function broadcastRuns(shapes: readonly (readonly number[])[], outShape: readonly number[], minLength: number): Runs | null {
  const strides = shapes.map((s) => broadcastStrides(s, outShape));
  // merge axis i into axis i+1 from the innermost outwards while every operand is contiguous across them
  const dims: number[] = [];
  const merged: number[][] = strides.map(() => []);
  for (let axis = outShape.length - 1; axis >= 0; axis--) {
    const d = outShape[axis]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    const fits = last >= 0 && strides.every((s, i) => s[axis] === merged[i]![last]! * dims[last]!);
    if (fits) {
      dims[last]! *= d;
    } else {
      dims.push(d);
      strides.forEach((s, i) => merged[i]!.push(s[axis]!));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    merged.forEach((m) => m.push(0));
  }
  const length = dims[0]!;
  const steps = merged.map((m) => m[0]!);
  if (length < minLength || steps.some((s) => s !== 0 && s !== 1)) return null;
  // outer axes, outermost first
  const outer = dims.slice(1).reverse();
  const outerStrides = merged.map((m) => m.slice(1).reverse());
  let rows = 1;
  for (const d of outer) rows *= d;
  const offsets = merged.map(() => new Int32Array(rows));
  const index = new Array<number>(outer.length).fill(0);
  const at = new Array<number>(merged.length).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < at.length; i++) offsets[i]![r] = at[i]!;
    for (let ax = outer.length - 1; ax >= 0; ax--) {
      index[ax]!++;
      for (let i = 0; i < at.length; i++) at[i]! += outerStrides[i]![ax]!;
      if (index[ax]! < outer[ax]!) break;
      for (let i = 0; i < at.length; i++) at[i]! -= outerStrides[i]![ax]! * outer[ax]!;
      index[ax] = 0;
    }
  }
  return { length, rows, steps, offsets };
}

/**
 * A sum over `axes` of `shape` as (outer, count, inner): the kept axes must be adjacent once
 * size-1 axes are dropped (reduced axes before them merge into `outer`, after them into
 * `inner`); null otherwise.
 */
export function reductionTriple(shape: readonly number[], axes: readonly number[]): { outer: number; count: number; inner: number } | null {
  let outer = 1, count = 1, inner = 1;
  let phase: 'outer' | 'kept' | 'inner' = 'outer';
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === 1) continue;
    const reduced = axes.includes(i);
    if (phase === 'outer') {
      if (reduced) outer *= d;
      else {
        phase = 'kept';
        count *= d;
      }
    } else if (phase === 'kept') {
      if (reduced) {
        phase = 'inner';
        inner *= d;
      } else count *= d;
    } else {
      if (!reduced) return null;
      inner *= d;
    }
  }
  // a sum of everything is one long inner run
  return count === 1 ? { outer: 1, count: 1, inner: outer * inner } : { outer, count, inner };
}
