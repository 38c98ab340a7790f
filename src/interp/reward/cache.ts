/**
 * The feature gradients of the reward's samples. They do not depend on the model's parameters,
 * so each is a concrete constant, computed once per dataset row and reused while the row's image
 * and mask are unchanged (an augmenting loop changes them, and then they are recomputed).
 */
import type { Issue } from '../errors.ts';
import { featureGradient } from '../gradients.ts';
import { toImage } from '../rows.ts';
import type { Spacing } from '../spacing.ts';
import type { NamedFeature } from '../types.ts';
import { samplePlanes, type RewardLayout } from './batch.ts';

/** Per sample: each feature's unit gradient (null when undefined or zero) and its flags. */
export interface PreparedSample {
  readonly image: Float64Array;
  readonly mask: Float64Array;
  readonly spacing: Spacing | undefined;
  /** The feature is defined on the sample (its gradient may still be zero, spanning nothing). */
  readonly defined: readonly boolean[];
  readonly units: readonly (Float64Array | null)[];
  readonly issues: readonly Issue[];
}

export interface FeatureGradientCacheOptions {
  readonly op: string;
  readonly features: readonly NamedFeature[];
  /** Features whose gradient the reward reads (a pointwise reward skips λ = 0). */
  readonly used: readonly boolean[];
  readonly zeroTolerance: number;
  readonly imageChannel: number;
  readonly maskChannel: number;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) return false;
  return true;
}

export class FeatureGradientCache {
  private readonly byRow = new Map<number, PreparedSample>();

  constructor(private readonly o: FeatureGradientCacheOptions) {}

  /** Every sample of the batch, from the cache where its row's image and mask are the cached ones. */
  prepare(layout: RewardLayout): PreparedSample[] {
    const out: PreparedSample[] = [];
    for (let s = 0; s < layout.n; s++) {
      const { image, mask } = samplePlanes(layout, s, this.o.imageChannel, this.o.maskChannel);
      const spacing = layout.spacings?.[s];
      const row = layout.indices?.[s];
      const hit = row === undefined ? undefined : this.byRow.get(row);
      if (hit && sameValues(hit.image, image) && sameValues(hit.mask, mask) && sameValues(hit.spacing ?? [], spacing ?? [])) {
        out.push(hit);
        continue;
      }
      const prepared = this.compute(image, mask, spacing, layout, row ?? s);
      if (row !== undefined) this.byRow.set(row, prepared);
      out.push(prepared);
    }
    return out;
  }

  private compute(img: Float32Array | Float64Array, msk: Float32Array | Float64Array, spacing: Spacing | undefined, layout: RewardLayout, id: number): PreparedSample {
    const { op, features, used, zeroTolerance } = this.o;
    const image = toImage(img, layout.h, layout.w, layout.x.dtype);
    const mask = toImage(msk, layout.h, layout.w, layout.x.dtype);
    const point = { image, mask, sampleId: id, ...(spacing === undefined ? {} : { spacing }) };
    const evaluated = features.map((g, i) => (used[i] ? featureGradient(op, g, point, zeroTolerance) : null));
    return {
      image: Float64Array.from(img),
      mask: Float64Array.from(msk),
      spacing,
      defined: evaluated.map((e) => e !== null && e.grad !== null),
      units: evaluated.map((e) => {
        if (!e || !e.direction) return null;
        const norm = Math.sqrt(e.normSq);
        return e.grad!.map((v) => v / norm);
      }),
      issues: evaluated.flatMap((e) => (e?.issue ? [e.issue] : [])),
    };
  }
}
