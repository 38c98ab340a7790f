/**
 * The reward as a pure function of the samples' feature-gradient units (constants) and the
 * model's input gradient ∇ₓf (traced, so its parameter gradient is second-order AD):
 * −Σ_i λ_i mean S_i (pointwise) or −λ mean A (span), each mean over the samples where it is defined.
 */
import { add, div, greater, matmul, mul, neg, reshape, slice, square, sum, where } from '../../ad/ops.ts';
import type { DType } from '../../tensor/shape.ts';
import { allocate, Tensor } from '../../tensor/tensor.ts';
import { orthonormalBasis } from '../linalg.ts';
import type { PreparedSample } from './cache.ts';
import type { RewardKind } from './types.ts';

export interface RewardSpec {
  readonly kind: RewardKind;
  readonly lambdas: readonly number[];
  /** Features whose gradient was prepared (a pointwise reward skips λ = 0). */
  readonly used: readonly boolean[];
  readonly rankTolerance: number;
}

function constant(dtype: DType, shape: readonly number[], fill: (buf: Float32Array | Float64Array) => void): Tensor {
  const buf = allocate(dtype, shape.reduce((p, d) => p * d, 1));
  fill(buf);
  return Tensor.fromBuffer(shape, dtype, buf);
}

/** ∇ₓf of the image channel as [n, h·w]. */
export function imageGradient(gx: Tensor, imageChannel: number): Tensor {
  const [n, c, h, w] = gx.shape as unknown as [number, number, number, number];
  return c === 1 ? reshape(gx, [n, h * w]) : reshape(slice(gx, [0, imageChannel, 0, 0], [n, 1, h, w] as never), [n, h * w]);
}

/** num / ‖g‖² per sample, 0 (with a zero derivative) where ∇f is zero. */
function perNormSq(gImage: Tensor): (num: Tensor) => Tensor {
  const n2: Tensor = sum(square(gImage), [1]);
  const nonzero = greater(n2, 0);
  const safe = where(nonzero, n2, 1);
  return (num) => where(nonzero, div(num, safe), 0);
}

function pointwise(prepared: readonly PreparedSample[], gImage: Tensor, spec: RewardSpec): Tensor {
  const [n, plane] = gImage.shape as unknown as [number, number];
  const dtype = gImage.dtype;
  const ratio = perNormSq(gImage);
  let total: Tensor | null = null;
  spec.lambdas.forEach((lambda, i) => {
    if (!spec.used[i]) return;
    const valid = prepared.map((p) => (p.units[i] ? 1 : 0));
    const count = valid.reduce<number>((s, v) => s + v, 0);
    if (count === 0) return;
    const u = constant(dtype, [n, plane], (buf) => prepared.forEach((p, s) => p.units[i] && buf.set(p.units[i]!, s * plane)));
    const weights = constant(dtype, [n], (buf) => valid.forEach((v, s) => (buf[s] = (v * lambda) / count)));
    const S = ratio(square(sum(mul(gImage, u), [1])));
    const t = sum(mul(S, weights));
    total = total ? add(total, t) : t;
  });
  return total ? neg(total) : constant(dtype, [], () => undefined);
}

/**
 * A = ‖Qᵀ∇f‖²/‖∇f‖² with Q an orthonormal basis of the sample's feature gradients, over the
 * samples where every feature is defined (else the span is).
 */
function span(prepared: readonly PreparedSample[], gImage: Tensor, spec: RewardSpec): Tensor {
  const [n, plane] = gImage.shape as unknown as [number, number];
  const dtype = gImage.dtype;
  const bases = prepared.map((p) => (p.defined.every(Boolean) ? orthonormalBasis(p.units.filter((u): u is Float64Array => u !== null), spec.rankTolerance) : null));
  const k = Math.max(1, ...bases.map((b) => b?.length ?? 0));
  const count = bases.filter((b) => b !== null).length;
  if (count === 0) return constant(dtype, [], () => undefined);
  const q = constant(dtype, [n, k, plane], (buf) => bases.forEach((b, s) => b?.forEach((v, j) => buf.set(v, (s * k + j) * plane))));
  const weights = constant(dtype, [n], (buf) => bases.forEach((b, s) => (buf[s] = b ? spec.lambdas[0]! / count : 0)));
  const proj = matmul(q, reshape(gImage, [n, plane, 1]) as never) as Tensor;
  const A = perNormSq(gImage)(sum(square(proj), [1, 2]));
  return neg(sum(mul(A, weights)));
}

/** The reward term for the batch's prepared samples and its image-channel gradient [n, h·w]. */
export function rewardValue(prepared: readonly PreparedSample[], gImage: Tensor, spec: RewardSpec): Tensor {
  return spec.kind === 'pointwise' ? pointwise(prepared, gImage, spec) : span(prepared, gImage, spec);
}
