/**
 * Intensity-weighted moments of a masked image, written in the DSL so that every feature built
 * on them is differentiable to any order: weights w = M ⊙ I, total W = Σ w, centroid μ,
 * covariance C = Σ w (p − μ)(p − μ)ᵀ / W, and C's eigenvalues in closed form.
 */
import { add, div, greater, mul, sqrt, square, sub, sum, where } from '../../ad/ops.ts';
import { allocate, Tensor } from '../../tensor/tensor.ts';
import type { DType } from '../../tensor/shape.ts';
import type { Spacing } from '../spacing.ts';
import type { DomainLevel, Image, Region } from '../types.ts';

export { resolveSpacing, type Spacing } from '../spacing.ts';
export type { Region } from '../types.ts';

export interface MomentOptions {
  /**
   * [ours] Pixel size [row, column], for samples that do not carry their own (a sample's
   * spacing, from its file, wins); default [1, 1], so extent is in pixels and covariances in pixels².
   */
  readonly spacing?: Spacing;
  /** [ours: 'mask'] 'image' is the authors' whole-image variant: no mask, the weights are the image itself. */
  readonly region?: Region;
}

/** The spec of a moment feature named `name`: its domain level, and the options' spacing and region. */
export function momentSpec(name: string, domain: DomainLevel, options: MomentOptions): { name: string; domain: DomainLevel; spacing?: Spacing; region?: Region } {
  return { name, domain, ...(options.spacing === undefined ? {} : { spacing: options.spacing }), ...(options.region === undefined ? {} : { region: options.region }) };
}

function axisCoordinates(n: number, step: number, dtype: DType, shape: readonly [number, number]): Tensor {
  const buf = allocate(dtype, n);
  for (let i = 0; i < n; i++) buf[i] = i * step;
  return Tensor.fromBuffer(shape, dtype, buf);
}

/** The total weight W = Σ w and the centroid μ = Σ w p / W (row, column), in the units of the spacing. */
export interface Centroid {
  readonly weights: Tensor;
  readonly total: Tensor;
  readonly rows: Tensor;
  readonly cols: Tensor;
  readonly muRow: Tensor;
  readonly muCol: Tensor;
}

export function weightedCentroid(image: Image, mask: Image, spacing: Spacing): Centroid {
  const [h, w] = image.shape;
  const rows = axisCoordinates(h, spacing[0], image.dtype, [h, 1]);
  const cols = axisCoordinates(w, spacing[1], image.dtype, [1, w]);
  const weights: Tensor = mul(mask, image);
  const total: Tensor = sum(weights);
  const muRow = div(sum(mul(weights, rows)), total);
  const muCol = div(sum(mul(weights, cols)), total);
  return { weights, total, rows, cols, muRow, muCol };
}

/** The covariance entries [[a, b], [b, c]] (a along rows, c along columns) and the total weight W. */
export interface Moments {
  readonly total: Tensor;
  readonly a: Tensor;
  readonly b: Tensor;
  readonly c: Tensor;
}

export function weightedMoments(image: Image, mask: Image, spacing: Spacing): Moments {
  const { weights, total, rows, cols, muRow, muCol } = weightedCentroid(image, mask, spacing);
  // Centred before squaring: no cancellation between Σwp² and Wμ² on large images.
  const dr: Tensor = sub(rows, muRow);
  const dc: Tensor = sub(cols, muCol);
  const a = div(sum(mul(weights, square(dr))), total);
  const c = div(sum(mul(weights, square(dc))), total);
  const b = div(sum(mul(mul(weights, dr), dc)), total);
  return { total, a, b, c };
}

/**
 * √x with a zero derivative at x = 0 instead of an infinite one. Used for the eigenvalue gap,
 * whose zero (an isotropic covariance) is a cone-shaped kink of the eigenvalues: 0 is the
 * symmetric element of its subdifferential, and it keeps NaN out of every derivative order.
 */
export function safeSqrt(x: Tensor): Tensor {
  const positive = greater(x, 0);
  return where(positive, sqrt(where(positive, x, 1)), 0);
}

/** λ1,2 = tr/2 ± √((a − c)²/4 + b²), λ1 ≥ λ2, of the symmetric 2×2 matrix [[a, b], [b, c]]. */
export function eigenvalues2x2(a: Tensor, b: Tensor, c: Tensor): readonly [Tensor, Tensor] {
  const half = div(add(a, c), 2);
  const gap = safeSqrt(add(div(square(sub(a, c)), 4), square(b)));
  return [add(half, gap), sub(half, gap)];
}
