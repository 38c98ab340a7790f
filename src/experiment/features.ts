/** The features an experiment can reward and measure, by the names the options use. */
import { brightness, extent, extentFeature, logAspectRatio, logAspectRatioFeature, type Spacing } from '../interp/features/index.ts';
import type { Feature } from '../interp/types.ts';

export const FEATURES: Readonly<Record<string, Feature>> = { brightness, extent, logAspectRatio };
export const FEATURE_NAMES: readonly string[] = Object.keys(FEATURES);

/** The named features as a record (in the order given); with the data's pixel `spacing` (mm), extent and covariances are in mm. */
export function featureSet(names: readonly string[], spacing?: Spacing): Record<string, Feature> {
  const inUnits: Readonly<Record<string, Feature>> = spacing ? { brightness, extent: extentFeature({ spacing }), logAspectRatio: logAspectRatioFeature({ spacing }) } : FEATURES;
  return Object.fromEntries(names.map((n) => [n, inUnits[n]!]));
}
