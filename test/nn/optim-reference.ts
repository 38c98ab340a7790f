/**
 * The hand-fused Adam and SGD loops the optimisers had before they became chains (issue 16), kept
 * as an oracle: the chains must reproduce them to the bit, for every option, in f32 and f64.
 */
import { Tensor } from '../../src/index.ts';

function like(t: Tensor): Float32Array | Float64Array {
  return t.dtype === 'f64' ? new Float64Array(t.size) : new Float32Array(t.size);
}

export interface AdamOptions { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }

/** One Adam step on one leaf at step t (1-based): [param, m, v]. */
export function referenceAdam(c: AdamOptions, t: number, p: Tensor, g: Tensor, m: Tensor, v: Tensor): [Tensor, Tensor, Tensor] {
  const bc1 = 1 - Math.pow(c.beta1, t);
  const bc2 = 1 - Math.pow(c.beta2, t);
  const pd = p.data, gd = g.data, md = m.data, vd = v.data;
  const po = like(p), mo = like(m), vo = like(v);
  const stepSize = c.lr / bc1, sqrtBc2 = Math.sqrt(bc2), l2 = c.decoupled ? 0 : c.weightDecay, shrink = c.decoupled ? 1 - c.lr * c.weightDecay : 1;
  for (let j = 0; j < po.length; j++) {
    const gj = gd[j]! + l2 * pd[j]!;
    mo[j] = c.beta1 * md[j]! + (1 - c.beta1) * gj;
    vo[j] = c.beta2 * vd[j]! + (1 - c.beta2) * gj * gj;
    po[j] = shrink * pd[j]! - (stepSize * mo[j]!) / (Math.sqrt(vo[j]!) / sqrtBc2 + c.eps);
  }
  return [Tensor.fromBuffer(p.shape, p.dtype, po), Tensor.fromBuffer(m.shape, m.dtype, mo), Tensor.fromBuffer(v.shape, v.dtype, vo)];
}

export interface SgdOptions { lr: number; momentum: number; nesterov: boolean; weightDecay: number }

/** One SGD step on one leaf: [param, velocity]. */
export function referenceSgd(c: SgdOptions, p: Tensor, g: Tensor, v: Tensor): [Tensor, Tensor] {
  const pd = p.data, gd = g.data, vd = v.data;
  const po = like(p), vo = like(v);
  for (let j = 0; j < po.length; j++) {
    const gj = gd[j]! + c.weightDecay * pd[j]!;
    vo[j] = c.momentum * vd[j]! + gj;
    po[j] = pd[j]! - c.lr * (c.nesterov ? gj + c.momentum * vo[j]! : vo[j]!);
  }
  return [Tensor.fromBuffer(p.shape, p.dtype, po), Tensor.fromBuffer(v.shape, v.dtype, vo)];
}
