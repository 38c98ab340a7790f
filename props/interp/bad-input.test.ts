/**
 * Bad input: each gets a typed flag (or a typed error) naming the sample, never a NaN or a
 * crash, and the summaries count the samples each one affected.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { add, ArgumentError, concat, dot, exp, FgflowError, mul, reshape, ShapeError, sum, Tensor, zeros } from '../../src/index.ts';
import {
  alignment, alignmentBatch, alignmentReward, brightness, checkFeatureDomain, extent, FeatureError, flowAlignment, flowAlignmentBatch, logAspectRatio,
  noise, summarizeAlignment, summarizeFlow, type Feature, type Image, type ImageBatch,
} from '../../src/interp/index.ts';
import { RUNS, SEED, SIDE, img, linear, sample, weightsImage } from './support.ts';

const D = SIDE * SIDE;
const seed = fc.integer({ min: 0, max: 1 << 30 });
const builtins = { brightness, extent, logAspectRatio };

/** Fails on any NaN (or ±∞) number anywhere in a result, tensors included. */
function expectNoNaN(value: unknown, path = 'result'): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}`);
  } else if (value instanceof Tensor) {
    value.data.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new Error(`${path}[${i}] is ${v}`);
    });
  } else if (Array.isArray(value)) value.forEach((v, i) => expectNoNaN(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) expectNoNaN(v, `${path}.${k}`);
}

/** A straight line of pixels (horizontal, vertical or diagonal), at least 2 long. */
const lineMask = fc
  .record({ dir: fc.constantFrom([0, 1], [1, 0], [1, 1], [1, -1]), r: fc.integer({ min: 2, max: SIDE - 3 }), c: fc.integer({ min: 2, max: SIDE - 3 }), len: fc.integer({ min: 2, max: 6 }) })
  .map(({ dir, r, c, len }) => {
    const m = new Float64Array(D);
    for (let k = 0; k < len; k++) {
      const rr = r + k * dir[0]!;
      const cc = c + k * dir[1]!;
      if (rr >= 0 && rr < SIDE && cc >= 0 && cc < SIDE) m[rr * SIDE + cc] = 1;
    }
    return img(m);
  })
  .filter((m) => m.data.reduce((s, v) => s + v, 0) >= 2);

const onePixel = fc.tuple(fc.integer({ min: 0, max: SIDE - 1 }), fc.integer({ min: 0, max: SIDE - 1 })).map(([r, c]) => {
  const m = new Float64Array(D);
  m[r * SIDE + c] = 1;
  return img(m);
});

function kinds(r: { issues: readonly { subject: string; kind: string; sampleId: unknown }[] }): Record<string, string> {
  return Object.fromEntries(r.issues.map((i) => [i.subject, i.kind]));
}

describe('undefined features', () => {
  it('an empty mask: a FeatureError naming the sample from checkFeatureDomain; in the measures every moment feature is flagged and null', () => {
    fc.assert(
      fc.property(sample(), seed, fc.string({ minLength: 1, maxLength: 6 }), ({ image }, sw, id) => {
        const mask = img(new Float64Array(D));
        let caught: unknown;
        try {
          checkFeatureDomain(image, mask, { sampleId: id });
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(FeatureError);
        expect(caught).toBeInstanceOf(FgflowError);
        expect((caught as FeatureError).kind).toBe('empty-mask');
        expect((caught as FeatureError).sampleId).toBe(id);
        expect((caught as Error).message).toContain(id);
        const r = alignment(linear(weightsImage(sw), 0.3), builtins, { image, mask, id });
        expect(kinds(r)).toEqual({ brightness: 'empty-mask', extent: 'empty-mask', logAspectRatio: 'empty-mask' });
        expect(r.issues.every((i) => i.sampleId === id && i.message.includes(id))).toBe(true);
        expect(r.S).toEqual([null, null, null]);
        expect(r.A).toBeNull();
        expect(r.unexplained).toBeNull();
        expectNoNaN(r);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('a zero-intensity mask: extent and log aspect ratio are flagged; brightness (0) stays defined', () => {
    fc.assert(
      fc.property(sample(), seed, ({ image, mask }, sw) => {
        const dark = img(Array.from(image.data, (v, i) => (mask.data[i] ? 0 : v)));
        const r = alignment(linear(weightsImage(sw), 0.3), builtins, { image: dark, mask, id: 7 });
        expect(kinds(r)).toEqual({ extent: 'zero-intensity', logAspectRatio: 'zero-intensity' });
        expect(r.S[0]).not.toBeNull();
        expect(r.featureValues[0]).toBe(0);
        expect(r.A).toBeNull();
        expectNoNaN(r);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('a line-shaped mask: the log aspect ratio is flagged as a degenerate covariance; a one-pixel mask flags extent too', () => {
    fc.assert(
      fc.property(sample(), lineMask, onePixel, seed, ({ image }, line, pixel, sw) => {
        const f = linear(weightsImage(sw), 0.3);
        const r = alignment(f, builtins, { image, mask: line, id: 'line' });
        expect(kinds(r)).toEqual({ logAspectRatio: 'degenerate-covariance' });
        expect(r.S[0]).not.toBeNull();
        expect(r.S[1]).not.toBeNull();
        expectNoNaN(r);
        const p = alignment(f, builtins, { image, mask: pixel, id: 'pixel' });
        expect(kinds(p)).toEqual({ extent: 'degenerate-covariance', logAspectRatio: 'degenerate-covariance' });
        expectNoNaN(p);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('NaN in the image under the mask: non-finite, flagged per feature', () => {
    fc.assert(
      fc.property(sample(), seed, ({ image, mask }, sw) => {
        const at = mask.data.findIndex((v) => v === 1);
        const bad = img(Array.from(image.data, (v, i) => (i === at ? NaN : v)));
        const r = alignment((x: Image) => dot(weightsImage(sw) as never, x as never), builtins, { image: bad, mask, id: 3 });
        for (const name of ['brightness', 'extent', 'logAspectRatio']) expect(r.issues.some((i) => i.subject === name && i.kind === 'non-finite')).toBe(true);
        expect(r.S).toEqual([null, null, null]);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });
});

describe('zero gradients', () => {
  it('of f: every S, A and the remainder are null and f is flagged; of a feature: its S is null, A stays defined', () => {
    fc.assert(
      fc.property(sample(), seed, fc.double({ min: -5, max: 5, noNaN: true }), ({ image, mask }, sw, c) => {
        const constant = (x: Image) => add(mul(sum(x), 0), c);
        const r = alignment(constant, builtins, { image, mask, id: 'z' });
        expect(r.issues).toEqual([expect.objectContaining({ subject: 'f', kind: 'zero-gradient', sampleId: 'z' })]);
        expect(r.S).toEqual([null, null, null]);
        expect(r.A).toBeNull();
        expect(r.gradNorm).toBe(0);
        const flat: Feature = (x, m) => add(mul(sum(x), 0), sum(m));
        const q = alignment(linear(weightsImage(sw), 0.1), { flat, logAspectRatio }, { image, mask, id: 'g' });
        expect(q.issues).toEqual([expect.objectContaining({ subject: 'flat', kind: 'zero-gradient', sampleId: 'g' })]);
        expect(q.S[0]).toBeNull();
        expect(q.S[1]).not.toBeNull();
        // A zero gradient spans nothing: A is the alignment with the other features alone.
        expect(q.A).toBeCloseTo(q.S[1]!, 12);
        expectNoNaN([r, q]);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });
});

describe('flows that cannot reach the boundary', () => {
  it('a constant-sign model runs out of budget (not-reached: F null, or partial with includePartialPaths); a constant model stalls at once; neither gives NaN', () => {
    fc.assert(
      fc.property(sample(), seed, fc.constantFrom(0, 1), ({ image, mask }, sw, which) => {
        const w = weightsImage(sw);
        const positive = (x: Image) => add(exp(mul(dot(w as never, x as never), 0.1)), 1); // > 1 everywhere
        const budget = which ? { maxSteps: 5 } : { maxLength: 0.05, stepSize: 0.02 };
        const r = flowAlignment(positive, builtins, { image, mask, id: 'p' }, budget);
        expect(r.reached).toBe(false);
        expect(r.stopReason).toBe(which ? 'max-steps' : 'max-length');
        expect(r.issues).toContainEqual(expect.objectContaining({ subject: 'flow', kind: 'not-reached', sampleId: 'p' }));
        expect(r.F).toEqual([null, null, null]);
        expect(r.FA).toBeNull();
        expectNoNaN(r);
        const partial = flowAlignment(positive, builtins, { image, mask, id: 'p' }, { ...budget, includePartialPaths: true });
        expect(partial.F.every((v) => v !== null)).toBe(true);
        expectNoNaN(partial);
        const stalled = flowAlignment((x: Image) => add(mul(sum(x), 0), 1), builtins, { image, mask, id: 's' });
        expect(stalled.stopReason).toBe('stalled');
        expect(stalled.reached).toBe(false);
        expect(stalled.F).toEqual([null, null, null]);
        expect(stalled.issues).toContainEqual(expect.objectContaining({ subject: 'flow', kind: 'stalled', sampleId: 's' }));
        expectNoNaN(stalled);
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});

describe('summaries over a dataset of bad samples', () => {
  it('count the samples each flag affected, and hold no NaN', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(sample(), fc.constantFrom('ok', 'empty', 'dark', 'line', 'nan')), { minLength: 1, maxLength: 6 }), lineMask, seed, (items, line, sw) => {
        const prepared = items.map(([s, kind]) => {
          const mask = kind === 'empty' ? img(new Float64Array(D)) : kind === 'line' ? line : s.mask;
          const image = kind === 'dark' ? img(Array.from(s.image.data, (v, i) => (mask.data[i] ? 0 : v))) : s.image;
          return { image, mask, kind };
        });
        const stack = (xs: Image[]) => Tensor.fromBuffer([xs.length, SIDE, SIDE] as const, 'f64', Float64Array.from(xs.flatMap((x) => Array.from(x.data)))) as ImageBatch;
        const batch = { images: stack(prepared.map((p) => p.image)), masks: stack(prepared.map((p) => p.mask)), ids: prepared.map((_, i) => `s${i}`) };
        const w = weightsImage(sw);
        // The model is NaN on the 'nan' samples only: a broken model output is flagged too.
        const nanRows = prepared.map((p) => p.kind === 'nan');
        const model = (x: ImageBatch, index: readonly number[]) => {
          const lin = reshape(x as Tensor, [x.shape[0], D]) as Tensor;
          const values = Tensor.fromBuffer([x.shape[0], 1], 'f64', Float64Array.from(index, (i) => (nanRows[i] ? NaN : 0)));
          return add(reshape(sum(mul(lin, reshape(w as Tensor, [1, D])), [1]), [x.shape[0], 1]) as Tensor, values);
        };
        const rs = alignmentBatch(model, builtins, batch);
        expectNoNaN(rs);
        const summary = summarizeAlignment(rs);
        expectNoNaN(summary);
        const ids = (k: string) => prepared.flatMap((p, i) => (p.kind === k ? [`s${i}`] : []));
        const count = (subject: string, kind: string) => (summary.issues.bySubject[subject]?.[kind as 'empty-mask'] ?? { sampleIds: [] }).sampleIds;
        expect(count('logAspectRatio', 'empty-mask')).toEqual(ids('empty'));
        expect(count('logAspectRatio', 'zero-intensity')).toEqual(ids('dark'));
        expect(count('logAspectRatio', 'degenerate-covariance')).toEqual(ids('line'));
        expect(count('f', 'non-finite')).toEqual(ids('nan'));
        expect(summary.S['logAspectRatio']!.missing).toBe(prepared.filter((p) => p.kind !== 'ok').length);
        expect(summary.issues.flaggedSamples).toBe(prepared.filter((p) => p.kind !== 'ok').length);
        const flows = flowAlignmentBatch(model, builtins, batch, { maxSteps: 3, batchSize: 4 });
        expectNoNaN(flows);
        const fs = summarizeFlow(flows);
        expectNoNaN(fs);
        expect(fs.reached + fs.notReached).toBe(prepared.length);
        expect(fs.issues.bySubject['flow']?.['non-finite']?.sampleIds ?? []).toEqual(ids('nan'));
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});

describe('the reward on bad samples', () => {
  it('leaves a sample whose feature is undefined out of that feature\'s mean, names it, and stays finite with a finite gradient', () => {
    fc.assert(
      fc.property(sample(), sample(), seed, ({ image, mask }, other, sw) => {
        const empty = zeros([SIDE, SIDE], { dtype: 'f64' });
        const x = concat(
          [
            concat([reshape(image, [1, 1, SIDE, SIDE]) as Tensor, reshape(mask, [1, 1, SIDE, SIDE]) as Tensor], 1),
            concat([reshape(other.image, [1, 1, SIDE, SIDE]) as Tensor, reshape(empty, [1, 1, SIDE, SIDE]) as Tensor], 1),
          ],
          0,
        );
        const w = weightsImage(sw);
        const apply = (p: { s: Tensor }, xx: Tensor) => mul(reshape(sum(mul(reshape(xx, [2, 2 * D]) as Tensor, reshape(concat([reshape(w as Tensor, [D]), reshape(w as Tensor, [D])], 0), [1, 2 * D])), [1]), [2, 1]), p.s);
        const reward = alignmentReward({ features: { logAspectRatio }, lambda: 1 });
        const both = reward(apply, { s: Tensor.fromBuffer([], 'f64', Float64Array.of(1.5)) }, { x, indices: [10, 11] }).item();
        const single = alignment(linear(w, 0), [logAspectRatio], { image, mask }).S[0]!;
        expect(both).toBeCloseTo(-single, 12);
        expect(reward.issues({ x, indices: [10, 11] })).toEqual([expect.objectContaining({ sampleId: 11, subject: 'logAspectRatio', kind: 'empty-mask' })]);
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});

describe('malformed calls get typed errors', () => {
  it('mismatched shapes, non-scalar models and bad options', () => {
    const image = img(new Float64Array(D).fill(0.5));
    const f = (x: Image) => sum(x);
    expect(() => alignment(f, [brightness], { image, mask: img(new Float64Array(D - 2), SIDE - 1, SIDE) })).toThrow(ShapeError);
    expect(() => alignment((x: Image) => x as Tensor, [brightness], { image, mask: image })).toThrow(ShapeError);
    expect(() => alignment(f, [brightness], { image, mask: image }, { rankTolerance: 2 })).toThrow(ArgumentError);
    expect(() => flowAlignment(f, [brightness], { image, mask: image }, { integrator: 'midpoint' as never })).toThrow(ArgumentError);
    expect(() => flowAlignment(f, [brightness], { image, mask: image }, { stepSize: -1 })).toThrow(ArgumentError);
    expect(() => alignmentReward({ features: [brightness], lambda: { nope: 1 } })).toThrow(ArgumentError);
    expect(() => alignmentReward({ features: [brightness], lambda: { brightness: 1 }, kind: 'span' })).toThrow(ArgumentError);
    expect(() => noise([1, 2, 3] as never)).toThrow(ArgumentError);
  });
});
