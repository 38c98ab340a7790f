/** SmoothGrad (Smilkov et al. 2017): the gradient averaged over Gaussian perturbations of the input. */
import { ArgumentError } from '../../tensor/errors.ts';
import { isKey, normal, split, type Key } from '../../tensor/random.ts';
import { allocate, Tensor } from '../../tensor/tensor.ts';
import { checkInput, outputAndGradient, type AttributionModel } from './contract.ts';
import { DEFAULTS } from '../defaults.ts';

export interface SmoothGradOptions {
  /** PRNG key for the perturbations (required: results are a function of it). */
  readonly key: Key;
  /** [ours] Perturbed copies averaged (default 32). */
  readonly samples?: number;
  /** [ours] Noise standard deviation: a number, or by default 0.15 × (max − min) of each sample (the paper's 10–20% noise level). */
  readonly sigma?: number;
}

export function smoothGrad(model: AttributionModel, x: Tensor, options: SmoothGradOptions): Tensor {
  const op = 'smoothGrad';
  const n = checkInput(op, model, x);
  if (!options || !isKey(options.key)) throw new ArgumentError(op, 'needs options.key from random.key');
  const samples = options.samples ?? DEFAULTS.smoothGradSamples;
  if (!Number.isInteger(samples) || samples < 1) throw new ArgumentError(op, `samples must be a positive integer, got ${samples}`);
  if (options.sigma !== undefined && !(options.sigma >= 0 && Number.isFinite(options.sigma))) throw new ArgumentError(op, `sigma must be ≥ 0, got ${options.sigma}`);
  const per = x.size / n;
  const xd = x.data;
  const sigmas: number[] = [];
  for (let i = 0; i < n; i++) {
    if (options.sigma !== undefined) {
      sigmas.push(options.sigma);
      continue;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < per; j++) {
      const v = xd[i * per + j]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    sigmas.push(DEFAULTS.smoothGradNoiseLevel * (hi - lo));
  }
  const acc = new Float64Array(x.size);
  for (const k of split(options.key, samples)) {
    const eps = normal(k, x.shape, { dtype: 'f64' }).data;
    const buf = allocate(x.dtype, x.size);
    for (let i = 0; i < buf.length; i++) buf[i] = xd[i]! + sigmas[Math.floor(i / per)]! * eps[i]!;
    const g = outputAndGradient(op, model, Tensor.fromBuffer(x.shape, x.dtype, buf)).grad.data;
    for (let i = 0; i < acc.length; i++) acc[i]! += g[i]! / samples;
  }
  const out = allocate(x.dtype, x.size);
  out.set(acc);
  return Tensor.fromBuffer(x.shape, x.dtype, out);
}
