/**
 * A sample's pixel spacing reaches every measure (issue 15: features in millimetres): S, A, F and
 * the reward computed with per-sample spacings equal those of features built with that spacing,
 * to the bit; a sample's own spacing wins over a feature's default; an isotropic spacing leaves
 * the scale-free alignments alone.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { add, ArgumentError, concat, matmul, random, reshape, tanh, Tensor } from '../../src/index.ts';
import {
  alignment, alignmentBatch, alignmentReward, checkFeatureDomain, extentFeature, flowAlignmentBatch, momentFeatures, type ImageBatch, type Spacing,
} from '../../src/interp/index.ts';
import { RUNS, SEED, SIDE, TOL, batchModel, modelWeights, sample } from './support.ts';

const D = SIDE * SIDE;
const seed = fc.integer({ min: 0, max: 1 << 30 });
const spacing = fc.tuple(fc.double({ min: 0.3, max: 3, noNaN: true }), fc.double({ min: 0.3, max: 3, noNaN: true })) as fc.Arbitrary<Spacing>;
const names = ['brightness', 'extent', 'logAspectRatio', 'xpos', 'ypos', 'size'];

function batchOf(ss: { image: Tensor; mask: Tensor }[]) {
  const stack = (xs: Tensor[]) => Tensor.fromBuffer([xs.length, SIDE, SIDE] as const, 'f64', Float64Array.from(xs.flatMap((x) => Array.from(x.data)))) as ImageBatch;
  return { images: stack(ss.map((s) => s.image)), masks: stack(ss.map((s) => s.mask)) };
}

describe('per-sample spacing in the measures', () => {
  it("alignmentBatch with spacings gives each sample what features built with its spacing give it (S, A, values), to the bit; the sample's spacing wins over the feature's", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(sample(), spacing), { minLength: 1, maxLength: 3 }), spacing, seed, (items, featureDefault, sm) => {
        const batch = { ...batchOf(items.map(([s]) => s)), spacings: items.map(([, sp]) => sp) };
        const model = batchModel(modelWeights(sm, D, 3, 3));
        const got = alignmentBatch(model, momentFeatures({ spacing: featureDefault }), batch, { batchSize: 2 });
        items.forEach(([s, sp], i) => {
          const own = alignment((x) => model(reshape(x, [1, SIDE, SIDE]) as ImageBatch), momentFeatures({ spacing: sp }), { image: s.image, mask: s.mask, id: i });
          const expected = alignmentBatch(model, momentFeatures({ spacing: sp }), { images: reshape(s.image, [1, SIDE, SIDE]) as ImageBatch, masks: reshape(s.mask, [1, SIDE, SIDE]) as ImageBatch });
          expect(got[i]!.S).toEqual(expected[0]!.S);
          expect(got[i]!.A).toBe(expected[0]!.A);
          expect(got[i]!.featureValues).toEqual(expected[0]!.featureValues);
          // The single-image path takes the sample's spacing too.
          const viaSample = alignment((x) => model(reshape(x, [1, SIDE, SIDE]) as ImageBatch), momentFeatures(), { image: s.image, mask: s.mask, id: i, spacing: sp });
          expect(viaSample.featureValues).toEqual(own.featureValues);
        });
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('an isotropic spacing leaves S of the scale-covariant features (brightness, extent, xpos, ypos, size) unchanged', () => {
    fc.assert(
      fc.property(fc.array(sample(), { minLength: 1, maxLength: 3 }), fc.double({ min: 0.2, max: 5, noNaN: true }), seed, (ss, s, sm) => {
        const batch = batchOf(ss);
        const features = momentFeatures({ names: ['brightness', 'extent', 'xpos', 'ypos', 'size'] });
        const model = batchModel(modelWeights(sm, D, 3, 3));
        const px = alignmentBatch(model, features, batch);
        const mm = alignmentBatch(model, features, { ...batch, spacings: ss.map((): Spacing => [s, s]) });
        px.forEach((r, i) => r.S.forEach((v, j) => expect(Math.abs(mm[i]!.S[j]! - v!)).toBeLessThanOrEqual(TOL.exact)));
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('flowAlignmentBatch with spacings follows the same path and gives F and F_A of features built with that spacing, to the bit', () => {
    fc.assert(
      fc.property(fc.array(sample(), { minLength: 1, maxLength: 2 }), spacing, seed, (ss, sp, sm) => {
        const batch = batchOf(ss);
        const model = batchModel(modelWeights(sm, D, 3, 4));
        const options = { maxSteps: 20, includePartialPaths: true };
        const got = flowAlignmentBatch(model, momentFeatures(), { ...batch, spacings: ss.map(() => sp) }, options);
        const expected = flowAlignmentBatch(model, momentFeatures({ spacing: sp }), batch, options);
        got.forEach((r, i) => {
          expect(r.F).toEqual(expected[i]!.F);
          expect(r.FA).toBe(expected[i]!.FA);
          expect(r.length).toBe(expected[i]!.length);
        });
      }),
      { seed: SEED, numRuns: RUNS.flow },
    );
  });

  it("the reward with the batch's spacings, or the dataset's by row, equals the reward of features built with them, to the bit", () => {
    fc.assert(
      fc.property(fc.array(sample(), { minLength: 1, maxLength: 3 }), spacing, seed, fc.constantFrom<'pointwise' | 'span'>('pointwise', 'span'), (ss, sp, sp2, kind) => {
        const x = concat(ss.map((s) => concat([reshape(s.image, [1, 1, SIDE, SIDE]) as Tensor, reshape(s.mask, [1, 1, SIDE, SIDE]) as Tensor], 1)), 0);
        const [k1, k2] = random.split(random.key(sp2), 2);
        const params = { W: random.normal(k1!, [2 * D, 3], { dtype: 'f64', std: 2 / Math.sqrt(D) }), a: random.normal(k2!, [3, 1], { dtype: 'f64' }) };
        const apply = (p: typeof params, xx: Tensor) => matmul(tanh(matmul(reshape(xx, [xx.shape[0]!, 2 * D]) as never, p.W as never) as Tensor) as never, add(p.a, 0) as never) as Tensor;
        const features = momentFeatures({ names });
        const indices = ss.map((_, i) => i);
        const spacings = ss.map(() => sp);
        const expected = alignmentReward({ features: momentFeatures({ names, spacing: sp }), lambda: 0.7, kind })(apply, params, { x, indices }).item();
        expect(alignmentReward({ features, lambda: 0.7, kind })(apply, params, { x, indices, spacings }).item()).toBe(expected);
        expect(alignmentReward({ features, lambda: 0.7, kind, spacings })(apply, params, { x, indices }).item()).toBe(expected);
      }),
      { seed: SEED, numRuns: RUNS.flow },
    );
  });
});

describe('bad spacings and feature options get typed errors naming the sample or the option', () => {
  const s = fc.sample(sample(), { seed: SEED, numRuns: 1 })[0]!;
  const batch = batchOf([s, s]);
  const model = batchModel(modelWeights(1, D));

  it('a spacings list of the wrong length gets an ArgumentError naming spacings and the sample count', () => {
    expect(() => alignmentBatch(model, momentFeatures(), { ...batch, spacings: [[1, 1]] })).toThrow(ArgumentError);
    expect(() => flowAlignmentBatch(model, momentFeatures(), { ...batch, spacings: [[1, 1]] })).toThrow('flowAlignmentBatch: spacings must hold one [row, column] spacing per sample (2), got 1');
  });

  it("a zero, negative or malformed spacing gets an ArgumentError naming the sample's id", () => {
    expect(() => alignmentBatch(model, momentFeatures(), { ...batch, ids: ['a', 'b'], spacings: [[1, 1], [0, 1]] })).toThrow('alignmentBatch: the spacing of sample b must be two positive finite numbers [row, column], got [0,1]');
    expect(() => alignment((x) => model(reshape(x, [1, SIDE, SIDE]) as ImageBatch), momentFeatures(), { ...s, id: 'p7', spacing: [1] as never })).toThrow('alignment: the spacing of sample p7 must be two positive finite numbers [row, column], got [1]');
  });

  it('a feature built with a bad spacing or region gets an ArgumentError naming the feature and the option', () => {
    expect(() => extentFeature({ spacing: [-1, 1] })).toThrow('extent: spacing must be two positive finite numbers [row, column], got [-1,1]');
    expect(() => extentFeature({ region: 'tumour' as never })).toThrow("extent: region must be 'mask' or 'image', got tumour");
    expect(() => checkFeatureDomain(s.image, s.mask, { region: 'tumour' as never })).toThrow(ArgumentError);
  });

  it('an unknown feature name in momentFeatures gets an ArgumentError listing the known names', () => {
    expect(() => momentFeatures({ names: ['xpos', 'area'] })).toThrow('momentFeatures: unknown feature "area"; known: brightness, extent, logAspectRatio, xpos, ypos, size');
  });

  it("the reward's dataset spacings without the batch's rows get an ArgumentError naming indices", () => {
    const x = concat([reshape(s.image, [1, 1, SIDE, SIDE]) as Tensor, reshape(s.mask, [1, 1, SIDE, SIDE]) as Tensor], 1);
    const reward = alignmentReward({ features: momentFeatures({ names: ['extent'] }), lambda: 1, spacings: [[1, 1]] });
    expect(() => reward((_p: unknown, xx: Tensor) => reshape(xx, [1, 2 * D]) as Tensor, {}, { x })).toThrow('alignmentReward: options.spacings needs the batch to carry indices (its dataset rows)');
    expect(() => reward((_p: unknown, xx: Tensor) => reshape(xx, [1, 2 * D]) as Tensor, {}, { x, indices: [3] })).toThrow('alignmentReward: batch index 3 is outside the 1 spacings');
  });
});
