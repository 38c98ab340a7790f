/**
 * NIfTI loader (nifti-reader-js for the header): NIfTI-1 (and NIfTI-2)
 * single files, gzipped or raw. Returns one axial slice (index along the
 * third dimension, default the middle one) of volume `volume` (4th dimension,
 * default 0), scaled by scl_slope / scl_inter (a zero slope means "no
 * scaling", per the standard).
 *
 * The slice is returned in file index order: width = dim[1] (i), height =
 * dim[2] (j), data[j * width + i]. No reorientation is applied (NIfTI's
 * j axis usually points anterior, so a radiological display flips rows).
 *
 * Datatypes: uint8, int8, int16, uint16, int32, uint32, int64, uint64
 * (as doubles), float32, float64, RGB24 (to luma). Others: 'unsupported-format'.
 * Extensions are skipped (they are never needed for pixel data).
 */
import * as nifti from 'nifti-reader-js';
import * as E from 'fp-ts/lib/Either.js';
import { DataError, describeThrown, fail, guard } from './errors.ts';
import { checkFinitePixels, type PixelOptions } from './finite.ts';
import { gunzip, isGzip, label } from './io.ts';
import type { Image2D } from './types.ts';

export interface NiftiOptions extends PixelOptions {
  /** Index along dim[3] (z); default the middle slice floor(nz / 2). */
  readonly slice?: number;
  /** Index along dim[4] (t); default 0. */
  readonly volume?: number;
  /** Apply scl_slope / scl_inter (default true). */
  readonly rescale?: boolean;
}

export interface NiftiImage extends Image2D {
  /** dims[0] = number of dimensions, dims[1..] sizes (as in the header). */
  readonly dims: readonly number[];
  readonly slice: number;
  readonly volume: number;
  readonly datatype: string;
  readonly datatypeCode: number;
  readonly sclSlope: number;
  readonly sclInter: number;
  /** Voxel sizes pixDims[1], pixDims[2] (usually mm). */
  readonly pixelSpacing: readonly [number, number];
  readonly version: 1 | 2;
}

interface Dtype {
  readonly name: string;
  readonly bytes: number;
  readonly read: (v: DataView, o: number, le: boolean) => number;
}

const DTYPES: Readonly<Record<number, Dtype>> = {
  2: { name: 'uint8', bytes: 1, read: (v, o) => v.getUint8(o) },
  4: { name: 'int16', bytes: 2, read: (v, o, le) => v.getInt16(o, le) },
  8: { name: 'int32', bytes: 4, read: (v, o, le) => v.getInt32(o, le) },
  16: { name: 'float32', bytes: 4, read: (v, o, le) => v.getFloat32(o, le) },
  64: { name: 'float64', bytes: 8, read: (v, o, le) => v.getFloat64(o, le) },
  128: {
    name: 'rgb24',
    bytes: 3,
    read: (v, o) => 0.299 * v.getUint8(o) + 0.587 * v.getUint8(o + 1) + 0.114 * v.getUint8(o + 2),
  },
  256: { name: 'int8', bytes: 1, read: (v, o) => v.getInt8(o) },
  512: { name: 'uint16', bytes: 2, read: (v, o, le) => v.getUint16(o, le) },
  768: { name: 'uint32', bytes: 4, read: (v, o, le) => v.getUint32(o, le) },
  1024: { name: 'int64', bytes: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  1280: { name: 'uint64', bytes: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
};

const copyToArrayBuffer = (b: Uint8Array, start: number, end: number): ArrayBuffer => {
  const out = new ArrayBuffer(end - start);
  new Uint8Array(out).set(b.subarray(start, end));
  return out;
};

/** Decode a NIfTI file held in memory (gzip detected by magic bytes). */
export const decodeNifti = (
  input: Uint8Array,
  options: NiftiOptions & { readonly file?: string } = {},
): E.Either<DataError, NiftiImage> => guard(label(options.file, 'NIfTI'), options.file, () => decodeNiftiUnguarded(input, options));

const decodeNiftiUnguarded = (
  input: Uint8Array,
  options: NiftiOptions & { readonly file?: string },
): E.Either<DataError, NiftiImage> => {
  const file = options.file;
  const where = label(file, 'NIfTI');
  let bytes = input;
  if (isGzip(bytes)) {
    const g = gunzip(bytes, file, 'NIfTI file');
    if (E.isLeft(g)) return g;
    bytes = g.right;
  }
  if (bytes.length < 348)
    return fail('truncated', `${where}: too short for a NIfTI header (${bytes.length} bytes, need at least 348)`, file);
  const h1 = copyToArrayBuffer(bytes, 0, 348);
  const h2 = bytes.length >= 540 ? copyToArrayBuffer(bytes, 0, 540) : undefined;
  let header: nifti.NIFTI1 | nifti.NIFTI2;
  let version: 1 | 2;
  try {
    if (nifti.isNIFTI1(h1)) {
      version = 1;
      header = nifti.readHeader(h1); // header bytes only: extensions are not parsed
    } else if (h2 !== undefined && nifti.isNIFTI2(h2)) {
      version = 2;
      header = nifti.readHeader(h2);
    } else {
      const h = new DataView(h1);
      const isHdr = h.getInt32(0, true) === 348 || h.getInt32(0, false) === 348;
      return fail(
        'unreadable',
        `${where}: not a NIfTI-1/2 single file (no 'n+1'/'n+2' magic${isHdr ? '; .hdr/.img pairs are not supported' : ''})`,
        file,
      );
    }
  } catch (e) {
    return fail('unreadable', `${where}: cannot parse NIfTI header (${describeThrown(e)})`, file, e);
  }
  try {
    const dims = header.dims.slice(0, 8).map((d) => Math.trunc(d));
    const ndim = dims[0] ?? 0;
    if (!(ndim >= 1 && ndim <= 7))
      return fail('unreadable', `${where}: invalid dim[0] = ${ndim} (must be 1..7)`, file);
    const size = (k: number): number => (k <= ndim ? (dims[k] ?? 0) : 1);
    for (let k = 1; k <= ndim; k++) {
      if (!(size(k) >= 1)) return fail('unreadable', `${where}: invalid dim[${k}] = ${size(k)}`, file);
    }
    const nx = size(1);
    const ny = size(2);
    const nz = size(3);
    const nt = size(4);
    const dt = DTYPES[header.datatypeCode];
    if (dt === undefined) {
      return fail(
        'unsupported-format',
        `${where}: unsupported NIfTI datatype ${header.datatypeCode} (${header.getDatatypeCodeString(header.datatypeCode)})`,
        file,
      );
    }
    if (header.numBitsPerVoxel !== dt.bytes * 8)
      return fail(
        'unreadable',
        `${where}: bitpix ${header.numBitsPerVoxel} does not match datatype ${dt.name} (${dt.bytes * 8} bits)`,
        file,
      );
    const slice = options.slice ?? Math.floor(nz / 2);
    const volume = options.volume ?? 0;
    if (!Number.isInteger(slice) || slice < 0 || slice >= nz)
      return fail('bad-option', `${where}: slice ${slice} out of range (volume has ${nz} slices)`, file);
    if (!Number.isInteger(volume) || volume < 0 || volume >= nt)
      return fail('bad-option', `${where}: volume ${volume} out of range (file has ${nt} volumes)`, file);
    const voxOffset = Math.floor(header.vox_offset);
    const minOffset = version === 1 ? 348 : 540;
    if (!(voxOffset >= minOffset))
      return fail('unreadable', `${where}: invalid vox_offset ${header.vox_offset} (must be >= ${minOffset})`, file);
    let total = dt.bytes;
    for (let k = 1; k <= ndim; k++) total *= size(k);
    const available = bytes.length - voxOffset;
    if (available < total) {
      return fail(
        'truncated',
        `${where}: image data holds ${Math.max(0, available)} bytes after vox_offset ${voxOffset} but dims ` +
          `${dims.slice(1, ndim + 1).join('×')} of ${dt.name} need ${total}`,
        file,
      );
    }
    const npx = nx * ny;
    if (npx > 1 << 28) return fail('unsupported-format', `${where}: slice of ${nx}×${ny} pixels is too large`, file);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const le = header.littleEndian;
    const start = voxOffset + (volume * nz + slice) * npx * dt.bytes;
    const out = new Float32Array(npx);
    for (let i = 0; i < npx; i++) out[i] = dt.read(view, start + i * dt.bytes, le);
    const rescale = options.rescale ?? true;
    const rawSlope = header.scl_slope;
    const rawInter = header.scl_inter;
    const slope = rescale && Number.isFinite(rawSlope) && rawSlope !== 0 ? rawSlope : 1;
    const inter = rescale && Number.isFinite(rawSlope) && rawSlope !== 0 && Number.isFinite(rawInter) ? rawInter : 0;
    if (slope !== 1 || inter !== 0) for (let i = 0; i < npx; i++) out[i] = (out[i] as number) * slope + inter;
    const px = header.pixDims;
    const image: NiftiImage = {
      width: nx,
      height: ny,
      data: out,
      dims: dims.slice(0, ndim + 1),
      slice,
      volume,
      datatype: dt.name,
      datatypeCode: header.datatypeCode,
      sclSlope: slope,
      sclInter: inter,
      pixelSpacing: [px[1] ?? 1, px[2] ?? 1],
      version,
    };
    return checkFinitePixels(image, `${where} (slice ${slice}${nt > 1 ? `, volume ${volume}` : ''})`, file, options.nonFinite);
  } catch (e) {
    return fail('unreadable', `${where}: cannot decode NIfTI image (${describeThrown(e)})`, file, e);
  }
};
