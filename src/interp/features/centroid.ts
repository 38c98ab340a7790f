import type { Feature } from '../types.ts';
import { featureFromSpec, regionName } from './define.ts';
import { momentSpec, weightedCentroid, type MomentOptions } from './moments.ts';

/**
 * [authors] The intensity-weighted centroid's column, Σ w·x / W with w = M ⊙ I (the image
 * itself with `region: 'image'`), in the units of the spacing from column 0's centre.
 * Its gradient is M (x − xpos) / W. Undefined when the mask is empty or W ≤ 0.
 */
export function xposFeature(options: MomentOptions = {}): Feature {
  return featureFromSpec(momentSpec(regionName('xpos', 'xpos', options.region), 'weight', options), (image, mask, { spacing }) => weightedCentroid(image, mask, spacing).muCol);
}

/** [authors] The intensity-weighted centroid's row, Σ w·y / W, as `xposFeature` for rows (y grows downwards, with the row index). */
export function yposFeature(options: MomentOptions = {}): Feature {
  return featureFromSpec(momentSpec(regionName('ypos', 'ypos', options.region), 'weight', options), (image, mask, { spacing }) => weightedCentroid(image, mask, spacing).muRow);
}

/** `xposFeature()`: the masked centroid's column. */
export const xpos: Feature = xposFeature();
/** `yposFeature()`: the masked centroid's row. */
export const ypos: Feature = yposFeature();
