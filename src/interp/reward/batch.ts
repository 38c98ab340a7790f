/** A reward batch read once: its inputs' layout, and where each sample's image and mask lie. */
import { ArgumentError, ShapeError } from '../../tensor/errors.ts';
import { allocate, Tensor } from '../../tensor/tensor.ts';
import { checkSpacing, type Spacing } from '../spacing.ts';
import type { RewardBatch } from './types.ts';

/** Which channels hold the image and the mask, and the dataset's masks when the inputs carry none. */
export interface RewardLayoutOptions {
  readonly imageChannel: number;
  readonly maskChannel: number;
  readonly masks: Tensor | undefined;
  readonly spacings: readonly Spacing[] | undefined;
}

/** A validated batch: x [n, c, h, w], and the masks [n, h, w] when they do not come from a channel of x. */
export interface RewardLayout {
  readonly x: Tensor;
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly masks: Tensor | undefined;
  readonly indices: readonly number[] | undefined;
  /** Each sample's spacing, when the batch or the options give them. */
  readonly spacings: readonly Spacing[] | undefined;
}

/** The batch's rows of the dataset's masks [N, H, W]. */
function gatherMasks(op: string, all: Tensor, indices: readonly number[] | undefined, n: number, h: number, w: number, dtype: Tensor['dtype']): Tensor {
  if (!(all instanceof Tensor) || all.shape.length !== 3 || all.shape[1] !== h || all.shape[2] !== w) throw new ShapeError(op, `options.masks must be [N, ${h}, ${w}]`, [all?.shape ?? []]);
  if (indices === undefined) throw new ArgumentError(op, 'options.masks needs the batch to carry indices (its dataset rows)');
  const plane = h * w;
  const buf = allocate(dtype, n * plane);
  indices.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= all.shape[0]!) throw new ArgumentError(op, `batch index ${r} is outside the ${all.shape[0]} masks`);
    buf.set(all.data.subarray(r * plane, (r + 1) * plane), i * plane);
  });
  return Tensor.fromBuffer([n, h, w], dtype, buf);
}

export function readRewardBatch(op: string, batch: RewardBatch, o: RewardLayoutOptions): RewardLayout {
  if (batch === null || typeof batch !== 'object' || !(batch.x instanceof Tensor)) throw new ArgumentError(op, 'the batch must be an object with x: Tensor [N, C, H, W]');
  const x = batch.x;
  if (x.shape.length !== 4) throw new ShapeError(op, 'x must be [N, C, H, W]', [x.shape]);
  const [n, c, h, w] = x.shape as unknown as [number, number, number, number];
  if (!Number.isInteger(o.imageChannel) || o.imageChannel < 0 || o.imageChannel >= c) throw new ArgumentError(op, `imageChannel ${o.imageChannel} is out of range for ${c} channels`);
  if (batch.indices !== undefined && batch.indices.length !== n) throw new ArgumentError(op, `${batch.indices.length} indices for ${n} samples`);
  const masks = batch.masks !== undefined ? batch.masks : o.masks === undefined ? undefined : gatherMasks(op, o.masks, batch.indices, n, h, w, x.dtype);
  if (masks !== undefined) {
    if (!(masks instanceof Tensor) || masks.size !== n * h * w || masks.shape[0] !== n) throw new ShapeError(op, `masks must be [${n}, ${h}, ${w}]`, [masks?.shape ?? []]);
  } else if (!Number.isInteger(o.maskChannel) || o.maskChannel < 0 || o.maskChannel >= c || o.maskChannel === o.imageChannel) {
    throw new ArgumentError(op, `no masks in the batch or the options, and maskChannel ${o.maskChannel} is not another of the ${c} channels`);
  }
  return { x, n, c, h, w, masks, indices: batch.indices, spacings: sampleSpacings(op, batch, o.spacings, n) };
}

/** The batch's own spacings, or the dataset's by the batch's rows; each checked. */
function sampleSpacings(op: string, batch: RewardBatch, all: readonly Spacing[] | undefined, n: number): readonly Spacing[] | undefined {
  if (batch.spacings === undefined && all === undefined) return undefined;
  if (batch.spacings === undefined && batch.indices === undefined) throw new ArgumentError(op, 'options.spacings needs the batch to carry indices (its dataset rows)');
  const spacings = batch.spacings ?? batch.indices!.map((r) => {
    if (!Number.isInteger(r) || r < 0 || r >= all!.length) throw new ArgumentError(op, `batch index ${r} is outside the ${all!.length} spacings`);
    return all![r]!;
  });
  if (!Array.isArray(spacings) || spacings.length !== n) throw new ArgumentError(op, `spacings must hold one [row, column] spacing per sample (${n})`);
  return spacings.map((s, i) => checkSpacing(op, s, `the spacing of sample ${batch.indices?.[i] ?? i}`));
}

/** Sample s's image and mask planes, as views of the batch. */
export function samplePlanes(layout: RewardLayout, s: number, imageChannel: number, maskChannel: number): { image: Float32Array | Float64Array; mask: Float32Array | Float64Array } {
  const { x, c, h, w, masks } = layout;
  const plane = h * w;
  const src = x.data;
  return {
    image: src.subarray((s * c + imageChannel) * plane, (s * c + imageChannel + 1) * plane),
    mask: masks ? masks.data.subarray(s * plane, (s + 1) * plane) : src.subarray((s * c + maskChannel) * plane, (s * c + maskChannel + 1) * plane),
  };
}
