/** The features an experiment can reward and measure, by the names the options use. */
import { brightness, extent, logAspectRatio } from '../interp/features/index.ts';
import type { Feature } from '../interp/types.ts';

export const FEATURES: Readonly<Record<string, Feature>> = { brightness, extent, logAspectRatio };
export const FEATURE_NAMES: readonly string[] = Object.keys(FEATURES);

/** The named features as a record (in the order given). */
export function featureSet(names: readonly string[]): Record<string, Feature> {
  return Object.fromEntries(names.map((n) => [n, FEATURES[n]!]));
}
