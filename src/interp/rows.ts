/** Copies between [N, H, W] batches and [H, W] images, on concrete values. */
import { allocate, Tensor } from '../tensor/tensor.ts';
import type { DType } from '../tensor/shape.ts';
import type { Image, ImageBatch } from './types.ts';

export function row(batch: Tensor, i: number): Image {
  const [, h, w] = batch.shape as unknown as [number, number, number];
  const plane = h * w;
  const buf = allocate(batch.dtype, plane);
  buf.set(batch.data.subarray(i * plane, (i + 1) * plane));
  return Tensor.fromBuffer([h, w] as const, batch.dtype, buf) as Image;
}

export function rows(batch: Tensor, from: number, to: number): ImageBatch {
  const [, h, w] = batch.shape as unknown as [number, number, number];
  const plane = h * w;
  const buf = allocate(batch.dtype, (to - from) * plane);
  buf.set(batch.data.subarray(from * plane, to * plane));
  return Tensor.fromBuffer([to - from, h, w] as const, batch.dtype, buf) as ImageBatch;
}

/** Stacks float64 vectors into an [n, h, w] batch of `dtype`. */
export function stack(vs: readonly ArrayLike<number>[], h: number, w: number, dtype: DType): ImageBatch {
  const plane = h * w;
  const buf = allocate(dtype, vs.length * plane);
  vs.forEach((v, i) => buf.set(v, i * plane));
  return Tensor.fromBuffer([vs.length, h, w] as const, dtype, buf) as ImageBatch;
}

export function toImage(v: ArrayLike<number>, h: number, w: number, dtype: DType): Image {
  const buf = allocate(dtype, h * w);
  buf.set(v);
  return Tensor.fromBuffer([h, w] as const, dtype, buf) as Image;
}
