import { div, mul, sum } from '../../ad/ops.ts';
import type { Feature, Region } from '../types.ts';
import { featureFromSpec, regionName } from './define.ts';

/**
 * Mean intensity inside the mask, Σ M⊙I / Σ M (METHOD.md); its gradient is M / Σ M. With
 * `region: 'image'`, [authors] the whole image's mean. The image is expected windowed to
 * [0, 1]. Undefined on an empty mask.
 */
export function brightnessFeature(options: { readonly region?: Region } = {}): Feature {
  const region = options.region;
  return featureFromSpec({ name: regionName('brightness', 'brightness', region), domain: 'mask', ...(region ? { region } : {}) }, (image, mask) => div(sum(mul(mask, image)), sum(mask)));
}

/** `brightnessFeature()`: the mean inside the mask. */
export const brightness: Feature = brightnessFeature();
