/** Gradient-flow alignment: straight flows of linear models, monotone reparametrisations, reaching the boundary, integrator orders. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { add, exp, grad, mul, random, sub, tanh, Tensor } from '../../src/index.ts';
import { brightness, extent, flowAlignment, logAspectRatio, noise, type Feature, type Image, type Integrator } from '../../src/interp/index.ts';
import { RUNS, SEED, SIDE, TOL, cos2, imageModel, linear, modelWeights, render, sample, vdot, weightsImage } from './support.ts';

const D = SIDE * SIDE;
const seed = fc.integer({ min: 0, max: 1 << 30 });

function gradOf(f: (x: Image) => Tensor, image: Image): Float64Array {
  return Float64Array.from((grad((x: Tensor) => f(x as Image))(image as Tensor) as Tensor).data);
}

function norm(v: ArrayLike<number>): number {
  return Math.sqrt(vdot(v, v));
}

/** A linear model whose boundary lies at distance `delta` from x0, on side `sign`. */
function linearAt(x0: Image, w: Image, delta: number, sign: number) {
  const nw = norm(w.data);
  const b = sign * delta * nw - vdot(w.data, x0.data);
  return { f: linear(w, b), nw };
}

describe('linear model f(x) = ⟨w, x⟩ + b', () => {
  it('S_i = cos²(w, ∇g_i) exactly, with the closed-form ∇ of brightness (M/ΣM) and of the noise functional (ρ)', () => {
    fc.assert(
      fc.property(sample(), seed, seed, fc.double({ min: -3, max: 3, noNaN: true }), ({ image, mask }, sw, sn, b) => {
        const w = weightsImage(sw);
        const key = random.key(sn);
        // maxSteps 0 stops at the sample: F is S there, asked for with includePartialPaths (the path never reaches the boundary).
        const r = flowAlignment(linear(w, b), [brightness, noise(key)], { image, mask }, { maxSteps: 0, includePartialPaths: true });
        const rho = random.normal(key, [SIDE, SIDE], { dtype: 'f64' }).data;
        const m = mask.data;
        expect(Math.abs(r.F[0]! - cos2(w.data, m))).toBeLessThanOrEqual(TOL.exact);
        expect(Math.abs(r.F[1]! - cos2(w.data, rho))).toBeLessThanOrEqual(TOL.exact);
        expect(r.length).toBe(0);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('its flow is the straight line x − sign·s·w/‖w‖ to the boundary, and F is the arc-length average of S along it', () => {
    const gs: Feature[] = [logAspectRatio, extent, brightness];
    fc.assert(
      fc.property(
        sample(),
        seed,
        fc.double({ min: 0.05, max: 0.4, noNaN: true }),
        fc.constantFrom(-1, 1),
        fc.integer({ min: 2, max: 10 }),
        fc.double({ min: 0.1, max: 0.9, noNaN: true }),
        fc.constantFrom<Integrator>('euler', 'heun', 'rk4'),
        ({ image, mask }, sw, delta, sign, n, frac, integrator) => {
          const w = weightsImage(sw);
          const { f, nw } = linearAt(image, w, delta, sign);
          const tolerance = 1e-9;
          const r = flowAlignment(f, gs, { image, mask }, { stepSize: delta / (n + frac), returnPath: true, tolerance, integrator });
          expect(r.reached).toBe(true);
          expect(r.stopReason).toBe('reached');
          expect(Math.abs(r.endValue!)).toBeLessThanOrEqual(tolerance);
          expect(r.steps).toBe(n + 1);
          // f falls by ‖w‖ per unit of arc length along the normalised flow.
          expect(Math.abs(r.length - delta)).toBeLessThanOrEqual(tolerance / nw + TOL.exact);
          const path = r.path!;
          const x0 = image.data;
          path.images.forEach((y, k) => {
            const s = path.arc[k]!;
            const off = Array.from(y.data, (v, j) => v - x0[j]! + (sign * s * w.data[j]!) / nw);
            expect(norm(off)).toBeLessThanOrEqual(TOL.exact);
          });
          // F from the S of an independent oracle at each path point, by the trapezoid rule on the arc positions.
          gs.forEach((g, i) => {
            const S = path.images.map((y) => cos2(w.data, gradOf((x) => g(x, mask), y)));
            let acc = 0;
            for (let k = 1; k < S.length; k++) acc += ((path.arc[k]! - path.arc[k - 1]!) * (S[k]! + S[k - 1]!)) / 2;
            expect(Math.abs(r.F[i]! - acc / r.length)).toBeLessThanOrEqual(TOL.exact);
          });
        },
      ),
      { seed: SEED, numRuns: RUNS.flow },
    );
  });
});

describe('f = h(g(x)) with h strictly monotone', () => {
  const hs: [string, (u: Tensor, a: number, c: number) => Tensor][] = [
    ['affine', (u, a, c) => add(mul(u, a), c)],
    ['tanh', (u, a, c) => tanh(mul(sub(u, c), a))],
    ['exp', (u, a, c) => sub(exp(mul(u, a)), c)],
  ];
  it('S = 1 at the sample and F = 1 (and S = 1 at every path point)', () => {
    fc.assert(
      fc.property(
        sample(),
        fc.constantFrom(0, 1, 2),
        fc.constantFrom(0, 1, 2),
        fc.tuple(fc.boolean(), fc.double({ min: 0.2, max: 2, noNaN: true })).map(([neg, v]) => (neg ? -v : v)),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.constantFrom<Integrator>('euler', 'rk4'),
        ({ image, mask }, gi, hi, a, c, integrator) => {
          const g = [brightness, extent, logAspectRatio][gi]!;
          const h = hs[hi]![1];
          const f = (x: Image) => h(g(x, mask), a, c);
          // Six steps need not reach the boundary: the partial path's average is what is checked.
          const r = flowAlignment(f, [g], { image, mask }, { maxSteps: 6, stepSize: 0.02, returnPath: true, integrator, includePartialPaths: true });
          const path = r.path!;
          expect(Math.abs(path.S[0]![0]! - 1)).toBeLessThanOrEqual(TOL.exact);
          for (const s of path.S) expect(Math.abs(s[0]! - 1)).toBeLessThanOrEqual(TOL.exact);
          expect(Math.abs(r.F[0]! - 1)).toBeLessThanOrEqual(TOL.exact);
          expect(Math.abs(r.FA! - 1)).toBeLessThanOrEqual(TOL.exact);
        },
      ),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});

describe('reaching the boundary', () => {
  it("a logistic model's flow reaches f = t, where |f − t| ≤ the bisection tolerance", () => {
    fc.assert(
      fc.property(
        sample(),
        seed,
        fc.double({ min: 0.02, max: 0.5, noNaN: true }),
        fc.constantFrom(-1, 1),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.constantFrom(1e-3, 1e-6, 1e-10),
        fc.constantFrom<Integrator>('euler', 'heun', 'rk4'),
        fc.boolean(),
        ({ image, mask }, sw, delta, sign, t, tolerance, integrator, normalise) => {
          const w = weightsImage(sw);
          const { f } = linearAt(image, w, delta, sign);
          const logit = (x: Image) => add(f(x), t); // boundary f = t at distance delta
          const r = flowAlignment(logit, [logAspectRatio], { image, mask }, { threshold: t, tolerance, integrator, normalise, maxSteps: 1000 });
          expect(r.reached).toBe(true);
          expect(Math.abs(r.endValue! - t)).toBeLessThanOrEqual(tolerance);
          expect(r.issues).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('a smooth nonlinear model started beside its boundary reaches it with every integrator', () => {
    fc.assert(
      fc.property(sample(), seed, fc.constantFrom<Integrator>('euler', 'heun', 'rk4'), ({ image, mask }, sm, integrator) => {
        const f0 = imageModel(modelWeights(sm, D, 3, 4));
        const v = f0(image).item();
        const f = (x: Image) => sub(f0(x), v - 0.2 * Math.sign(v)); // f(x) = ±0.2
        const r = flowAlignment(f, [], { image, mask }, { integrator, stepSize: 0.01, maxSteps: 2000, maxLength: 20 });
        fc.pre(r.stopReason !== 'stalled');
        expect(r.reached).toBe(true);
        expect(Math.abs(r.endValue!)).toBeLessThanOrEqual(1e-4);
      }),
      { seed: SEED, numRuns: RUNS.flow },
    );
  });
});

describe('integrators', () => {
  const end = (r: { path?: { images: Image[] } }) => r.path!.images.at(-1)!.data;
  const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => norm(Array.from(a, (v, i) => v - b[i]!));

  it('after a fixed arc length, Euler, Heun and RK4 converge at orders 1, 2 and 4', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 << 20 }), seed, (sb, sm) => {
        const { image, mask } = render({ cy: 5.2, cx: 5.7, ra: 3, rb: 2, theta: 0.4, base: 0.2, amp: 0.4, texture: sb });
        const f0 = imageModel(modelWeights(sm, D, 3, 4));
        const f = (x: Image) => add(f0(x), 100); // the boundary is far: every path runs its full step budget
        const run = (integrator: Integrator, steps: number) =>
          flowAlignment(f, [], { image, mask }, { integrator, stepSize: 0.2 / steps, maxSteps: steps, maxLength: 10, returnPath: true });
        const ref = end(run('rk4', 256));
        const ratio = (integrator: Integrator, n: number) => dist(end(run(integrator, 2 * n)), ref) / dist(end(run(integrator, n)), ref);
        const e = ratio('euler', 16);
        const h = ratio('heun', 16);
        const k = ratio('rk4', 8);
        expect(e).toBeGreaterThan(0.4);
        expect(e).toBeLessThan(0.6);
        expect(h).toBeGreaterThan(0.15);
        expect(h).toBeLessThan(0.35);
        expect(k).toBeLessThan(0.1);
      }),
      { seed: SEED, numRuns: RUNS.flow },
    );
  });

  it('to the boundary, Heun and RK4 agree with Euler as the step shrinks (end points, and F at the small step)', () => {
    fc.assert(
      fc.property(sample(), seed, ({ image, mask }, sm) => {
        const f0 = imageModel(modelWeights(sm, D, 3, 4));
        const g0 = imageModel(modelWeights(sm + 1, D, 3, 4));
        const v = f0(image).item();
        const f = (x: Image) => sub(f0(x), v - 0.3 * Math.sign(v));
        const run = (integrator: Integrator, h: number) =>
          flowAlignment(f, [(x: Image) => g0(x)], { image, mask }, { integrator, stepSize: h, maxSteps: 5000, maxLength: 20, tolerance: 1e-12, returnPath: true });
        const coarse = { e: run('euler', 0.02), h: run('heun', 0.02), k: run('rk4', 0.02) };
        fc.pre([coarse.e, coarse.h, coarse.k].every((r) => r.reached));
        const fine = { e: run('euler', 0.005), h: run('heun', 0.005), k: run('rk4', 0.005) };
        for (const other of ['h', 'k'] as const) {
          // Euler's error is first order: a quarter of the step leaves well under half the gap.
          expect(dist(end(fine.e), end(fine[other]))).toBeLessThan(0.4 * dist(end(coarse.e), end(coarse[other])));
          // "Small" made concrete: at h = 0.005 (a few hundredths of the path) the three F agree to 1%.
          expect(Math.abs(fine.e.F[0]! - fine[other].F[0]!)).toBeLessThanOrEqual(0.01 * fine[other].F[0]!);
        }
      }),
      { seed: SEED, numRuns: RUNS.flow },
    );
  });
});
