import { mul } from '../../ad/ops.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { checkInput, outputAndGradient, type AttributionModel } from './contract.ts';

/** Input × gradient: x ⊙ ∇ₓf, shaped like x (a first-order Taylor term per input). */
export function inputXGradient(model: AttributionModel, x: Tensor, _options: Record<string, never> = {}): Tensor {
  checkInput('inputXGradient', model, x);
  return mul(x, outputAndGradient('inputXGradient', model, x).grad);
}
