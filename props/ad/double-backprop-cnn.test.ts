/**
 * Double backprop through a small version of the paper's CNN (conv 5×5 → avgpool → elu →
 * conv 3×3 → avgpool → elu → dense → elu → dense 1; 16×16 inputs with 2 channels, f64):
 * ∇θ [BCE(f(x), y) − λ·cos²(∇ₓ f(x), v)] against central differences, on every element of the
 * small parameters, 30 random elements of each large one, and along random directions of the
 * whole parameter vector (by reverse and by forward mode).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add, avgPool2d, conv2d, div, elu, flattenBatch, grad, jvp, matmul, mean, mul, random, reshape, slice, softplus, sub, sum, treeFlatten,
  treeUnflatten, type Tensor,
} from '../../src/index.ts';
import { axpy, centralDifference, inner, expectClose, f64, numericGradient, pick, stepFor, type T64 } from '../support/numeric.ts';
import { FD, RUNS, SEED } from '../support/tolerance.ts';

const T = (x: unknown) => x as Tensor;
const N = 2;
const LAMBDA = 0.7;

interface Params {
  conv1: { w: Tensor; b: Tensor };
  conv2: { w: Tensor; b: Tensor };
  dense1: { w: Tensor; b: Tensor };
  dense2: { w: Tensor; b: Tensor };
}

function init(seed: number): Params {
  const k = random.split(random.key(seed), 8);
  const n = (i: number, shape: number[], fanIn: number) => T(random.normal(k[i]!, shape, { dtype: 'f64', std: 1.5 / Math.sqrt(fanIn) }));
  return {
    conv1: { w: n(0, [4, 2, 5, 5], 50), b: n(1, [1, 4, 1, 1], 4) },
    conv2: { w: n(2, [4, 4, 3, 3], 36), b: n(3, [1, 4, 1, 1], 4) },
    dense1: { w: n(4, [64, 8], 64), b: n(5, [8], 4) },
    dense2: { w: n(6, [8, 1], 8), b: n(7, [1], 1) },
  };
}

/** The logit per image; `eluInputs` collects every ELU pre-activation (to keep difference steps off its kink). */
function model(p: Params, x: Tensor, eluInputs?: Tensor[]): Tensor {
  const act = (z: Tensor) => {
    eluInputs?.push(z);
    return T(elu(z));
  };
  let h = T(add(conv2d(x, p.conv1.w as never, { padding: 'same' }), p.conv1.b));
  h = act(T(avgPool2d(h as never, { size: 2 })));
  h = T(add(conv2d(h, p.conv2.w as never, { padding: 'same' }), p.conv2.b));
  h = act(T(avgPool2d(h as never, { size: 2 })));
  h = act(T(add(matmul(flattenBatch(h as never), p.dense1.w as never), p.dense1.b)));
  return T(reshape(add(matmul(h, p.dense2.w as never), p.dense2.b), [N]));
}

interface Data {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly v: Tensor;
}

/** Mean squared cosine between each image's ∇ₓ f on the CT channel and v: a function of θ containing a gradient. */
function alignment(p: Params, { x, v }: Data): Tensor {
  // Images are independent, so the gradient of the summed logits holds each image's input gradient.
  const gx = T(slice(grad((xi: Tensor) => T(sum(model(p, xi))))(x), [0, 0, 0, 0], [N, 1, 16, 16]));
  const dot = T(sum(mul(gx, v), [1, 2, 3]));
  return T(mean(div(mul(dot, dot), mul(sum(mul(gx, gx), [1, 2, 3]), sum(mul(v, v), [1, 2, 3])))));
}

/** BCE on logits (stable: softplus(z) − y·z) minus λ · alignment. */
function loss(p: Params, d: Data): Tensor {
  const logits = model(p, d.x);
  const bce = T(mean(sub(softplus(logits), mul(d.y, logits))));
  return T(sub(bce, mul(LAMBDA, alignment(p, d))));
}

function data(seed: number): Data {
  const k = random.split(random.key(seed), 3);
  return {
    x: T(random.normal(k[0]!, [N, 2, 16, 16], { dtype: 'f64' })),
    y: f64([1, 0], [N]),
    v: T(random.normal(k[1]!, [N, 1, 16, 16], { dtype: 'f64' })),
  };
}

function sameSigns(a: readonly Tensor[], b: readonly Tensor[]): boolean {
  return a.every((t, j) => t.data.every((z, i) => Math.sign(z) === Math.sign(b[j]!.data[i]!)));
}

function bump(t: Tensor, i: number, s: number): T64 {
  const d = Float64Array.from(t.data);
  d[i]! += s;
  return f64(d, t.shape);
}

describe('double backprop through the paper-style CNN', () => {
  it('∇θ [BCE − λ·cos²(∇ₓf, v)] and ∇θ cos² alone match central differences', () => {
    const arb = fc.record({
      seed: fc.integer({ min: 0, max: 2 ** 30 }),
      picks: fc.tuple(...[200, 144, 512].map((n) => fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 30, maxLength: 30 }))),
      dirSeed: fc.integer({ min: 0, max: 2 ** 30 }),
    });
    fc.assert(
      fc.property(arb, ({ seed, picks, dirSeed }) => {
        const params = init(seed);
        const d = data(seed + 1);
        const { leaves, def } = treeFlatten(params);
        const eluAt = (ls: readonly Tensor[]) => {
          const zs: Tensor[] = [];
          model(treeUnflatten<Params>(def, ls), d.x, zs);
          return zs;
        };
        const h = stepFor(leaves);
        const z0 = eluAt(leaves);

        // Leaves in key order: conv1.b, conv1.w, conv2.b, conv2.w, dense1.b, dense1.w, dense2.b, dense2.w.
        const big = new Map([[1, picks[0]], [3, picks[1]], [5, picks[2]]]);
        const coords = leaves.map((t, i) => big.get(i) ?? Array.from({ length: t.size }, (_, j) => j));
        // elu'' jumps at 0, so the objectives are C¹ but not C² there and a difference across the kink is
        // wrong by O(h): keep only coordinates whose ±h step leaves every ELU input's sign alone (all of
        // them, for the seeds used; a few may go on other seeds).
        const smooth = coords.map((cs, leaf) =>
          cs.filter((i) => [h, -h].every((s) => sameSigns(z0, eluAt(leaves.map((t, j) => (j === leaf ? bump(t, i, s) : t)))))),
        );
        expect(smooth.flat().length).toBeGreaterThanOrEqual(coords.flat().length - 3);
        const dk = random.split(random.key(dirSeed), leaves.length * 3);
        const dirs = [0, 1, 2].map((r) => leaves.map((t, i) => T(random.normal(dk[r * leaves.length + i]!, t.shape, { dtype: 'f64' }))));
        for (const dir of dirs) expect([h, -h].every((s) => sameSigns(z0, eluAt(leaves.map((t, i) => axpy(t, s, dir[i]!)))))).toBe(true);

        for (const [name, objective] of [['BCE − λ·cos²', loss], ['cos² alone', alignment]] as const) {
          const L = (ls: readonly Tensor[]) => objective(treeUnflatten<Params>(def, ls), d);
          const ad = treeFlatten(grad((p: Params) => objective(p, d))(params)).leaves;
          expect(ad.map((t) => t.shape)).toEqual(leaves.map((t) => t.shape));
          const fd = numericGradient((ls) => L(ls).item(), leaves, h, smooth);
          expectClose(pick(ad, smooth), pick(fd, smooth), FD.f64, `${name}: gradient, coordinate-wise`);
          dirs.forEach((dir, r) => {
            const fdDir = centralDifference((ls) => [L(ls)], leaves, dir, h);
            expectClose([f64([inner(ad, dir).value], [])], fdDir, FD.f64, `${name}: ⟨∇L, d${r}⟩ (reverse over reverse)`);
            const fwd = jvp((...ls: Tensor[]) => L(ls), leaves, dir)[1];
            expectClose([fwd], fdDir, FD.f64, `${name}: D L[d${r}] (forward over reverse)`);
          });
        }
      }),
      { seed: SEED, numRuns: RUNS.cnn },
    );
  });
});
