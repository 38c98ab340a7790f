/**
 * The paper CNN's benchmark workload, shared by the backend, peers, PyTorch and GPU-check
 * benches: its conv layers as kernel cases, and its forward pass, plain training step and
 * alignment-rewarded step. A module of its own (no entry point), so that bundling a bench that
 * imports it (scripts/gpu-check.sh) runs nothing else.
 */
import { div, mean, mul, ones, random, reshape, slice, softplus, sub, sum, tensor, vjp, nn, type Tensor } from '../src/index.ts';

const T = (x: unknown) => x as Tensor;

/** The paper CNN's conv layers at input size hw: [N, C, H, W] input, [O, C, K, K] filter, 'same' padding. */
export function paperLayers(hw: number): { name: string; x: number[]; w: number[] }[] {
  return [
    { name: 'L1', x: [1, 2, hw, hw], w: [16, 2, 5, 5] },
    { name: 'L2', x: [1, 16, hw / 2, hw / 2], w: [32, 16, 3, 3] },
    { name: 'L3', x: [1, 32, hw / 4, hw / 4], w: [64, 32, 3, 3] },
  ];
}

// The paper's CNN from src/nn (one definition for the experiment, the tests and every bench).
export type PaperParams = nn.CnnParams;

const models = new Map<number, ReturnType<typeof nn.paperCnn>>();
function cnnFor(hw: number) {
  let m = models.get(hw);
  if (!m) models.set(hw, (m = nn.paperCnn({ inputSize: hw })));
  return m;
}

export function paperCnnParams(hw: number, seed = 1): PaperParams {
  return cnnFor(hw).init(random.key(seed));
}

/** Logits [N] of the paper's CNN on x [N, 2, H, W]. */
export function paperCnn(p: PaperParams, x: Tensor): Tensor {
  return T(reshape(cnnFor(x.shape[2]!).apply(p, x as never), [x.shape[0]!]));
}

export interface StepData {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly v: Tensor;
}

export function stepData(batch: number, hw: number): StepData {
  const k = random.split(random.key(7), 2);
  return {
    x: T(random.normal(k[0]!, [batch, 2, hw, hw])),
    y: T(tensor(Array.from({ length: batch }, (_, i) => i % 2), [batch])),
    v: T(random.normal(k[1]!, [batch, 1, hw, hw])),
  };
}

/** Mean BCE on logits z [N, 1] against labels y [N] (z flattened first, so nothing broadcasts to [N, N]). */
function bceOnLogits(z: Tensor, y: Tensor): Tensor {
  const flat = T(reshape(z, [z.shape[0]!]));
  return T(mean(sub(softplus(flat), mul(y, flat))));
}

export function bceLoss(p: PaperParams, d: StepData): Tensor {
  return bceOnLogits(paperCnn(p, d.x), d.y);
}

/**
 * BCE − λ · mean over images of cos²(∇ₓf on the CT channel, v). One forward pass serves both
 * terms (as alignmentLoss does in src/interp): the logits and the pullback that gives ∇ₓ Σ f.
 */
export function rewardedLoss(p: PaperParams, d: StepData, lambda = 0.1): Tensor {
  const [n, , hw] = d.x.shape as [number, number, number];
  const [z, pullback] = vjp((xi: Tensor) => paperCnn(p, xi), d.x);
  const gx = T(slice(pullback(ones(z.shape as [number, number], { dtype: z.dtype }))[0] as Tensor, [0, 0, 0, 0], [n, 1, hw, hw]));
  const dot = T(sum(mul(gx, d.v), [1, 2, 3]));
  const cos2 = T(div(mul(dot, dot), mul(sum(mul(gx, gx), [1, 2, 3]), sum(mul(d.v, d.v), [1, 2, 3]))));
  return T(sub(bceOnLogits(z, d.y), mul(lambda, mean(cos2))));
}

