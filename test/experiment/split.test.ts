import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { splitForSeed } from '../../src/experiment/data.ts';
import { ExperimentError } from '../../src/experiment/errors.ts';

const labels = (n: number, positives: number) => Array.from({ length: n }, (_, i) => (i % Math.floor(n / positives) === 0 && i / Math.floor(n / positives) < positives ? 1 : 0));

describe('splitForSeed (train / validation / test)', () => {
  it('partitions every subject into exactly one split, stratified, with the same sizes for every seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (seed) => {
        const y = labels(298, 40);
        const s = splitForSeed(y, seed, { testFraction: 0.3, validationFraction: 0.25 });
        const all = [...s.train, ...s.validation, ...s.test].sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: 298 }, (_, i) => i));
        expect([s.train.length, s.validation.length, s.test.length]).toEqual([157, 52, 89]);
        const pos = (idx: readonly number[]) => idx.filter((i) => y[i] === 1).length;
        expect([pos(s.train), pos(s.validation), pos(s.test)]).toEqual([21, 7, 12]);
      }),
      { numRuns: 50 },
    );
  });

  it('draws different members for different seeds (the split is part of what a seed varies)', () => {
    const y = labels(298, 40);
    const a = splitForSeed(y, 0, { testFraction: 0.3, validationFraction: 0.25 });
    const b = splitForSeed(y, 1, { testFraction: 0.3, validationFraction: 0.25 });
    expect(a.test).not.toEqual(b.test);
    expect(splitForSeed(y, 0, { testFraction: 0.3, validationFraction: 0.25 })).toEqual(a);
  });

  it('a class too small to appear in every split gets a plan error naming the seed', () => {
    expect(() => splitForSeed([1, 0, 0, 0, 0, 0], 3, { testFraction: 0.3, validationFraction: 0.25 })).toThrow(ExperimentError);
    expect(() => splitForSeed([1, 0, 0, 0, 0, 0], 3, { testFraction: 0.3, validationFraction: 0.25 })).toThrow(/seed 3/);
  });
});
