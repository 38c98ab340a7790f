/**
 * Reductions and structural ops against naive references, their laws (reshape round-trips,
 * transpose is an involution) and adjoint identities ⟨Ax, y⟩ = ⟨x, Aᵀy⟩ through the public ops.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as F from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import {
  axesArb, broadcastableTo, dtypeArb, expectExact, expectWithin, flat, inner, integers, make, naiveConcat, naiveNary, naivePad, naiveReduce,
  naiveFlip, naiveSlice, naiveTranspose, permutationArb, seedArb, shapeArb, sizeOf, unitRoundoff, values,
} from './naive.ts';

// The typed signatures need literal shapes; these tests draw shapes at run time.
const sum = F.sum as unknown as (x: Tensor, axes?: readonly number[], o?: { keepDims?: boolean }) => Tensor;
const mean = F.mean as unknown as typeof sum;
const max = F.max as unknown as typeof sum;
const reshape = F.reshape as unknown as (x: Tensor, s: readonly number[]) => Tensor;
const transpose = F.transpose as unknown as (x: Tensor, p?: readonly number[]) => Tensor;
const flip = F.flip as unknown as (x: Tensor, axes: readonly number[]) => Tensor;
const slice = F.slice as unknown as (x: Tensor, b: readonly number[], s: readonly number[]) => Tensor;
const pad = F.pad as unknown as (x: Tensor, p: readonly (readonly [number, number])[]) => Tensor;
const concat = F.concat as unknown as (xs: readonly Tensor[], axis: number) => Tensor;
const broadcastTo = F.broadcastTo as unknown as (x: Tensor, s: readonly number[]) => Tensor;

const normalize = (axes: readonly number[], rank: number) => axes.map((a) => (a < 0 ? a + rank : a));

const reduceCaseArb = fc
  .tuple(shapeArb(0, 4), fc.boolean(), fc.boolean(), seedArb, dtypeArb)
  .chain(([shape, all, keepDims, seed, dt]) => axesArb(shape.length).map((axes) => ({ shape, axes: all ? undefined : axes, keepDims, seed, dt })));

describe('reductions', () => {
  it('sum over random axes (or all), with and without keepDims', () => {
    fc.assert(
      fc.property(reduceCaseArb, ({ shape, axes, keepDims, seed, dt }) => {
        const x = make(shape, values(seed, sizeOf(shape)), dt);
        const norm = axes === undefined ? shape.map((_, i) => i) : normalize(axes, shape.length);
        const ref = naiveReduce(x.v, shape, norm, keepDims, 'sum');
        const got = sum(x.t, axes, { keepDims });
        expect(got.dtype).toBe(dt);
        // recursive-summation bound: (count − 1) roundings of partial sums, plus the final store
        expectWithin(got, ref.shape, ref.v, (i) => (ref.count + 1) * unitRoundoff(dt) * ref.abs[i]!, 'sum');
      }),
      { numRuns: 100 },
    );
  });

  it('mean over random axes equals the sum divided by the count', () => {
    fc.assert(
      fc.property(reduceCaseArb, ({ shape, axes, keepDims, seed, dt }) => {
        const x = make(shape, values(seed, sizeOf(shape)), dt);
        const norm = axes === undefined ? shape.map((_, i) => i) : normalize(axes, shape.length);
        const ref = naiveReduce(x.v, shape, norm, keepDims, 'sum');
        const got = mean(x.t, axes, { keepDims });
        expectWithin(got, ref.shape, ref.v.map((v) => v / ref.count), (i) => ((ref.count + 2) * unitRoundoff(dt) * ref.abs[i]!) / ref.count, 'mean');
      }),
      { numRuns: 100 },
    );
  });

  it('max over random axes is exact, ties included', () => {
    fc.assert(
      fc.property(reduceCaseArb, ({ shape, axes, keepDims, seed, dt }) => {
        const x = make(shape, integers(seed, sizeOf(shape), -3, 3), dt);
        const norm = axes === undefined ? shape.map((_, i) => i) : normalize(axes, shape.length);
        const ref = naiveReduce(x.v, shape, norm, keepDims, 'max');
        expectExact(max(x.t, axes, { keepDims }), ref.shape, ref.v, 'max');
      }),
      { numRuns: 100 },
    );
  });

  it('max propagates NaN and handles ±∞', () => {
    const x = F.tensor([1, NaN, 3, -Infinity, -Infinity, Infinity], [2, 3], { dtype: 'f64' });
    expectExact(max(x, [1]), [2], [NaN, Infinity], 'max with NaN and ∞');
    expectExact(max(x, [0]), [3], [1, NaN, Infinity], 'max down the columns');
  });

  it('sum over an empty axis is 0', () => {
    expectExact(sum(F.zeros([2, 0]), [1]), [2], [0, 0], 'sum over [2, 0] axis 1');
    expectExact(sum(F.zeros([0, 3])), [], [0], 'sum of [0, 3]');
  });

  it('f32 reductions agree with f64 within the f32 bound', () => {
    fc.assert(
      fc.property(reduceCaseArb, ({ shape, axes, keepDims, seed }) => {
        const x32 = make(shape, values(seed, sizeOf(shape)), 'f32');
        const x64 = F.astype(x32.t, 'f64');
        const norm = axes === undefined ? shape.map((_, i) => i) : normalize(axes, shape.length);
        const ref = naiveReduce(x32.v, shape, norm, keepDims, 'sum');
        const want = flat(sum(x64, axes, { keepDims }));
        expectWithin(sum(x32.t, axes, { keepDims }), ref.shape, want, (i) => (ref.count + 2) * unitRoundoff('f32') * ref.abs[i]!, 'f32 vs f64 sum');
        expectExact(max(x32.t, axes, { keepDims }), ref.shape, flat(max(x64, axes, { keepDims })), 'f32 vs f64 max');
      }),
      { numRuns: 50 },
    );
  });
});

/** A shape with the same number of elements: the dimensions' prime factors (and some 1s) regrouped. */
function regroupArb(shape: readonly number[]): fc.Arbitrary<number[]> {
  const factors: number[] = [];
  for (let d of shape) {
    for (let p = 2; d > 1; ) {
      if (d % p === 0) {
        factors.push(p);
        d /= p;
      } else p++;
    }
  }
  return fc
    .tuple(fc.shuffledSubarray(factors, { minLength: factors.length, maxLength: factors.length }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 }))
    .chain(([fs, rank, ones]) => {
      const r = Math.max(rank, fs.length ? 1 : 0);
      return fc.array(fc.integer({ min: 0, max: Math.max(r - 1, 0) }), { minLength: fs.length, maxLength: fs.length }).map((slots) => {
        const out = new Array<number>(r).fill(1);
        fs.forEach((f, i) => (out[slots[i]!] = out[slots[i]!]! * f));
        return [...out, ...new Array<number>(ones).fill(1)];
      });
    });
}

describe('reshape', () => {
  const caseArb = shapeArb(0, 4).chain((shape) => fc.tuple(fc.constant(shape), regroupArb(shape), fc.integer({ min: -1, max: 4 })));

  it('keeps the row-major data, solves one -1, and round-trips', () => {
    fc.assert(
      fc.property(caseArb, seedArb, dtypeArb, ([shape, target, minusAt], seed, dt) => {
        const x = make(shape, values(seed, sizeOf(shape)), dt);
        const spec = minusAt >= 0 && minusAt < target.length && sizeOf(target) > 0 ? target.map((d, i) => (i === minusAt ? -1 : d)) : target;
        const y = reshape(x.t, spec);
        expectExact(y, target, x.v, `reshape ${JSON.stringify(shape)} → ${JSON.stringify(spec)}`);
        expectExact(reshape(y, shape), shape, x.v, 'reshape back');
      }),
      { numRuns: 100 },
    );
  });

  it('flattenBatch keeps the batch axis and flattens the rest', () => {
    fc.assert(
      fc.property(shapeArb(1, 4), seedArb, (shape, seed) => {
        const x = make(shape, values(seed, sizeOf(shape)), 'f64');
        const y = F.flattenBatch(x.t as Tensor<[number, ...number[]], 'f64'>);
        expectExact(y, [shape[0]!, sizeOf(shape.slice(1))], x.v, 'flattenBatch');
      }),
      { numRuns: 50 },
    );
  });

  it('flattenBatch of an empty batch is [0, rest]', () => {
    expectExact(F.flattenBatch(F.zeros([0, 3, 4])), [0, 12], [], 'flattenBatch([0, 3, 4])');
  });
});

describe('flip', () => {
  const caseArb = shapeArb(0, 4, 5, true).chain((shape) => fc.tuple(fc.constant(shape), fc.subarray([...shape.keys()])));

  it('reverses the chosen axes exactly (negative axes count from the end), in both dtypes', () => {
    fc.assert(
      fc.property(caseArb, seedArb, dtypeArb, fc.boolean(), ([shape, axes], seed, dt, negative) => {
        const x = make(shape, values(seed, sizeOf(shape)), dt);
        const given = negative ? axes.map((a) => a - shape.length) : axes;
        expectExact(flip(x.t, given), shape, naiveFlip(x.v, shape, axes), `flip ${JSON.stringify(given)}`);
      }),
      { numRuns: 100 },
    );
  });

  it('is an involution, and flips along different axes commute', () => {
    fc.assert(
      fc.property(caseArb, seedArb, ([shape, axes], seed) => {
        const x = make(shape, values(seed, sizeOf(shape)), 'f64');
        expectExact(flip(flip(x.t, axes), axes), shape, x.v, 'flip twice');
        const split = axes.slice(0, 1), rest = axes.slice(1);
        expectExact(flip(flip(x.t, split), rest), shape, flat(flip(x.t, axes)), 'flip in two parts');
        expectExact(flip(flip(x.t, rest), split), shape, flat(flip(x.t, axes)), 'the parts in the other order');
      }),
      { numRuns: 100 },
    );
  });

  it('with transpose gives a 90° rotation: four of them are the identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), seedArb, (h, w, seed) => {
        const x = make([2, h, w], values(seed, 2 * h * w), 'f64');
        const rot90 = (t: Tensor) => flip(transpose(t, [0, 2, 1]), [2]);
        const once = rot90(x.t);
        expect(once.shape).toEqual([2, w, h]);
        // out[c, i, j] = x[c, h − 1 − j, i]: each image turned 90° clockwise.
        expectExact(once, [2, w, h], naiveFlip(naiveTranspose(x.v, [2, h, w], [0, 2, 1]).v, [2, w, h], [2]), 'rot90');
        expectExact(rot90(rot90(rot90(rot90(x.t)))), [2, h, w], x.v, 'four rotations');
      }),
      { numRuns: 50 },
    );
  });
});

describe('transpose', () => {
  const caseArb = shapeArb(0, 4, 5, true).chain((shape) => fc.tuple(fc.constant(shape), permutationArb(shape.length)));

  it('moves axis perm[i] to position i', () => {
    fc.assert(
      fc.property(caseArb, seedArb, dtypeArb, ([shape, perm], seed, dt) => {
        const x = make(shape, values(seed, sizeOf(shape)), dt);
        const ref = naiveTranspose(x.v, shape, perm);
        expectExact(transpose(x.t, perm), ref.shape, ref.v, `transpose ${JSON.stringify(perm)}`);
        const rev = naiveTranspose(x.v, shape, shape.map((_, i) => shape.length - 1 - i));
        expectExact(transpose(x.t), rev.shape, rev.v, 'transpose (default reverses)');
      }),
      { numRuns: 100 },
    );
  });

  it('is an involution: the inverse permutation undoes it, and the default applied twice is the identity', () => {
    fc.assert(
      fc.property(caseArb, seedArb, ([shape, perm], seed) => {
        const x = make(shape, values(seed, sizeOf(shape)), 'f64');
        const inv = new Array<number>(perm.length);
        perm.forEach((p, i) => (inv[p] = i));
        expectExact(transpose(transpose(x.t, perm), inv), shape, x.v, 'transpose then inverse');
        expectExact(transpose(transpose(x.t)), shape, x.v, 'default transpose twice');
      }),
      { numRuns: 100 },
    );
  });
});

describe('broadcastTo, slice, pad, concat', () => {
  it('broadcastTo repeats size-1 and missing leading axes', () => {
    const caseArb = shapeArb(0, 4, 5, true).chain((out) => fc.tuple(fc.constant(out), broadcastableTo(out)));
    fc.assert(
      fc.property(caseArb, seedArb, dtypeArb, ([out, from], seed, dt) => {
        const x = make(from, values(seed, sizeOf(from)), dt);
        const ref = naiveNary([{ v: x.v, shape: from }, { v: new Array<number>(sizeOf(out)).fill(0), shape: out }], (a) => a!);
        expectExact(broadcastTo(x.t, out), out, ref.v, `broadcastTo ${JSON.stringify(from)} → ${JSON.stringify(out)}`);
      }),
      { numRuns: 100 },
    );
  });

  const sliceArb = shapeArb(1, 4).chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.tuple(...shape.map((d) => fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.oneof(fc.integer({ min: 0, max: d - b }), fc.constant(-1)))))),
    ),
  );

  it('slice takes the window [begin, begin + size), -1 meaning to the end', () => {
    fc.assert(
      fc.property(sliceArb, seedArb, dtypeArb, ([shape, bs], seed, dt) => {
        const x = make(shape, values(seed, sizeOf(shape)), dt);
        const begin = bs.map(([b]) => b);
        const size = bs.map(([, s]) => s);
        const resolved = size.map((s, i) => (s === -1 ? shape[i]! - begin[i]! : s));
        expectExact(slice(x.t, begin, size), resolved, naiveSlice(x.v, shape, begin, resolved), 'slice');
      }),
      { numRuns: 100 },
    );
  });

  const padsArb = (rank: number) => fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: rank, maxLength: rank });

  it('pad surrounds with zeros, and slice undoes it', () => {
    const caseArb = shapeArb(0, 4, 5, true).chain((shape) => fc.tuple(fc.constant(shape), padsArb(shape.length)));
    fc.assert(
      fc.property(caseArb, seedArb, dtypeArb, ([shape, pads], seed, dt) => {
        const x = make(shape, values(seed, sizeOf(shape)), dt);
        const ref = naivePad(x.v, shape, pads);
        const y = pad(x.t, pads);
        expectExact(y, ref.shape, ref.v, 'pad');
        expectExact(slice(y, pads.map(([b]) => b), shape), shape, x.v, 'slice(pad(x))');
      }),
      { numRuns: 100 },
    );
  });

  const concatArb = shapeArb(1, 4).chain((shape) =>
    fc.tuple(fc.constant(shape), fc.integer({ min: 0, max: shape.length - 1 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }), fc.boolean()),
  );

  it('concat joins along an axis (positive or negative); empty parts are allowed', () => {
    fc.assert(
      fc.property(concatArb, seedArb, dtypeArb, ([shape, axis, sizes, negative], seed, dt) => {
        const parts = sizes.map((s, i) => {
          const sh = shape.map((d, j) => (j === axis ? s : d));
          return { ...make(sh, values(seed + i, sizeOf(sh)), dt), shape: sh };
        });
        const ref = naiveConcat(parts, axis);
        expectExact(concat(parts.map((p) => p.t), negative ? axis - shape.length : axis), ref.shape, ref.v, 'concat');
      }),
      { numRuns: 100 },
    );
  });
});

describe('adjoint identities ⟨Ax, y⟩ = ⟨x, Aᵀy⟩ (f64)', () => {
  // Both sides sum the same products in different orders; each is within (terms + 1)·u·Σ|terms| of the
  // exact value (recursive-summation bound), so they agree within the sum of the two bounds.
  const agree = (lhs: { value: number; abs: number }, rhs: { value: number; abs: number }, terms: number, what: string) => {
    const tol = (terms + 1) * unitRoundoff('f64') * (lhs.abs + rhs.abs);
    expect(Math.abs(lhs.value - rhs.value), what).toBeLessThanOrEqual(tol + 1e-300);
  };

  it('broadcastTo and sum over the broadcast axes (also as unbroadcast)', () => {
    const caseArb = shapeArb(0, 4).chain((out) => fc.tuple(fc.constant(out), broadcastableTo(out)));
    fc.assert(
      fc.property(caseArb, seedArb, ([out, from], seed) => {
        const x = make(from, values(seed, sizeOf(from)), 'f64');
        const y = make(out, values(seed + 1, sizeOf(out)), 'f64');
        const lead = out.length - from.length;
        const axes = out.map((d, i) => i).filter((i) => i < lead || (from[i - lead] === 1 && out[i] !== 1));
        const back = reshape(sum(y.t, axes, { keepDims: true }), from);
        agree(inner(flat(broadcastTo(x.t, out)), y.v), inner(x.v, flat(back)), y.v.length, 'broadcastTo/sum');
        expectExact(F.unbroadcast(y.t, from), from, flat(back), 'unbroadcast = sum over broadcast axes');
      }),
      { numRuns: 100 },
    );
  });

  it('flip is its own adjoint', () => {
    const caseArb = shapeArb(0, 4).chain((shape) => fc.tuple(fc.constant(shape), fc.subarray([...shape.keys()])));
    fc.assert(
      fc.property(caseArb, seedArb, ([shape, axes], seed) => {
        const x = make(shape, values(seed, sizeOf(shape)), 'f64');
        const y = make(shape, values(seed + 1, sizeOf(shape)), 'f64');
        agree(inner(flat(flip(x.t, axes)), y.v), inner(x.v, flat(flip(y.t, axes))), y.v.length, 'flip');
      }),
      { numRuns: 100 },
    );
  });

  it('transpose and the inverse permutation', () => {
    const caseArb = shapeArb(0, 4).chain((shape) => fc.tuple(fc.constant(shape), permutationArb(shape.length)));
    fc.assert(
      fc.property(caseArb, seedArb, ([shape, perm], seed) => {
        const x = make(shape, values(seed, sizeOf(shape)), 'f64');
        const tShape = perm.map((p) => shape[p]!);
        const y = make(tShape, values(seed + 1, sizeOf(tShape)), 'f64');
        const inv = new Array<number>(perm.length);
        perm.forEach((p, i) => (inv[p] = i));
        agree(inner(flat(transpose(x.t, perm)), y.v), inner(x.v, flat(transpose(y.t, inv))), y.v.length, 'transpose');
      }),
      { numRuns: 100 },
    );
  });

  it('pad and slice', () => {
    const caseArb = shapeArb(0, 4).chain((shape) =>
      fc.tuple(fc.constant(shape), fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: shape.length, maxLength: shape.length })),
    );
    fc.assert(
      fc.property(caseArb, seedArb, ([shape, pads], seed) => {
        const x = make(shape, values(seed, sizeOf(shape)), 'f64');
        const pShape = shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
        const y = make(pShape, values(seed + 1, sizeOf(pShape)), 'f64');
        agree(inner(flat(pad(x.t, pads)), y.v), inner(x.v, flat(slice(y.t, pads.map(([b]) => b), shape))), y.v.length, 'pad/slice');
      }),
      { numRuns: 100 },
    );
  });

  it('concat and the slices at each part', () => {
    fc.assert(
      fc.property(shapeArb(1, 3).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }))), seedArb, ([shape, axis, sizes], seed) => {
        const parts = sizes.map((s, i) => {
          const sh = shape.map((d, j) => (j === axis ? s : d));
          return { ...make(sh, values(seed + i, sizeOf(sh)), 'f64'), shape: sh };
        });
        const joined = concat(parts.map((p) => p.t), axis);
        const y = make(joined.shape, values(seed + 99, joined.size), 'f64');
        let offset = 0;
        let value = 0;
        let abs = 0;
        for (const p of parts) {
          const piece = inner(p.v, flat(slice(y.t, shape.map((_, j) => (j === axis ? offset : 0)), p.shape)));
          value += piece.value;
          abs += piece.abs;
          offset += p.shape[axis]!;
        }
        agree(inner(flat(joined), y.v), { value, abs }, y.v.length, 'concat/slice');
      }),
      { numRuns: 60 },
    );
  });
});
