/** Built-in interpretable features and the noise baseline; see PAPER.md for the formulas. */
export { brightness } from './brightness.ts';
export { extent, extentFeature } from './extent.ts';
export { logAspectRatio, logAspectRatioFeature, type LogAspectRatioOptions } from './logAspectRatio.ts';
export { noise, noiseDraws, type NoiseOptions } from './noise.ts';
export { defineFeature } from './define.ts';
export { checkFeatureDomain, featureDomainIssue, DEFAULT_DEGENERACY_TOLERANCE, type DomainOptions } from './domain.ts';
export type { MomentOptions, Spacing } from './moments.ts';
