/** Built-in interpretable features and the noise baseline; see METHOD.md for the formulas. */
export { brightness, brightnessFeature } from './brightness.ts';
export { extent, extentFeature } from './extent.ts';
export { xpos, xposFeature, ypos, yposFeature } from './centroid.ts';
export { size, sizeFeature } from './size.ts';
export { momentFeatures, MOMENT_FEATURE_NAMES, type MomentFeatureOptions } from './set.ts';
export { logAspectRatio, logAspectRatioFeature, type LogAspectRatioOptions } from './logAspectRatio.ts';
export { noise, noiseDraws, type NoiseOptions } from './noise.ts';
export { defineFeature, type ResolvedContext } from './define.ts';
export { checkFeatureDomain, featureDomainIssue, DEFAULT_DEGENERACY_TOLERANCE, type DomainOptions } from './domain.ts';
export type { MomentOptions, Region, Spacing } from './moments.ts';
