import type { FloatArray } from './types.ts';

/** Strides of `shape` seen from a broadcast result of rank `rank`: 0 on broadcast (size-1 or missing) axes. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const axis = rank - shape.length + i;
    strides[axis] = shape[i] === 1 && outShape[axis] !== 1 ? 0 : s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * Visits the output in row-major order, calling `inner` once per run of the last axis with the
 * starting offsets of each operand; the odometer lives on the outer axes only, so per-element work
 * stays a tight loop in the caller.
 */
function forEachRow(
  outShape: readonly number[],
  strides: readonly (readonly number[])[],
  inner: (offsets: readonly number[], outOffset: number, n: number, innerStrides: readonly number[]) => void,
): void {
  const rank = outShape.length;
  const k = strides.length;
  if (rank === 0) {
    inner(new Array<number>(k).fill(0), 0, 1, new Array<number>(k).fill(0));
    return;
  }
  const n = outShape[rank - 1]!;
  const innerStrides = strides.map((s) => s[rank - 1]!);
  let rows = 1;
  for (let i = 0; i < rank - 1; i++) rows *= outShape[i]!;
  if (rows === 0 || n === 0) return;
  const idx = new Array<number>(rank - 1).fill(0);
  const offsets = new Array<number>(k).fill(0);
  for (let r = 0; r < rows; r++) {
    inner(offsets, r * n, n, innerStrides);
    for (let ax = rank - 2; ax >= 0; ax--) {
      idx[ax]!++;
      for (let j = 0; j < k; j++) offsets[j]! += strides[j]![ax]!;
      if (idx[ax]! < outShape[ax]!) break;
      for (let j = 0; j < k; j++) offsets[j]! -= strides[j]![ax]! * outShape[ax]!;
      idx[ax] = 0;
    }
  }
}

/**
 * Elementwise kernels are compiled per operation from an expression (in `v`, or in `a` and `b`),
 * so each loop calls nothing per element: a shared loop calling a function per element
 * goes megamorphic and runs 3–15× slower. The expressions are fixed strings in the primitive
 * table, never user input.
 */
export type UnaryKernel = (x: FloatArray, out: FloatArray) => void;
export type BinaryKernel = (a: FloatArray, aShape: readonly number[], b: FloatArray, bShape: readonly number[], outShape: readonly number[], out: FloatArray) => void;

export function compileUnary(expr: string): UnaryKernel {
  return new Function('x', 'out', `'use strict'; for (let i = 0, n = out.length; i < n; i++) { const v = x[i]; out[i] = ${expr}; }`) as UnaryKernel;
}

type Loop = (A: FloatArray, B: FloatArray, out: FloatArray, ia: number, ib: number, sa: number, sb: number, o: number, n: number) => void;

export function compileBinary(expr: string): BinaryKernel {
  const same = new Function('A', 'B', 'out', `'use strict'; for (let i = 0, n = out.length; i < n; i++) { const a = A[i], b = B[i]; out[i] = ${expr}; }`) as (A: FloatArray, B: FloatArray, out: FloatArray) => void;
  const scalarB = new Function('A', 'b', 'out', `'use strict'; for (let i = 0, n = out.length; i < n; i++) { const a = A[i]; out[i] = ${expr}; }`) as (A: FloatArray, b: number, out: FloatArray) => void;
  const scalarA = new Function('a', 'B', 'out', `'use strict'; for (let i = 0, n = out.length; i < n; i++) { const b = B[i]; out[i] = ${expr}; }`) as (a: number, B: FloatArray, out: FloatArray) => void;
  const strided = new Function(
    'A', 'B', 'out', 'ia', 'ib', 'sa', 'sb', 'o', 'n',
    `'use strict'; for (let i = 0; i < n; i++, ia += sa, ib += sb) { const a = A[ia], b = B[ib]; out[o + i] = ${expr}; }`,
  ) as Loop;
  return (a, aShape, b, bShape, outShape, out) => {
    if (a.length === out.length && b.length === out.length) return same(a, b, out);
    if (b.length === 1 && a.length === out.length) return scalarB(a, b[0]!, out);
    if (a.length === 1 && b.length === out.length) return scalarA(a[0]!, b, out);
    const strides = [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)];
    forEachRow(outShape, strides, (off, o, n, inner) => strided(a, b, out, off[0]!, off[1]!, inner[0]!, inner[1]!, o, n));
  };
}

export function mapTernary(
  c: FloatArray,
  cShape: readonly number[],
  a: FloatArray,
  aShape: readonly number[],
  b: FloatArray,
  bShape: readonly number[],
  outShape: readonly number[],
  out: FloatArray,
): void {
  const strides = [broadcastStrides(cShape, outShape), broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)];
  forEachRow(outShape, strides, (off, o, n, inner) => {
    let ic = off[0]!;
    let ia = off[1]!;
    let ib = off[2]!;
    for (let i = 0; i < n; i++, ic += inner[0]!, ia += inner[1]!, ib += inner[2]!) out[o + i] = c[ic] !== 0 ? a[ia]! : b[ib]!;
  });
}

export function broadcastCopy(x: FloatArray, xShape: readonly number[], outShape: readonly number[], out: FloatArray): void {
  if (x.length === out.length) {
    out.set(x);
    return;
  }
  const strides = [broadcastStrides(xShape, outShape)];
  forEachRow(outShape, strides, (off, o, n, inner) => {
    const s = inner[0]!;
    let ix = off[0]!;
    for (let i = 0; i < n; i++, ix += s) out[o + i] = x[ix]!;
  });
}

export type ReduceKind = 'sum' | 'max';

/** Reduces `x` over `axes` (sorted, distinct) into `out`, whose size is the product of the kept axes. */
export function reduce(x: FloatArray, shape: readonly number[], axes: readonly number[], kind: ReduceKind, out: FloatArray): void {
  const rank = shape.length;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of axes) reduced[a] = true;
  // strides of the output as seen from the input's axes (0 on reduced axes)
  const outStrides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    if (!reduced[i]) {
      outStrides[i] = s;
      s *= shape[i]!;
    }
  }
  out.fill(kind === 'sum' ? 0 : -Infinity);
  if (kind === 'sum') {
    forEachRow(shape, [outStrides], (off, _o, n, inner) => {
      const so = inner[0]!;
      let io = off[0]!;
      let i0 = _o;
      if (so === 0) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += x[i0 + i]!;
        out[io] = out[io]! + acc;
      } else for (let i = 0; i < n; i++, io += so) out[io] = out[io]! + x[i0++]!;
    });
  } else {
    forEachRow(shape, [outStrides], (off, o, n, inner) => {
      const so = inner[0]!;
      let io = off[0]!;
      for (let i = 0; i < n; i++, io += so) {
        const v = x[o + i]!;
        if (v > out[io]! || Number.isNaN(v)) out[io] = v;
      }
    });
  }
}

export function transpose(x: FloatArray, shape: readonly number[], perm: readonly number[], out: FloatArray): void {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  const outShape = perm.map((p) => shape[p]!);
  const strides = [perm.map((p) => inStrides[p]!)];
  forEachRow(outShape, strides, (off, o, n, inner) => {
    const si = inner[0]!;
    let ix = off[0]!;
    for (let i = 0; i < n; i++, ix += si) out[o + i] = x[ix]!;
  });
}

/** Copies `x` into `out` reversed along `axes` (distinct, in range): negative strides on those axes. */
export function flip(x: FloatArray, shape: readonly number[], axes: readonly number[], out: FloatArray): void {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  let s = 1;
  let base = 0;
  for (let i = rank - 1; i >= 0; i--) {
    const reversed = axes.includes(i);
    strides[i] = reversed ? -s : s;
    if (reversed && shape[i]! > 0) base += (shape[i]! - 1) * s;
    s *= shape[i]!;
  }
  forEachRow(shape, [strides], (off, o, n, inner) => {
    const si = inner[0]!;
    let ix = base + off[0]!;
    for (let i = 0; i < n; i++, ix += si) out[o + i] = x[ix]!;
  });
}

/** Copies the window starting at `begin` with extent `size` of `x` into `out`. */
export function slice(x: FloatArray, shape: readonly number[], begin: readonly number[], size: readonly number[], out: FloatArray): void {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  let base = 0;
  for (let i = 0; i < rank; i++) base += begin[i]! * inStrides[i]!;
  forEachRow(size, [inStrides], (off, o, n) => {
    const start = base + off[0]!;
    for (let i = 0; i < n; i++) out[o + i] = x[start + i]!;
  });
}

/** Zero-pads `x` by `pads[i] = [before, after]` on each axis. */
export function pad(x: FloatArray, shape: readonly number[], pads: readonly (readonly [number, number])[], out: FloatArray): void {
  const rank = shape.length;
  const outShape = shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const outStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    outStrides[i] = s;
    s *= outShape[i]!;
  }
  out.fill(0);
  let base = 0;
  for (let i = 0; i < rank; i++) base += pads[i]![0] * outStrides[i]!;
  forEachRow(shape, [outStrides], (off, o, n) => {
    const start = base + off[0]!;
    for (let i = 0; i < n; i++) out[start + i] = x[o + i]!;
  });
}

/** Concatenates along `axis`; every part has the same shape except on that axis. */
export function concat(parts: readonly FloatArray[], shapes: readonly (readonly number[])[], axis: number, out: FloatArray): void {
  const first = shapes[0]!;
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= first[i]!;
  let inner = 1;
  for (let i = axis + 1; i < first.length; i++) inner *= first[i]!;
  const rowLens = shapes.map((sh) => sh[axis]! * inner);
  const outRow = rowLens.reduce((a, b) => a + b, 0);
  for (let r = 0; r < outer; r++) {
    let o = r * outRow;
    for (let p = 0; p < parts.length; p++) {
      const len = rowLens[p]!;
      const src = parts[p]!;
      const start = r * len;
      for (let i = 0; i < len; i++) out[o + i] = src[start + i]!;
      o += len;
    }
  }
}
