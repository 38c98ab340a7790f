import { abs } from '../../ad/ops.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { checkInput, outputAndGradient, type AttributionModel } from './contract.ts';

export interface SaliencyOptions {
  /** Keep the gradient's sign (default false: |∇f|, as in Simonyan et al. 2014). */
  readonly signed?: boolean;
}

/** Saliency: the magnitude (or, with `signed`, the value) of ∇ₓf, shaped like x. */
export function saliency(model: AttributionModel, x: Tensor, options: SaliencyOptions = {}): Tensor {
  checkInput('saliency', model, x);
  const { grad } = outputAndGradient('saliency', model, x);
  return options.signed ? grad : abs(grad);
}
