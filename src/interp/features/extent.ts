import { add, sqrt } from '../../ad/ops.ts';
import type { Feature } from '../types.ts';
import { defineFeature } from './define.ts';
import { resolveSpacing, weightedMoments, type MomentOptions } from './moments.ts';

/**
 * Intensity-weighted RMS radius √(λ1 + λ2) = √tr C (PAPER.md), in the units of `spacing`
 * (pixels by default). Written as √tr C, which equals √(λ1 + λ2) without the eigenvalue gap's kink.
 * Undefined when the mask is empty, W ≤ 0, or all the weight sits on one pixel.
 */
export function extentFeature(options: MomentOptions = {}): Feature {
  const spacing = resolveSpacing('extent', options.spacing);
  return defineFeature('extent', 'spread', (image, mask) => {
    const { a, c } = weightedMoments(image, mask, spacing);
    return sqrt(add(a, c));
  });
}

/** `extentFeature()` with the defaults (pixel units). */
export const extent: Feature = extentFeature();
