/**
 * The splittable PRNG: determinism (same key, same numbers), independence of split and folded
 * keys, counter-based draws, and the distributions of normal and uniform.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { random } from '../../src/index.ts';
import { dtypeArb, flat, shapeArb, sizeOf } from './naive.ts';

const seedArb = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }));

const keyString = (k: readonly number[]) => `${k[0]}:${k[1]}`;

describe('determinism', () => {
  it('the same key gives the same numbers, for every sampler and dtype', () => {
    fc.assert(
      fc.property(seedArb, shapeArb(0, 3, 6), dtypeArb, (seed, shape, dt) => {
        const k1 = random.key(seed);
        const k2 = random.key(seed);
        expect(k2).toEqual(k1);
        expect(flat(random.normal(k2, shape, { dtype: dt }))).toEqual(flat(random.normal(k1, shape, { dtype: dt })));
        expect(flat(random.uniform(k2, shape, { dtype: dt, low: -3, high: 5 }))).toEqual(flat(random.uniform(k1, shape, { dtype: dt, low: -3, high: 5 })));
        expect(random.permutation(k2, 17)).toEqual(random.permutation(k1, 17));
        expect(random.split(k2, 3)).toEqual(random.split(k1, 3));
        expect(random.foldIn(k2, 7)).toEqual(random.foldIn(k1, 7));
      }),
      { numRuns: 60 },
    );
  });

  it('draws are a function of (key, index): a longer draw extends a shorter one, whatever the shape', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 40 }), dtypeArb, (seed, n, extra, dt) => {
        const k = random.key(seed);
        const short = flat(random.uniform(k, [n], { dtype: dt }));
        const long = flat(random.uniform(k, [n + extra], { dtype: dt }));
        expect(long.slice(0, n)).toEqual(short);
        expect(flat(random.uniform(k, [1, n + extra, 1], { dtype: dt }))).toEqual(long);
        // normal draws come in Box–Muller pairs: a prefix of even length is kept
        const even = n - (n % 2);
        expect(flat(random.normal(k, [n + extra], { dtype: dt })).slice(0, even)).toEqual(flat(random.normal(k, [even], { dtype: dt })));
      }),
      { numRuns: 60 },
    );
  });

  it('different seeds give different keys and different numbers', () => {
    fc.assert(
      fc.property(seedArb, seedArb, (a, b) => {
        fc.pre(a !== b);
        const ka = random.key(a);
        const kb = random.key(b);
        expect(keyString(ka)).not.toBe(keyString(kb));
        // 8 draws of 53 bits colliding by chance has probability ≈ 2^-424
        expect(flat(random.uniform(ka, [8], { dtype: 'f64' }))).not.toEqual(flat(random.uniform(kb, [8], { dtype: 'f64' })));
      }),
      { numRuns: 200 },
    );
  });
});

describe('split and foldIn', () => {
  it('split gives keys that differ from each other and from the parent, and draw differently', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 16 }), (seed, n) => {
        const k = random.key(seed);
        const children = random.split(k, n);
        expect(children).toHaveLength(n);
        const all = new Set([k, ...children].map(keyString));
        expect(all.size).toBe(n + 1);
        const draws = new Set([k, ...children].map((c) => flat(random.uniform(c, [4], { dtype: 'f64' })).join(',')));
        expect(draws.size).toBe(n + 1);
        // splitting is a function of the parent only: a prefix of a larger split is the smaller split
        expect(random.split(k, n + 3).slice(0, n)).toEqual(children);
        expect(children.every((c) => random.isKey(c))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('split of split does not revisit earlier keys (a tree of 3 levels, 4 wide)', () => {
    const seen = new Set<string>();
    let level = [random.key(2024)];
    seen.add(keyString(level[0]!));
    for (let depth = 0; depth < 3; depth++) {
      level = level.flatMap((k) => random.split(k, 4));
      for (const k of level) seen.add(keyString(k));
    }
    expect(seen.size).toBe(1 + 4 + 16 + 64);
  });

  it('foldIn gives a different key for each integer, and differs from split', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const k = random.key(seed);
        const folded = Array.from({ length: 32 }, (_, i) => keyString(random.foldIn(k, i)));
        const split = random.split(k, 32).map(keyString);
        expect(new Set([...folded, ...split, keyString(k)]).size).toBe(65);
      }),
      { numRuns: 50 },
    );
  });
});

describe('distributions', () => {
  // 10^5 draws: the sample mean of N(0, 1) has standard error 1/√n ≈ 0.0032 and the sample variance
  // √(2/n) ≈ 0.0045; the fraction within one std has standard error √(p(1 − p)/n) ≈ 0.0015 at p ≈ 0.6827.
  // Bounds of 0.02, 0.03 and 0.01 are more than 6 standard errors: a correct sampler fails them with
  // probability below 10^-8, while a biased one (say, a variance off by 5%) cannot pass.
  const N = 100_000;
  for (const seed of [0, 1, 987654321]) {
    it(`normal has mean ≈ 0 and std ≈ 1 on 10^5 draws (seed ${seed})`, () => {
      const xs = flat(random.normal(random.key(seed), [N], { dtype: 'f64' }));
      const mean = xs.reduce((s, v) => s + v, 0) / N;
      const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (N - 1);
      const within1 = xs.filter((v) => Math.abs(v) < 1).length / N;
      expect(Math.abs(mean)).toBeLessThan(0.02);
      expect(Math.abs(variance - 1)).toBeLessThan(0.03);
      expect(Math.abs(within1 - 0.682689)).toBeLessThan(0.01);
      expect(xs.every(Number.isFinite)).toBe(true);
    });
  }

  it('normal honours mean and std, in f32 too', () => {
    const xs = flat(random.normal(random.key(5), [N], { dtype: 'f32', mean: 3, std: 2 }));
    const mean = xs.reduce((s, v) => s + v, 0) / N;
    const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (N - 1));
    // the same bounds as above, scaled by std = 2
    expect(Math.abs(mean - 3)).toBeLessThan(0.04);
    expect(Math.abs(sd - 2)).toBeLessThan(0.03);
  });

  it('uniform lies in [low, high) and fills it evenly (f64)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        (seed, low, width) => {
          const high = low + width;
          fc.pre(high > low);
          const xs = flat(random.uniform(random.key(seed), [2000], { dtype: 'f64', low, high }));
          expect(xs.every((v) => v >= low && v < high)).toBe(true);
          // mean of 2000 uniforms: standard error width/√(12·2000) ≈ 0.0065·width; 0.05·width is > 7 of them
          const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
          expect(Math.abs(mean - (low + high) / 2)).toBeLessThan(0.05 * width);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('uniform defaults to [0, 1) and its deciles each hold ≈ 10% of 10^5 draws', () => {
    const xs = flat(random.uniform(random.key(77), [N], { dtype: 'f64' }));
    expect(xs.every((v) => v >= 0 && v < 1)).toBe(true);
    const counts = new Array<number>(10).fill(0);
    for (const v of xs) counts[Math.floor(v * 10)]!++;
    // each count is Binomial(10^5, 0.1): standard error ≈ 95; 700 is > 7 of them
    for (const c of counts) expect(Math.abs(c - N / 10)).toBeLessThan(700);
  });

  it('uniform lies in [low, high) in f32 for f32 bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.float({ min: -1e6, max: 1e6, noNaN: true }),
        fc.float({ min: Math.fround(1e-2), max: 1e6, noNaN: true }),
        (seed, low, width) => {
          const high = Math.fround(low + width);
          fc.pre(high > low);
          const xs = flat(random.uniform(random.key(seed), [500], { dtype: 'f32', low, high }));
          expect(xs.every((v) => v >= low && v < high)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('uniform stays below high in f32 even when [low, high) holds only a few f32 values', () => {
    // [1, 1 + 2^-22) holds the f32 values 1 and 1 + 2^-23; rounding low + (high − low)·u to f32 must not reach high
    const low = 1;
    const high = 1 + 2 ** -22;
    const xs = flat(random.uniform(random.key(3), [1000], { dtype: 'f32', low, high }));
    expect(xs.filter((v) => v >= high).length, `draws equal to high = ${high}`).toBe(0);
  });

  it('permutation is a permutation of 0..n-1, and different keys shuffle differently', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 60 }), (seed, n) => {
        const p = random.permutation(random.key(seed), n);
        expect([...p].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
      }),
      { numRuns: 100 },
    );
    const shuffles = new Set([1, 2, 3, 4, 5].map((s) => random.permutation(random.key(s), 20).join(',')));
    expect(shuffles.size).toBe(5);
  });

  it('random tensors have the requested shape and dtype', () => {
    fc.assert(
      fc.property(shapeArb(0, 4), dtypeArb, (shape, dt) => {
        const k = random.key(9);
        for (const t of [random.normal(k, shape, { dtype: dt }), random.uniform(k, shape, { dtype: dt })]) {
          expect([t.shape, t.dtype, t.size]).toEqual([shape, dt, sizeOf(shape)]);
        }
      }),
      { numRuns: 30 },
    );
  });
});
