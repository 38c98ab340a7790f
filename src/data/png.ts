/**
 * PNG loader and writer (pngjs). Reads 1/2/4/8/16-bit grey, grey+alpha,
 * RGB(A) and palette images; colour is converted to luma
 * (0.299 R + 0.587 G + 0.114 B), alpha is ignored. Values are the stored
 * sample values (0..2^bitDepth − 1) times `slope` plus `intercept` (e.g. a
 * 16-bit PNG holding HU + 1024 reads back as HU with intercept −1024).
 */
import pngjs from 'pngjs';
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { DataError, describeThrown, fail, guard, orThrow } from './errors.ts';
import { checkFinitePixels, type PixelOptions } from './finite.ts';
import { label, readBytes, writeBytes } from './io.ts';
import type { Image2D } from './types.ts';

const { PNG } = pngjs;

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
 * pngjs pads missing image data silently (a damaged IHDR can turn 100 bytes
 * into a 8192² image), so check first that the IDAT stream inflates to at
 * least the size the header implies. Returns a problem, or undefined if fine
 * (or if the structure is too broken to tell: pngjs will then report it).
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
  let inflated: number;
  try {
    // Z_SYNC_FLUSH: a cut stream yields what it has instead of throwing
    inflated = zlib.inflateSync(Buffer.concat(idat), {
      maxOutputLength: expected,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    }).length;
  } catch (e) {
    const msg = describeThrown(e);
    if (/maxOutputLength|too large|exceed|larger than/i.test(msg)) return undefined; // at least `expected` bytes: enough
    return { code: 'unreadable', message: `corrupt PNG image data (${msg})` };
  }
  if (inflated < expected)
    return {
      code: 'truncated',
      message: `PNG image data inflates to ${inflated} bytes but ${width}×${height} at ${depth} bits × ${ch} channel(s) needs ${expected}`,
    };
  return undefined;
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
  let png: pngjs.PNGWithMetadata;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (e) {
    const msg = describeThrown(e);
    const code = /unexpected end|end of|truncat|incomplete|not enough|out of range/i.test(msg) ? 'truncated' : 'unreadable';
    return fail(code, `${where}: cannot decode PNG (${msg})`, file, e);
  }
  const { width, height } = png;
  const data = png.data as unknown as ArrayLike<number>;
  const npx = width * height;
  if (!(width > 0 && height > 0) || data.length < npx * 4)
    return fail('unreadable', `${where}: decoded PNG has inconsistent size ${width}×${height}`, file);
  const slope = options.slope ?? 1;
  const intercept = options.intercept ?? 0;
  const meta = png as unknown as { color?: boolean; colorType?: number; depth?: number; palette?: boolean };
  const color = Boolean(meta.color) || Boolean(meta.palette);
  const out = new Float32Array(npx);
  for (let i = 0; i < npx; i++) {
    const r = data[4 * i] as number;
    const v = color ? 0.299 * r + 0.587 * (data[4 * i + 1] as number) + 0.114 * (data[4 * i + 2] as number) : r;
    out[i] = v * slope + intercept;
  }
  const image: PngImage = { width, height, data: out, bitDepth: meta.palette ? 8 : (meta.depth ?? 8), colorType: meta.colorType ?? 0, color };
  return checkFinitePixels(image, where, file, options.nonFinite);
};

export const readPng = (file: string, options: PngReadOptions = {}): E.Either<DataError, PngImage> => {
  const b = readBytes(file);
  return E.isLeft(b) ? b : decodePng(b.right, { ...options, file });
};

export const readPngOrThrow = (file: string, options: PngReadOptions = {}): PngImage => orThrow(readPng(file, options));

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
  let buf: Buffer;
  if (bitDepth === 8) {
    buf = Buffer.alloc(npx);
    for (let i = 0; i < npx; i++) buf[i] = q(data[i] as number);
  } else {
    const u16 = new Uint16Array(npx);
    for (let i = 0; i < npx; i++) u16[i] = q(data[i] as number);
    buf = Buffer.from(u16.buffer, u16.byteOffset, u16.byteLength);
  }
  try {
    const png = new PNG({ width, height });
    png.data = buf;
    const out = PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth, inputHasAlpha: false });
    return E.right(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  } catch (e) {
    return fail('bad-option', `cannot encode PNG: ${describeThrown(e)}`, undefined, e);
  }
};

/** Write a grey PNG (8 or 16 bit). */
export const writePng = (image: Image2D, file: string, options: PngWriteOptions = {}): E.Either<DataError, void> => {
  const enc = encodePng(image, options);
  if (E.isLeft(enc)) return E.left(new DataError(enc.left.code, `${file}: ${enc.left.message}`, { file }));
  return writeBytes(file, enc.right);
};

export const writePngOrThrow = (image: Image2D, file: string, options: PngWriteOptions = {}): void =>
  orThrow(writePng(image, file, options));
