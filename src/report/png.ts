/**
 * Images for the report: colour-mapped PNGs as data URIs (pngjs), and the
 * colour bars that explain them.
 *
 * - 'gray': linear from the image's min (black) to its max (white).
 * - 'diverging': blue–white–red, symmetric around 0 (±max|v|), so white means
 *   zero and the two signs have equal weight.
 */
import { PNG } from 'pngjs';
import type { Colormap } from './schema.ts';
import { interpolate } from './svg.ts';

type RGB = readonly [number, number, number];

/** RdBu-like diverging stops from −1 (blue) through 0 (white) to +1 (red). */
const DIVERGING: readonly RGB[] = [
  [5, 48, 97],
  [33, 102, 172],
  [103, 169, 207],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [239, 138, 98],
  [178, 24, 43],
  [103, 0, 31],
];

/** Outline colour for masks over gray images. */
const MASK_RGB: RGB = [255, 176, 0];

export interface ColorRange {
  readonly min: number;
  readonly max: number;
}

/** The value range a colormap maps: [min, max] for gray, [−m, m] for diverging. */
export const colorRange = (data: readonly number[], colormap: Colormap): ColorRange => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return { min: 0, max: 0 };
  if (colormap === 'diverging') {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    return { min: -m, max: m };
  }
  return { min: lo, max: hi };
};

/** Map one value to RGB under a colormap and range. */
export const mapColor = (v: number, colormap: Colormap, range: ColorRange): RGB => {
  if (colormap === 'diverging') {
    const m = range.max;
    const t = m > 0 ? 0.5 + 0.5 * (v / m) : 0.5;
    return interpolate(DIVERGING, t);
  }
  const span = range.max - range.min;
  const g = span > 0 ? ((v - range.min) / span) * 255 : 128;
  return [g, g, g];
};

/** Pixels of the mask that touch a pixel outside it (4-neighbourhood, image border counts as outside). */
const outline = (mask: readonly number[], w: number, h: number): Uint8Array => {
  const out = new Uint8Array(w * h);
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && (mask[y * w + x] ?? 0) >= 0.5;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!inside(x, y)) continue;
      if (!inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1)) out[y * w + x] = 1;
    }
  }
  return out;
};

export interface EncodeOpts {
  readonly mask?: readonly number[];
  /** Integer upscaling factor (nearest neighbour), for tiny images; default 1. */
  readonly scale?: number;
  /** Value range to map instead of the image's own (e.g. shared by the frames of a flow path). */
  readonly range?: ColorRange;
}

/** Encode a row-major image as PNG bytes under a colormap. */
export const encodePng = (width: number, height: number, data: readonly number[], colormap: Colormap, opts: EncodeOpts = {}): Buffer => {
  const s = Math.max(1, Math.floor(opts.scale ?? 1));
  const range = opts.range ?? colorRange(data, colormap);
  const edge = opts.mask !== undefined ? outline(opts.mask, width, height) : undefined;
  const png = new PNG({ width: width * s, height: height * s, colorType: 2, inputHasAlpha: false });
  const W = width * s;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const rgb = edge !== undefined && edge[i] === 1 ? MASK_RGB : mapColor(data[i] ?? 0, colormap, range);
      for (let dy = 0; dy < s; dy++) {
        for (let dx = 0; dx < s; dx++) {
          const o = ((y * s + dy) * W + (x * s + dx)) * 4;
          png.data[o] = Math.round(rgb[0]);
          png.data[o + 1] = Math.round(rgb[1]);
          png.data[o + 2] = Math.round(rgb[2]);
          png.data[o + 3] = 255;
        }
      }
    }
  }
  return PNG.sync.write(png, { colorType: 2 });
};

export const pngDataUri = (bytes: Buffer): string => `data:image/png;base64,${bytes.toString('base64')}`;

/** PNG data URI for an image under a colormap. */
export const imageDataUri = (width: number, height: number, data: readonly number[], colormap: Colormap, opts: EncodeOpts = {}): string =>
  pngDataUri(encodePng(width, height, data, colormap, opts));

/** A 256 × 1 colour-bar strip for a colormap, as a data URI (stretched by CSS). */
export const colorbarDataUri = (colormap: Colormap): string => {
  const n = 256;
  const data = Array.from({ length: n }, (_, i) => (colormap === 'diverging' ? (i / (n - 1)) * 2 - 1 : i / (n - 1)));
  return imageDataUri(n, 1, data, colormap);
};
