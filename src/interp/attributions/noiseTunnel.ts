/**
 * A noise tunnel (after Captum's NoiseTunnel): any attribution method applied to Gaussian
 * perturbations of the input, its attributions combined per input entry by their mean
 * (SmoothGrad, Smilkov et al. 2017), the mean of their squares, or their variance (VarGrad,
 * Adebayo et al. 2018).
 */
import { ArgumentError, ShapeError } from '../../tensor/errors.ts';
import { isKey, normal, split, type Key } from '../../tensor/random.ts';
import { allocate, Tensor } from '../../tensor/tensor.ts';
import { DEFAULTS } from '../defaults.ts';
import { callUserFunction } from '../errors.ts';
import { checkInput, type Attribute, type AttributionModel } from './contract.ts';

export type NoiseTunnelType = 'smoothgrad' | 'smoothgradSquared' | 'vargrad';

export interface NoiseTunnelOptions {
  /** PRNG key for the perturbations (required: results are a function of it). */
  readonly key: Key;
  /** [ours] Perturbed copies (default 32). */
  readonly samples?: number;
  /** [ours] Noise standard deviation: a number, or by default 0.15 × (max − min) of each sample (Smilkov et al.'s 10–20% noise level). */
  readonly sigma?: number;
  /** How the copies' attributions combine: 'smoothgrad' (mean, default), 'smoothgradSquared' (mean of squares) or 'vargrad' (variance). */
  readonly type?: NoiseTunnelType;
}

/** A tunnelled attribution: the contract's shape, with the tunnel's options. */
export type TunnelledAttribution = (model: AttributionModel, x: Tensor, options: NoiseTunnelOptions) => Tensor;

/** Per-sample noise levels: the fixed σ, or the noise level times each sample's value range. */
function noiseLevels(x: Tensor, n: number, sigma: number | undefined): number[] {
  const per = x.size / n;
  const xd = x.data;
  return Array.from({ length: n }, (_, i) => {
    if (sigma !== undefined) return sigma;
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < per; j++) {
      const v = xd[i * per + j]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return DEFAULTS.smoothGradNoiseLevel * (hi - lo);
  });
}

/** Running per-entry combinations of the copies' attributions, for each tunnel type. */
function combiner(type: NoiseTunnelType, size: number, samples: number): { add(a: ArrayLike<number>): void; result(): Float64Array } {
  const acc = new Float64Array(size);
  if (type === 'smoothgrad')
    return {
      add: (a) => {
        for (let i = 0; i < size; i++) acc[i]! += a[i]! / samples;
      },
      result: () => acc,
    };
  if (type === 'smoothgradSquared')
    return {
      add: (a) => {
        for (let i = 0; i < size; i++) acc[i]! += (a[i]! * a[i]!) / samples;
      },
      result: () => acc,
    };
  // Welford's update: the variance never goes negative through cancellation.
  const m2 = new Float64Array(size);
  let count = 0;
  return {
    add: (a) => {
      count += 1;
      for (let i = 0; i < size; i++) {
        const d = a[i]! - acc[i]!;
        acc[i]! += d / count;
        m2[i]! += d * (a[i]! - acc[i]!);
      }
    },
    result: () => m2.map((v) => v / count),
  };
}

/**
 * `method` through a noise tunnel, named `name` in errors (what the model throws is reported
 * under that name). `methodOptions` go to every call of `method`.
 */
export function noiseTunnel<O>(method: Attribute<O>, methodOptions?: O, name = `noiseTunnel(${method.name || 'attribution'})`): TunnelledAttribution {
  if (typeof method !== 'function') throw new ArgumentError('noiseTunnel', 'method must be an attribution function (model, x, options) → tensor');
  return (model, x, options) => {
    const n = checkInput(name, model, x);
    if (!options || !isKey(options.key)) throw new ArgumentError(name, 'needs options.key from random.key');
    const samples = options.samples ?? DEFAULTS.smoothGradSamples;
    const type = options.type ?? 'smoothgrad';
    if (!Number.isInteger(samples) || samples < 1) throw new ArgumentError(name, `samples must be a positive integer, got ${samples}`);
    if (options.sigma !== undefined && !(options.sigma >= 0 && Number.isFinite(options.sigma))) throw new ArgumentError(name, `sigma must be ≥ 0, got ${options.sigma}`);
    if (type !== 'smoothgrad' && type !== 'smoothgradSquared' && type !== 'vargrad') throw new ArgumentError(name, `type must be 'smoothgrad', 'smoothgradSquared' or 'vargrad', got ${String(type)}`);
    const sigmas = noiseLevels(x, n, options.sigma);
    const per = x.size / n;
    const xd = x.data;
    const call = { op: name, role: 'model', sampleIds: Array.from({ length: n }, (_, i) => i) } as const;
    const named: AttributionModel = (y) => callUserFunction(call, () => model(y));
    const combined = combiner(type, x.size, samples);
    for (const k of split(options.key, samples)) {
      const eps = normal(k, x.shape, { dtype: 'f64' }).data;
      const buf = allocate(x.dtype, x.size);
      for (let i = 0; i < buf.length; i++) buf[i] = xd[i]! + sigmas[Math.floor(i / per)]! * eps[i]!;
      const attribution = method(named, Tensor.fromBuffer(x.shape, x.dtype, buf), methodOptions);
      if (!(attribution instanceof Tensor) || attribution.size !== x.size) throw new ShapeError(name, 'the attribution method must return a tensor shaped like x', [attribution?.shape ?? [], x.shape]);
      combined.add(attribution.data);
    }
    const out = allocate(x.dtype, x.size);
    out.set(combined.result());
    return Tensor.fromBuffer(x.shape, x.dtype, out);
  };
}
