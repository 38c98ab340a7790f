/**
 * Generators and oracles for the interpretability properties: f64 images with elliptical
 * blobs and their masks, random smooth models (as single-image functions and as batch models),
 * and plain-loop vector arithmetic that shares no code with src/interp.
 */
import fc from 'fast-check';
import { add, grad, matmul, random, reshape, sum, tanh, Tensor, dot } from '../../src/index.ts';
import type { Image, ImageBatch } from '../../src/interp/index.ts';

/**
 * Tolerances, with why each has its size:
 * - `exact`: quantities equal in exact arithmetic, computed in f64 from inputs of order one
 *   through a few hundred operations: a few thousand ulps at most.
 * - `recombined`: A after an invertible recombination M of the features; the projector is
 *   recomputed from gradients multiplied by M, whose condition number the generator keeps below
 *   ~50, so rounding grows by that factor at most.
 * - `closedForm`: an AD gradient against a closed form, relative to the gradient's largest
 *   entry: both sum ~100 pixel terms of size up to side² whose differences (d_j² − λ) cancel,
 *   which can cost three decimal digits of the 16.
 */
export const TOL = { exact: 1e-12, recombined: 1e-9, closedForm: 1e-10 } as const;

export const SEED = 20251125;
export const RUNS = { cheap: 60, medium: 25, flow: 12 } as const;

export const SIDE = 12;

export function img(data: ArrayLike<number>, h = SIDE, w = SIDE): Image<'f64'> {
  return Tensor.fromBuffer([h, w] as const, 'f64', Float64Array.from(data)) as Image<'f64'>;
}

export interface Blob {
  readonly cy: number;
  readonly cx: number;
  /** Semi-axes in pixels, the first along angle `theta`. */
  readonly ra: number;
  readonly rb: number;
  readonly theta: number;
  readonly base: number;
  readonly amp: number;
  /** Seed of the per-pixel texture. */
  readonly texture: number;
}

/** Ellipses well inside the image, at least 1.6 px across each axis (never a line), any orientation. */
export function blob(side = SIDE): fc.Arbitrary<Blob> {
  const c = side / 2 - 0.5;
  return fc.record({
    cy: fc.double({ min: c - 1.5, max: c + 1.5, noNaN: true }),
    cx: fc.double({ min: c - 1.5, max: c + 1.5, noNaN: true }),
    ra: fc.double({ min: 1.6, max: side / 2 - 2.5, noNaN: true }),
    rb: fc.double({ min: 1.6, max: side / 2 - 2.5, noNaN: true }),
    theta: fc.double({ min: 0, max: Math.PI, noNaN: true }),
    base: fc.double({ min: 0.05, max: 0.4, noNaN: true }),
    amp: fc.double({ min: 0.2, max: 0.55, noNaN: true }),
    texture: fc.integer({ min: 0, max: 1 << 30 }),
  });
}

/** The blob as a windowed image in (0, 1] and its 0/1 mask. */
export function render(b: Blob, side = SIDE): { image: Image<'f64'>; mask: Image<'f64'> } {
  const image = new Float64Array(side * side);
  const mask = new Float64Array(side * side);
  const tex = random.uniform(random.key(b.texture), [side * side], { dtype: 'f64' }).data;
  const cos = Math.cos(b.theta);
  const sin = Math.sin(b.theta);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const dy = r - b.cy;
      const dx = c - b.cx;
      const u = (dx * cos + dy * sin) / b.ra;
      const v = (-dx * sin + dy * cos) / b.rb;
      const q = u * u + v * v;
      const i = r * side + c;
      mask[i] = q <= 1 ? 1 : 0;
      image[i] = b.base + b.amp * Math.exp(-q) + 0.05 * tex[i]!;
    }
  }
  return { image: img(image, side, side), mask: img(mask, side, side) };
}

/** Blobs whose mask has at least 6 pixels (the generator's smallest ellipses can miss pixel centres). */
export function sample(side = SIDE): fc.Arbitrary<{ image: Image<'f64'>; mask: Image<'f64'>; blob: Blob }> {
  return blob(side)
    .map((b) => ({ ...render(b, side), blob: b }))
    .filter((s) => s.mask.data.reduce((p, v) => p + v, 0) >= 6);
}

/** Weights of a random smooth model f(x) = Σ_j a_j tanh(⟨W_j, x⟩ + c_j) + ⟨v, x⟩. */
export interface ModelWeights {
  readonly W: Tensor<readonly number[], 'f64'>; // [d, k]
  readonly c: Tensor<readonly number[], 'f64'>; // [k]
  readonly a: Tensor<readonly number[], 'f64'>; // [k, 1]
  readonly v: Tensor<readonly number[], 'f64'>; // [d, 1]
}

export function modelWeights(seed: number, d: number, k = 3, scale = 1): ModelWeights {
  const [k1, k2, k3, k4] = random.split(random.key(seed), 4);
  return {
    W: random.normal(k1!, [d, k], { dtype: 'f64', std: scale / Math.sqrt(d) }),
    c: random.normal(k2!, [k], { dtype: 'f64', std: 0.5 }),
    a: random.normal(k3!, [k, 1], { dtype: 'f64' }),
    v: random.normal(k4!, [d, 1], { dtype: 'f64', std: 0.3 / Math.sqrt(d) }),
  };
}

/** The model on a batch [N, H, W] → [N, 1]: each output depends on its own image only. */
export function batchModel(m: ModelWeights): (x: ImageBatch) => Tensor {
  return (x) => {
    const n = x.shape[0];
    const flat = reshape(x as Tensor, [n, -1]) as Tensor;
    const hidden = tanh(add(matmul(flat as never, m.W as never) as Tensor, m.c) as Tensor);
    return add(matmul(hidden as never, m.a as never) as Tensor, matmul(flat as never, m.v as never) as Tensor) as Tensor;
  };
}

/** The same model on one image [H, W] → scalar. */
export function imageModel(m: ModelWeights): (x: Image) => Tensor {
  const batch = batchModel(m);
  return (x) => sum(batch(reshape(x as Tensor, [1, x.shape[0], x.shape[1]]) as ImageBatch));
}

/** A linear functional ⟨w, x⟩ + b on images. */
export function linear(w: Tensor, b: number): (x: Image) => Tensor {
  return (x) => add(dot(w as never, x as never), b);
}

export function weightsImage(seed: number, side = SIDE): Image<'f64'> {
  return random.normal(random.key(seed), [side, side] as const, { dtype: 'f64' }) as Image<'f64'>;
}

/** ∇_image of a feature at (image, mask), by the AD. */
export function adGradient(f: (i: Image, m: Image) => Tensor, image: Image, mask: Image): Float64Array {
  return Float64Array.from((grad((x: Tensor) => f(x as Image, mask))(image as Tensor) as Tensor).data);
}

/** The largest entrywise |a − b| and the largest |b|, for a tolerance relative to b's scale. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { diff, scale };
}

// ---- oracles: plain loops on numbers ----

export function vdot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function cos2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const c = vdot(a, b);
  return (c * c) / (vdot(a, a) * vdot(b, b));
}

export function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol;
}
