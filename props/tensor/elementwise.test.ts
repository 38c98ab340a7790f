/**
 * Elementwise ops against naive references: unary ops, binary ops and comparisons with
 * broadcasting, where, astype; the f32/f64 agreement law; numerical stability of sigmoid,
 * softplus and logSumExp at ±1e4.
 *
 * Every elementwise kernel evaluates its function on the operands' values in f64 and rounds the
 * result once into the output dtype, so the reference is the same computation: exact equality is
 * expected, except where the reference uses a different (naive) formula, where the tolerance is a
 * few roundings of the result.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as F from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import {
  broadcastableTo, dtypeArb, expectExact, expectWithin, flat, integers, make, naiveNary, roundTo, seedArb, shapeArb, sizeOf, unitRoundoff, values,
  type Dt,
} from './naive.ts';

type UnaryOp = (x: Tensor) => Tensor;
type BinaryOp = (a: Tensor, b: Tensor) => Tensor;
const asUnary = (op: unknown) => op as UnaryOp;
const asBinary = (op: unknown) => op as BinaryOp;

/** Reference formulas, written the obvious (not necessarily stable) way; `exact` when the kernel must match bit for bit. */
const unaryCases: readonly { name: string; op: UnaryOp; ref: (x: number) => number; exact: boolean }[] = [
  { name: 'neg', op: asUnary(F.neg), ref: (x) => -x, exact: true },
  { name: 'exp', op: asUnary(F.exp), ref: Math.exp, exact: true },
  { name: 'log', op: asUnary(F.log), ref: Math.log, exact: true },
  { name: 'log1p', op: asUnary(F.log1p), ref: Math.log1p, exact: true },
  { name: 'sqrt', op: asUnary(F.sqrt), ref: Math.sqrt, exact: true },
  { name: 'abs', op: asUnary(F.abs), ref: Math.abs, exact: true },
  { name: 'sign', op: asUnary(F.sign), ref: Math.sign, exact: true },
  { name: 'square', op: asUnary(F.square), ref: (x) => x * x, exact: true },
  { name: 'reciprocal', op: asUnary(F.reciprocal), ref: (x) => 1 / x, exact: true },
  { name: 'sigmoid', op: asUnary(F.sigmoid), ref: (x) => 1 / (1 + Math.exp(-x)), exact: false },
  { name: 'tanh', op: asUnary(F.tanh), ref: Math.tanh, exact: true },
  { name: 'elu', op: asUnary(F.elu), ref: (x) => (x > 0 ? x : Math.exp(x) - 1), exact: false },
  { name: 'relu', op: asUnary(F.relu), ref: (x) => (x > 0 ? x : 0), exact: true },
  { name: 'softplus', op: asUnary(F.softplus), ref: (x) => Math.log(1 + Math.exp(x)), exact: false },
  { name: 'stopGradient', op: asUnary(F.stopGradient), ref: (x) => x, exact: true },
];

const binaryCases: readonly { name: string; op: BinaryOp; ref: (a: number, b: number) => number }[] = [
  { name: 'add', op: asBinary(F.add), ref: (a, b) => a + b },
  { name: 'sub', op: asBinary(F.sub), ref: (a, b) => a - b },
  { name: 'mul', op: asBinary(F.mul), ref: (a, b) => a * b },
  { name: 'div', op: asBinary(F.div), ref: (a, b) => a / b },
  { name: 'pow', op: asBinary(F.pow), ref: Math.pow },
  { name: 'maximum', op: asBinary(F.maximum), ref: (a, b) => (a >= b || Number.isNaN(a) ? a : b) },
  { name: 'minimum', op: asBinary(F.minimum), ref: (a, b) => (a <= b || Number.isNaN(a) ? a : b) },
];

const comparisonCases: readonly { name: string; op: BinaryOp; ref: (a: number, b: number) => boolean }[] = [
  { name: 'greater', op: asBinary(F.greater), ref: (a, b) => a > b },
  { name: 'greaterEqual', op: asBinary(F.greaterEqual), ref: (a, b) => a >= b },
  { name: 'less', op: asBinary(F.less), ref: (a, b) => a < b },
  { name: 'lessEqual', op: asBinary(F.lessEqual), ref: (a, b) => a <= b },
  { name: 'equal', op: asBinary(F.equal), ref: (a, b) => a === b },
  { name: 'notEqual', op: asBinary(F.notEqual), ref: (a, b) => a !== b },
];

/** Two operand shapes that broadcast together, in either order. */
const broadcastPairArb = shapeArb(0, 4, 4, true).chain((out) =>
  fc.tuple(broadcastableTo(out), broadcastableTo(out), fc.boolean()).map(([a, b, swap]) => (swap ? [b, a] : [a, b]) as [number[], number[]]),
);

// Reference formulas can differ from the kernel's stable ones by a few roundings: 8 units of the dtype,
// relative, plus 2^-52 absolute for the cancellation in exp(x) − 1 near 0.
const looseTol = (dt: Dt, ref: number): number => 8 * unitRoundoff(dt) * Math.abs(ref) + 2 ** -52;

describe('unary ops', () => {
  for (const c of unaryCases) {
    it(`${c.name} matches its reference on random shapes (f32 and f64)`, () => {
      fc.assert(
        fc.property(shapeArb(0, 4, 5, true), seedArb, dtypeArb, (shape, seed, dt) => {
          // [-3, 3) covers the domain edges: negatives for log/sqrt, zero crossings for sign/relu/elu.
          const x = make(shape, values(seed, sizeOf(shape), -3, 3), dt);
          const got = c.op(x.t);
          expect(got.dtype).toBe(dt);
          const ref = x.v.map((v) => roundTo(dt, c.ref(v)));
          if (c.exact) expectExact(got, shape, ref, c.name);
          else expectWithin(got, shape, ref, (i) => looseTol(dt, ref[i]!), c.name);
        }),
        { numRuns: 100 },
      );
    });
  }

  it('take a plain number as a scalar', () => {
    expectExact(F.exp(1), [], [Math.fround(Math.E)], 'exp(1)');
    expect(F.sqrt(4).dtype).toBe('f32');
  });
});

describe('binary ops with broadcasting', () => {
  for (const c of binaryCases) {
    it(`${c.name} matches its reference on broadcast shapes`, () => {
      fc.assert(
        fc.property(broadcastPairArb, seedArb, dtypeArb, ([sa, sb], seed, dt) => {
          const a = make(sa, values(seed, sizeOf(sa), -3, 3), dt);
          const b = make(sb, values(seed + 1, sizeOf(sb), -3, 3), dt);
          const ref = naiveNary([{ v: a.v, shape: sa }, { v: b.v, shape: sb }], (p, q) => roundTo(dt, c.ref(p!, q!)));
          const got = c.op(a.t, b.t);
          expect(got.dtype).toBe(dt);
          expectExact(got, ref.shape, ref.v, c.name);
        }),
        { numRuns: 100 },
      );
    });
  }

  it('maximum and minimum see ties', () => {
    fc.assert(
      fc.property(broadcastPairArb, seedArb, ([sa, sb], seed) => {
        const a = make(sa, integers(seed, sizeOf(sa)), 'f64');
        const b = make(sb, integers(seed + 7, sizeOf(sb)), 'f64');
        const mx = naiveNary([{ v: a.v, shape: sa }, { v: b.v, shape: sb }], (p, q) => Math.max(p!, q!));
        const mn = naiveNary([{ v: a.v, shape: sa }, { v: b.v, shape: sb }], (p, q) => Math.min(p!, q!));
        expectExact(asBinary(F.maximum)(a.t, b.t), mx.shape, mx.v, 'maximum');
        expectExact(asBinary(F.minimum)(a.t, b.t), mn.shape, mn.v, 'minimum');
      }),
      { numRuns: 100 },
    );
  });

  it('broadcasting commutes: op(a, b) = op(b, a) for commutative ops', () => {
    const commutative = binaryCases.filter((c) => ['add', 'mul', 'maximum', 'minimum'].includes(c.name));
    fc.assert(
      fc.property(broadcastPairArb, seedArb, dtypeArb, ([sa, sb], seed, dt) => {
        const a = make(sa, values(seed, sizeOf(sa)), dt);
        const b = make(sb, values(seed + 3, sizeOf(sb)), dt);
        for (const c of commutative) {
          const ab = c.op(a.t, b.t);
          expectExact(c.op(b.t, a.t), ab.shape, flat(ab), `${c.name} commutes`);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('numbers stand for scalars of the tensor operand’s dtype, on either side', () => {
    fc.assert(
      fc.property(shapeArb(0, 3), seedArb, dtypeArb, fc.double({ min: -4, max: 4, noNaN: true }), (shape, seed, dt, s) => {
        const x = make(shape, values(seed, sizeOf(shape)), dt);
        const sub = F.sub as unknown as (a: Tensor | number, b: Tensor | number) => Tensor;
        const left = sub(x.t, s);
        const right = sub(s, x.t);
        expect([left.dtype, right.dtype]).toEqual([dt, dt]);
        const sv = roundTo(dt, s);
        expectExact(left, shape, x.v.map((v) => roundTo(dt, v - sv)), 'x - s');
        expectExact(right, shape, x.v.map((v) => roundTo(dt, sv - v)), 's - x');
      }),
      { numRuns: 100 },
    );
  });

  it('broadcast against empty dimensions gives empty results', () => {
    const a = F.ones([0, 3]);
    expectExact(asBinary(F.add)(a, F.ones([1, 3]) as Tensor), [0, 3], [], '[0,3] + [1,3]');
    expectExact(asBinary(F.mul)(F.ones([2, 0, 3]) as Tensor, F.ones([2, 1, 1]) as Tensor), [2, 0, 3], [], '[2,0,3] * [2,1,1]');
    expect(() => asBinary(F.add)(a, F.ones([2, 3]) as Tensor)).toThrow(F.ShapeError);
  });
});

describe('comparisons', () => {
  for (const c of comparisonCases) {
    it(`${c.name} gives a 0/1 mask of the operands’ dtype`, () => {
      fc.assert(
        fc.property(broadcastPairArb, seedArb, dtypeArb, ([sa, sb], seed, dt) => {
          // small integers, so equal operands are common
          const a = make(sa, integers(seed, sizeOf(sa)), dt);
          const b = make(sb, integers(seed + 5, sizeOf(sb)), dt);
          const ref = naiveNary([{ v: a.v, shape: sa }, { v: b.v, shape: sb }], (p, q) => (c.ref(p!, q!) ? 1 : 0));
          const got = c.op(a.t, b.t);
          expect(got.dtype).toBe(dt);
          expectExact(got, ref.shape, ref.v, c.name);
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('where', () => {
  it('picks a where the condition is non-zero, else b, broadcasting all three', () => {
    const where = F.where as unknown as (c: Tensor | number, a: Tensor | number, b: Tensor | number) => Tensor;
    const tripleArb = shapeArb(0, 4, 4, true).chain((out) => fc.tuple(broadcastableTo(out), broadcastableTo(out), broadcastableTo(out)));
    fc.assert(
      fc.property(tripleArb, seedArb, dtypeArb, ([sc, sa, sb], seed, dt) => {
        // conditions include negative and fractional non-zeros, which count as true
        const cond = make(sc, integers(seed, sizeOf(sc), -1, 1).map((v, i) => (v !== 0 && i % 3 === 0 ? v * 0.5 : v)), dt);
        const a = make(sa, values(seed + 1, sizeOf(sa)), dt);
        const b = make(sb, values(seed + 2, sizeOf(sb)), dt);
        const ref = naiveNary(
          [
            { v: cond.v, shape: sc },
            { v: a.v, shape: sa },
            { v: b.v, shape: sb },
          ],
          (c, p, q) => (c !== 0 ? p! : q!),
        );
        expectExact(where(cond.t, a.t, b.t), ref.shape, ref.v, 'where');
        const refNum = naiveNary([{ v: cond.v, shape: sc }, { v: a.v, shape: sa }], (c, p) => (c !== 0 ? p! : 0.5));
        expectExact(where(cond.t, a.t, 0.5), refNum.shape, refNum.v, 'where with a number');
      }),
      { numRuns: 60 },
    );
  });
});

describe('astype', () => {
  it('rounds f64 to f32, widens f32 to f64 exactly, and round-trips f32', () => {
    fc.assert(
      fc.property(shapeArb(0, 4), seedArb, (shape, seed) => {
        const x64 = make(shape, values(seed, sizeOf(shape), -1e3, 1e3), 'f64');
        const down = F.astype(x64.t, 'f32');
        expect(down.dtype).toBe('f32');
        expectExact(down, shape, x64.v.map(Math.fround), 'f64 → f32');
        const up = F.astype(down, 'f64');
        expect(up.dtype).toBe('f64');
        expectExact(up, shape, x64.v.map(Math.fround), 'f32 → f64');
        expectExact(F.astype(up, 'f32'), shape, x64.v.map(Math.fround), 'f32 → f64 → f32');
        expect(F.astype(x64.t, 'f64')).toBe(x64.t);
      }),
      { numRuns: 50 },
    );
  });
});

describe('f32 and f64 agree', () => {
  it('every elementwise op on f32 values equals the f64 op rounded to f32', () => {
    fc.assert(
      fc.property(broadcastPairArb, seedArb, ([sa, sb], seed) => {
        const a32 = make(sa, values(seed, sizeOf(sa), -3, 3), 'f32').t;
        const b32 = make(sb, values(seed + 9, sizeOf(sb), -3, 3), 'f32').t;
        const a64 = F.astype(a32, 'f64');
        const b64 = F.astype(b32, 'f64');
        for (const c of unaryCases) {
          const want = F.astype(c.op(a64), 'f32');
          expectExact(c.op(a32), want.shape, flat(want), `${c.name} f32 vs f64`);
        }
        for (const c of [...binaryCases, ...comparisonCases]) {
          const want = F.astype(c.op(a64, b64), 'f32');
          expectExact(c.op(a32, b32), want.shape, flat(want), `${c.name} f32 vs f64`);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('numerical stability at ±1e4', () => {
  for (const dt of ['f32', 'f64'] as const) {
    it(`sigmoid is finite and correct (${dt})`, () => {
      const x = F.tensor([1e4, -1e4, 0, 30, -30, 745, -745], [7], { dtype: dt });
      const ref = [1, 0, 0.5, 1 / (1 + Math.exp(-30)), Math.exp(-30) / (1 + Math.exp(-30)), 1, Math.exp(-745)].map((v) => roundTo(dt, v));
      expectWithin(F.sigmoid(x), [7], ref, (i) => looseTol(dt, ref[i]!), 'sigmoid');
    });

    it(`softplus is finite and correct (${dt})`, () => {
      const x = F.tensor([1e4, -1e4, 0, 40, -40], [5], { dtype: dt });
      // softplus(x) = x + log1p(e^-x) for large x, e^x (to first order) for very negative x
      const ref = [1e4, 0, Math.LN2, 40 + Math.log1p(Math.exp(-40)), Math.log1p(Math.exp(-40))].map((v) => roundTo(dt, v));
      expectWithin(F.softplus(x), [5], ref, (i) => looseTol(dt, ref[i]!), 'softplus');
    });

    it(`logSumExp is finite and correct (${dt})`, () => {
      const cases: [number[], number][] = [
        [[1e4, 1e4], 1e4 + Math.LN2],
        [[-1e4, -1e4], -1e4 + Math.LN2],
        [[1e4, -1e4], 1e4],
        [[1e4, 1e4 - 1, 1e4 - 2], 1e4 + Math.log(1 + Math.exp(-1) + Math.exp(-2))],
      ];
      for (const [xs, want] of cases) {
        const got = F.logSumExp(F.tensor(xs, [xs.length], { dtype: dt })).item();
        // the shift by the max is exact; what remains is one rounding of a value of size 1e4
        expect(Math.abs(got - want), `logSumExp(${xs})`).toBeLessThanOrEqual(4 * unitRoundoff(dt) * Math.abs(want));
      }
    });

    it(`sigmoid's derivative through grad is finite and correct (${dt})`, () => {
      const xs = [1e4, -1e4, 0, 5, -5, 20, -20];
      const x = F.tensor(xs, [xs.length], { dtype: dt });
      const g = F.grad((v: Tensor) => F.sum(F.sigmoid(v)))(x);
      // σ'(x) = e^{-|x|} / (1 + e^{-|x|})², which is 0 to every float format at |x| = 1e4.
      const ref = xs.map((v) => roundTo(dt, Math.exp(-Math.abs(v)) / (1 + Math.exp(-Math.abs(v))) ** 2));
      // y(1 − y) cancels for large positive x: 1 − y carries the rounding error of y (one unit of the dtype,
      // absolute), so the tolerance is absolute at that level.
      expectWithin(g, [xs.length], ref, (i) => looseTol(dt, ref[i]!) + 2 * unitRoundoff(dt), 'σ′');
      expect(flat(g).every(Number.isFinite)).toBe(true);
    });
  }

  it('logSumExp is shift-equivariant for shifts up to 1e4 and matches the naive formula', () => {
    fc.assert(
      fc.property(shapeArb(1, 3, 4), seedArb, fc.double({ min: -1e4, max: 1e4, noNaN: true }), (shape, seed, shift) => {
        const x = make(shape, values(seed, sizeOf(shape), -5, 5), 'f64');
        const axis = shape.length - 1;
        const got = F.logSumExp(x.t as Tensor<number[], 'f64'>, [axis]);
        const shifted = F.logSumExp(F.add(x.t as Tensor<number[], 'f64'>, shift) as Tensor<number[], 'f64'>, [axis]);
        const n = shape[axis]!;
        const ref: number[] = [];
        for (let r = 0; r < x.v.length / n; r++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += Math.exp(x.v[r * n + j]!);
          ref.push(Math.log(s));
        }
        const keptShape = shape.slice(0, -1);
        expectWithin(got, keptShape, ref, (i) => 1e-14 * (1 + Math.abs(ref[i]!)), 'logSumExp');
        expectWithin(shifted, keptShape, ref.map((v) => v + shift), (i) => 4e-16 * (Math.abs(shift) + 10) + 1e-14, 'logSumExp(x + c)');
      }),
      { numRuns: 50 },
    );
  });

  it('logSumExp of an all −∞ row is −∞ (log 0), not NaN', () => {
    expect(F.logSumExp(F.tensor([-Infinity, -Infinity], [2], { dtype: 'f64' })).item()).toBe(-Infinity);
  });
});

describe('dot and norm2', () => {
  it('match the naive sums of products', () => {
    fc.assert(
      fc.property(shapeArb(0, 4), seedArb, dtypeArb, (shape, seed, dt) => {
        const a = make(shape, values(seed, sizeOf(shape)), dt);
        const b = make(shape, values(seed + 1, sizeOf(shape)), dt);
        let d = 0;
        let n2 = 0;
        let scale = 0;
        for (let i = 0; i < a.v.length; i++) {
          d += a.v[i]! * b.v[i]!;
          n2 += a.v[i]! * a.v[i]!;
          scale += Math.abs(a.v[i]! * b.v[i]!) + a.v[i]! * a.v[i]!;
        }
        // n products and n − 1 additions, each rounded once in the dtype (recursive-summation bound)
        const tol = (a.v.length + 2) * unitRoundoff(dt) * scale + 1e-300;
        const dot = F.dot(a.t, b.t as never);
        expect(dot.shape).toEqual([]);
        expect(Math.abs(dot.item() - d)).toBeLessThanOrEqual(tol);
        expect(Math.abs(F.norm2(a.t).item() - n2)).toBeLessThanOrEqual(tol);
      }),
      { numRuns: 50 },
    );
  });
});
