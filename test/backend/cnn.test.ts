/**
 * A small version of the paper's CNN (conv 5×5 → avgpool → ELU, conv 3×3 → avgpool → ELU,
 * conv 3×3 → avgpool → ELU, dense → ELU, dense → ELU, dense 1; f32), its forward pass, the
 * parameter gradient of the BCE loss, and the parameter gradient of the alignment-rewarded loss
 * BCE − λ·cos²(∇ₓf, v) (double backprop), under each backend: cpu-threads gives the cpu's bits,
 * gpujs in gpu.js's 'cpu' and 'webasm' modes agrees within float32 rounding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disposeGpujs, disposeThreads, getThreads, gpujsInfo, GPUJS_BACKEND, setBackend, setThreads, threadsInfo, THREADS_BACKEND, useGpujs, withBackend,
  type GpujsRunMode,
} from '../../src/backend/node.ts';
import {
  add, avgPool2d, conv2d, div, elu, flattenBatch, grad, matmul, mean, mul, random, reshape, slice, softplus, sub, sum, tensor, treeLeaves, type Tensor,
} from '../../src/index.ts';
import { expectIdentical, U32 } from './support.ts';

const T = (x: unknown) => x as Tensor;
const N = 2;
const HW = 16;
const LAMBDA = 0.5;

// type aliases, not interfaces: only those are assignable to the Pytree record type
type Layer = { w: Tensor; b: Tensor };
type Params = { conv1: Layer; conv2: Layer; conv3: Layer; dense1: Layer; dense2: Layer; dense3: Layer };

function init(seed: number): Params {
  const k = random.split(random.key(seed), 12);
  const n = (i: number, shape: number[], fanIn: number) => T(random.normal(k[i]!, shape, { std: Math.sqrt(2 / fanIn) }));
  return {
    conv1: { w: n(0, [4, 2, 5, 5], 50), b: n(1, [1, 4, 1, 1], 4) },
    conv2: { w: n(2, [8, 4, 3, 3], 36), b: n(3, [1, 8, 1, 1], 8) },
    conv3: { w: n(4, [8, 8, 3, 3], 72), b: n(5, [1, 8, 1, 1], 8) },
    dense1: { w: n(6, [32, 16], 32), b: n(7, [16], 16) },
    dense2: { w: n(8, [16, 8], 16), b: n(9, [8], 8) },
    dense3: { w: n(10, [8, 1], 8), b: n(11, [1], 1) },
  };
}

function logits(p: Params, x: Tensor): Tensor {
  let h = x;
  for (const layer of [p.conv1, p.conv2, p.conv3]) {
    h = T(add(conv2d(h, layer.w as never, { padding: 'same' }), layer.b));
    h = T(elu(avgPool2d(h as never, { size: 2 })));
  }
  h = T(flattenBatch(h as never));
  h = T(elu(add(matmul(h as never, p.dense1.w as never), p.dense1.b)));
  h = T(elu(add(matmul(h as never, p.dense2.w as never), p.dense2.b)));
  return T(reshape(add(matmul(h as never, p.dense3.w as never), p.dense3.b), [N]));
}

interface Data {
  x: Tensor;
  y: Tensor;
  v: Tensor;
}

function bce(p: Params, d: Data): Tensor {
  const z = logits(p, d.x);
  return T(mean(sub(softplus(z), mul(d.y, z))));
}

/** Mean over images of cos²(∇ₓf on the CT channel, v). */
function alignment(p: Params, d: Data): Tensor {
  const gx = T(slice(grad((xi: Tensor) => T(sum(logits(p, xi))))(d.x), [0, 0, 0, 0], [N, 1, HW, HW]));
  const dot = T(sum(mul(gx, d.v), [1, 2, 3]));
  return T(mean(div(mul(dot, dot), mul(sum(mul(gx, gx), [1, 2, 3]), sum(mul(d.v, d.v), [1, 2, 3])))));
}

const rewarded = (p: Params, d: Data): Tensor => T(sub(bce(p, d), mul(LAMBDA, alignment(p, d))));

function data(seed: number): Data {
  const k = random.split(random.key(seed), 2);
  return {
    x: T(random.normal(k[0]!, [N, 2, HW, HW])),
    y: T(tensor([1, 0], [N])),
    v: T(random.normal(k[1]!, [N, 1, HW, HW])),
  };
}

interface Outcome {
  forward: Tensor;
  bceGrad: Tensor[];
  rewardedGrad: Tensor[];
}

const params = init(1);
const batch = data(2);

function everything(): Outcome {
  return {
    forward: logits(params, batch.x),
    bceGrad: treeLeaves(grad((p: Params) => bce(p, batch))(params)) as Tensor[],
    rewardedGrad: treeLeaves(grad((p: Params) => rewarded(p, batch))(params)) as Tensor[],
  };
}

let reference: Outcome;
const initialThreads = getThreads();

beforeAll(() => {
  setBackend('cpu');
  reference = everything();
});

afterAll(async () => {
  setBackend('cpu');
  setThreads(initialThreads);
  await Promise.all([disposeThreads(), disposeGpujs()]);
});

/**
 * A leaf computed with float32 kernels that sum in another order differs from the cpu's by
 * rounding only: a few ulps per kernel along a chain of about 30 kernels (double backprop
 * included). Measured here: at most 9 ulps of the leaf's largest magnitude. 128 ulps (7.6e-6
 * relative) leaves room for other seeds and is far below any real disagreement (a wrong kernel
 * moves a gradient by a sizeable fraction of its scale).
 */
const CHAIN_ULPS = 128;

function expectClose(got: Tensor, want: Tensor, what: string): void {
  expect(got.shape).toEqual(want.shape);
  let scale = 0;
  for (const v of want.data) scale = Math.max(scale, Math.abs(v));
  const tol = CHAIN_ULPS * U32 * scale;
  let worst = 0;
  for (let i = 0; i < want.size; i++) worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!));
  expect(worst, `${what}: max difference ${worst} vs tolerance ${tol}`).toBeLessThanOrEqual(tol);
}

describe('a small paper CNN under every backend', () => {
  it('cpu-threads gives the cpu result bit for bit, with the large kernels split over the pool', () => {
    setThreads({ threads: 2, minWork: 0, minPartWork: 0 });
    const before = (threadsInfo().details as { threadedCalls: number }).threadedCalls;
    const got = withBackend(THREADS_BACKEND, everything);
    expect((threadsInfo().details as { threadedCalls: number }).threadedCalls - before).toBeGreaterThan(20);
    expectIdentical(got.forward, reference.forward, 'forward');
    got.bceGrad.forEach((g, i) => expectIdentical(g, reference.bceGrad[i]!, `BCE gradient leaf ${i}`));
    got.rewardedGrad.forEach((g, i) => expectIdentical(g, reference.rewardedGrad[i]!, `rewarded gradient leaf ${i}`));
  });

  for (const mode of ['cpu', 'webasm'] as GpujsRunMode[]) {
    it(`gpujs in mode '${mode}' agrees within float32 rounding, with every hot kernel on gpu.js`, () => {
      useGpujs({ mode, minWork: 0, elementwiseMinSize: 0, select: false });
      const got = withBackend(GPUJS_BACKEND, everything);
      const calls = gpujsInfo().details?.gpuCalls as Record<string, number>;
      for (const prim of ['matmul', 'conv2d', 'conv2dInputAdjoint', 'conv2dFilterAdjoint', 'avgPool2d', 'avgPool2dAdjoint', 'elu', 'add', 'mul']) {
        expect(calls[prim] ?? 0, `${prim} ran on gpu.js`).toBeGreaterThan(0);
      }
      expect(gpujsInfo().actual).toBe(mode);
      expectClose(got.forward, reference.forward, 'forward');
      got.bceGrad.forEach((g, i) => expectClose(g, reference.bceGrad[i]!, `BCE gradient leaf ${i}`));
      got.rewardedGrad.forEach((g, i) => expectClose(g, reference.rewardedGrad[i]!, `rewarded gradient leaf ${i}`));
    });
  }
});
