import { dot, mul } from '../../ad/ops.ts';
import { ArgumentError } from '../../tensor/errors.ts';
import { isKey, normal, split, type Key } from '../../tensor/random.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { Feature, Image } from '../types.ts';
import { defineFeature } from './define.ts';
import { DEFAULTS } from '../defaults.ts';

export interface NoiseOptions {
  /** [authors: false] Restrict the functional to the mask: ⟨ρ ⊙ M, x⟩ instead of ⟨ρ, x⟩. */
  readonly mask?: boolean;
  /** Its name in results (default 'noise'). */
  readonly name?: string;
}

/**
 * The noise baseline feature (METHOD.md, authors' code): a random linear functional
 * r(x) = ⟨ρ, x⟩, ρ ~ N(0, I), the same ρ for every image of one shape and dtype (drawn from
 * `key` on first use). Its gradient is the random direction ρ (or ρ ⊙ M), so its alignment with
 * the model is what chance gives.
 */
export function noise(key: Key, options: NoiseOptions = {}): Feature {
  if (!isKey(key)) throw new ArgumentError('noise', 'needs a PRNG key from random.key');
  const restrict = options.mask ?? DEFAULTS.noiseMask;
  const directions = new Map<string, Tensor>();
  const rho = (image: Image): Tensor => {
    const id = `${image.shape.join('x')}:${image.dtype}`;
    let r = directions.get(id);
    if (!r) {
      r = normal(key, image.shape, { dtype: image.dtype });
      directions.set(id, r);
    }
    return r;
  };
  return defineFeature(options.name ?? 'noise', restrict ? 'mask' : 'none', (image, mask) =>
    dot(restrict ? (mul(rho(image), mask) as Tensor) : rho(image), image as Tensor),
  );
}

/** `count` independent noise features (noise#1 … noise#count), from `split(key, count)`. */
export function noiseDraws(key: Key, count: number, options: Omit<NoiseOptions, 'name'> = {}): Feature[] {
  if (!Number.isInteger(count) || count < 1) throw new ArgumentError('noiseDraws', `count must be a positive integer, got ${count}`);
  return split(key, count).map((k, i) => noise(k, { ...options, name: `noise#${i + 1}` }));
}
