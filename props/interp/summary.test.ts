/** Summaries and the noise-baseline comparison: order statistics, null handling and the smoothed p-value. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { noiseBaseline, quantile, summarize } from '../../src/interp/index.ts';
import { RUNS, SEED, TOL } from './support.ts';

const value = fc.double({ min: -1e3, max: 1e3, noNaN: true });
const maybe = fc.oneof(value, fc.constant(null), fc.constant(NaN));

describe('summarize', () => {
  it('counts undefined values apart and orders the rest: min ≤ q1 ≤ median ≤ q3 ≤ max, mean within [min, max]', () => {
    fc.assert(
      fc.property(fc.array(maybe, { maxLength: 40 }), (xs) => {
        const s = summarize(xs);
        const defined = xs.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        expect(s.count).toBe(defined.length);
        expect(s.missing).toBe(xs.length - defined.length);
        if (defined.length === 0) {
          expect([s.mean, s.median, s.q1, s.q3, s.min, s.max, s.std]).toEqual([null, null, null, null, null, null, null]);
          return;
        }
        const sorted = [...defined].sort((a, b) => a - b);
        expect(s.min).toBe(sorted[0]);
        expect(s.max).toBe(sorted.at(-1));
        expect(s.q1!).toBeGreaterThanOrEqual(s.min!);
        expect(s.median!).toBeGreaterThanOrEqual(s.q1!);
        expect(s.q3!).toBeGreaterThanOrEqual(s.median!);
        expect(s.max!).toBeGreaterThanOrEqual(s.q3!);
        expect(s.mean!).toBeGreaterThanOrEqual(s.min! - TOL.exact * 1e3);
        expect(s.mean!).toBeLessThanOrEqual(s.max! + TOL.exact * 1e3);
        // The median of an odd count is the middle order statistic; of an even count, the midpoint of the two middle ones.
        const n = sorted.length;
        expect(s.median).toBe(n % 2 ? sorted[(n - 1) / 2] : sorted[n / 2 - 1]! + 0.5 * (sorted[n / 2]! - sorted[n / 2 - 1]!));
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('quantiles interpolate linearly between order statistics (type 7)', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 2, maxLength: 20 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, p) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const pos = (sorted.length - 1) * p;
        const q = quantile(sorted, p)!;
        const lo = sorted[Math.floor(pos)]!;
        const hi = sorted[Math.ceil(pos)]!;
        expect(q).toBeGreaterThanOrEqual(Math.min(lo, hi) - TOL.exact * 1e3);
        expect(q).toBeLessThanOrEqual(Math.max(lo, hi) + TOL.exact * 1e3);
        expect(quantile(sorted, 0)).toBe(sorted[0]);
        expect(quantile(sorted, 1)).toBe(sorted.at(-1));
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });
});

describe('noiseBaseline', () => {
  const unit = fc.double({ min: 0, max: 1, noNaN: true });
  it('p = (1 + #{draws with mean ≥ the feature mean}) / (1 + K), in [1/(K+1), 1]; ratio = feature mean / noise mean', () => {
    fc.assert(
      fc.property(fc.array(unit, { minLength: 1, maxLength: 10 }), fc.array(fc.array(unit, { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 12 }), (feature, draws) => {
        const r = noiseBaseline(feature, draws);
        const fm = feature.reduce((s, v) => s + v, 0) / feature.length;
        const means = draws.map((d) => d.reduce((s, v) => s + v, 0) / d.length);
        const K = draws.length;
        expect(r.draws).toBe(K);
        expect(r.pValue).toBe((1 + r.noiseMeans.filter((m) => m! >= r.featureMean!).length) / (1 + K));
        expect(r.pValue!).toBeGreaterThanOrEqual(1 / (K + 1));
        expect(r.pValue!).toBeLessThanOrEqual(1);
        means.forEach((m, k) => expect(Math.abs(r.noiseMeans[k]! - m)).toBeLessThanOrEqual(TOL.exact));
        const nm = means.reduce((s, v) => s + v, 0) / K;
        if (nm > 0) expect(Math.abs(r.ratio! - fm / nm)).toBeLessThanOrEqual(TOL.exact * Math.max(1, fm / nm));
        else expect(r.ratio).toBeNull();
        // A feature above every draw gets the smallest p-value K draws can show.
        const top = noiseBaseline([2], draws);
        expect(top.pValue).toBe(1 / (K + 1));
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('undefined values are skipped, and an all-undefined feature gives null statistics rather than NaN', () => {
    fc.assert(
      fc.property(fc.array(fc.constant(null), { minLength: 1, maxLength: 5 }), fc.array(fc.array(unit, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }), (feature, draws) => {
        const r = noiseBaseline(feature, draws);
        expect(r.featureMean).toBeNull();
        expect(r.ratio).toBeNull();
        expect(r.pValue).toBeNull();
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });
});
