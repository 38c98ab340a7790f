/**
 * Numerical oracles for derivative checks: central differences, inner products and
 * comparisons. They work on concrete values with plain loops, never through the AD or the
 * DSL's arithmetic, so an oracle cannot share a bug with what it checks.
 */
import { Tensor, type Shape } from '../../src/index.ts';
import { FD, IDENTITY, type FiniteDifferenceTolerance } from './tolerance.ts';

export type T64 = Tensor<Shape, 'f64'>;

export function f64(data: ArrayLike<number>, shape: Shape): T64 {
  const size = shape.reduce((p, d) => p * d, 1);
  if (data.length !== size) throw new Error(`f64: ${data.length} values for shape [${shape.join(', ')}]`);
  return Tensor.fromBuffer([...shape], 'f64', Float64Array.from(data));
}

function size(shape: Shape): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** x + s·v, elementwise, on concrete values of the same shape. */
export function axpy(x: Tensor, s: number, v: Tensor): Tensor {
  if (x.size !== v.size) throw new Error('axpy: sizes differ');
  const out = new Float64Array(x.size);
  const a = x.data, b = v.data;
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + s * b[i]!;
  if (x.dtype === 'f64') return Tensor.fromBuffer([...x.shape], 'f64', out);
  return Tensor.fromBuffer([...x.shape], 'f32', Float32Array.from(out));
}

export function maxAbs(xs: readonly Tensor[]): number {
  let m = 0;
  for (const x of xs) for (const v of x.data) m = Math.max(m, Math.abs(v));
  return m;
}

/** The step a check uses at xs: h relative to the inputs' magnitude, never below h itself. */
export function stepFor(xs: readonly Tensor[], tol: FiniteDifferenceTolerance = FD.f64): number {
  return tol.h * Math.max(1, maxAbs(xs));
}

/**
 * (F(x + h·v) − F(x − h·v)) / 2h for a function of a list of tensors returning a list of
 * tensors: the directional derivative along v to O(h²).
 */
export function centralDifference(F: (xs: Tensor[]) => Tensor[], xs: readonly Tensor[], vs: readonly Tensor[], h: number): Tensor[] {
  const plus = F(xs.map((x, i) => axpy(x, h, vs[i]!)));
  const minus = F(xs.map((x, i) => axpy(x, -h, vs[i]!)));
  return plus.map((p, j) => {
    const m = minus[j]!;
    const out = new Float64Array(p.size);
    for (let i = 0; i < out.length; i++) out[i] = (p.data[i]! - m.data[i]!) / (2 * h);
    return Tensor.fromBuffer([...p.shape], 'f64', out);
  });
}

/** Σ a_i b_i and Σ |a_i b_i| over lists of tensors (the second is the rounding scale of the first). */
export function inner(as: readonly Tensor[], bs: readonly Tensor[]): { value: number; scale: number } {
  if (as.length !== bs.length) throw new Error(`inner: ${as.length} vs ${bs.length} tensors`);
  let value = 0, scale = 0;
  as.forEach((a, j) => {
    const b = bs[j]!;
    if (a.size !== b.size) throw new Error(`inner: sizes ${a.size} and ${b.size} differ`);
    for (let i = 0; i < a.size; i++) {
      const p = a.data[i]! * b.data[i]!;
      value += p;
      scale += Math.abs(p);
    }
  });
  return { value, scale };
}

function where(shape: Shape, flat: number): string {
  const idx: number[] = [];
  let r = flat;
  for (let i = shape.length - 1; i >= 0; i--) {
    idx.unshift(r % shape[i]!);
    r = Math.floor(r / shape[i]!);
  }
  return `[${idx.join(', ')}]`;
}

/** Elementwise |actual − expected| ≤ atol + rtol·|expected| on every leaf; throws naming the worst element. */
export function expectClose(actual: readonly Tensor[], expected: readonly Tensor[], tol: { rtol: number; atol: number }, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} results, expected ${expected.length}`);
  actual.forEach((a, j) => {
    const e = expected[j]!;
    if (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape[i]))
      throw new Error(`${what}: leaf ${j} has shape [${a.shape.join(', ')}], expected [${e.shape.join(', ')}]`);
    let worst = -1, worstExcess = 0;
    for (let i = 0; i < a.size; i++) {
      const x = a.data[i]!, y = e.data[i]!;
      const excess = Math.abs(x - y) - (tol.atol + tol.rtol * Math.abs(y));
      if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
        worst = i;
        worstExcess = excess;
      }
    }
    if (worst >= 0) {
      const x = a.data[worst]!, y = e.data[worst]!;
      throw new Error(`${what}: leaf ${j} at ${where(a.shape, worst)} is ${x}, expected ${y} (|diff| ${Math.abs(x - y)}, allowed ${tol.atol + tol.rtol * Math.abs(y)})`);
    }
  });
}

/** |a − b| ≤ rel·scale for two evaluations of one exact identity. */
export function expectIdentity(a: number, b: number, scale: number, what: string, rel = IDENTITY.f64.rel): void {
  const diff = Math.abs(a - b);
  if (!(diff <= rel * scale)) throw new Error(`${what}: ${a} vs ${b} (|diff| ${diff}, allowed ${rel * scale} = ${rel}·${scale})`);
}

/** Exact equality of shape, dtype and every value (=== per element, NaN equal to NaN). */
export function expectExact(actual: Tensor, expected: Tensor | readonly number[], what: string): void {
  const e = expected instanceof Tensor ? Array.from(expected.data) : expected;
  if (expected instanceof Tensor) {
    if (actual.dtype !== expected.dtype || actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i]))
      throw new Error(`${what}: ${actual.dtype}[${actual.shape.join(', ')}] vs ${expected.dtype}[${expected.shape.join(', ')}]`);
  }
  if (actual.size !== e.length) throw new Error(`${what}: ${actual.size} values, expected ${e.length}`);
  for (let i = 0; i < e.length; i++) {
    const x = actual.data[i]!;
    // -0 and 0 are the same derivative, so === rather than Object.is.
    if (!(x === e[i]! || (Number.isNaN(x) && Number.isNaN(e[i]!)))) throw new Error(`${what}: element ${i} is ${x}, expected ${e[i]}`);
  }
}

/** True when every value is exactly 0 (a symbolic or structural zero). */
export function allZero(x: Tensor): boolean {
  for (const v of x.data) if (v !== 0) return false;
  return true;
}

export { size as shapeSize };

/**
 * The gradient of a scalar function by central differences in each coordinate listed in
 * `coords` (all of them by default): entries not listed are NaN.
 */
export function numericGradient(
  f: (xs: Tensor[]) => number,
  xs: readonly Tensor[],
  h: number,
  coords?: readonly (readonly number[])[],
): T64[] {
  return xs.map((x, leaf) => {
    const out = new Float64Array(x.size).fill(Number.NaN);
    const which = coords?.[leaf] ?? Array.from({ length: x.size }, (_, i) => i);
    for (const i of which) {
      const at = (delta: number) =>
        f(xs.map((y, j) => {
          if (j !== leaf) return y;
          const d = Float64Array.from(y.data);
          d[i]! += delta;
          return Tensor.fromBuffer([...y.shape], 'f64', d);
        }));
      out[i] = (at(h) - at(-h)) / (2 * h);
    }
    return Tensor.fromBuffer([...x.shape], 'f64', out);
  });
}

/** The listed coordinates of each leaf (all where a leaf's list is absent), for comparing partial gradients. */
export function pick(xs: readonly Tensor[], coords?: readonly (readonly number[])[]): T64[] {
  return xs.map((x, leaf) => {
    const which = coords?.[leaf] ?? Array.from({ length: x.size }, (_, i) => i);
    return f64(which.map((i) => x.data[i]!), [which.length]);
  });
}
