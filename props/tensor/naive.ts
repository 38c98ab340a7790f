/**
 * Plain f64 references for the property tests: naive index loops over flat row-major arrays,
 * written independently of src/tensor/kernels, plus generators of shapes and data.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { tensor, type DType, type Tensor } from '../../src/index.ts';

export type Dt = DType;
export const DTYPES: readonly Dt[] = ['f32', 'f64'];

/** Unit roundoff: the largest relative error of one rounding. */
export const unitRoundoff = (dt: Dt): number => (dt === 'f32' ? 2 ** -24 : 2 ** -53);

/** What storing `v` in dtype `dt` gives. */
export const roundTo = (dt: Dt, v: number): number => (dt === 'f32' ? Math.fround(v) : v);

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i]! + idx[i]!;
  return flat;
}

/** Deterministic values in [lo, hi) from a seed (xorshift32), so a failing case reproduces from its seed. */
export function values(seed: number, n: number, lo = -2, hi = 2): number[] {
  let s = (seed | 0) ^ 0x5bd1e995;
  if (s === 0) s = 1;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = lo + ((s >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}

/** Small integers in [lo, hi], so comparisons and max see ties. */
export function integers(seed: number, n: number, lo = -2, hi = 2): number[] {
  return values(seed, n, 0, 1).map((u) => lo + Math.floor(u * (hi - lo + 1)));
}

/** A tensor holding `data` (rounded to the dtype), together with the values it really holds. */
export function make(shape: readonly number[], data: readonly number[], dt: Dt): { t: Tensor; v: number[] } {
  const v = data.map((x) => roundTo(dt, x));
  return { t: tensor(v, [...shape], { dtype: dt }) as Tensor, v };
}

export function flat(t: Tensor): number[] {
  return Array.from(t.data);
}

// ------------------------------------------------------------------ references

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`reference: ${a} and ${b} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** The flat index into an operand of shape `shape` read at output index `idx` (right-aligned, size-1 axes repeat). */
export function broadcastIndex(idx: readonly number[], shape: readonly number[]): number {
  const lead = idx.length - shape.length;
  let flatIdx = 0;
  for (let i = 0; i < shape.length; i++) flatIdx = flatIdx * shape[i]! + (shape[i] === 1 ? 0 : idx[lead + i]!);
  return flatIdx;
}

export function naiveNary(operands: readonly { v: readonly number[]; shape: readonly number[] }[], fn: (...xs: number[]) => number): { shape: number[]; v: number[] } {
  const shape = operands.map((o) => o.shape).reduce((a, b) => broadcastShape(a, b), [] as readonly number[]) as number[];
  const v: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    v.push(fn(...operands.map((o) => o.v[broadcastIndex(idx, o.shape)]!)));
  }
  return { shape, v };
}

/** Sum or max over `axes`; also returns Σ|x| per output (the scale of the rounding error) and the count reduced. */
export function naiveReduce(
  v: readonly number[],
  shape: readonly number[],
  axes: readonly number[],
  keepDims: boolean,
  kind: 'sum' | 'max',
): { shape: number[]; v: number[]; abs: number[]; count: number } {
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Array<number>(sizeOf(keptShape)).fill(kind === 'sum' ? 0 : -Infinity);
  const abs = new Array<number>(out.length).fill(0);
  for (let i = 0; i < v.length; i++) {
    const idx = unravel(i, shape).map((x, a) => (axes.includes(a) ? 0 : x));
    const o = ravel(idx, keptShape);
    out[o] = kind === 'sum' ? out[o]! + v[i]! : Math.max(out[o]!, v[i]!);
    abs[o] = abs[o]! + Math.abs(v[i]!);
  }
  const outShape = keepDims ? keptShape : shape.filter((_, i) => !axes.includes(i));
  return { shape: outShape, v: out, abs, count: axes.reduce((p, a) => p * shape[a]!, 1) };
}

/** Batched [..., m, k] × [..., k, n] with broadcast batches; `abs` is Σ|a||b| per output. */
export function naiveMatmul(
  a: readonly number[],
  aShape: readonly number[],
  b: readonly number[],
  bShape: readonly number[],
): { shape: number[]; v: number[]; abs: number[] } {
  const [m, k] = aShape.slice(-2) as [number, number];
  const n = bShape[bShape.length - 1]!;
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  const batch = broadcastShape(batchA, batchB);
  const shape = [...batch, m, n];
  const v: number[] = [];
  const abs: number[] = [];
  for (let bi = 0; bi < sizeOf(batch); bi++) {
    const idx = unravel(bi, batch);
    const offA = broadcastIndex(idx, batchA) * m * k;
    const offB = broadcastIndex(idx, batchB) * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        let sa = 0;
        for (let p = 0; p < k; p++) {
          const prod = a[offA + i * k + p]! * b[offB + p * n + j]!;
          s += prod;
          sa += Math.abs(prod);
        }
        v.push(s);
        abs.push(sa);
      }
  }
  return { shape, v, abs };
}

export type Padding = 'same' | 'valid' | number;

/** Output length and leading padding of one axis; 'same' as TensorFlow defines it: out = ceil(in / stride), extra padding after. */
export function convAxis(size: number, k: number, stride: number, padding: Padding): { out: number; before: number } {
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + k - size, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const p = padding === 'valid' ? 0 : padding;
  return { out: Math.floor((size + 2 * p - k) / stride) + 1, before: p };
}

/** Cross-correlation, NCHW × OIHW, zero padding; `abs` is Σ|x||w| per output. */
export function naiveConv2d(
  x: readonly number[],
  xShape: readonly number[],
  w: readonly number[],
  wShape: readonly number[],
  stride: number,
  padding: Padding,
): { shape: number[]; v: number[]; abs: number[] } {
  const [n, c, h, wd] = xShape as [number, number, number, number];
  const [o, , kh, kw] = wShape as [number, number, number, number];
  const ay = convAxis(h, kh, stride, padding);
  const ax = convAxis(wd, kw, stride, padding);
  const shape = [n, o, ay.out, ax.out];
  const v: number[] = [];
  const abs: number[] = [];
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++)
      for (let oy = 0; oy < ay.out; oy++)
        for (let ox = 0; ox < ax.out; ox++) {
          let s = 0;
          let sa = 0;
          for (let ic = 0; ic < c; ic++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * stride - ay.before + ky;
                const ix = ox * stride - ax.before + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                const prod = x[((b * c + ic) * h + iy) * wd + ix]! * w[((oc * c + ic) * kh + ky) * kw + kx]!;
                s += prod;
                sa += Math.abs(prod);
              }
          v.push(s);
          abs.push(sa);
        }
  return { shape, v, abs };
}

/** The values of each size×size window at the given stride, in output order; windows that would overrun are dropped. */
function poolWindows(x: readonly number[], xShape: readonly number[], size: number, stride: number): { shape: number[]; windows: number[][] } {
  const [n, c, h, w] = xShape as [number, number, number, number];
  const oh = Math.floor((h - size) / stride) + 1;
  const ow = Math.floor((w - size) / stride) + 1;
  const windows: number[][] = [];
  for (let p = 0; p < n * c; p++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const win: number[] = [];
        for (let ky = 0; ky < size; ky++) for (let kx = 0; kx < size; kx++) win.push(x[(p * h + oy * stride + ky) * w + ox * stride + kx]!);
        windows.push(win);
      }
  return { shape: [n, c, oh, ow], windows };
}

/** Average over size×size windows at the given stride; windows that would overrun are dropped. */
export function naiveAvgPool(x: readonly number[], xShape: readonly number[], size: number, stride: number): { shape: number[]; v: number[]; abs: number[] } {
  const { shape, windows } = poolWindows(x, xShape, size, stride);
  const mean = (vs: number[]) => vs.reduce((a, b) => a + b, 0) / (size * size);
  return { shape, v: windows.map(mean), abs: windows.map((win) => mean(win.map(Math.abs))) };
}

/** The maximum of each window (exact: no rounding). */
export function naiveMaxPool(x: readonly number[], xShape: readonly number[], size: number, stride: number): { shape: number[]; v: number[] } {
  const { shape, windows } = poolWindows(x, xShape, size, stride);
  return { shape, v: windows.map((win) => Math.max(...win)) };
}

export function naiveTranspose(v: readonly number[], shape: readonly number[], perm: readonly number[]): { shape: number[]; v: number[] } {
  const outShape = perm.map((p) => shape[p]!);
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const oIdx = unravel(i, outShape);
    const xIdx = new Array<number>(shape.length);
    perm.forEach((p, j) => (xIdx[p] = oIdx[j]!));
    out.push(v[ravel(xIdx, shape)]!);
  }
  return { shape: outShape, v: out };
}

/** Reverses along `axes`: out[i] = v[i with i_a → d_a − 1 − i_a for each axis a in axes]. */
export function naiveFlip(v: readonly number[], shape: readonly number[], axes: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) out.push(v[ravel(unravel(i, shape).map((x, a) => (axes.includes(a) ? shape[a]! - 1 - x : x)), shape)]!);
  return out;
}

export function naiveSlice(v: readonly number[], shape: readonly number[], begin: readonly number[], size: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < sizeOf(size); i++) out.push(v[ravel(unravel(i, size).map((x, a) => x + begin[a]!), shape)]!);
  return out;
}

export function naivePad(v: readonly number[], shape: readonly number[], pads: readonly (readonly [number, number])[]): { shape: number[]; v: number[] } {
  const outShape = shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const out: number[] = [];
  for (let i = 0; i < sizeOf(outShape); i++) {
    const idx = unravel(i, outShape).map((x, a) => x - pads[a]![0]);
    out.push(idx.every((x, a) => x >= 0 && x < shape[a]!) ? v[ravel(idx, shape)]! : 0);
  }
  return { shape: outShape, v: out };
}

export function naiveConcat(parts: readonly { v: readonly number[]; shape: readonly number[] }[], axis: number): { shape: number[]; v: number[] } {
  const shape = parts[0]!.shape.map((d, i) => (i === axis ? parts.reduce((s, p) => s + p.shape[axis]!, 0) : d));
  const out: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    let along = idx[axis]!;
    let p = 0;
    while (along >= parts[p]!.shape[axis]!) along -= parts[p++]!.shape[axis]!;
    idx[axis] = along;
    out.push(parts[p]!.v[ravel(idx, parts[p]!.shape)]!);
  }
  return { shape, v: out };
}

// ------------------------------------------------------------------ comparisons

const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** Bit-for-bit equality (NaN equals NaN), with the first differing index in the message. */
export function expectExact(got: Tensor, shape: readonly number[], ref: readonly number[], what: string): void {
  expect([...got.shape], `${what}: shape`).toEqual([...shape]);
  const g = flat(got);
  expect(g.length, `${what}: length`).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    if (!same(g[i]!, ref[i]!)) throw new Error(`${what}: index ${i}: got ${g[i]}, expected ${ref[i]}`);
  }
}

/** |got − ref| ≤ tol(i) elementwise, with NaN and infinities required to match exactly. */
export function expectWithin(got: Tensor, shape: readonly number[], ref: readonly number[], tol: (i: number) => number, what: string): void {
  expect([...got.shape], `${what}: shape`).toEqual([...shape]);
  const g = flat(got);
  expect(g.length, `${what}: length`).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    if (!Number.isFinite(r) || !Number.isFinite(g[i]!)) {
      if (!same(g[i]!, r)) throw new Error(`${what}: index ${i}: got ${g[i]}, expected ${r}`);
      continue;
    }
    const err = Math.abs(g[i]! - r);
    if (!(err <= tol(i))) throw new Error(`${what}: index ${i}: got ${g[i]}, expected ${r} (error ${err} > ${tol(i)})`);
  }
}

// ------------------------------------------------------------------ generators

/** A dimension: mostly 1–max, with size 1 (a broadcast candidate) and odd sizes common; optionally sometimes 0. */
export const dimArb = (max = 5, zero = false): fc.Arbitrary<number> =>
  fc.oneof({ arbitrary: fc.constant(1), weight: 2 }, { arbitrary: fc.integer({ min: 1, max }), weight: 5 }, { arbitrary: fc.constant(0), weight: zero ? 1 : 0 });

export const shapeArb = (minRank = 0, maxRank = 4, max = 5, zero = false): fc.Arbitrary<number[]> =>
  fc.array(dimArb(max, zero), { minLength: minRank, maxLength: maxRank });

/** An operand shape that broadcasts to `out`: leading axes dropped and some axes set to 1. */
export const broadcastableTo = (out: readonly number[]): fc.Arbitrary<number[]> =>
  fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length })).map(([drop, ones]) =>
    out.slice(drop).map((d, i) => (ones[drop + i] ? 1 : d)),
  );

export const seedArb = fc.integer({ min: 1, max: 0x7fffffff });
export const dtypeArb = fc.constantFrom<Dt>('f32', 'f64');

/** Distinct axes of a rank-`rank` tensor in random order, each written as positive or negative. */
export const axesArb = (rank: number): fc.Arbitrary<number[]> =>
  fc.subarray([...Array(rank).keys()]).chain((axes) =>
    fc.tuple(fc.shuffledSubarray(axes, { minLength: axes.length, maxLength: axes.length }), fc.array(fc.boolean(), { minLength: axes.length, maxLength: axes.length })).map(([shuffled, neg]) =>
      shuffled.map((a, i) => (neg[i] ? a - rank : a)),
    ),
  );

export const permutationArb = (rank: number): fc.Arbitrary<number[]> => fc.shuffledSubarray([...Array(rank).keys()], { minLength: rank, maxLength: rank });

/** ⟨a, b⟩ over all elements and Σ|a||b| (the scale of its rounding error), in f64. */
export function inner(a: readonly number[], b: readonly number[]): { value: number; abs: number } {
  let value = 0;
  let abs = 0;
  for (let i = 0; i < a.length; i++) {
    value += a[i]! * b[i]!;
    abs += Math.abs(a[i]! * b[i]!);
  }
  return { value, abs };
}
