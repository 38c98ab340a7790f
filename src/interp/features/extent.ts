import { add, sqrt } from '../../ad/ops.ts';
import type { Feature } from '../types.ts';
import { featureFromSpec, regionName } from './define.ts';
import { momentSpec, weightedMoments, type MomentOptions } from './moments.ts';

/**
 * Intensity-weighted RMS radius √(λ1 + λ2) = √tr C (METHOD.md), in the units of the spacing
 * (millimetres when the sample's spacing is known, pixels by default). Written as √tr C, which
 * equals √(λ1 + λ2) without the eigenvalue gap's kink.
 * Undefined when the mask is empty, W ≤ 0, or all the weight sits on one pixel.
 */
export function extentFeature(options: MomentOptions = {}): Feature {
  return featureFromSpec(momentSpec(regionName('extent', 'extent', options.region), 'spread', options), (image, mask, { spacing }) => {
    const { a, c } = weightedMoments(image, mask, spacing);
    return sqrt(add(a, c));
  });
}

/** `extentFeature()` with the defaults (the mask's moments, in the sample's units). */
export const extent: Feature = extentFeature();
