/**
 * Everything the report's examples and the explorer show of one image: f, ∇f, each ∇g_i, S, A and
 * ∇f⊥ at the image, and the gradient-flow path with S and A along it. No Node built-ins: the
 * explorer runs this in the browser on the same model, so its numbers are the report's.
 */
import { reshape } from '../ad/ops.ts';
import { grad } from '../ad/transforms.ts';
import { alignmentBatch, type AlignmentResult } from '../interp/alignment.ts';
import { flowAlignmentBatch, type FlowResult } from '../interp/flow.ts';
import type { SampleId } from '../interp/errors.ts';
import type { BatchFunction, SampleBatch } from '../interp/types.ts';
import type { Integrator } from '../interp/flow.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { featureSet } from './features.ts';
import type { Spacing } from '../interp/features/index.ts';

export interface SampleExplanation {
  /** ∇f at the image, [H, W]. */
  readonly gradF: Tensor;
  /** ∇g_i at the image, [H, W], in the order of `features`. */
  readonly featureGrads: readonly Tensor[];
  /** S, A, ∇f⊥ (`gradPerp`) and f (`value`) at the image. */
  readonly alignment: AlignmentResult;
  /** The flow from the image towards f = 0, with every point of its path. */
  readonly flow: FlowResult;
}

export interface ExplainSampleOptions {
  readonly features: readonly string[];
  /** Pixel spacing in mm (row, column), so extent-like features are in millimetres. */
  readonly spacing?: Spacing;
  readonly integrator: Integrator;
  readonly flowSteps: number;
}

/**
 * Explains one image: `f` maps a batch of one image [1, H, W] (row index 0) to its logit, `image`
 * and `mask` are [1, H, W].
 */
export function explainSample(f: BatchFunction, image: Tensor, mask: Tensor, id: SampleId, o: ExplainSampleOptions): SampleExplanation {
  const [h, w] = image.shape.slice(1) as [number, number];
  const image2 = reshape(image as Tensor<[number, number, number]>, [h, w]);
  const mask2 = reshape(mask as Tensor<[number, number, number]>, [h, w]);
  const sample: SampleBatch = { images: image as SampleBatch['images'], masks: mask as SampleBatch['masks'], ids: [id] };
  const features = featureSet(o.features, o.spacing);
  const gradF = reshape(grad((x: Tensor) => f(x as never, [0]))(image) as Tensor<[number, number, number]>, [h, w]);
  const featureGrads = o.features.map((name) => grad((x: Tensor) => features[name]!(x as never, mask2 as never))(image2 as Tensor) as Tensor);
  const [alignment] = alignmentBatch(f, features, sample, { returnPerp: true });
  const [flow] = flowAlignmentBatch(f, features, sample, { integrator: o.integrator, maxSteps: o.flowSteps, returnPath: true });
  return { gradF, featureGrads, alignment: alignment!, flow: flow! };
}
