/** SmoothGrad (Smilkov et al. 2017): the gradient averaged over Gaussian perturbations of the input, as a noise tunnel over the signed gradient. */
import type { Tensor } from '../../tensor/tensor.ts';
import type { AttributionModel } from './contract.ts';
import { noiseTunnel, type NoiseTunnelOptions } from './noiseTunnel.ts';
import { saliency } from './saliency.ts';

export type SmoothGradOptions = Omit<NoiseTunnelOptions, 'type'>;

const tunnel = noiseTunnel(saliency, { signed: true }, 'smoothGrad');

export function smoothGrad(model: AttributionModel, x: Tensor, options: SmoothGradOptions): Tensor {
  return tunnel(model, x, { ...options, type: 'smoothgrad' });
}
