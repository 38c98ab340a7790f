/**
 * The domain check run before a feature: the same moments as `moments.ts`, computed in float64
 * with plain loops on concrete values, so the check does not depend on the dtype the feature
 * runs in and cannot itself produce NaN.
 */
import { ArgumentError } from '../../tensor/errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { FeatureError, type SampleId } from '../errors.ts';
import { resolveSpacing, type Spacing } from '../spacing.ts';
import type { DomainLevel, Region } from '../types.ts';
import { DEFAULTS } from '../defaults.ts';

/** [ours] λ2 ≤ tol·λ1 counts as a degenerate covariance (a line-shaped or one-pixel mask). */
export const DEFAULT_DEGENERACY_TOLERANCE = DEFAULTS.degeneracyTolerance;

export interface DomainOptions {
  /** Names the sample in the error. */
  readonly sampleId?: SampleId;
  /** Names the feature in the error. */
  readonly feature?: string;
  /** How much of the domain to check (default 'covariance', everything). */
  readonly level?: DomainLevel;
  /** Relative tolerance for λ2 ≤ tol·λ1 (default 1e-6, [ours]). */
  readonly degeneracyTolerance?: number;
  /** Pixel size [row, column] (default [1, 1]); scales the moments, and the one-point check's pixel size. */
  readonly spacing?: Spacing;
  /** 'image' checks the whole image's weights, as the authors' whole-image features use them (default 'mask'). */
  readonly region?: Region;
}

const ORDER: Readonly<Record<DomainLevel, number>> = { none: 0, mask: 1, weight: 2, spread: 3, covariance: 4 };

/**
 * The reason the moment features are undefined on (image, mask), or undefined when they are
 * defined up to `level`: empty mask (Σ M = 0), zero intensity (W = Σ M⊙I ≤ 0), no spread
 * (λ1 + λ2 ≤ tol·(pixel size)², one point), degenerate covariance (λ2 ≤ tol·λ1), NaN/∞ entries, or differing shapes.
 */
export function featureDomainIssue(image: Tensor, mask: Tensor, options: DomainOptions = {}): FeatureError | undefined {
  const { sampleId, feature } = options;
  const level = ORDER[options.level ?? 'covariance'];
  if (level === undefined) throw new ArgumentError('checkFeatureDomain', `unknown domain level ${String(options.level)}`);
  const tol = options.degeneracyTolerance ?? DEFAULT_DEGENERACY_TOLERANCE;
  if (!(tol >= 0 && tol < 1)) throw new ArgumentError('checkFeatureDomain', `degeneracyTolerance must be in [0, 1), got ${tol}`);
  if (options.region !== undefined && options.region !== 'mask' && options.region !== 'image') throw new ArgumentError('checkFeatureDomain', `region must be 'mask' or 'image', got ${String(options.region)}`);
  const [sr, sc] = resolveSpacing('checkFeatureDomain', options.spacing);
  const fail = (kind: FeatureError['kind'], detail: string) => new FeatureError(kind, sampleId, detail, feature);
  if (image.shape.length !== 2 || mask.shape.length !== 2 || image.shape[0] !== mask.shape[0] || image.shape[1] !== mask.shape[1])
    return fail('shape', `image [${image.shape.join(', ')}] and mask [${mask.shape.join(', ')}] must be 2-D images of one shape`);
  if (level === 0) return undefined;
  const img = image.data;
  const m = options.region === 'image' ? new Float64Array(img.length).fill(1) : mask.data;
  const w = image.shape[1]!;
  let mass = 0;
  let total = 0;
  let sumR = 0;
  let sumC = 0;
  for (let i = 0; i < img.length; i++) {
    const mi = m[i]!;
    const v = img[i]!;
    if (!Number.isFinite(mi) || (mi !== 0 && !Number.isFinite(v))) return fail('non-finite', `NaN or infinite value at pixel ${i}`);
    mass += mi;
    const wi = mi * v;
    total += wi;
    sumR += wi * Math.floor(i / w) * sr;
    sumC += wi * (i % w) * sc;
  }
  if (!(mass > 0)) return fail('empty-mask', 'the mask is empty (Σ M = 0)');
  if (level === 1) return undefined;
  if (!(total > 0)) return fail('zero-intensity', `the intensity-weighted mask has total weight W = ${total} ≤ 0`);
  if (level === 2) return undefined;
  const { a, b, c } = covariance(img, m, w, [sr, sc], total, [sumR / total, sumC / total]);
  const half = (a + c) / 2;
  const gap = Math.sqrt(((a - c) * (a - c)) / 4 + b * b);
  const l1 = half + gap;
  const l2 = half - gap;
  // Relative to the pixel's own size: one pixel's centroid is itself only up to rounding, which leaves λ1 + λ2 ≈ 1e-32, not 0.
  if (!(a + c > tol * (sr * sr + sc * sc))) return fail('degenerate-covariance', `all the weight sits on one point (λ1 + λ2 = ${(a + c).toPrecision(3)} ≤ ${tol}·pixel size²)`);
  if (level === 3) return undefined;
  if (!(l2 > tol * l1)) return fail('degenerate-covariance', `covariance eigenvalues λ1 = ${l1.toPrecision(4)}, λ2 = ${l2.toPrecision(4)}: λ2 ≤ ${tol}·λ1 (a line-shaped mask)`);
  return undefined;
}

/** The weighted covariance entries [[a, b], [b, c]] about the centroid `mu` (row, column), with plain loops. */
function covariance(img: ArrayLike<number>, m: ArrayLike<number>, w: number, [sr, sc]: readonly [number, number], total: number, [muR, muC]: readonly [number, number]) {
  let a = 0;
  let b = 0;
  let c = 0;
  for (let i = 0; i < img.length; i++) {
    const wi = m[i]! * img[i]!;
    if (wi === 0) continue;
    const dr = Math.floor(i / w) * sr - muR;
    const dc = (i % w) * sc - muC;
    a += wi * dr * dr;
    b += wi * dr * dc;
    c += wi * dc * dc;
  }
  return { a: a / total, b: b / total, c: c / total };
}

/** Throws the `FeatureError` that `featureDomainIssue` finds, naming the sample. */
export function checkFeatureDomain(image: Tensor, mask: Tensor, options: DomainOptions = {}): void {
  const issue = featureDomainIssue(image, mask, options);
  if (issue) throw issue;
}
