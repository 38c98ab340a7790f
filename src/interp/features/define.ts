import { ArgumentError } from '../../tensor/errors.ts';
import { allocate, Tensor } from '../../tensor/tensor.ts';
import { resolveSpacing, type Spacing } from '../spacing.ts';
import type { DomainLevel, Feature, FeatureContext, Image, Region } from '../types.ts';
import { featureDomainIssue, type DomainOptions } from './domain.ts';

/** How a feature is checked and what it measures with: its name, domain level, tolerances, default spacing and region. */
export interface FeatureSpec {
  readonly name: string;
  readonly domain: DomainLevel;
  readonly degeneracyTolerance?: number;
  /** The spacing for samples that carry none (default [1, 1]). */
  readonly spacing?: Spacing;
  /** 'image' weighs the whole image: the feature sees a mask of ones (default 'mask'). */
  readonly region?: Region;
}

/** What a feature body receives: the sample's spacing, resolved (the sample's own, else the feature's, else [1, 1]). */
export interface ResolvedContext {
  readonly spacing: Spacing;
}

/** The spacing a feature measures a sample with: the sample's own (from its data), else the feature's default, else pixels. */
export function spacingFor(feature: Pick<Feature, 'spacing' | 'featureName'>, context: FeatureContext | undefined): Spacing {
  return resolveSpacing(feature.featureName ?? 'feature', context?.spacing ?? feature.spacing);
}

/** The domain check of `feature` at a sample: its level, tolerance, region and the sample's spacing. */
export function domainOptionsOf(
  feature: Pick<Feature, 'featureName' | 'domain' | 'degeneracyTolerance' | 'spacing' | 'region'>,
  context: FeatureContext | undefined,
  named: Pick<DomainOptions, 'sampleId' | 'feature'>,
): DomainOptions {
  return {
    ...named,
    level: feature.domain ?? 'none',
    ...(feature.degeneracyTolerance === undefined ? {} : { degeneracyTolerance: feature.degeneracyTolerance }),
    ...(feature.spacing === undefined && context?.spacing === undefined ? {} : { spacing: spacingFor(feature, context) }),
    ...(feature.region === undefined ? {} : { region: feature.region }),
  };
}

/** A mask of ones shaped like the image: the whole image weighs. */
export function wholeImageMask(image: Image): Image {
  const buf = allocate(image.dtype, image.size);
  buf.fill(1);
  return Tensor.fromBuffer(image.shape, image.dtype, buf) as Image;
}

/** The name of a feature over `region`: the whole-image variant of `extent` is `extentWholeImage`. */
export function regionName(op: string, name: string, region: Region | undefined): string {
  if (region !== undefined && region !== 'mask' && region !== 'image') throw new ArgumentError(op, `region must be 'mask' or 'image', got ${String(region)}`);
  return region === 'image' ? `${name}WholeImage` : name;
}

/**
 * A feature from its spec and body. The feature checks its domain on every call, so calling it
 * directly where it is undefined (an empty mask, W ≤ 0, a line-shaped mask, NaN/∞) throws the
 * typed `FeatureError` instead of returning NaN; the measures check the same domain first and
 * turn it into a null with a flag naming the sample. A whole-image feature's body sees a mask of ones.
 */
export function featureFromSpec(spec: FeatureSpec, body: (image: Image, mask: Image, context: ResolvedContext) => Tensor): Feature {
  const attributes = {
    featureName: spec.name,
    domain: spec.domain,
    ...(spec.degeneracyTolerance === undefined ? {} : { degeneracyTolerance: spec.degeneracyTolerance }),
    ...(spec.spacing === undefined ? {} : { spacing: resolveSpacing(spec.name, spec.spacing) }),
    ...(spec.region === undefined ? {} : { region: spec.region }),
  };
  const checked = (image: Image, mask: Image, context?: FeatureContext): Tensor => {
    const issue = featureDomainIssue(image, mask, domainOptionsOf(attributes, context, { feature: spec.name }));
    if (issue) throw issue;
    const weighed = spec.region === 'image' ? wholeImageMask(image) : mask;
    return body(image, weighed, { spacing: spacingFor(attributes, context) });
  };
  return Object.assign(checked, attributes) as Feature;
}

/**
 * Attaches a name and a domain level to a feature function (see `featureFromSpec`); the function
 * receives the sample's resolved spacing as its third argument.
 */
export function defineFeature(name: string, domain: DomainLevel, fn: (image: Image, mask: Image, context: ResolvedContext) => Tensor, degeneracyTolerance?: number): Feature {
  return featureFromSpec({ name, domain, ...(degeneracyTolerance === undefined ? {} : { degeneracyTolerance }) }, fn);
}
