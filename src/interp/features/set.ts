/**
 * The moment features as one feature set, with the options they share: the pixel spacing and
 * whose intensities weigh them (the mask's, or the whole image's as in the authors' code).
 */
import { ArgumentError } from '../../tensor/errors.ts';
import type { Feature } from '../types.ts';
import { brightnessFeature } from './brightness.ts';
import { xposFeature, yposFeature } from './centroid.ts';
import { extentFeature } from './extent.ts';
import { logAspectRatioFeature } from './logAspectRatio.ts';
import type { MomentOptions } from './moments.ts';
import { sizeFeature } from './size.ts';

const BUILDERS: Readonly<Record<string, (o: MomentOptions) => Feature>> = {
  brightness: (o) => brightnessFeature(o.region === undefined ? {} : { region: o.region }),
  extent: extentFeature,
  logAspectRatio: logAspectRatioFeature,
  xpos: xposFeature,
  ypos: yposFeature,
  size: sizeFeature,
};

/** The names `momentFeatures` knows, in its default order. */
export const MOMENT_FEATURE_NAMES: readonly string[] = Object.keys(BUILDERS);

export interface MomentFeatureOptions extends MomentOptions {
  /** Which features, by name (default all of `MOMENT_FEATURE_NAMES`, in that order). */
  readonly names?: readonly string[];
}

/**
 * The named moment features with shared options, as a record keyed by each feature's name
 * (`extent`, or `extentWholeImage` with `region: 'image'`). An unknown name gets an
 * ArgumentError listing the known ones.
 */
export function momentFeatures(options: MomentFeatureOptions = {}): Record<string, Feature> {
  const names = options.names ?? MOMENT_FEATURE_NAMES;
  if (!Array.isArray(names) || names.length === 0) throw new ArgumentError('momentFeatures', 'names must be a non-empty list of feature names');
  const { names: _, ...shared } = options;
  const entries = names.map((name) => {
    const build = Object.hasOwn(BUILDERS, name) ? BUILDERS[name] : undefined;
    if (!build) throw new ArgumentError('momentFeatures', `unknown feature ${JSON.stringify(name)}; known: ${MOMENT_FEATURE_NAMES.join(', ')}`);
    const feature = build(shared);
    return [feature.featureName!, feature] as const;
  });
  return Object.fromEntries(entries);
}
