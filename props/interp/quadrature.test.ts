/** The shared quadratures: the running trapezoid average of the flow, and the fixed rules of integrated gradients. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { quadratureRule, TrapezoidAverage } from '../../src/interp/quadrature.ts';
import { RUNS, SEED, TOL } from './support.ts';

const point = fc.record({ value: fc.double({ min: -10, max: 10, noNaN: true }), segment: fc.double({ min: 0, max: 3, noNaN: true }) });

describe('TrapezoidAverage', () => {
  it('is the trapezoid rule over the segments divided by their total length, and the last value on a path of length 0', () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), fc.array(point, { maxLength: 12 }), (first, rest) => {
        const acc = new TrapezoidAverage();
        acc.add(first, 0);
        rest.forEach((p) => acc.add(p.value, p.segment));
        const values = [first, ...rest.map((p) => p.value)];
        let integral = 0;
        let length = 0;
        rest.forEach((p, k) => {
          integral += (p.segment * (values[k]! + p.value)) / 2;
          length += p.segment;
        });
        const expected = length > 0 ? integral / length : values.at(-1)!;
        expect(Math.abs(acc.average(length)! - expected)).toBeLessThanOrEqual(TOL.exact * Math.max(1, Math.abs(expected)));
        expect(acc.last).toBe(values.at(-1));
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('averages a constant to itself, and lies between the smallest and largest value', () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), fc.array(point, { minLength: 1, maxLength: 12 }), (c, pts) => {
        const constant = new TrapezoidAverage();
        const varying = new TrapezoidAverage();
        constant.add(c, 0);
        varying.add(c, 0);
        pts.forEach((p) => {
          constant.add(c, p.segment);
          varying.add(p.value, p.segment);
        });
        const length = pts.reduce((s, p) => s + p.segment, 0);
        expect(Math.abs(constant.average(length)! - c)).toBeLessThanOrEqual(TOL.exact * Math.max(1, Math.abs(c)));
        const all = [c, ...pts.map((p) => p.value)];
        const avg = varying.average(length)!;
        expect(avg).toBeGreaterThanOrEqual(Math.min(...all) - TOL.exact * 10);
        expect(avg).toBeLessThanOrEqual(Math.max(...all) + TOL.exact * 10);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('is null (undefined) once any point is null, however long the rest of the path', () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 8 }), fc.nat(7), (pts, at) => {
        const acc = new TrapezoidAverage();
        pts.forEach((p, k) => acc.add(k === at % pts.length ? null : p.value, k === 0 ? 0 : p.segment));
        expect(acc.average(1)).toBeNull();
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });
});

describe('quadratureRule', () => {
  it('has weights summing to 1; the trapezoid rule integrates linear functions exactly, the right Riemann sum overshoots an increasing one by slope/(2m)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), (m, a, b) => {
        const linear = (alpha: number) => a + b * alpha;
        const integrate = (method: 'riemann' | 'trapezoid') => quadratureRule(method, m).reduce((s, n) => s + n.weight * linear(n.alpha), 0);
        for (const method of ['riemann', 'trapezoid'] as const) {
          const rule = quadratureRule(method, m);
          expect(Math.abs(rule.reduce((s, n) => s + n.weight, 0) - 1)).toBeLessThanOrEqual(TOL.exact);
          expect(rule.every((n) => n.alpha >= 0 && n.alpha <= 1)).toBe(true);
          expect(rule.at(-1)!.alpha).toBe(1);
        }
        const exact = a + b / 2;
        expect(Math.abs(integrate('trapezoid') - exact)).toBeLessThanOrEqual(TOL.exact * (1 + Math.abs(a) + Math.abs(b)));
        expect(Math.abs(integrate('riemann') - (exact + b / (2 * m)))).toBeLessThanOrEqual(TOL.exact * (1 + Math.abs(a) + Math.abs(b)));
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });
});
