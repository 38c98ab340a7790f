/**
 * IDX files (the MNIST format): magic 0x00 0x00 <type> <ndims>, then ndims
 * big-endian uint32 sizes, then the data, big-endian, row-major. Types:
 * 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double.
 * Gzip-compressed files (.gz) are detected by their magic bytes.
 */
import { gzipSync } from 'fflate';
import * as E from 'fp-ts/lib/Either.js';
import { DataError, describeThrown, fail, guard } from './errors.ts';
import { checkFinitePixels, type PixelOptions } from './finite.ts';
import { gunzip, isGzip, label } from './io.ts';
import type { Image2D } from './types.ts';

export type IdxType = 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  readonly type: IdxType;
  readonly dims: readonly number[];
  readonly data: IdxData;
}

const CODES: Readonly<Record<IdxType, number>> = { ubyte: 0x08, byte: 0x09, short: 0x0b, int: 0x0c, float: 0x0d, double: 0x0e };
const BY_CODE: Readonly<Record<number, IdxType>> = { 0x08: 'ubyte', 0x09: 'byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };
const SIZES: Readonly<Record<IdxType, number>> = { ubyte: 1, byte: 1, short: 2, int: 4, float: 4, double: 8 };

/** Decode IDX bytes (raw or gzip). */
export const decodeIdx = (input: Uint8Array, options: { readonly file?: string } = {}): E.Either<DataError, IdxArray> =>
  guard(label(options.file, 'IDX'), options.file, () => decodeIdxUnguarded(input, options));

const decodeIdxUnguarded = (input: Uint8Array, options: { readonly file?: string }): E.Either<DataError, IdxArray> => {
  const file = options.file;
  const where = label(file, 'IDX');
  let b = input;
  if (isGzip(b)) {
    const g = gunzip(b, file, 'IDX file');
    if (E.isLeft(g)) return g;
    b = g.right;
  }
  if (b.length < 4) return fail('truncated', `${where}: too short for an IDX header (${b.length} bytes)`, file);
  if (b[0] !== 0 || b[1] !== 0)
    return fail('unreadable', `${where}: not an IDX file (magic must start with two zero bytes, got ${b[0]}, ${b[1]})`, file);
  const type = BY_CODE[b[2] as number];
  if (type === undefined) return fail('unsupported-format', `${where}: unknown IDX data type 0x${(b[2] as number).toString(16)}`, file);
  const nd = b[3] as number;
  if (nd < 1) return fail('unreadable', `${where}: IDX file declares 0 dimensions`, file);
  const headerLen = 4 + 4 * nd;
  if (b.length < headerLen) return fail('truncated', `${where}: IDX header declares ${nd} dimensions but the file ends at byte ${b.length}`, file);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let k = 0; k < nd; k++) {
    const d = view.getUint32(4 + 4 * k, false);
    dims.push(d);
    count *= d;
  }
  const size = SIZES[type];
  const need = count * size;
  const have = b.length - headerLen;
  if (have < need)
    return fail('truncated', `${where}: IDX dims ${dims.join('×')} of ${type} need ${need} data bytes but the file has ${have}`, file);
  if (have > need)
    return fail('size-mismatch', `${where}: IDX dims ${dims.join('×')} of ${type} need ${need} data bytes but the file has ${have} (trailing data)`, file);
  let data: IdxData;
  switch (type) {
    case 'ubyte':
      data = b.slice(headerLen, headerLen + need);
      break;
    case 'byte':
      data = new Int8Array(b.slice(headerLen, headerLen + need).buffer);
      break;
    case 'short': {
      const a = new Int16Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt16(headerLen + 2 * i, false);
      data = a;
      break;
    }
    case 'int': {
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt32(headerLen + 4 * i, false);
      data = a;
      break;
    }
    case 'float': {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat32(headerLen + 4 * i, false);
      data = a;
      break;
    }
    case 'double': {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat64(headerLen + 8 * i, false);
      data = a;
      break;
    }
  }
  return E.right({ type, dims, data });
};

/** Encode an IDX array (optionally gzipped). */
export const encodeIdx = (arr: IdxArray, options: { readonly gzip?: boolean } = {}): E.Either<DataError, Uint8Array> => {
  const { type, dims, data } = arr;
  const code = CODES[type];
  if (code === undefined) return fail('bad-option', `unknown IDX type '${String(type)}'`);
  if (dims.length < 1 || dims.length > 255) return fail('bad-option', `IDX needs 1..255 dimensions, got ${dims.length}`);
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) return fail('bad-option', `invalid IDX dimension ${d}`);
    count *= d;
  }
  if (count !== data.length) return fail('bad-option', `IDX dims ${dims.join('×')} hold ${count} values but data has ${data.length}`);
  const size = SIZES[type];
  const headerLen = 4 + 4 * dims.length;
  const out = new Uint8Array(headerLen + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  for (let i = 0; i < count; i++) {
    const v = data[i] as number;
    const o = headerLen + i * size;
    switch (type) {
      case 'ubyte':
        view.setUint8(o, v);
        break;
      case 'byte':
        view.setInt8(o, v);
        break;
      case 'short':
        view.setInt16(o, v, false);
        break;
      case 'int':
        view.setInt32(o, v, false);
        break;
      case 'float':
        view.setFloat32(o, v, false);
        break;
      case 'double':
        view.setFloat64(o, v, false);
        break;
    }
  }
  if (!options.gzip) return E.right(out);
  try {
    return E.right(gzipSync(out));
  } catch (e) {
    return fail('bad-option', `cannot gzip IDX data: ${describeThrown(e)}`, undefined, e);
  }
};

/** Number of images in an IDX array: 1 for a 2-D array [h, w], n for [n, h, w]. */
export const idxImageCount = (arr: IdxArray): number =>
  arr.dims.length === 2 ? 1 : arr.dims.length === 3 ? (arr.dims[0] as number) : 0;

/** Image `index` of a 2-D [h, w] or 3-D [n, h, w] IDX array, its pixels checked to be finite. */
export const idxImage = (arr: IdxArray, index = 0, file?: string, options: PixelOptions = {}): E.Either<DataError, Image2D> => {
  const where = label(file, 'IDX');
  const nd = arr.dims.length;
  if (nd !== 2 && nd !== 3)
    return fail('unsupported-format', `${where}: IDX array with dims ${arr.dims.join('×')} is not an image or a stack of images`, file);
  const n = nd === 2 ? 1 : (arr.dims[0] as number);
  const h = arr.dims[nd - 2] as number;
  const w = arr.dims[nd - 1] as number;
  if (!Number.isInteger(index) || index < 0 || index >= n)
    return fail('bad-option', `${where}: image index ${index} out of range (file holds ${n} image${n === 1 ? '' : 's'})`, file);
  if (w === 0 || h === 0) return fail('unreadable', `${where}: IDX images have zero size ${w}×${h}`, file);
  const npx = w * h;
  const out = new Float32Array(npx);
  const base = index * npx;
  for (let i = 0; i < npx; i++) out[i] = arr.data[base + i] as number;
  return checkFinitePixels({ width: w, height: h, data: out }, n > 1 ? `${where} (image ${index})` : where, file, options.nonFinite);
};
