import { mul, sum } from '../../ad/ops.ts';
import type { Feature } from '../types.ts';
import { featureFromSpec, regionName } from './define.ts';
import { momentSpec, type MomentOptions } from './moments.ts';

/**
 * [authors] The tumour's intensity-weighted size Σ M·I, times the pixel area when the spacing is
 * known (intensity × mm²); the whole image's Σ I with `region: 'image'`. Its gradient is M times
 * the pixel area. Defined everywhere (0 on an empty mask, whose zero gradient is then flagged).
 */
export function sizeFeature(options: MomentOptions = {}): Feature {
  return featureFromSpec(momentSpec(regionName('size', 'size', options.region), 'none', options), (image, mask, { spacing }) => {
    const total = sum(mul(mask, image));
    const area = spacing[0] * spacing[1];
    // Pixels (area 1) keep the authors' Σ M·I to the bit.
    return area === 1 ? total : mul(total, area);
  });
}

/** `sizeFeature()`: Σ M·I. */
export const size: Feature = sizeFeature();
