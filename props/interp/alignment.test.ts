/** Pointwise alignment S and span alignment A: the invariants PAPER.md states, on random smooth models and features. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { add, grad, mul, reshape, Tensor } from '../../src/index.ts';
import {
  alignment, alignmentBatch, brightness, extent, logAspectRatio, noise, type Feature, type Image, type ImageBatch,
} from '../../src/interp/index.ts';
import { random } from '../../src/index.ts';
import { RUNS, SEED, SIDE, TOL, batchModel, cos2, imageModel, modelWeights, sample, vdot } from './support.ts';

const D = SIDE * SIDE;
const seed = fc.integer({ min: 0, max: 1 << 30 });
const nonZero = fc.tuple(fc.boolean(), fc.double({ min: 0.1, max: 10, noNaN: true })).map(([neg, v]) => (neg ? -v : v));
const offset = fc.double({ min: -5, max: 5, noNaN: true });

/** A random smooth function of the image, as a feature (it ignores the mask). */
function randomFeature(s: number): Feature {
  const g = imageModel(modelWeights(s, D));
  return (image: Image) => g(image);
}

function gradOf(f: (x: Image) => Tensor, image: Image): Float64Array {
  return Float64Array.from((grad((x: Tensor) => f(x as Image))(image as Tensor) as Tensor).data);
}

describe('pointwise alignment S', () => {
  it('S ∈ [0, 1] and equals cos²(∇f, ∇g) of the AD gradients', () => {
    fc.assert(
      fc.property(sample(), seed, seed, ({ image, mask }, sf, sn) => {
        const f = imageModel(modelWeights(sf, D));
        const gs = [brightness, extent, logAspectRatio, noise(random.key(sn)), randomFeature(sn + 1)];
        const r = alignment(f, gs, { image, mask });
        const gf = gradOf(f, image);
        r.S.forEach((s, i) => {
          expect(s).not.toBeNull();
          expect(s!).toBeGreaterThanOrEqual(0);
          expect(s!).toBeLessThanOrEqual(1);
          const gi = gradOf((x) => gs[i]!(x, mask), image);
          expect(Math.abs(s! - cos2(gf, gi))).toBeLessThanOrEqual(TOL.exact);
        });
        expect(r.issues).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('S(a·f + b, c·g + d) = S(f, g) for a, c ≠ 0', () => {
    fc.assert(
      fc.property(sample(), seed, seed, nonZero, offset, nonZero, offset, ({ image, mask }, sf, sg, a, b, c, d) => {
        const f = imageModel(modelWeights(sf, D));
        const g = randomFeature(sg);
        const f2 = (x: Image) => add(mul(f(x), a), b);
        const g2: Feature = (x, m) => add(mul(g(x, m), c), d);
        const base = alignment(f, [g, logAspectRatio], { image, mask }).S;
        const scaled = alignment(f2, [g2, (x: Image, m: Image) => add(mul(logAspectRatio(x, m), c), d)], { image, mask }).S;
        base.forEach((s, i) => expect(Math.abs(s! - scaled[i]!)).toBeLessThanOrEqual(TOL.exact));
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('S is symmetric in f and g', () => {
    fc.assert(
      fc.property(sample(), seed, seed, ({ image, mask }, sf, sg) => {
        const f = imageModel(modelWeights(sf, D));
        const g = imageModel(modelWeights(sg, D));
        const fg = alignment(f, [(x: Image) => g(x)], { image, mask }).S[0]!;
        const gf = alignment(g, [(x: Image) => f(x)], { image, mask }).S[0]!;
        expect(Math.abs(fg - gf)).toBeLessThanOrEqual(TOL.exact);
        // With a built-in feature as the model: S(f, logAR) = S(logAR, f).
        const fl = alignment(f, [logAspectRatio], { image, mask }).S[0]!;
        const lf = alignment((x: Image) => logAspectRatio(x, mask), [(x: Image) => f(x)], { image, mask }).S[0]!;
        expect(Math.abs(fl - lf)).toBeLessThanOrEqual(TOL.exact);
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('the batched measure (one reverse pass for the batch) equals the per-sample one', () => {
    fc.assert(
      fc.property(fc.array(sample(), { minLength: 1, maxLength: 4 }), seed, fc.integer({ min: 1, max: 3 }), (samples, sf, batchSize) => {
        const m = modelWeights(sf, D);
        const gs = { brightness, logAspectRatio, extent };
        const stack = (xs: Image[]) => reshape(Tensor.fromBuffer([xs.length * D], 'f64', Float64Array.from(xs.flatMap((x) => Array.from(x.data)))), [xs.length, SIDE, SIDE]) as ImageBatch;
        const batch = { images: stack(samples.map((s) => s.image)), masks: stack(samples.map((s) => s.mask)) };
        const rs = alignmentBatch(batchModel(m), gs, batch, { batchSize });
        samples.forEach((s, i) => {
          const single = alignment(imageModel(m), gs, { image: s.image, mask: s.mask, id: i });
          expect(rs[i]!.sampleId).toBe(i);
          expect(rs[i]!.names).toEqual(['brightness', 'logAspectRatio', 'extent']);
          rs[i]!.S.forEach((v, j) => expect(Math.abs(v! - single.S[j]!)).toBeLessThanOrEqual(TOL.exact));
          expect(Math.abs(rs[i]!.A! - single.A!)).toBeLessThanOrEqual(TOL.exact);
        });
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});

/** Unit-lower times unit-upper-ish: always invertible, condition number bounded by the entry ranges. */
const recombination = (k: number) =>
  fc
    .tuple(
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: k * k, maxLength: k * k }),
      fc.array(fc.tuple(fc.boolean(), fc.double({ min: 0.5, max: 2, noNaN: true })), { minLength: k, maxLength: k }),
    )
    .map(([off, diag]) => {
      const L = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : i > j ? off[i * k + j]! : 0)));
      const U = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? (diag[i]![0] ? -1 : 1) * diag[i]![1] : i < j ? off[i * k + j]! / 2 : 0)));
      return L.map((row) => U[0]!.map((_, j) => row.reduce((s, v, t) => s + v * U[t]![j]!, 0)));
    });

describe('span alignment A', () => {
  const features = (seeds: number[]): Feature[] => [logAspectRatio, brightness, ...seeds.map(randomFeature)].slice(0, Math.max(1, seeds.length));

  it('A ≥ max_i S_i, A + unexplained = 1, and ∇f⊥ is orthogonal to every ∇g_i with ‖∇f⊥‖²/‖∇f‖² = unexplained', () => {
    fc.assert(
      fc.property(sample(), seed, fc.array(seed, { minLength: 1, maxLength: 4 }), ({ image, mask }, sf, gseeds) => {
        const f = imageModel(modelWeights(sf, D));
        const gs = features(gseeds);
        const r = alignment(f, gs, { image, mask }, { returnPerp: true });
        const A = r.A!;
        for (const s of r.S) expect(A).toBeGreaterThanOrEqual(s! - TOL.exact);
        expect(Math.abs(A + r.unexplained! - 1)).toBeLessThanOrEqual(TOL.exact);
        const gf = gradOf(f, image);
        const perp = r.gradPerp!.data;
        for (const g of gs) {
          const gi = gradOf((x) => g(x, mask), image);
          expect(Math.abs(vdot(perp, gi))).toBeLessThanOrEqual(TOL.exact * Math.sqrt(vdot(gi, gi) * vdot(gf, gf)));
        }
        expect(Math.abs(vdot(perp, perp) / vdot(gf, gf) - r.unexplained!)).toBeLessThanOrEqual(TOL.exact);
        expect(r.rank).toBe(gs.length);
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('A = S_1 with one feature', () => {
    fc.assert(
      fc.property(sample(), seed, seed, fc.boolean(), ({ image, mask }, sf, sg, builtin) => {
        const f = imageModel(modelWeights(sf, D));
        const r = alignment(f, [builtin ? logAspectRatio : randomFeature(sg)], { image, mask });
        expect(Math.abs(r.A! - r.S[0]!)).toBeLessThanOrEqual(TOL.exact);
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('A is unchanged by an invertible recombination of the features (and by repeating one)', () => {
    const withK = fc.integer({ min: 1, max: 3 }).chain((k) => fc.tuple(fc.constant(k), recombination(k), fc.array(seed, { minLength: k, maxLength: k })));
    fc.assert(
      fc.property(sample(), seed, withK, offset, ({ image, mask }, sf, [k, M, gseeds], c) => {
        const f = imageModel(modelWeights(sf, D));
        const gs = features(gseeds).slice(0, k);
        const mixed: Feature[] = M.map((row) => (x: Image, m: Image) => row.reduce<Tensor>((s, v, j) => add(s, mul(gs[j]!(x, m), v)), c as unknown as Tensor));
        const a = alignment(f, gs, { image, mask }).A!;
        const b = alignment(f, mixed, { image, mask }).A!;
        expect(Math.abs(a - b)).toBeLessThanOrEqual(TOL.recombined);
        const repeated = alignment(f, [...gs, gs[0]!], { image, mask });
        expect(repeated.rank).toBe(k);
        expect(Math.abs(repeated.A! - a)).toBeLessThanOrEqual(TOL.recombined);
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});
