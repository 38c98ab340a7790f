/**
 * Double backprop through each op the paper's model and regulariser use: for
 * F(x; θ) a small scalar function built on the op, h(θ) = Σ (∂F/∂x)² (reverse over reverse) and
 * k(θ) = (∂F/∂x · v)² (reverse over forward) have AD gradients matching central differences in
 * every coordinate, and forward mode over h matches a directional difference.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  add, avgPool2d, conv2d, elu, exp, grad, jvp, matmul, mul, relu, sigmoid, square, sum, tanh, type Tensor,
} from '../../src/index.ts';
import { awayFromZero, convConfig, direction, poolConfig, real, tensorOf, type Elem } from '../support/arbitraries.ts';
import { dotList, gradOf, jvpOf } from '../support/derivatives.ts';
import { centralDifference, expectClose, f64, numericGradient, stepFor, type T64 } from '../support/numeric.ts';
import { FD, RUNS, SEED } from '../support/tolerance.ts';

const T = (x: unknown) => x as Tensor;

interface Problem {
  readonly label: string;
  /** F(x; θ), scalar. */
  readonly F: (x: Tensor, theta: readonly Tensor[]) => Tensor;
  readonly x: T64;
  readonly theta: T64[];
  /** A direction for x (for k) and one for θ (for the forward-mode check). */
  readonly v: T64;
  readonly d: T64[];
}

/** ∂F/∂x by reverse mode, inside whatever transform is differentiating θ. */
const dFdx = (p: Problem, theta: readonly Tensor[]) => grad((x: Tensor) => p.F(x, theta))(p.x);

const h = (p: Problem) => (theta: readonly Tensor[]) => {
  const g = dFdx(p, theta);
  return T(sum(mul(g, g)));
};
const k = (p: Problem) => (theta: readonly Tensor[]) => T(square(jvp((x: Tensor) => p.F(x, theta), [p.x], [p.v])[1]));

function check(p: Problem): void {
  const step = stepFor(p.theta);
  for (const [name, fn] of [['h = Σ(∂F/∂x)²', h(p)], ['k = (∂F/∂x·v)²', k(p)]] as const) {
    const ad = gradOf(fn)(p.theta);
    const fd = numericGradient((th) => fn(th).item(), p.theta, step);
    expectClose(ad, fd, FD.f64, `${p.label}: ∇θ ${name}`);
  }
  // Forward over reverse over reverse: ⟨∇θ h, d⟩ along one direction.
  const fwd = jvpOf(h(p), p.theta, p.d)[1];
  const fd = centralDifference((th) => [h(p)(th)], p.theta, p.d, step);
  expectClose([fwd], fd, FD.f64, `${p.label}: jvp of h along d`);
}

/** Dense layer then the op: F = Σ c ⊙ φ(W x + b), with the pre-activations z drawn from `zDomain` (b = z − Wx). */
function denseProblem(label: string, phi: (z: Tensor) => Tensor, zDomain: Elem): fc.Arbitrary<Problem> {
  return fc
    .record({
      x: tensorOf([4, 1], real(-1, 1)),
      W: tensorOf([3, 4], real(-1, 1)),
      z: tensorOf([3, 1], zDomain),
      c: tensorOf([3, 1], real(-1, 1)),
      v: direction([4, 1]),
      d: fc.tuple(direction([3, 4]), direction([3, 1])),
    })
    .map(({ x, W, z, c, v, d }) => {
      const Wx = matmul(W, x).data;
      const b = f64(Array.from(z.data, (zi, i) => zi - Wx[i]!), [3, 1]);
      return {
        label,
        F: (xv, [Wv, bv]) => dotList([c], [phi(T(add(matmul(Wv!, xv), bv!)))]),
        x,
        theta: [W, b],
        v,
        d: [...d],
      };
    });
}

const convProblem: fc.Arbitrary<Problem> = convConfig(5).chain((g) =>
  fc
    .record({ x: tensorOf([g.n, g.c, g.h, g.w], real(-1, 1)), w: tensorOf([g.o, g.c, g.kh, g.kw], real(-1, 1)), v: direction([g.n, g.c, g.h, g.w]), d: direction([g.o, g.c, g.kh, g.kw]) })
    .chain((r) => {
      const out = conv2d(r.x, r.w as never, { stride: g.stride, padding: g.padding });
      return tensorOf(out.shape, real(-1, 1)).map((c) => ({
        label: `conv2d (stride ${g.stride}, padding ${g.padding}, kernel ${g.kh}×${g.kw})`,
        F: (xv: Tensor, [wv]: readonly Tensor[]) => dotList([c], [tanh(conv2d(xv, wv! as never, { stride: g.stride, padding: g.padding }))]),
        x: r.x,
        theta: [r.w],
        v: r.v,
        d: [r.d],
      }));
    }),
);

const poolProblem: fc.Arbitrary<Problem> = poolConfig(6).chain((g) => {
  const s = [g.n, g.c, g.h, g.w];
  return fc.record({ x: tensorOf(s, real(-1, 1)), w: tensorOf(s, real(-1, 1)), v: direction(s), d: direction(s) }).chain((r) => {
    const out = avgPool2d(r.x as never, { size: g.size, stride: g.stride });
    return tensorOf(out.shape, real(-1, 1)).map((c) => ({
      label: `avgPool2d (size ${g.size}, stride ${g.stride})`,
      F: (xv: Tensor, [wv]: readonly Tensor[]) => dotList([c], [tanh(avgPool2d(mul(xv, wv!) as never, { size: g.size, stride: g.stride }))]),
      x: r.x,
      theta: [r.w],
      v: r.v,
      d: [r.d],
    }));
  });
});

const PROBLEMS: readonly [string, fc.Arbitrary<Problem>][] = [
  ['conv2d', convProblem],
  ['avgPool2d', poolProblem],
  // elu'' and relu' jump at 0: pre-activations stay at least 0.2 away from it.
  ['elu', denseProblem('elu', (z) => elu(z), awayFromZero(0.2, 2))],
  ['sigmoid', denseProblem('sigmoid', (z) => sigmoid(z), real(-3, 3))],
  ['exp', denseProblem('exp', (z) => exp(z), real(-2, 2))],
  ['tanh', denseProblem('tanh', (z) => tanh(z), real(-3, 3))],
  ['relu', denseProblem('relu', (z) => relu(z), awayFromZero(0.2, 2))],
  ['square', denseProblem('square', (z) => square(z), real(-2, 2))],
];

describe('gradient of a gradient penalty, for each op of the model', () => {
  for (const [name, arb] of PROBLEMS) {
    it(name, () => {
      fc.assert(fc.property(arb, check), { seed: SEED, numRuns: RUNS.third });
    });
  }
});
