import { div, mul, sum } from '../../ad/ops.ts';
import type { Feature } from '../types.ts';
import { defineFeature } from './define.ts';

/**
 * Mean intensity inside the mask, Σ M⊙I / Σ M (PAPER.md); its gradient is M / Σ M.
 * The image is expected windowed to [0, 1]. Undefined on an empty mask.
 */
export const brightness: Feature = defineFeature('brightness', 'mask', (image, mask) => div(sum(mul(mask, image)), sum(mask)));
