/**
 * Integrated gradients (Sundararajan et al. 2017): (x − b) ⊙ ∫₀¹ ∇f(b + α(x − b)) dα, by a
 * fixed quadrature. Completeness says the attributions of a sample sum to f(x) − f(b); the
 * quadrature error shows as the completeness delta.
 */
import { mul, sub } from '../../ad/ops.ts';
import { ArgumentError, ShapeError } from '../../tensor/errors.ts';
import { allocate, Tensor } from '../../tensor/tensor.ts';
import { checkInput, outputAndGradient, rowSums, type AttributionModel } from './contract.ts';
import { DEFAULTS } from '../defaults.ts';
import { quadratureRule, type IntegrationMethod } from '../quadrature.ts';

export type { IntegrationMethod } from '../quadrature.ts';

export interface IntegratedGradientsOptions {
  /** The baseline b: x's shape, one sample's shape (shared by the batch), or a number (default 0: zeros). */
  readonly baseline?: Tensor | number;
  /** [ours] Quadrature intervals m (default 64). */
  readonly steps?: number;
  /** [ours] 'trapezoid' (default, second order) or 'riemann' (right sums α = k/m, the original paper's). */
  readonly method?: IntegrationMethod;
}

export interface IntegratedGradientsResult {
  /** Shaped like x. */
  readonly attribution: Tensor;
  /** Per sample |Σ attribution − (f(x) − f(b))|. */
  readonly delta: number[];
}

function baselineFor(op: string, x: Tensor, b: Tensor | number | undefined): Tensor {
  if (b === undefined || typeof b === 'number') {
    const v = b ?? 0;
    if (!Number.isFinite(v)) throw new ArgumentError(op, `baseline must be finite, got ${v}`);
    const buf = allocate(x.dtype, x.size);
    buf.fill(v);
    return Tensor.fromBuffer(x.shape, x.dtype, buf);
  }
  if (!(b instanceof Tensor)) throw new ArgumentError(op, 'baseline must be a tensor or a number');
  if (b.dtype !== x.dtype) throw new ArgumentError(op, `baseline is ${b.dtype} but x is ${x.dtype}`);
  const same = b.shape.length === x.shape.length && b.shape.every((d, i) => d === x.shape[i]);
  const perSample = b.shape.length === x.shape.length - 1 && b.shape.every((d, i) => d === x.shape[i + 1]);
  if (same) return b;
  if (!perSample) throw new ShapeError(op, "baseline must have x's shape or one sample's shape", [b.shape, x.shape]);
  const buf = allocate(x.dtype, x.size);
  for (let i = 0; i < x.shape[0]!; i++) buf.set(b.data, i * b.size);
  return Tensor.fromBuffer(x.shape, x.dtype, buf);
}

/** Integrated gradients with the completeness delta per sample. */
export function integratedGradientsWithDelta(model: AttributionModel, x: Tensor, options: IntegratedGradientsOptions = {}): IntegratedGradientsResult {
  const op = 'integratedGradients';
  checkInput(op, model, x);
  const steps = options.steps ?? DEFAULTS.integratedGradientsSteps;
  const method = options.method ?? DEFAULTS.integratedGradientsMethod;
  if (!Number.isInteger(steps) || steps < 1) throw new ArgumentError(op, `steps must be a positive integer, got ${steps}`);
  if (method !== 'riemann' && method !== 'trapezoid') throw new ArgumentError(op, `method must be 'riemann' or 'trapezoid', got ${String(method)}`);
  const base = baselineFor(op, x, options.baseline);
  const diff = sub(x, base);
  const dx = diff.data;
  const acc = new Float64Array(x.size);
  let fx: Float64Array | null = null;
  let fb: Float64Array | null = null;
  const point = (alpha: number) => {
    const buf = allocate(x.dtype, x.size);
    const b = base.data;
    for (let i = 0; i < buf.length; i++) buf[i] = b[i]! + alpha * dx[i]!;
    return Tensor.fromBuffer(x.shape, x.dtype, buf);
  };
  for (const { alpha, weight } of quadratureRule(method, steps)) {
    // The ends are x and b themselves, not b + α(x − b) rounded.
    const { values, grad } = outputAndGradient(op, model, alpha === 1 ? x : alpha === 0 ? base : point(alpha));
    const g = grad.data;
    for (let i = 0; i < acc.length; i++) acc[i]! += weight * g[i]!;
    if (alpha === 1) fx = values;
    if (alpha === 0) fb = values;
  }
  fb ??= outputAndGradient(op, model, base).values;
  const avg = allocate(x.dtype, x.size);
  avg.set(acc);
  const attribution = mul(diff, Tensor.fromBuffer(x.shape, x.dtype, avg));
  const sums = rowSums(attribution);
  const delta = sums.map((s, i) => Math.abs(s - (fx![i]! - fb![i]!)));
  return { attribution, delta };
}

/** Integrated gradients, shaped like x (the attribution contract); see `integratedGradientsWithDelta` for completeness. */
export function integratedGradients(model: AttributionModel, x: Tensor, options: IntegratedGradientsOptions = {}): Tensor {
  return integratedGradientsWithDelta(model, x, options).attribution;
}
