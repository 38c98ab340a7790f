/**
 * PNG decoder and encoder (fast-png: TypeScript, 16-bit, no Node built-ins). Reads 1/2/4/8/16-bit grey, grey+alpha,
 * RGB(A) and palette images; colour is converted to luma
 * (0.299 R + 0.587 G + 0.114 B), alpha is ignored. Values are the stored
 * sample values (0..2^bitDepth − 1) times `slope` plus `intercept` (e.g. a
 * 16-bit PNG holding HU + 1024 reads back as HU with intercept −1024).
 */
import { decode, encode, type DecodedPng } from 'fast-png';
import { Unzlib } from 'fflate';
import * as E from 'fp-ts/lib/Either.js';
import { DataError, describeThrown, fail, guard } from './errors.ts';
import { checkFinitePixels, type PixelOptions } from './finite.ts';
import { label } from './io.ts';
import type { Image2D } from './types.ts';

export interface PngReadOptions extends PixelOptions {
  /** Applied to the stored values: value · slope + intercept (a large slope can overflow float32 to ±Infinity, which the finite check catches). */
  readonly slope?: number;
  readonly intercept?: number;
  /** Refuse images with more pixels than this (default 2^26). */
  readonly maxPixels?: number;
}

export interface PngImage extends Image2D {
  readonly bitDepth: number;
  readonly colorType: number;
  /** True when the file was colour (converted to luma). */
  readonly color: boolean;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * A damaged IHDR can turn 100 bytes into a 8192² image that a decoder pads
 * (pngjs did so silently), so check first that the IDAT stream inflates to at
 * least the size the header implies. Returns a problem, or undefined if fine
 * (or if the structure is too broken to tell: the decoder will then report it).
 */
const checkImageData = (bytes: Uint8Array, v: DataView): { code: 'truncated' | 'unreadable'; message: string } | undefined => {
  const width = v.getUint32(16);
  const height = v.getUint32(20);
  const depth = bytes[24] as number;
  const colorType = bytes[25] as number;
  const interlace = bytes[28] as number;
  const ch = CHANNELS[colorType];
  if (ch === undefined || ![1, 2, 4, 8, 16].includes(depth) || width === 0 || height === 0) return undefined;
  const rowBytes = (w: number): number => (w === 0 ? 0 : Math.ceil((w * ch * depth) / 8) + 1);
  let expected = 0;
  if (interlace === 1) {
    for (const [x0, y0, dx, dy] of ADAM7) {
      const pw = Math.max(0, Math.ceil((width - x0) / dx));
      const ph = Math.max(0, Math.ceil((height - y0) / dy));
      if (pw > 0 && ph > 0) expected += rowBytes(pw) * ph;
    }
  } else expected = rowBytes(width) * height;
  const idat: Uint8Array[] = [];
  let p = 8;
  let sawEnd = false;
  while (p + 8 <= bytes.length) {
    const len = v.getUint32(p);
    const type = String.fromCharCode(bytes[p + 4]!, bytes[p + 5]!, bytes[p + 6]!, bytes[p + 7]!);
    if (p + 12 + len > bytes.length) break;
    if (type === 'IDAT') idat.push(bytes.subarray(p + 8, p + 8 + len));
    if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    p += 12 + len;
  }
  if (idat.length === 0) return sawEnd ? { code: 'unreadable', message: 'PNG has no image data (IDAT)' } : undefined;
  let inflated = 0;
  try {
    inflated = inflatedBytes(idat, expected);
  } catch (e) {
    return { code: 'unreadable', message: `corrupt PNG image data (${describeThrown(e)})` };
  }
  if (inflated < expected)
    return {
      code: 'truncated',
      message: `PNG image data inflates to ${inflated} bytes but ${width}×${height} at ${depth} bits × ${ch} channel(s) needs ${expected}`,
    };
  return undefined;
};

/** Bytes the zlib stream `parts` inflates to, counting no further than `cap`; a cut stream yields what it holds. */
const inflatedBytes = (parts: readonly Uint8Array[], cap: number): number => {
  let total = 0;
  const enough = new Error('enough');
  const stream = new Unzlib((chunk) => {
    total += chunk.length;
    if (total >= cap) throw enough;
  });
  try {
    // never final: a stream cut short then yields what it has instead of throwing
    for (const part of parts) stream.push(part, false);
  } catch (e) {
    if (e !== enough) throw e;
  }
  return total;
};

const COLOR_TYPE: Readonly<Record<number, number>> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/** Sample k of row y, for rows packed at `depth` bits (PNG rows start on a byte). */
const packedSample = (png: DecodedPng, rowBytes: number, y: number, k: number): number => {
  const { data, depth } = png;
  if (depth >= 8) return data[y * (rowBytes / (depth / 8)) + k] as number;
  const bit = k * depth;
  return ((data[y * rowBytes + (bit >> 3)] as number) >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
};

/** Pixel values as stored (grey) or as luma (colour, palette): 0.299 R + 0.587 G + 0.114 B; alpha ignored. */
const lumaOf = (png: DecodedPng, where: string): Float32Array => {
  const { width, height, channels, depth, palette } = png;
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (c: number) => packedSample(png, rowBytes, y, x * channels + c);
      let rgb: readonly number[] | undefined;
      if (palette) {
        rgb = palette[at(0)];
        if (rgb === undefined) throw new RangeError(`${where}: palette index ${at(0)} at pixel (${x}, ${y}) is beyond the ${palette.length}-colour palette`);
      } else if (channels >= 3) rgb = [at(0), at(1), at(2)];
      out[y * width + x] = rgb ? 0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]! : at(0);
    }
  }
  return out;
};

/** Decode PNG bytes. */
export const decodePng = (
  bytes: Uint8Array,
  options: PngReadOptions & { readonly file?: string } = {},
): E.Either<DataError, PngImage> => guard(label(options.file, 'PNG'), options.file, () => decodePngUnguarded(bytes, options));

const decodePngUnguarded = (
  bytes: Uint8Array,
  options: PngReadOptions & { readonly file?: string },
): E.Either<DataError, PngImage> => {
  const file = options.file;
  const where = label(file, 'PNG');
  if (bytes.length < 8 || SIGNATURE.some((s, i) => bytes[i] !== s)) {
    return fail(
      bytes.length < 8 ? 'truncated' : 'unreadable',
      `${where}: not a PNG file (bad signature${bytes.length < 8 ? `, only ${bytes.length} bytes` : ''})`,
      file,
    );
  }
  if (bytes.length < 33) return fail('truncated', `${where}: PNG ends before its IHDR chunk (${bytes.length} bytes)`, file);
  const hv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const w = hv.getUint32(16);
  const h = hv.getUint32(20);
  const maxPixels = options.maxPixels ?? 1 << 26;
  if (w * h > maxPixels) return fail('unsupported-format', `${where}: PNG of ${w}×${h} pixels exceeds the ${maxPixels}-pixel limit`, file);
  const pre = checkImageData(bytes, hv);
  if (pre !== undefined) return fail(pre.code, `${where}: ${pre.message}`, file);
  let png: DecodedPng;
  let stored: Float32Array;
  try {
    png = decode(bytes, { checkCrc: true });
    stored = lumaOf(png, where);
  } catch (e) {
    const msg = describeThrown(e);
    const code = /unexpected end|end of|EOF|truncat|incomplete|not enough|out of range|outside the bounds/i.test(msg) ? 'truncated' : 'unreadable';
    return fail(code, `${where}: cannot decode PNG (${msg})`, file, e);
  }
  const { width, height } = png;
  if (!(width > 0 && height > 0) || stored.length !== width * height)
    return fail('unreadable', `${where}: decoded PNG has inconsistent size ${width}×${height}`, file);
  const slope = options.slope ?? 1;
  const intercept = options.intercept ?? 0;
  const out = stored.map((v) => v * slope + intercept);
  const color = png.palette !== undefined || png.channels >= 3;
  const colorType = png.palette ? 3 : (COLOR_TYPE[png.channels] ?? 0);
  const image: PngImage = { width, height, data: out, bitDepth: png.palette ? 8 : png.depth, colorType, color };
  return checkFinitePixels(image, where, file, options.nonFinite);
};

export interface PngWriteOptions {
  /** 8 (default) or 16. */
  readonly bitDepth?: 8 | 16;
  /** stored = round(value · scale + offset), clipped to the bit depth (default scale 1, offset 0). */
  readonly scale?: number;
  readonly offset?: number;
}

/** Encode a grey PNG. Left('bad-option') for an invalid image or bit depth. */
export const encodePng = (image: Image2D, options: PngWriteOptions = {}): E.Either<DataError, Uint8Array> => {
  const bitDepth = options.bitDepth ?? 8;
  if (bitDepth !== 8 && bitDepth !== 16) return fail('bad-option', `PNG bit depth must be 8 or 16, got ${String(bitDepth)}`);
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height)
    return fail('bad-option', `cannot encode a ${width}×${height} image with ${data.length} values as PNG`);
  const scale = options.scale ?? 1;
  const offset = options.offset ?? 0;
  const max = bitDepth === 16 ? 65535 : 255;
  const npx = width * height;
  const q = (v: number): number => {
    const s = Math.round(v * scale + offset);
    return Number.isNaN(s) ? 0 : s < 0 ? 0 : s > max ? max : s;
  };
  const stored = bitDepth === 8 ? new Uint8Array(npx) : new Uint16Array(npx);
  for (let i = 0; i < npx; i++) stored[i] = q(data[i] as number);
  try {
    return E.right(encode({ width, height, data: stored, depth: bitDepth, channels: 1 }));
  } catch (e) {
    return fail('bad-option', `cannot encode PNG: ${describeThrown(e)}`, undefined, e);
  }
};
