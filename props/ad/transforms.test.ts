/**
 * The public transforms against each other and against finite differences: hvp, jacfwd and
 * jacrev; valueAndGrad with argnums arrays and hasAux; pullbacks differentiated with respect
 * to their cotangent; and the composite ops (mean, dot, norm2, logSumExp) to second order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add, dot, exp, grad, hvp, jacfwd, jacrev, jvp, logSumExp, matmul, mean, mul, norm2, reshape, square, sum, tanh, transpose, valueAndGrad, vjp,
  type Tensor,
} from '../../src/index.ts';
import { direction, real, shape, tensorOf } from '../support/arbitraries.ts';
import { checkFirstOrder, checkSecondOrder, probe } from '../support/derivatives.ts';
import { centralDifference, expectClose, expectExact, expectIdentity, f64, inner, stepFor, type T64 } from '../support/numeric.ts';
import type { PrimitiveCase } from '../support/primitive-cases.ts';
import { FD, MODES, RUNS, SEED } from '../support/tolerance.ts';

const T = (x: unknown) => x as Tensor;
const opts = (numRuns: number) => ({ seed: SEED, numRuns });

/** g: R^{m×n} → R^{n×2}, a little network with a transpose, a matmul and two nonlinearities. */
function vectorFunction(B: Tensor) {
  return (x: Tensor) => T(mul(tanh(matmul(transpose(x) as Tensor, B as never)), exp(mul(0.3, sum(x)))));
}

/** A scalar function whose Hessian is dense. */
function scalarFunction(B: Tensor) {
  const g = vectorFunction(B);
  return (x: Tensor) => T(add(sum(square(g(x))), mul(0.5, sum(mul(x, exp(mul(0.2, x)))))));
}

const matrices = fc
  .record({ m: fc.integer({ min: 1, max: 3 }), n: fc.integer({ min: 1, max: 3 }) })
  .chain(({ m, n }) => fc.record({ x: tensorOf([m, n], real(-1.5, 1.5)), B: tensorOf([m, 2], real(-1, 1)), v: direction([m, n]) }));

/** The columns of a Jacobian by central differences: shape [...out, ...in]. */
function jacobianFD(f: (x: Tensor) => Tensor, x: T64): T64 {
  const out = f(x);
  const h = stepFor([x]);
  const J = new Float64Array(out.size * x.size);
  for (let j = 0; j < x.size; j++) {
    const e = new Float64Array(x.size);
    e[j] = 1;
    const col = centralDifference(([y]) => [f(y!)], [x], [f64(e, x.shape)], h)[0]!;
    for (let i = 0; i < out.size; i++) J[i * x.size + j] = col.data[i]!;
  }
  return f64(J, [...out.shape, ...x.shape]);
}

describe('jacfwd, jacrev and hvp', () => {
  it('jacfwd and jacrev agree with each other and with central differences, shaped [...out, ...in]', () => {
    fc.assert(
      fc.property(matrices, ({ x, B }) => {
        const g = vectorFunction(B);
        const fwd = jacfwd(g)(x);
        const rev = jacrev(g)(x);
        expect(fwd.shape).toEqual([x.shape[1], 2, ...x.shape]);
        expectClose([fwd], [rev], MODES.f64, 'jacfwd vs jacrev');
        expectClose([fwd], [jacobianFD(g, x)], FD.f64, 'jacfwd vs central differences');
        // Scalar outputs give a Jacobian of the input's shape.
        const s = scalarFunction(B);
        expectClose([jacrev(s)(x)], [grad(s)(x)], MODES.f64, 'jacrev of a scalar = grad');
        expectClose([jacfwd(s)(x)], [grad(s)(x)], MODES.f64, 'jacfwd of a scalar = grad');
      }),
      opts(RUNS.second),
    );
  });

  it('hvp agrees with Jacobians of the gradient and with differences of the gradient, and H is symmetric', () => {
    fc.assert(
      fc.property(matrices, ({ x, B, v }) => {
        const f = scalarFunction(B);
        const Hv = hvp(f, x, v);
        expect(Hv.shape).toEqual(x.shape);
        const n = x.size;
        const gradF = (y: Tensor) => grad(f)(y) as Tensor;
        const H = reshape(jacfwd(gradF)(x), [n, n]) as Tensor;
        const Hrev = reshape(jacrev(gradF)(x), [n, n]) as Tensor;
        expectClose([H], [Hrev], MODES.f64, 'jacfwd(grad) vs jacrev(grad)');
        expectClose([H], [transpose(H) as Tensor], MODES.f64, 'Hessian symmetry');
        expectClose([reshape(Hv, [n, 1]) as Tensor], [matmul(H, reshape(v, [n, 1]) as never) as Tensor], MODES.f64, 'hvp vs H·v');
        const fd = centralDifference(([y]) => [grad(f)(y!)], [x], [v], stepFor([x]));
        expectClose([Hv], fd, FD.f64, 'hvp vs differences of grad');
      }),
      opts(RUNS.second),
    );
  });
});

describe('valueAndGrad', () => {
  const args = fc
    .record({ s: shape({ minRank: 1, maxRank: 2 }) })
    .chain(({ s }) => fc.record({ a: tensorOf(s, real(-1, 1)), b: tensorOf(s, real(-1, 1)), c: tensorOf(s, real(-1, 1)) }));

  const loss = (a: Tensor, b: Tensor, c: Tensor) => T(add(sum(mul(mul(a, tanh(b)), exp(c))), mul(0.5, sum(square(a)))));

  it('argnums as an array returns the gradients in that order, equal to single-argument gradients', () => {
    fc.assert(
      fc.property(args, ({ a, b, c }) => {
        const [value, [gc, ga]] = valueAndGrad(loss, { argnums: [2, 0] })(a, b, c);
        expectExact(value, loss(a, b, c), 'value');
        expectExact(gc, grad(loss, { argnums: 2 })(a, b, c), 'gradient in c');
        expectExact(ga, grad(loss)(a, b, c), 'gradient in a');
        const fd = centralDifference(([x]) => [loss(a, b, x!)], [c], [b], stepFor([a, b, c]));
        expectClose([f64([inner([gc], [b]).value], [])], fd, FD.f64, 'gradient in c along b');
        const [ga2, gb2, gc2] = grad(loss, { argnums: [0, 1, 2] })(a, b, c);
        expectExact(ga2, ga, 'all three: a');
        expectExact(gc2, gc, 'all three: c');
        expectExact(gb2, grad(loss, { argnums: 1 })(a, b, c), 'all three: b');
      }),
      opts(RUNS.second),
    );
  });

  it('hasAux: the loss is differentiated, aux comes back with the values it had', () => {
    fc.assert(
      fc.property(args, ({ a, b, c }) => {
        const f = (x: Tensor, y: Tensor, z: Tensor) => [loss(x, y, z), { doubled: T(mul(x, 2)), parts: [T(sum(y)), z] }] as const;
        const [[value, aux], [gb, ga]] = valueAndGrad(f, { argnums: [1, 0], hasAux: true })(a, b, c);
        expectExact(value, loss(a, b, c), 'value');
        expectExact(ga, grad(loss)(a, b, c), 'gradient in a');
        expectExact(gb, grad(loss, { argnums: 1 })(a, b, c), 'gradient in b');
        expectExact(aux.doubled, T(mul(a, 2)), 'aux.doubled');
        expectExact(aux.parts[0], T(sum(b)), 'aux.parts[0]');
        expect(aux.parts[1]).toBe(c);
      }),
      opts(RUNS.second),
    );
  });

  it('hasAux under an outer transform: aux is an ordinary differentiable value of the outer function', () => {
    // aux = 3·y, so d aux/dy = 3 whichever transform looks at it from outside.
    const f = (y: Tensor) => [T(sum(square(y))), T(mul(y, 3))] as const;
    const x = f64([1.5], []), one = f64([1], []);
    const auxOf = (y: Tensor) => valueAndGrad(f, { hasAux: true })(y)[0][1];
    expectExact(jvp((y: Tensor) => valueAndGrad(f, { hasAux: true })(y)[0][0], [x], [one])[1], f64([3], []), 'jvp of the value');
    expectExact(jvp(auxOf, [x], [one])[1], f64([3], []), 'jvp of aux');
    expectExact(grad(auxOf)(x), f64([3], []), 'grad of aux');
  });
});

describe('pullbacks are linear functions that transforms can differentiate', () => {
  it('jvp and grad of a pullback with respect to its cotangent give back J and Jᵀ', () => {
    fc.assert(
      fc.property(matrices.chain((m) => fc.record({ u: direction([m.x.shape[1]!, 2]) }).map((r) => ({ ...m, ...r }))), ({ x, B, v, u }) => {
        const g = vectorFunction(B);
        const [, pullback] = vjp(g, x);
        const Jv = jvp(g, [x], [v])[1];
        // ⟨pullback(c), v⟩ = ⟨c, J v⟩, so its gradient in c is J v, and the jvp of the pullback along u is Jᵀ u.
        const viaGrad = grad((c: Tensor) => T(dot(pullback(c as never)[0] as Tensor, v)))(u);
        expectClose([viaGrad], [Jv], MODES.f64, 'grad of ⟨pullback(c), v⟩');
        const viaJvp = jvp((c: Tensor) => pullback(c as never)[0] as Tensor, [u], [u])[1];
        expectClose([viaJvp], [pullback(u as never)[0] as Tensor], MODES.f64, 'jvp of the pullback (linear)');
        const l = inner([u], [Jv]), r = inner([viaJvp], [v]);
        expectIdentity(l.value, r.value, l.scale + r.scale, '⟨u, Jv⟩ = ⟨Jᵀu, v⟩');
      }),
      opts(RUNS.second),
    );
  });
});

describe('composite ops to second order', () => {
  const composites: PrimitiveCase[] = [
    ['mean', (x: Tensor) => T(mean(x, [0], { keepDims: true }))],
    ['dot', (x: Tensor) => T(dot(x, tanh(x)))],
    ['norm2', (x: Tensor) => T(norm2(x))],
    ['logSumExp', (x: Tensor) => logSumExp(x, [x.shape.length - 1])],
  ].map(([name, f]) => ({
    primitive: name as string,
    label: name as string,
    sample: shape({ minRank: 1, maxRank: 3 }).chain((s) => tensorOf(s, real(-3, 3)).map((x) => ({ xs: [x], consts: [] }))),
    apply: ([x]: readonly Tensor[]) => (f as (x: Tensor) => Tensor)(x!),
  }));
  for (const c of composites) {
    it(c.label, () => {
      fc.assert(
        fc.property(probe(c), (p) => {
          checkFirstOrder(c, p);
          checkSecondOrder(c, p);
        }),
        opts(RUNS.third),
      );
    });
  }
});
