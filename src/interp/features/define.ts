import type { DomainLevel, Feature, Image } from '../types.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { featureDomainIssue } from './domain.ts';

/**
 * Attaches a name and a domain level to a feature function. The feature checks its domain on
 * every call, so calling it directly where it is undefined (an empty mask, W ≤ 0, a line-shaped
 * mask, NaN/∞) throws the typed `FeatureError` instead of returning NaN; the measures check the
 * same domain first and turn it into a null with a flag naming the sample.
 */
export function defineFeature(name: string, domain: DomainLevel, fn: (image: Image, mask: Image) => Tensor, degeneracyTolerance?: number): Feature {
  const checked = (image: Image, mask: Image): Tensor => {
    const issue = featureDomainIssue(image, mask, { feature: name, level: domain, ...(degeneracyTolerance === undefined ? {} : { degeneracyTolerance }) });
    if (issue) throw issue;
    return fn(image, mask);
  };
  return Object.assign(checked, {
    featureName: name,
    domain,
    ...(degeneracyTolerance === undefined ? {} : { degeneracyTolerance }),
  }) as Feature;
}
