/**
 * Shared checks for the backend tests. Float32 parity uses the standard error bound of a
 * floating-point sum: a result built from K products differs from the exact one by at most
 * (K + 2)·u·Σ|aᵢ·bᵢ| (u = 2⁻²⁴, one rounding per product and per addition, plus the reference's
 * own rounding), whatever the summation order. Σ|aᵢ·bᵢ| is the same bilinear map evaluated on
 * |a| and |b|, which the cpu kernel computes for us.
 */
import { expect } from 'vitest';
import { abs, random, type Tensor } from '../../src/index.ts';

export const U32 = 2 ** -24;

/** Elementwise: |got − want| ≤ (terms + 2)·u·bound, with `bound` the same map on absolute values. */
export function expectWithinSumBound(got: Tensor, want: Tensor, bound: Tensor, terms: number, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  const g = got.data, w = want.data, b = bound.data;
  let at = -1;
  for (let i = 0; i < w.length && at < 0; i++) {
    // written so that a NaN difference fails too
    if (!(Math.abs(g[i]! - w[i]!) <= (terms + 2) * U32 * b[i]!)) at = i;
  }
  expect(at, `${what}: element ${at} is ${g[at]} but the cpu kernel gives ${w[at]} (bound ${(terms + 2) * U32 * b[at]!})`).toBe(-1);
}

/** Elementwise: |got − want| ≤ ulps·u·|want| (transcendental maps, each a few ulps at most). */
export function expectWithinUlps(got: Tensor, want: Tensor, ulps: number, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  const g = got.data, w = want.data;
  for (let i = 0; i < w.length; i++) {
    const ok = Math.abs(g[i]! - w[i]!) <= ulps * U32 * Math.abs(w[i]!) || Object.is(g[i], w[i]);
    if (!ok) expect(g[i], `${what}: element ${i} (bound ${ulps} ulps of ${w[i]})`).toBe(w[i]);
  }
}

/** Bitwise equality of every element. */
export function expectIdentical(got: Tensor, want: Tensor, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  const g = got.data, w = want.data;
  for (let i = 0; i < w.length; i++) {
    if (!Object.is(g[i], w[i])) expect(g[i], `${what}: element ${i} of ${w.length} differs`).toBe(w[i]);
  }
}

export function normal(seed: number, shape: number[], dtype: 'f32' | 'f64' = 'f32'): Tensor {
  return random.normal(random.key(seed), shape, { dtype }) as Tensor;
}

export const absT = (t: Tensor): Tensor => abs(t) as Tensor;
