/**
 * The alignment reward (METHOD.md, "Training with the alignment reward"): a loss term
 * −Σ_i λ_i mean_batch S_i (or −λ mean_batch A) whose ∇_x f is taken by `grad` inside the loss,
 * so that differentiating the loss with respect to the parameters is second-order AD.
 * Its parts: reward/batch.ts reads the batch once, reward/cache.ts holds the feature gradients
 * (constants in θ, computed once per dataset row), reward/value.ts is the pure reward of them and ∇ₓf.
 */
import { add } from '../ad/ops.ts';
import { vjp } from '../ad/transforms.ts';
import { ArgumentError, ShapeError } from '../tensor/errors.ts';
import { allocate, Tensor } from '../tensor/tensor.ts';
import { DEFAULTS } from './defaults.ts';
import { callUserFunction } from './errors.ts';
import { checkTolerance, defaultRankTolerance } from './linalg.ts';
import { readRewardBatch, type RewardLayout, type RewardLayoutOptions } from './reward/batch.ts';
import { FeatureGradientCache } from './reward/cache.ts';
import type { ApplyFn, RewardBatch, RewardKind, RewardOptions, RewardTerm } from './reward/types.ts';
import { imageGradient, rewardValue, type RewardSpec } from './reward/value.ts';
import { nameFeatures, type NamedFeature } from './types.ts';

export type { ApplyFn, RewardBatch, RewardKind, RewardOptions, RewardTerm } from './reward/types.ts';

function lambdas(op: string, features: readonly NamedFeature[], lambda: RewardOptions['lambda'], kind: RewardKind): number[] {
  if (typeof lambda === 'number') {
    if (!Number.isFinite(lambda)) throw new ArgumentError(op, `lambda must be finite, got ${lambda}`);
    return features.map(() => lambda);
  }
  if (kind === 'span') throw new ArgumentError(op, "the 'span' reward takes one lambda (a number), not one per feature");
  if (lambda === null || typeof lambda !== 'object') throw new ArgumentError(op, 'lambda must be a number or a record of numbers by feature name');
  const names = new Set(features.map((f) => f.name));
  for (const [k, v] of Object.entries(lambda)) {
    if (!names.has(k)) throw new ArgumentError(op, `lambda names ${k}, which is not a feature (have ${[...names].join(', ')})`);
    if (!Number.isFinite(v)) throw new ArgumentError(op, `lambda.${k} must be finite, got ${v}`);
  }
  return features.map((f) => lambda[f.name] ?? 0);
}

/** The model's outputs on the batch and ∇ₓ Σ f, from one forward and one reverse pass. */
function outputsAndInputGradient<P>(op: string, apply: ApplyFn<P>, params: P, layout: RewardLayout): { outputs: Tensor; gx: Tensor } {
  const { x, n } = layout;
  const call = { op, role: 'model', sampleIds: layout.indices ?? Array.from({ length: n }, (_, i) => i) } as const;
  const [outputs, pullback] = vjp((xx: Tensor) => {
    const out = callUserFunction(call, () => apply(params, xx));
    if (!(out instanceof Tensor) || out.size !== n || out.shape[0] !== n) throw new ShapeError(op, `apply must map ${n} samples to [${n}] or [${n}, 1]`, [out?.shape ?? []]);
    return out;
  }, x);
  // The pullback of a ones cotangent is ∇ₓ Σ f, which holds every sample's input gradient.
  const ones = allocate(outputs.dtype, outputs.size);
  ones.fill(1);
  return { outputs, gx: pullback(Tensor.fromBuffer(outputs.shape, outputs.dtype, ones))[0] as Tensor };
}

/**
 * The alignment reward as a loss term `(apply, params, batch) → scalar`, to be added to BCE:
 * L = BCE − Σ λ_i mean_batch S_i. `apply(params, x)` must give [N] or [N, 1] outputs that are
 * independent per sample; ∇_x f comes from one inner `grad` of Σ f over the batch.
 * A sample where ∇_x f is zero contributes S = 0 with a zero derivative (no NaN); a sample
 * where a feature is undefined is left out of that feature's mean (see `issues`).
 */
export function alignmentReward(options: RewardOptions): RewardTerm {
  const op = 'alignmentReward';
  if (options === null || typeof options !== 'object') throw new ArgumentError(op, 'needs options { features, lambda }');
  const features = nameFeatures(op, options.features);
  if (features.length === 0) throw new ArgumentError(op, 'needs at least one feature');
  const kind = options.kind ?? DEFAULTS.rewardKind;
  if (kind !== 'pointwise' && kind !== 'span') throw new ArgumentError(op, `kind must be 'pointwise' or 'span', got ${String(kind)}`);
  const lam = lambdas(op, features, options.lambda, kind);
  const layoutOptions: RewardLayoutOptions = {
    imageChannel: options.imageChannel ?? DEFAULTS.imageChannel,
    maskChannel: options.maskChannel ?? DEFAULTS.maskChannel,
    masks: options.masks,
    spacings: options.spacings,
  };
  const zeroTolerance = options.zeroTolerance ?? DEFAULTS.zeroTolerance;
  checkTolerance(op, 'zeroTolerance', zeroTolerance);
  if (options.rankTolerance !== undefined) checkTolerance(op, 'rankTolerance', options.rankTolerance, 1);
  // Features with λ = 0 add nothing to a pointwise reward: skip their gradients.
  const used = features.map((_, i) => kind === 'span' || lam[i] !== 0);
  const cache = new FeatureGradientCache({ op, features, used, zeroTolerance, imageChannel: layoutOptions.imageChannel, maskChannel: layoutOptions.maskChannel });

  const withOutputs = <P>(apply: ApplyFn<P>, params: P, batch: RewardBatch): { value: Tensor; outputs: Tensor } => {
    if (typeof apply !== 'function') throw new ArgumentError(op, 'apply must be a function (params, x) → logits');
    const layout = readRewardBatch(op, batch, layoutOptions);
    const prepared = cache.prepare(layout);
    const { outputs, gx } = outputsAndInputGradient(op, apply, params, layout);
    const spec: RewardSpec = { kind, lambdas: lam, used, rankTolerance: options.rankTolerance ?? defaultRankTolerance(layout.x.dtype) };
    return { value: rewardValue(prepared, imageGradient(gx, layoutOptions.imageChannel), spec), outputs };
  };

  const term = <P>(apply: ApplyFn<P>, params: P, batch: RewardBatch): Tensor => withOutputs(apply, params, batch).value;

  return Object.assign(term, {
    withOutputs,
    names: features.map((f) => f.name),
    lambdas: lam,
    kind,
    issues: (batch: RewardBatch) => cache.prepare(readRewardBatch(op, batch, layoutOptions)).flatMap((p) => p.issues),
  }) as RewardTerm;
}

/**
 * A training loss with the reward added: (params, batch, key) ↦ base(params, batch, key) + reward(model.apply, params, batch),
 * the shape of a `LossFn` for `train` in src/nn.
 */
export function withAlignmentReward<P, B extends RewardBatch, K>(
  model: { apply(params: P, x: Tensor): Tensor },
  reward: RewardTerm,
  base: (params: P, batch: B, key: K) => Tensor,
): (params: P, batch: B, key: K) => Tensor {
  return (params, batch, key) => add(base(params, batch, key), reward((p: P, x) => model.apply(p, x), params, batch));
}

/**
 * A training loss L = dataLoss(f(x), batch) + reward, where the data loss reads the model's outputs
 * from the reward's own forward pass: one forward instead of two, which is what keeps a rewarded
 * step near twice a plain one. The shape of a `LossFn` for `train` in src/nn.
 */
export function alignmentLoss<P, B extends RewardBatch, K>(
  model: { apply(params: P, x: Tensor): Tensor },
  reward: RewardTerm,
  dataLoss: (outputs: Tensor, batch: B) => Tensor,
): (params: P, batch: B, key: K) => Tensor {
  return (params, batch) => {
    const { value, outputs } = reward.withOutputs((p: P, x) => model.apply(p, x), params, batch);
    return add(dataLoss(outputs, batch), value);
  };
}
