/** The options, batches and loss term of the alignment reward. */
import type { Tensor } from '../../tensor/tensor.ts';
import type { Issue } from '../errors.ts';
import type { Spacing } from '../spacing.ts';
import type { GradientOptions } from '../gradients.ts';
import type { FeatureSet } from '../types.ts';

export type RewardKind = 'pointwise' | 'span';

export interface RewardOptions extends GradientOptions {
  readonly features: FeatureSet;
  /** λ: one weight for every feature, or one per feature name (missing names weigh 0). 'span' takes one number. */
  readonly lambda: number | Readonly<Record<string, number>>;
  /** [paper] 'pointwise' rewards Σ λ_i S_i (default); [ours] 'span' rewards λ·A. */
  readonly kind?: RewardKind;
  /** [ours] The input channel holding the image the features read (default 0: the windowed CT). */
  readonly imageChannel?: number;
  /** [ours] The input channel holding the mask, when neither the batch nor `masks` gives one (default 1: inputs are [CT, mask]). */
  readonly maskChannel?: number;
  /**
   * The whole dataset's masks [N, H, W], looked up by the batch's `indices` (the rows a training
   * loop's batch carries): for models whose input has no mask channel.
   */
  readonly masks?: Tensor;
  /** The whole dataset's pixel spacings [row, column], looked up by the batch's `indices` like `masks`: features then measure in those units. */
  readonly spacings?: readonly Spacing[];
  /** [ours] Rank tolerance of the span basis (default √ε of the dtype). */
  readonly rankTolerance?: number;
}

/** A training batch: inputs [N, C, H, W]; optional masks [N, H, W]; optional dataset rows (enable the per-row cache). */
export interface RewardBatch {
  readonly x: Tensor;
  readonly masks?: Tensor;
  readonly indices?: readonly number[];
  /** Each sample's pixel spacing [row, column]; else `options.spacings` by row; else each feature's own. */
  readonly spacings?: readonly Spacing[];
}

export type ApplyFn<P> = (params: P, x: Tensor) => Tensor;

/** A loss term: −Σ λ_i mean S_i over the batch, a scalar differentiable with respect to params. */
export interface RewardTerm {
  <P>(apply: ApplyFn<P>, params: P, batch: RewardBatch): Tensor;
  /** The reward together with the model's outputs on the batch, from the same forward pass (so a data loss can reuse them). */
  withOutputs<P>(apply: ApplyFn<P>, params: P, batch: RewardBatch): { readonly value: Tensor; readonly outputs: Tensor };
  /** Feature names, in the order of `lambdas`. */
  readonly names: readonly string[];
  readonly lambdas: readonly number[];
  readonly kind: RewardKind;
  /** The flags of the batch's samples: a feature undefined on a sample leaves that sample out of its mean. */
  issues(batch: RewardBatch): Issue[];
}
