/**
 * Images for the report: colour-mapped PNGs and gradient overlays as data URIs (fast-png;
 * no Node built-ins, so a browser renders them too).
 *
 * - 'gray': linear from the image's min (black) to its max (white).
 * - 'diverging': blue–white–red, symmetric around 0 (±max|v|), so white means
 *   zero and the two signs have equal weight.
 */
import { quantileSorted } from 'd3-array';
import { encode } from 'fast-png';
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
  readonly mask?: readonly number[] | undefined;
  /** Integer upscaling factor (nearest neighbour), for tiny images; default 1. */
  readonly scale?: number;
  /** Value range to map instead of the image's own (e.g. shared by the frames of a flow path). */
  readonly range?: ColorRange;
}

/** PNG bytes of a width × height image whose pixel i has colour `pixel(i)`, upscaled by `scale`. */
const writePng = (width: number, height: number, pixel: (i: number) => RGB, scale = 1): Uint8Array => {
  const s = Math.max(1, Math.floor(scale));
  const W = width * s;
  const H = height * s;
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const c = pixel(Math.floor(y / s) * width + Math.floor(x / s));
      const o = (y * W + x) * 3;
      rgb[o] = Math.round(c[0]);
      rgb[o + 1] = Math.round(c[1]);
      rgb[o + 2] = Math.round(c[2]);
    }
  }
  return encode({ width: W, height: H, data: rgb, depth: 8, channels: 3 });
};

/** Encode a row-major image as PNG bytes under a colormap. */
export const encodePng = (width: number, height: number, data: readonly number[], colormap: Colormap, opts: EncodeOpts = {}): Uint8Array => {
  const range = opts.range ?? colorRange(data, colormap);
  const edge = opts.mask !== undefined ? outline(opts.mask, width, height) : undefined;
  return writePng(width, height, (i) => (edge !== undefined && edge[i] === 1 ? MASK_RGB : mapColor(data[i] ?? 0, colormap, range)), opts.scale);
};

export interface OverlayOpts {
  readonly mask?: readonly number[] | undefined;
  /** Opacity of the strongest gradient (default 0.85); a zero gradient leaves the CT as it is. */
  readonly alpha?: number;
  /** Quantile of |gradient| that saturates the colours (default 0.98: a few outliers do not wash the rest out). */
  readonly clip?: number;
}

/** The magnitude at which an overlay's colours saturate: a high quantile of |v| (0 for an all-zero map). */
export const overlayScale = (heat: readonly number[], clip = 0.98): number => {
  const mags = heat.map(Math.abs).filter(Number.isFinite).sort((a, b) => a - b);
  const q = quantileSorted(mags, clip) ?? 0;
  return q > 0 ? q : (mags[mags.length - 1] ?? 0);
};

/**
 * A signed map blended over a gray image, the view of Captum's `visualize_image_attr`
 * (blended_heat_map) and MONAI's `blend_images`: each pixel mixes the CT's gray with the diverging
 * colour of its value, with an opacity that grows with |value|, so only where the gradient acts is
 * the CT tinted (red where raising the pixel raises the output, blue where it lowers it).
 */
export const encodeOverlay = (width: number, height: number, base: readonly number[], heat: readonly number[], opts: OverlayOpts = {}): Uint8Array => {
  const gray = colorRange(base, 'gray');
  const m = overlayScale(heat, opts.clip);
  const heatRange: ColorRange = { min: -m, max: m };
  const alpha = opts.alpha ?? 0.85;
  const edge = opts.mask !== undefined ? outline(opts.mask, width, height) : undefined;
  return writePng(width, height, (i) => {
    if (edge !== undefined && edge[i] === 1) return MASK_RGB;
    const g = mapColor(base[i] ?? 0, 'gray', gray);
    const v = heat[i] ?? 0;
    const a = m > 0 ? alpha * Math.min(1, Math.abs(v) / m) : 0;
    const c = mapColor(Math.max(-m, Math.min(m, v)), 'diverging', heatRange);
    return [g[0] * (1 - a) + c[0] * a, g[1] * (1 - a) + c[1] * a, g[2] * (1 - a) + c[2] * a];
  });
};

/** Base64 without Buffer (browsers have none); btoa takes a binary string, built in slices that fit an argument list. */
export const bytesToBase64 = (bytes: Uint8Array): string => {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
};

export const pngDataUri = (bytes: Uint8Array): string => `data:image/png;base64,${bytesToBase64(bytes)}`;

/** PNG data URI for an image under a colormap. */
export const imageDataUri = (width: number, height: number, data: readonly number[], colormap: Colormap, opts: EncodeOpts = {}): string =>
  pngDataUri(encodePng(width, height, data, colormap, opts));
