import type { DomainLevel, Feature, Image } from '../types.ts';
import type { Tensor } from '../../tensor/tensor.ts';

/** Attaches a name and a domain level to a feature function. */
export function defineFeature(name: string, domain: DomainLevel, fn: (image: Image, mask: Image) => Tensor, degeneracyTolerance?: number): Feature {
  return Object.assign((image: Image, mask: Image) => fn(image, mask), {
    featureName: name,
    domain,
    ...(degeneracyTolerance === undefined ? {} : { degeneracyTolerance }),
  }) as Feature;
}
