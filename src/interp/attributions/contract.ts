/**
 * The shared contract of the attribution methods: `attribute(model, x, options)` returns a
 * tensor shaped like x, where `model` maps a batch [N, ...] to [N] or [N, 1] outputs that are
 * independent per sample (so one reverse pass of Σ model(x) gives every per-sample gradient).
 */
import { vjp } from '../../ad/transforms.ts';
import { ArgumentError, ShapeError } from '../../tensor/errors.ts';
import { allocate, Tensor } from '../../tensor/tensor.ts';
import { callUserFunction } from '../errors.ts';

export type AttributionModel = (x: Tensor) => Tensor;

export type Attribute<O> = (model: AttributionModel, x: Tensor, options?: O) => Tensor;

export function checkInput(op: string, model: AttributionModel, x: Tensor): number {
  if (typeof model !== 'function') throw new ArgumentError(op, 'model must be a function of a batch');
  if (!(x instanceof Tensor) || x.shape.length < 1 || x.shape[0] === 0) throw new ShapeError(op, 'x must be a non-empty batch [N, ...]', [x?.shape ?? []]);
  return x.shape[0]!;
}

/** Per-sample outputs and the input gradient of Σ model(x). */
export function outputAndGradient(op: string, model: AttributionModel, x: Tensor): { values: Float64Array; grad: Tensor } {
  const n = x.shape[0]!;
  const call = { op, role: 'model', sampleIds: Array.from({ length: n }, (_, i) => i) } as const;
  const [out, pullback] = vjp((xx: Tensor) => callUserFunction(call, () => model(xx)), x);
  if (!(out instanceof Tensor) || out.size !== n || out.shape[0] !== n || out.shape.length > 2) throw new ShapeError(op, `the model must map ${n} samples to [${n}] or [${n}, 1]`, [out?.shape ?? []]);
  const ones = allocate(out.dtype, out.size);
  ones.fill(1);
  const [g] = pullback(Tensor.fromBuffer(out.shape, out.dtype, ones));
  return { values: Float64Array.from(out.data), grad: g as Tensor };
}

/** Per-sample sums of a batch tensor. */
export function rowSums(t: Tensor): number[] {
  const n = t.shape[0]!;
  const per = t.size / n;
  const d = t.data;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < per; j++) s += d[i * per + j]!;
    out.push(s);
  }
  return out;
}
