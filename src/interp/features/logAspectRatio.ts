import { log, sub, add } from '../../ad/ops.ts';
import { ArgumentError } from '../../tensor/errors.ts';
import type { Feature } from '../types.ts';
import { featureFromSpec, regionName } from './define.ts';
import { DEFAULT_DEGENERACY_TOLERANCE } from './domain.ts';
import { eigenvalues2x2, momentSpec, weightedMoments, type MomentOptions } from './moments.ts';
import { DEFAULTS } from '../defaults.ts';

export interface LogAspectRatioOptions extends MomentOptions {
  /** [ours] ε in log(λ1 + ε) − log(λ2 + ε), in the units of spacing²; default 1e-6 (negligible next to any blob a pixel wide). */
  readonly epsilon?: number;
  /** [ours] Relative tolerance of the domain check λ2 ≤ tol·λ1; default 1e-6. */
  readonly degeneracyTolerance?: number;
}

/**
 * log λ1 − log λ2 of the intensity-weighted covariance (METHOD.md), guarded as
 * log(λ1 + ε) − log(λ2 + ε). Undefined (flagged by the domain check) on an empty or
 * zero-intensity mask and on a degenerate covariance (λ2 ≤ tol·λ1: a line-shaped mask).
 * [ours] At an isotropic covariance (λ1 = λ2) the feature has a cone-shaped minimum; its AD
 * gradient there is 0, the symmetric subgradient, which measures then flag as a zero gradient.
 */
export function logAspectRatioFeature(options: LogAspectRatioOptions = {}): Feature {
  const eps = options.epsilon ?? DEFAULTS.logAspectRatioEpsilon;
  if (!(eps >= 0 && Number.isFinite(eps))) throw new ArgumentError('logAspectRatio', `epsilon must be a finite number ≥ 0, got ${eps}`);
  const degeneracyTolerance = options.degeneracyTolerance ?? DEFAULT_DEGENERACY_TOLERANCE;
  const spec = { ...momentSpec(regionName('logAspectRatio', 'logAspectRatio', options.region), 'covariance', options), degeneracyTolerance };
  return featureFromSpec(spec, (image, mask, { spacing }) => {
    const { a, b, c } = weightedMoments(image, mask, spacing);
    const [l1, l2] = eigenvalues2x2(a, b, c);
    return sub(log(add(l1, eps)), log(add(l2, eps)));
  });
}

/** `logAspectRatioFeature()` with the defaults. */
export const logAspectRatio: Feature = logAspectRatioFeature();
