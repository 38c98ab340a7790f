import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { holm, pairedTTest, sampleSd, seedStat } from '../../src/experiment/stats.ts';
import { ExperimentError } from '../../src/experiment/errors.ts';

// Student (1908) / R's `sleep` data: extra hours of sleep under two drugs, the same ten patients.
// R 4.x, t.test(extra ~ group, data = sleep, paired = TRUE) for group 2 − group 1:
//   t = 4.0621, df = 9, p-value = 0.002833, 95% CI 0.7001142 2.4598858, mean difference 1.58.
const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe('paired t-test', () => {
  it('reproduces the textbook sleep example (Student 1908, as R reports it)', () => {
    const r = pairedTTest('sleep', drug1, drug2);
    expect(r.mean).toBeCloseTo(1.58, 12);
    expect(r.t).toBeCloseTo(4.0621, 4);
    expect(r.df).toBe(9);
    expect(r.pValue).toBeCloseTo(0.002833, 6);
    expect(r.lo).toBeCloseTo(0.7001142, 6);
    expect(r.hi).toBeCloseTo(2.4598858, 6);
  });

  it('is unchanged when the same shift is added to both arms, and flips sign when the arms swap', () =>
    fc.assert(fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 2, maxLength: 12 }), fc.double({ min: -5, max: 5, noNaN: true }), (base, shift) => {
      const rewarded = base.map((b, i) => b + Math.sin(i + 1));
      const r = pairedTTest('x', base, rewarded);
      const shifted = pairedTTest('x', base.map((b) => b + shift), rewarded.map((v) => v + shift));
      const swapped = pairedTTest('x', rewarded, base);
      expect(shifted.mean).toBeCloseTo(r.mean, 9);
      expect(swapped.mean).toBeCloseTo(-r.mean, 12);
      if (r.pValue !== null) {
        expect(shifted.pValue).toBeCloseTo(r.pValue, 6);
        expect(swapped.pValue).toBeCloseTo(r.pValue, 12);
        expect(r.lo! <= r.mean && r.mean <= r.hi!).toBe(true);
        // The interval excludes 0 exactly when p < 0.05.
        expect(r.lo! > 0 || r.hi! < 0).toBe(r.pValue < 0.05);
      }
    })),
  );

  it('gives no p-value for one seed or for differences without spread', () => {
    expect(pairedTTest('one', [0.5], [0.6]).pValue).toBeNull();
    const flat = pairedTTest('flat', [0.1, 0.2, 0.3], [0.2, 0.3, 0.4]);
    expect(flat.pValue).toBeNull();
    expect(flat.mean).toBeCloseTo(0.1, 12);
    expect([flat.lo, flat.hi]).toEqual([flat.mean, flat.mean]);
  });

  it('refuses arms of different lengths and non-finite values with a statistics error naming the measure', () => {
    expect(() => pairedTTest('span alignment', [1, 2], [1])).toThrow(/span alignment: paired samples differ in length/);
    expect(() => pairedTTest('BA', [1, NaN], [1, 2])).toThrow(ExperimentError);
  });
});

describe('seedStat', () => {
  it('gives the t interval of the mean (sleep group 1: mean 0.75, 95% CI −0.5297804 to 2.0297804 in R)', () => {
    const s = seedStat('sleep', drug1);
    expect(s.mean).toBeCloseTo(0.75, 12);
    expect(s.lo).toBeCloseTo(-0.5297804, 6);
    expect(s.hi).toBeCloseTo(2.0297804, 6);
    expect(s.n).toBe(10);
    expect(s.values).toEqual(drug1);
  });

  it('contains its mean, clamps to the range, and has no interval for one seed', () =>
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 10 }), (values) => {
    const s = seedStat('v', values, { range: [0, 1] });
    if (values.length === 1) expect([s.lo, s.hi, s.sd]).toEqual([null, null, null]);
    else {
      expect(s.lo! <= s.mean + 1e-12 && s.mean <= s.hi! + 1e-12).toBe(true);
      expect(s.lo! >= 0 && s.hi! <= 1).toBe(true);
      expect(s.sd).toBeCloseTo(sampleSd(values)!, 12);
    }
  })),
  );

  it('refuses an empty list with a statistics error', () => {
    expect(() => seedStat('balanced accuracy', [])).toThrow(/balanced accuracy: no values/);
  });
});

describe('holm', () => {
  it('matches the textbook step-down adjustment (R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm"))', () => {
    // R gives 0.03 0.06 0.06 0.02
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((v, i) => expect(adjusted[i]).toBeCloseTo(v, 12));
  });

  it('never lowers a p-value, stays in [0, 1], keeps nulls', () =>
    fc.assert(fc.property(fc.array(fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }), { maxLength: 8 }), (ps) => {
    const adjusted = holm(ps);
    ps.forEach((p, i) => {
      if (p === null) expect(adjusted[i]).toBeNull();
      else expect(adjusted[i]! >= p - 1e-15 && adjusted[i]! <= 1).toBe(true);
    });
  })),
  );
});
