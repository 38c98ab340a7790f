import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stratifiedSplit, stratifiedSplitOrThrow } from '../../src/data/split.ts';
import { DataError } from '../../src/data/errors.ts';
import { Rng, deriveSeed } from '../../src/data/rng.ts';
import { expectDataError, right } from './helpers.ts';

const labels298 = (): (0 | 1)[] => Array.from({ length: 298 }, (_, i) => (i % 7 === 3 && i < 280 ? 1 : 0));

describe('stratifiedSplit', () => {
  it('298 with 40 positives → 209/89, 12 positives in test', () => {
    const l = labels298();
    expect(l.filter((x) => x === 1)).toHaveLength(40);
    const s = right(stratifiedSplit(l, { testFraction: 0.3, seed: 42 }));
    expect(s.train).toHaveLength(209);
    expect(s.test).toHaveLength(89);
    expect(s.test.filter((i) => l[i] === 1)).toHaveLength(12);
    expect(new Set([...s.train, ...s.test]).size).toBe(298);
  });
  it('is seeded: same seed same split, other seed different', () => {
    const l = labels298();
    const a = stratifiedSplitOrThrow(l, { seed: 1 });
    expect(stratifiedSplitOrThrow(l, { seed: 1 })).toEqual(a);
    expect(stratifiedSplitOrThrow(l, { seed: 2 }).test).not.toEqual(a.test);
  });
  it('property: partition, exact test size, both classes on both sides, proportional', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<0 | 1>(0, 1), { minLength: 2, maxLength: 300 }), fc.integer({ min: 1, max: 9 }), fc.nat(), (l, t, seed) => {
        const f = t / 10;
        const r = stratifiedSplit(l, { testFraction: f, seed });
        if (r._tag === 'Left') {
          expect(r.left.code).toBe('single-class');
          return;
        }
        const { train, test } = r.right;
        expect(train.length + test.length).toBe(l.length);
        expect(new Set([...train, ...test]).size).toBe(l.length);
        expect(test.length).toBe(Math.round(f * l.length));
        for (const c of [0, 1]) {
          const nc = l.filter((x) => x === c).length;
          const tc = test.filter((i) => l[i] === c).length;
          expect(tc).toBeGreaterThan(0);
          expect(tc).toBeLessThan(nc);
          expect(Math.abs(tc - (nc * test.length) / l.length)).toBeLessThanOrEqual(1);
        }
      }),
      { seed: 7, numRuns: 300 },
    );
  });
  it('errors: one class, a class too small to split, bad fraction, bad labels, empty', () => {
    expectDataError(stratifiedSplit([1, 1, 1, 1], {}), 'single-class');
    expectDataError(stratifiedSplit([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], { testFraction: 0.3 }), 'single-class');
    expectDataError(stratifiedSplit([0, 1], { testFraction: 1 }), 'bad-option');
    expectDataError(stratifiedSplit([0, 2, 1], {}), 'bad-label');
    expectDataError(stratifiedSplit([], {}), 'empty-dataset');
    expect(() => stratifiedSplitOrThrow([0, 0])).toThrow(DataError);
  });
});

describe('Rng', () => {
  it('is deterministic, forks are independent of consumption, uniform-ish', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    const f1 = a.fork(3).next();
    expect(new Rng(5).fork(3).next()).toBe(f1);
    expect(new Rng(5).fork(4).next()).not.toBe(f1);
    expect(deriveSeed(1, 'x')).toBe(deriveSeed(1, 'x'));
    const r = new Rng(9);
    let s = 0;
    let s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.05);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
    const u = Array.from({ length: n }, () => r.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(u.reduce((p, q) => p + q) / n - 0.5)).toBeLessThan(0.02);
  });
});
