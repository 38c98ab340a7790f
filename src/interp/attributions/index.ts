/** Attribution methods beside the paper, one per file, sharing `attribute(model, x, options) → tensor shaped like x`. */
export { saliency, type SaliencyOptions } from './saliency.ts';
export { inputXGradient } from './inputXGradient.ts';
export { integratedGradients, integratedGradientsWithDelta, type IntegratedGradientsOptions, type IntegratedGradientsResult, type IntegrationMethod } from './integratedGradients.ts';
export { smoothGrad, type SmoothGradOptions } from './smoothGrad.ts';
export { noiseTunnel, type NoiseTunnelOptions, type NoiseTunnelType, type TunnelledAttribution } from './noiseTunnel.ts';
export type { Attribute, AttributionModel } from './contract.ts';
