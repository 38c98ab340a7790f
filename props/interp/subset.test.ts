/**
 * Issue 12's invariant for feature ablation: the span of a subset of the features lies in the
 * span of the set, so A of a subset never exceeds A of the superset, for any features and any
 * model gradient. Feature gradients here include exact repeats, scaled copies, sums of others and
 * zeros, so the Gram–Schmidt rank decisions are exercised as well as the generic case.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dot, random, Tensor } from '../../src/index.ts';
import { alignment, alignmentBatch, momentFeatures, noiseDraws, type Feature, type Image, type ImageBatch } from '../../src/interp/index.ts';
import { RUNS, SEED, SIDE, TOL, batchModel, modelWeights, sample } from './support.ts';

const H = 3;
const W = 3;
const D = H * W;

/** How each feature gradient is made: fresh, a scaled copy or a sum of earlier ones, or zero. */
type Recipe = { kind: 'fresh'; seed: number } | { kind: 'scaled'; of: number; by: number } | { kind: 'sum'; of: [number, number] } | { kind: 'zero' };

const recipe: fc.Arbitrary<Recipe> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 1 << 30 }).map((seed): Recipe => ({ kind: 'fresh', seed })) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.double({ min: -4, max: 4, noNaN: true })).map(([of, by]): Recipe => ({ kind: 'scaled', of, by })) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([a, b]): Recipe => ({ kind: 'sum', of: [a, b] })) },
  { weight: 1, arbitrary: fc.constant<Recipe>({ kind: 'zero' }) },
);

function directions(recipes: readonly Recipe[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const r of recipes) {
    const earlier = (i: number) => out[i % Math.max(out.length, 1)] ?? new Float64Array(D);
    if (r.kind === 'fresh') out.push(Float64Array.from(random.normal(random.key(r.seed), [D], { dtype: 'f64' }).data));
    else if (r.kind === 'scaled') out.push(earlier(r.of).map((v) => v * r.by));
    else if (r.kind === 'sum') out.push(earlier(r.of[0]).map((v, j) => v + earlier(r.of[1])[j]!));
    else out.push(new Float64Array(D));
  }
  return out;
}

/** ⟨v, x⟩ as a feature: its gradient is v wherever it is evaluated. */
function linearFeature(v: Float64Array): Feature {
  const t = Tensor.fromBuffer([H, W] as const, 'f64', v);
  return (image: Image) => dot(t as never, image as never);
}

const image = Tensor.fromBuffer([H, W] as const, 'f64', Float64Array.from({ length: D }, (_, i) => 0.1 + i / D)) as Image;
const mask = Tensor.fromBuffer([H, W] as const, 'f64', new Float64Array(D).fill(1)) as Image;

describe('A of a subset ≤ A of the superset', () => {
  it('for any feature gradients (repeats, scaled copies, sums, zeros) and any model gradient, including one inside their span', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(recipe, fc.boolean()), { minLength: 1, maxLength: D + 2 }),
        fc.integer({ min: 0, max: 1 << 30 }),
        fc.boolean(),
        (items, sw, inSpan) => {
          const vs = directions(items.map(([r]) => r));
          const w = inSpan
            ? vs.reduce((acc, v, i) => acc.map((a, j) => a + (i + 1) * v[j]!), new Float64Array(D))
            : Float64Array.from(random.normal(random.key(sw), [D], { dtype: 'f64' }).data);
          fc.pre(w.some((v) => v !== 0));
          const f = linearFeature(w) as unknown as (x: Image) => Tensor;
          const all = alignment(f, vs.map(linearFeature), { image, mask });
          const kept = vs.filter((_, i) => items[i]![1]);
          const sub = alignment(f, kept.map(linearFeature), { image, mask });
          expect(sub.A).not.toBeNull();
          expect(all.A).not.toBeNull();
          expect(sub.A!).toBeLessThanOrEqual(all.A! + TOL.exact);
          expect(sub.rank).toBeLessThanOrEqual(all.rank);
        },
      ),
      { seed: SEED, numRuns: RUNS.cheap * 3 },
    );
  });

  it('for the moment features and noise draws on blobs, each subset against the whole set (feature ablation)', () => {
    fc.assert(
      fc.property(fc.array(sample(), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 1 << 30 }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), (ss, s, keep) => {
        const stack = (xs: Tensor[]) => Tensor.fromBuffer([xs.length, SIDE, SIDE] as const, 'f64', Float64Array.from(xs.flatMap((x) => Array.from(x.data)))) as ImageBatch;
        const batch = { images: stack(ss.map((x) => x.image)), masks: stack(ss.map((x) => x.mask)) };
        const features: Record<string, Feature> = { ...momentFeatures(), ...Object.fromEntries(noiseDraws(random.key(s), 2).map((g, i) => [`noise#${i + 1}`, g])) };
        const names = Object.keys(features);
        const subset = Object.fromEntries(names.filter((_, i) => keep[i]).map((n) => [n, features[n]!]));
        const model = batchModel(modelWeights(s, SIDE * SIDE, 3, 3));
        const all = alignmentBatch(model, features, batch);
        const sub = alignmentBatch(model, subset, batch);
        all.forEach((r, i) => {
          fc.pre(r.A !== null);
          expect(sub[i]!.A!).toBeLessThanOrEqual(r.A! + TOL.exact);
        });
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});
