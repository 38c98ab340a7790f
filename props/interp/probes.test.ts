/**
 * One pass for features and noise: probes measured beside the features (the same ∇f, the same
 * flow path) get what a separate call on the probes gives them, and leave A, F_A, the remainder
 * and the rank to the features, as a call on the features alone gives them, to the bit.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArgumentError, random, Tensor } from '../../src/index.ts';
import {
  alignmentBatch, brightness, extent, flowAlignmentBatch, logAspectRatio, noise, noiseDraws, type AlignmentResult, type FlowResult, type ImageBatch, type Integrator,
} from '../../src/interp/index.ts';
import { RUNS, SEED, SIDE, batchModel, modelWeights, sample } from './support.ts';

const D = SIDE * SIDE;
const seed = fc.integer({ min: 0, max: 1 << 30 });
const features = { brightness, extent, logAspectRatio };

/** 1–3 blobs, one of them with an empty mask now and then (so the features flag it, and A is undefined there). */
const batches = fc.tuple(fc.array(sample(), { minLength: 1, maxLength: 3 }), fc.boolean()).map(([ss, emptyOne]) => {
  const images = new Float64Array(ss.length * D);
  const masks = new Float64Array(ss.length * D);
  ss.forEach((s, i) => {
    images.set(s.image.data, i * D);
    if (!(emptyOne && i === 0)) masks.set(s.mask.data, i * D);
  });
  return {
    images: Tensor.fromBuffer([ss.length, SIDE, SIDE] as const, 'f64', images) as ImageBatch,
    masks: Tensor.fromBuffer([ss.length, SIDE, SIDE] as const, 'f64', masks) as ImageBatch,
    ids: ss.map((_, i) => `s${i}`),
  };
});

const probeSets = fc.tuple(seed, fc.integer({ min: 1, max: 3 }), fc.boolean()).map(([s, k, restrict]) => Object.fromEntries(noiseDraws(random.key(s), k, { mask: restrict }).map((f, i) => [`noise#${i + 1}`, f])));

const subjects = (r: { issues: readonly { subject: string }[] }, drop: readonly string[]) => r.issues.filter((i) => !drop.includes(i.subject));

function expectAlignmentSplits(both: AlignmentResult, alone: AlignmentResult, probes: AlignmentResult): void {
  const k = alone.names.length;
  expect(both.names).toEqual([...alone.names, ...probes.names]);
  expect(both.probes).toEqual(probes.names);
  expect(both.S).toEqual([...alone.S, ...probes.S]);
  expect(both.featureValues).toEqual([...alone.featureValues, ...probes.featureValues]);
  for (const key of ['A', 'unexplained', 'rank', 'value', 'gradNorm'] as const) expect(both[key]).toBe(alone[key]);
  expect(Array.from(both.gradPerp?.data ?? [])).toEqual(Array.from(alone.gradPerp?.data ?? []));
  expect(subjects(both, probes.names)).toEqual(alone.issues);
  expect(subjects(both, both.names.slice(0, k))).toEqual(probes.issues);
}

function expectFlowSplits(both: FlowResult, alone: FlowResult, probes: FlowResult): void {
  const k = alone.names.length;
  expect(both.names).toEqual([...alone.names, ...probes.names]);
  expect(both.probes).toEqual(probes.names);
  expect(both.F).toEqual([...alone.F, ...probes.F]);
  expect(both.FA).toBe(alone.FA);
  for (const key of ['reached', 'stopReason', 'length', 'steps', 'startValue', 'endValue'] as const) {
    expect(both[key]).toBe(alone[key]);
    expect(both[key]).toBe(probes[key]);
  }
  const [pb, pa, pp] = [both.path!, alone.path!, probes.path!];
  expect(pb.arc).toEqual(pa.arc);
  expect(pb.values).toEqual(pp.values);
  expect(pb.A).toEqual(pa.A);
  expect(pb.S).toEqual(pa.S.map((s, j) => [...s, ...pp.S[j]!]));
  pb.images.forEach((im, j) => expect(Array.from(im.data)).toEqual(Array.from(pp.images[j]!.data)));
  expect(subjects(both, probes.names)).toEqual(alone.issues);
  expect(subjects(both, both.names.slice(0, k))).toEqual(probes.issues);
}

describe('probes: features and noise in one pass', () => {
  it('alignmentBatch with probes gives S of both, and A, the remainder, the rank and ∇f⊥ of the features alone, as two separate calls do, to the bit', () => {
    fc.assert(
      fc.property(batches, probeSets, seed, fc.integer({ min: 1, max: 3 }), (batch, probes, sm, batchSize) => {
        const model = batchModel(modelWeights(sm, D, 3, 3));
        const options = { returnPerp: true, batchSize };
        const both = alignmentBatch(model, features, batch, { ...options, probes });
        const alone = alignmentBatch(model, features, batch, options);
        const onlyProbes = alignmentBatch(model, probes, batch, options);
        both.forEach((r, i) => expectAlignmentSplits(r, alone[i]!, onlyProbes[i]!));
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('flowAlignmentBatch with probes follows one path per sample and gives F of both, and F_A of the features alone, as two separate flows do, to the bit', () => {
    fc.assert(
      fc.property(batches, probeSets, seed, fc.constantFrom<Integrator>('euler', 'heun', 'rk4'), fc.boolean(), (batch, probes, sm, integrator, includePartialPaths) => {
        const model = batchModel(modelWeights(sm, D, 3, 4));
        const options = { integrator, includePartialPaths, maxSteps: 25, returnPath: true, batchSize: 2 };
        const both = flowAlignmentBatch(model, features, batch, { ...options, probes });
        const alone = flowAlignmentBatch(model, features, batch, options);
        const onlyProbes = flowAlignmentBatch(model, probes, batch, options);
        both.forEach((r, i) => expectFlowSplits(r, alone[i]!, onlyProbes[i]!));
      }),
      { seed: SEED, numRuns: RUNS.flow },
    );
  });

  it('a probe named like a feature gets an ArgumentError naming the probe, before anything runs', () => {
    const batch = fc.sample(batches, { seed: SEED, numRuns: 1 })[0]!;
    let calls = 0;
    const model = (x: ImageBatch) => {
      calls += 1;
      return batchModel(modelWeights(1, D))(x);
    };
    const clash = { brightness: noise(random.key(1)) };
    expect(() => alignmentBatch(model, features, batch, { probes: clash })).toThrow(ArgumentError);
    expect(() => flowAlignmentBatch(model, features, batch, { probes: clash })).toThrow('flowAlignmentBatch: probe brightness has the name of a feature; give it another');
    expect(() => alignmentBatch(model, features, batch, { probes: 3 as never })).toThrow('alignmentBatch: probes must be a feature set (a list or a record of features)');
    expect(calls).toBe(0);
  });
});
