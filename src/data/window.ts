/**
 * Pure image operations on Image2D: CT windowing, mask centroid, cropping
 * around the mask with padding, bilinear resizing.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DataError, fail } from './errors.ts';
import type { Image2D } from './types.ts';

export interface WindowOptions {
  /** Window centre in HU (default 40, soft tissue). */
  readonly center?: number;
  /** Window width in HU (default 400). */
  readonly width?: number;
}

/** Map HU to [0, 1]: (hu − (center − width/2)) / width, clipped. */
export const windowHU = (image: Image2D, options: WindowOptions = {}): Image2D => {
  const c = options.center ?? 40;
  const w = options.width ?? 400;
  const lo = c - w / 2;
  const inv = 1 / w;
  const src = image.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = ((src[i] as number) - lo) * inv;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return { width: image.width, height: image.height, data: out };
};

/** Centroid (x, y) in pixel-index coordinates of the mask's non-zero pixels weighted by value; undefined if empty. */
export const maskCentroid = (mask: Image2D): { x: number; y: number; mass: number } | undefined => {
  let sx = 0;
  let sy = 0;
  let m = 0;
  const { width, height, data } = mask;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x] as number;
      if (v > 0) {
        sx += v * x;
        sy += v * y;
        m += v;
      }
    }
  }
  return m > 0 ? { x: sx / m, y: sy / m, mass: m } : undefined;
};

/**
 * Crop a width×height window whose centre is at (cx, cy) (pixel-index
 * coordinates, rounded to the nearest pixel grid), filling outside with `fill`.
 */
export const cropAt = (image: Image2D, cx: number, cy: number, width: number, height: number, fill = 0): Image2D => {
  const x0 = Math.round(cx - (width - 1) / 2);
  const y0 = Math.round(cy - (height - 1) / 2);
  const out = new Float32Array(width * height);
  const { width: W, height: H, data } = image;
  for (let y = 0; y < height; y++) {
    const sy = y0 + y;
    for (let x = 0; x < width; x++) {
      const sx = x0 + x;
      out[y * width + x] = sy >= 0 && sy < H && sx >= 0 && sx < W ? (data[sy * W + sx] as number) : fill;
    }
  }
  return { width, height, data: out };
};

export interface CropOptions {
  readonly width: number;
  readonly height?: number;
  /** Value outside the image (default −1000: air in HU; use 0 for windowed images). */
  readonly fill?: number;
}

/**
 * Crop image and mask to a fixed size centred on the mask's centroid.
 * Left(DataError 'size-mismatch') if image and mask differ in size,
 * Left('bad-mask') if the mask is empty.
 */
export const cropAroundMask = (
  image: Image2D,
  mask: Image2D,
  options: CropOptions,
): E.Either<DataError, { image: Image2D; mask: Image2D; centroid: { x: number; y: number } }> => {
  const w = options.width;
  const h = options.height ?? options.width;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1)
    return fail('bad-option', `crop size must be positive integers, got ${w}×${h}`);
  if (image.width !== mask.width || image.height !== mask.height)
    return fail('size-mismatch', `image is ${image.width}×${image.height} but mask is ${mask.width}×${mask.height}`);
  const c = maskCentroid(mask);
  if (c === undefined) return fail('bad-mask', 'mask is empty: cannot crop around its centroid');
  return E.right({
    image: cropAt(image, c.x, c.y, w, h, options.fill ?? -1000),
    mask: cropAt(mask, c.x, c.y, w, h, 0),
    centroid: { x: c.x, y: c.y },
  });
};

/** Bilinear resize (pixel centres aligned, half-pixel convention, edge-clamped). */
export const resizeBilinear = (image: Image2D, width: number, height: number): Image2D => {
  const { width: W, height: H, data } = image;
  const out = new Float32Array(width * height);
  if (W === width && H === height) {
    out.set(data);
    return { width, height, data: out };
  }
  const sx = W / width;
  const sy = H / height;
  for (let y = 0; y < height; y++) {
    let fy = (y + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    if (fy > H - 1) fy = H - 1;
    const y0 = Math.floor(fy);
    const y1 = y0 + 1 < H ? y0 + 1 : y0;
    const ty = fy - y0;
    for (let x = 0; x < width; x++) {
      let fx = (x + 0.5) * sx - 0.5;
      if (fx < 0) fx = 0;
      if (fx > W - 1) fx = W - 1;
      const x0 = Math.floor(fx);
      const x1 = x0 + 1 < W ? x0 + 1 : x0;
      const tx = fx - x0;
      const a = data[y0 * W + x0] as number;
      const b = data[y0 * W + x1] as number;
      const c = data[y1 * W + x0] as number;
      const d = data[y1 * W + x1] as number;
      out[y * width + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return { width, height, data: out };
};

/** Resize a 0/1 mask: bilinear, then threshold at 0.5. */
export const resizeMask = (mask: Image2D, width: number, height: number): Image2D => {
  const r = resizeBilinear(mask, width, height);
  const d = r.data;
  for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) >= 0.5 ? 1 : 0;
  return r;
};

/** Binarize: 1 where value > threshold (default 0), else 0. */
export const binarize = (image: Image2D, threshold = 0): Image2D => {
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (image.data[i] as number) > threshold ? 1 : 0;
  return { width: image.width, height: image.height, data: out };
};
