/**
 * Exact zeros: primitives without a derivative (comparisons, sign, stopGradient) contribute
 * none at any order; stopGradient blocks every transform, including outer ones seen from inside
 * an inner derivative; an input a function ignores gets exact zeros of its own shape, and the
 * work for it is skipped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, conv2d, exp, grad, jvp, mul, square, stopGradient, sum, tanh, valueAndGrad, vjp, type Tensor } from '../../src/index.ts';
import { convConfig, direction, real, shape, tensorOf } from '../support/arbitraries.ts';
import { dotList, gradOf, jvpOf, type Fn } from '../support/derivatives.ts';
import { allZero, expectExact, f64, type T64 } from '../support/numeric.ts';
import { CONSTANT_CASES } from '../support/primitive-cases.ts';
import { spy } from '../support/spy.ts';
import { RUNS, SEED } from '../support/tolerance.ts';

const T = (x: unknown) => x as Tensor;
const opts = { seed: SEED, numRuns: RUNS.second };

function expectZeros(xs: readonly Tensor[], like: readonly Tensor[], what: string): void {
  xs.forEach((x, i) => {
    expect(x.shape, `${what}: shape of ${i}`).toEqual(like[i]!.shape);
    expect(x.dtype, `${what}: dtype of ${i}`).toBe(like[i]!.dtype);
    expect(allZero(x), `${what}: ${i} is ${x.toFlatArray().slice(0, 6)}…`).toBe(true);
  });
}

/** Values, tangents and cotangents for a constant case, with directions shaped like inputs and output. */
function withDirections(sample: fc.Arbitrary<T64[]>, f: (xs: readonly Tensor[]) => Tensor) {
  return sample.chain((xs) => {
    const out = f(xs);
    return fc.record({ v: fc.tuple(...xs.map((x) => direction(x.shape))), u: direction(out.shape), w: fc.tuple(...xs.map((x) => direction(x.shape))) }).map((d) => ({ xs, ...d }));
  });
}

describe('primitives without a derivative give exact zeros at every order', () => {
  for (const c of CONSTANT_CASES) {
    it(c.primitive, () => {
      fc.assert(
        fc.property(withDirections(c.sample, c.apply), ({ xs, v, u, w }) => {
          const F: Fn = (ys) => c.apply(ys);
          const [out, tangent] = jvpOf(F, xs, v);
          expectExact(out, F(xs), 'jvp primal');
          expectZeros([tangent], [out], 'jvp tangent');
          const [, pullback] = vjp((...ys: Tensor[]) => F(ys), ...xs);
          expectZeros(pullback(u as never) as unknown as Tensor[], xs, 'vjp cotangents');
          const S: Fn = (ys) => dotList([u], [F(ys)]);
          expectZeros(gradOf(S)(xs), xs, 'grad');
          expectZeros([jvpOf((ys) => jvpOf(S, ys, v)[1], xs, v)[1]], [f64([0], [])], 'jvp of jvp');
          expectZeros(gradOf((ys) => dotList(w, gradOf(S)(ys)))(xs), xs, 'grad of grad');
          expectZeros(jvpOf((ys) => gradOf((zs) => dotList(w, gradOf(S)(zs)))(ys), xs, v)[1], xs, 'jvp of grad of grad');
        }),
        opts,
      );
    });

    it(`${c.primitive} inside a differentiable expression acts as a constant`, () => {
      fc.assert(
        fc.property(withDirections(c.sample, c.apply), ({ xs, u }) => {
          // d/dx₀ Σ u·c(x)·tanh(x₀) must equal the derivative with c(x) frozen to its value.
          const frozen = c.apply(xs);
          const live = gradOf((ys) => dotList([u], [T(mul(c.apply(ys), tanh(ys[0]!)))]))(xs)[0]!;
          const reference = grad((y: Tensor) => dotList([u], [T(mul(frozen, tanh(y)))]))(xs[0]!);
          expectExact(live, reference, 'gradient through a constant');
        }),
        opts,
      );
    });
  }
});

describe('stopGradient blocks derivatives at every order', () => {
  const sample = shape({ minRank: 1 }).chain((s) => fc.record({ x: tensorOf(s, real(-2, 2)), v: direction(s), w: direction(s) }));

  it('f(x) = Σ x·sg(x²): ∇f = sg(x²) exactly, and every higher derivative is exactly zero', () => {
    fc.assert(
      fc.property(sample, ({ x, v, w }) => {
        const f: Fn = ([y]) => T(sum(mul(y!, stopGradient(square(y!)))));
        expectExact(gradOf(f)([x])[0]!, square(x), 'grad');
        expectExact(jvpOf(f, [x], [v])[1], T(sum(mul(v, square(x)))), 'jvp');
        const g: Fn = (ys) => dotList([w], gradOf(f)(ys));
        const dv: Fn = (ys) => jvpOf(f, ys, [v])[1];
        expectZeros(gradOf(g)([x]), [x], 'grad of grad');
        expectZeros([jvpOf(dv, [x], [v])[1]], [f64([0], [])], 'jvp of jvp');
        expectZeros(jvpOf(gradOf(f), [x], [v])[1], [x], 'jvp of grad');
        expectZeros(gradOf(dv)([x]), [x], 'grad of jvp');
        expectZeros(gradOf((ys) => dotList([w], gradOf(g)(ys)))([x]), [x], 'grad of grad of grad');
        expectZeros([jvpOf((ys) => jvpOf(dv, ys, [v])[1], [x], [v])[1]], [f64([0], [])], 'jvp³');
      }),
      opts,
    );
  });

  it('Σ sg(h(x)) has exact zero derivatives in every mode and order', () => {
    fc.assert(
      fc.property(sample, ({ x, v, w }) => {
        const f: Fn = ([y]) => T(sum(stopGradient(exp(mul(y!, y!)))));
        expectZeros(gradOf(f)([x]), [x], 'grad');
        expectZeros([jvpOf(f, [x], [v])[1]], [f64([0], [])], 'jvp');
        expectZeros(gradOf((ys) => dotList([w], gradOf(f)(ys)))([x]), [x], 'grad of grad');
        expectZeros(jvpOf(gradOf(f), [x], [v])[1], [x], 'jvp of grad');
      }),
      opts,
    );
  });

  it('stopGradient inside an inner derivative also blocks the outer transform', () => {
    fc.assert(
      fc.property(fc.record({ x: real(-2, 2), y: real(-2, 2) }), ({ x, y }) => {
        const X = f64([x], []), Y = f64([y], []), one = f64([1], []);
        // inner(x) = d/dy [y·sg(x·y)] = sg(x·y): constant in x for every outer transform.
        const inner = (xv: Tensor) => grad((yv: Tensor) => T(mul(yv, stopGradient(mul(xv, yv)))))(Y);
        expectExact(inner(X), f64([x * y], []), 'inner value');
        expectExact(grad(inner)(X), f64([0], []), 'grad of inner');
        expectExact(jvp(inner, [X], [one])[1], f64([0], []), 'jvp of inner');
        // Without the stop the outer derivative is y: the stop is what removes it.
        expectExact(grad((xv: Tensor) => grad((yv: Tensor) => T(mul(yv, mul(xv, yv))))(Y))(X), f64([2 * y], []), 'unstopped: d/dx 2xy');
      }),
      { seed: SEED, numRuns: RUNS.first },
    );
  });
});

describe('symbolic zeros: an ignored input gets exact zeros and costs nothing', () => {
  const pair = fc.tuple(shape({ minRank: 1 }), shape()).chain(([sa, sb]) => fc.record({ a: tensorOf(sa, real(-2, 2)), b: tensorOf(sb, real(-2, 2)), ta: direction(sa), tb: direction(sb) }));

  it('grad, valueAndGrad, vjp and jvp with respect to an unused argument', () => {
    fc.assert(
      fc.property(pair, ({ a, b, ta, tb }) => {
        const f = (x: Tensor, _y: Tensor) => T(sum(exp(x)));
        const [ga, gb] = grad(f, { argnums: [0, 1] })(a, b);
        expectZeros([gb], [b], 'grad (argnums [0, 1])');
        expectExact(ga, exp(a), 'grad of the used argument');
        expectZeros([grad(f, { argnums: 1 })(a, b)], [b], 'grad (argnums 1)');
        const [value, g] = valueAndGrad(f, { argnums: 1 })(a, b);
        expectExact(value, f(a, b), 'valueAndGrad value');
        expectZeros([g], [b], 'valueAndGrad');
        const [, pullback] = vjp(f, a, b);
        expectZeros([pullback(f64([1], []) as never)[1]], [b], 'vjp');
        // The ignored tangent must not leak into the output tangent, even when non-zero.
        expectExact(jvp(f, [a, b], [ta, tb])[1], jvp((x: Tensor) => f(x, b), [a], [ta])[1], 'jvp');
      }),
      opts,
    );
  });

  it('a constant output has exact zero derivatives', () => {
    fc.assert(
      fc.property(pair, ({ a, b, ta }) => {
        const f = (_x: Tensor) => T(sum(mul(b, b)));
        expectZeros([grad(f)(a)], [a], 'grad');
        expectZeros([jvp(f, [a], [ta])[1]], [f64([0], [])], 'jvp');
        expectZeros([vjp(f, a)[1](f64([1], []) as never)[0]], [a], 'vjp');
      }),
      opts,
    );
  });

  it('the adjoint for an operand that is not differentiated is never evaluated', () => {
    fc.assert(
      fc.property(
        convConfig(5).chain((g) => fc.record({ g: fc.constant(g), x: tensorOf([g.n, g.c, g.h, g.w], real(-1, 1)), w: tensorOf([g.o, g.c, g.kh, g.kw], real(-1, 1)) })),
        ({ g, x, w }) => {
          const f = (xv: Tensor, wv: Tensor) => T(sum(tanh(conv2d(xv, wv as never, { stride: g.stride, padding: g.padding }))));
          const onlyX = spy(() => grad(f, { argnums: 0 })(x, w)).counts;
          expect(onlyX.get('conv2dInputAdjoint')).toBe(1);
          expect(onlyX.get('conv2dFilterAdjoint')).toBeUndefined();
          const onlyW = spy(() => grad(f, { argnums: 1 })(x, w)).counts;
          expect(onlyW.get('conv2dFilterAdjoint')).toBe(1);
          expect(onlyW.get('conv2dInputAdjoint')).toBeUndefined();
          // Forward mode in x alone: one conv for the primal, one for the tangent, none for the constant filter.
          const fwd = spy(() => jvp((xv: Tensor) => conv2d(xv, w as never, { stride: g.stride, padding: g.padding }), [x], [x])).counts;
          expect(fwd.get('conv2d')).toBe(2);
          // A branch that stopGradient cuts off is not differentiated at all.
          const cut = spy(() => grad((xv: Tensor) => T(add(sum(xv), sum(stopGradient(conv2d(xv, w as never, { stride: g.stride, padding: g.padding }))))))(x)).counts;
          expect(cut.get('conv2dInputAdjoint')).toBeUndefined();
        },
      ),
      { seed: SEED, numRuns: RUNS.heavy },
    );
  });
});
