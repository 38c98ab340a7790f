/**
 * Nested derivatives with closures over the outer variable: each transform must see only the
 * perturbations it introduced (Siskind & Pearlmutter's perturbation confusion; the closure
 * examples of JAX's autodidax). Everything here is polynomial in dyadic inputs, so the answers
 * are exact and compared with ===.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { add, grad, jvp, mul, square, sum, valueAndGrad, vjp, type Tensor } from '../../src/index.ts';
import { dyadic } from '../support/arbitraries.ts';
import { expectExact, f64 } from '../support/numeric.ts';
import { RUNS, SEED } from '../support/tolerance.ts';

const T = (x: unknown) => x as Tensor;
const s = (v: number) => f64([v], []);
const ONE = s(1);

/** d/dx by forward mode and by reverse mode: every check runs with both, and with both nested inside each. */
const derivatives: readonly [string, (f: (x: Tensor) => Tensor) => (x: Tensor) => Tensor][] = [
  ['jvp', (f) => (x) => jvp(f, [x], [ONE])[1]],
  ['grad', (f) => (x) => grad(f)(x)],
  ['vjp', (f) => (x) => {
    const [, pullback] = vjp(f, x);
    return pullback(ONE as never)[0] as Tensor;
  }],
];

const opts = { seed: SEED, numRuns: RUNS.first };
const point = fc.record({ x: dyadic(), y: dyadic(), z: dyadic() });

describe('no perturbation confusion', () => {
  for (const [outerName, D] of derivatives) {
    for (const [innerName, Din] of derivatives) {
      const tag = `${outerName} of ${innerName}`;

      it(`${tag}: d/dx [x · (d/dy (x + y))(y₀)] = 1`, () => {
        fc.assert(
          fc.property(point, ({ x, y }) => {
            const f = (xv: Tensor) => T(mul(xv, Din((yv) => T(add(xv, yv)))(s(y))));
            expectExact(D(f)(s(x)), s(1), tag);
          }),
          opts,
        );
      });

      it(`${tag}: autodidax closure — d/dx [x · (d/dy x)(0)] = 0`, () => {
        fc.assert(
          fc.property(point, ({ x }) => {
            // g ignores its argument and returns the outer x: its derivative must be 0, not 1.
            const f = (xv: Tensor) => T(mul(xv, Din((_yv) => xv)(s(0))));
            expectExact(D(f)(s(x)), s(0), tag);
          }),
          opts,
        );
      });

      it(`${tag}: d/dx [(d/dy (x·y))(y₀)] = 1 and d/dx [x · (d/dy (x·y))(y₀)] = 2x`, () => {
        fc.assert(
          fc.property(point, ({ x, y }) => {
            const inner = (xv: Tensor) => Din((yv) => T(mul(xv, yv)))(s(y));
            expectExact(D(inner)(s(x)), s(1), `${tag}: grad(y => x*y) in x`);
            expectExact(D((xv) => T(mul(xv, inner(xv))))(s(x)), s(2 * x), `${tag}: x · grad(y => x*y)`);
          }),
          opts,
        );
      });

      it(`${tag}: a derivative closed over x, built outside and called inside another derivative`, () => {
        fc.assert(
          fc.property(point, ({ x, y }) => {
            // h(x) = d/dy [x·y²] at y = x, i.e. 2x², so h'(x) = 4x: the inner transform is applied at an outer tracer.
            const h = (xv: Tensor) => Din((yv) => T(mul(xv, square(yv))))(xv);
            expectExact(D(h)(s(x)), s(4 * x), `${tag}: d/dx (d/dy x·y²)|_{y=x}`);
            // And with the closure capturing x of one call while the derivative runs at an unrelated point.
            const k = (xv: Tensor) => Din((yv) => T(mul(square(xv), yv)))(s(y));
            expectExact(D(k)(s(x)), s(2 * x), `${tag}: d/dx (d/dy x²·y)`);
          }),
          opts,
        );
      });

      it(`${tag}: three levels — d/dx [x · d/dy [y · d/dz (x + y + z)]] = 1`, () => {
        fc.assert(
          fc.property(point, ({ x, y, z }) => {
            const f = (xv: Tensor) =>
              T(mul(xv, D((yv) => T(mul(yv, Din((zv) => T(add(add(xv, yv), zv)))(s(z)))))(s(y))));
            expectExact(D(f)(s(x)), s(1), tag);
            // With x in every level: d/dx [x · d/dy [x·y · d/dz (x·y·z)]] = d/dx [x · d/dy (x²y²)] at y: d/dx (2x³y) = 6x²y.
            const g = (xv: Tensor) =>
              T(mul(xv, D((yv) => T(mul(mul(xv, yv), Din((zv) => T(mul(mul(xv, yv), zv)))(s(z)))))(s(y))));
            expectExact(D(g)(s(x)), s(6 * x * x * y), `${tag}: 6x²y`);
          }),
          opts,
        );
      });
    }
  }

  it('jvp of jvp with the same input in both tangents: the mixed term is counted once', () => {
    fc.assert(
      fc.property(point, ({ x }) => {
        // f(x) = x³; the inner tangent along the outer tracer must give d²/dx² x³ = 6x, not 3x² twice-perturbed.
        const cube = (v: Tensor) => T(mul(mul(v, v), v));
        const d1 = (xv: Tensor) => jvp(cube, [xv], [ONE])[1];
        expectExact(jvp(d1, [s(x)], [ONE])[1], s(6 * x), 'jvp of jvp of x³');
        const d2 = (xv: Tensor) => jvp(d1, [xv], [ONE])[1];
        expectExact(jvp(d2, [s(x)], [ONE])[1], s(6), 'jvp³ of x³');
      }),
      opts,
    );
  });

  it('valueAndGrad nested in grad: the inner value and gradient are both differentiated by the outer transform', () => {
    fc.assert(
      fc.property(point, ({ x, y }) => {
        // inner(x) = [x·y², 2xy] at y; outer = value + gradient = xy² + 2xy, d/dx = y² + 2y.
        const outer = (xv: Tensor) => {
          const [value, g] = valueAndGrad((yv: Tensor) => T(mul(xv, square(yv))))(s(y));
          return T(add(value, g));
        };
        expectExact(grad(outer)(s(x)), s(y * y + 2 * y), 'd/dx (value + grad)');
      }),
      opts,
    );
  });

  it('tensors with several elements: an outer gradient through an inner Jacobian-vector product', () => {
    fc.assert(
      fc.property(fc.array(dyadic(), { minLength: 3, maxLength: 3 }), fc.array(dyadic(), { minLength: 3, maxLength: 3 }), (xa, va) => {
        const X = f64(xa, [3]), V = f64(va, [3]);
        // d/dx Σ (J_y[x ⊙ y] v) at y = x, where J_y (x ⊙ y) v = x ⊙ v: gradient v, exactly.
        const f = (xv: Tensor) => T(sum(jvp((yv: Tensor) => T(mul(xv, yv)), [xv], [V])[1]));
        expectExact(grad(f)(X), V, 'grad of Σ x⊙v');
      }),
      opts,
    );
  });
});
