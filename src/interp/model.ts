/**
 * Values and input gradients of the classifier, for one image or a whole batch. For a batch the
 * model's outputs must be independent per sample; then one reverse pass with an all-ones
 * cotangent gives every per-image gradient at once.
 */
import { concat, reshape, slice } from '../ad/ops.ts';
import { vjp } from '../ad/transforms.ts';
import { ArgumentError, ShapeError } from '../tensor/errors.ts';
import { allocate, Tensor } from '../tensor/tensor.ts';
import { callUserFunction, type SampleId } from './errors.ts';
import type { BatchFunction, Image, ImageBatch, ImageFunction } from './types.ts';

function checkScalarOutput(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor)) throw new ArgumentError(op, `the model must return a tensor, got ${out === null ? 'null' : typeof out}`);
  if (out.size !== 1) throw new ShapeError(op, 'the model must return one value per image', [out.shape]);
  return out;
}

function checkBatchOutput(op: string, out: unknown, n: number): Tensor {
  if (!(out instanceof Tensor)) throw new ArgumentError(op, `the model must return a tensor, got ${out === null ? 'null' : typeof out}`);
  const ok = out.size === n && (out.shape.length === 1 || (out.shape.length === 2 && out.shape[1] === 1)) && out.shape[0] === n;
  if (!ok) throw new ShapeError(op, `the model must map ${n} images to [${n}] or [${n}, 1] outputs`, [out.shape]);
  return out;
}

function onesLike(x: Tensor): Tensor {
  const buf = allocate(x.dtype, x.size);
  buf.fill(1);
  return Tensor.fromBuffer(x.shape, x.dtype, buf);
}

/** f(x) and ∇f(x) for a single-image function; what f throws is wrapped naming sample `id`. */
export function imageValueAndGrad(op: string, f: ImageFunction, image: Image, id: SampleId): { value: number; grad: Tensor } {
  const call = { op, role: 'model', sampleIds: [id] } as const;
  const [out, pullback] = vjp((x: Tensor) => callUserFunction(call, () => f(x as Image)), image as Tensor);
  const o = checkScalarOutput(op, out);
  const [g] = pullback(onesLike(o));
  return { value: o.data[0]!, grad: g as Tensor };
}

/**
 * Per-sample values and input gradients ([N, H, W]) of a batch model, in one reverse pass.
 * `ids` name the rows in the error that wraps what the model throws (default: `index`).
 */
export function batchValueAndGrad(
  op: string,
  model: BatchFunction,
  images: ImageBatch,
  index: readonly number[],
  ids: readonly SampleId[] = index,
): { values: Float64Array; grads: Tensor } {
  const n = images.shape[0];
  const call = { op, role: 'model', sampleIds: ids } as const;
  const [out, pullback] = vjp((x: Tensor) => callUserFunction(call, () => model(x as ImageBatch, index)), images as Tensor);
  const o = checkBatchOutput(op, out, n);
  const [g] = pullback(onesLike(o));
  return { values: Float64Array.from(o.data), grads: g as Tensor };
}

export function batchValues(op: string, model: BatchFunction, images: ImageBatch, index: readonly number[], ids: readonly SampleId[] = index): Float64Array {
  const out = callUserFunction({ op, role: 'model', sampleIds: ids }, () => model(images, index));
  return Float64Array.from(checkBatchOutput(op, out, images.shape[0]).data);
}

/** A single-image function as a batch model (one call per image): lets the batched engines run any `f`. */
export function perImage(f: ImageFunction): BatchFunction {
  return (images) => {
    const [n, h, w] = images.shape;
    const outs: Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const img = reshape(sliceRow(images, i), [h, w]) as Image;
      outs.push(reshape(checkScalarOutput('perImage', f(img)), [1]));
    }
    return concat(outs, 0);
  };
}

function sliceRow(x: Tensor, i: number): Tensor {
  return slice(x, [i, 0, 0], [1, -1, -1] as never);
}

/**
 * A batch model over one channel of a multi-channel network: `net` takes [N, C, H, W]; the
 * returned function takes the images of channel `channel` for the rows `index` of `inputs` and
 * fills the other channels (e.g. the mask) from `inputs`, held constant.
 */
export function imageChannelModel(net: (x: Tensor) => Tensor, inputs: Tensor, channel = 0): BatchFunction {
  const op = 'imageChannelModel';
  if (!(inputs instanceof Tensor) || inputs.shape.length !== 4) throw new ShapeError(op, 'inputs must be [N, C, H, W]', [inputs?.shape ?? []]);
  const [, c, h, w] = inputs.shape as unknown as [number, number, number, number];
  if (!Number.isInteger(channel) || channel < 0 || channel >= c) throw new ArgumentError(op, `channel ${channel} is out of range for ${c} channels`);
  const plane = h * w;
  const gather = (index: readonly number[], from: number, to: number): Tensor | null => {
    if (to <= from) return null;
    const k = to - from;
    const buf = allocate(inputs.dtype, index.length * k * plane);
    const src = inputs.data;
    index.forEach((row, i) => {
      const start = (row * c + from) * plane;
      buf.set(src.subarray(start, start + k * plane), i * k * plane);
    });
    return Tensor.fromBuffer([index.length, k, h, w], inputs.dtype, buf);
  };
  return (images, index) => {
    const n = images.shape[0];
    if (images.shape[1] !== h || images.shape[2] !== w) throw new ShapeError(op, `images must be [n, ${h}, ${w}]`, [images.shape]);
    if (index.length !== n) throw new ArgumentError(op, `${index.length} row indices for ${n} images`);
    for (const r of index) if (!Number.isInteger(r) || r < 0 || r >= inputs.shape[0]!) throw new ArgumentError(op, `row ${r} is out of range`);
    const before = gather(index, 0, channel);
    const after = gather(index, channel + 1, c);
    const parts = [before, reshape(images as Tensor, [n, 1, h, w]) as Tensor, after].filter((t): t is Tensor => t !== null);
    return net(parts.length === 1 ? parts[0]! : concat(parts, 1));
  };
}
