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

/** A NIfTI file whose header has been read and checked against the data it holds. */
export interface OpenedNifti {
  readonly header: nifti.NIFTI1 | nifti.NIFTI2;
  readonly version: 1 | 2;
  /** The header's dims[0..ndim]. */
  readonly dims: readonly number[];
  /** Sizes along i, j, k and t (1 beyond ndim). */
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
  readonly nt: number;
  readonly datatype: string;
  readonly datatypeCode: number;
  /** The (decompressed) file. */
  readonly bytes: Uint8Array;
  /** Voxel n of the file (0-based, in storage order), scaled by scl_slope/scl_inter when `rescale`. */
  readonly voxel: (n: number) => number;
  readonly sclSlope: number;
  readonly sclInter: number;
}

/** Reads and checks a NIfTI header and the extent of its data (gzip detected by magic bytes). */
export const openNifti = (input: Uint8Array, file: string | undefined, rescale = true): E.Either<DataError, OpenedNifti> => {
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
  const dims = header.dims.slice(0, 8).map((d) => Math.trunc(d));
  const ndim = dims[0] ?? 0;
  if (!(ndim >= 1 && ndim <= 7))
    return fail('unreadable', `${where}: invalid dim[0] = ${ndim} (must be 1..7)`, file);
  const size = (k: number): number => (k <= ndim ? (dims[k] ?? 0) : 1);
  for (let k = 1; k <= ndim; k++) {
    if (!(size(k) >= 1)) return fail('unreadable', `${where}: invalid dim[${k}] = ${size(k)}`, file);
  }
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
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = header.littleEndian;
  const rawSlope = header.scl_slope;
  const rawInter = header.scl_inter;
  const slope = rescale && Number.isFinite(rawSlope) && rawSlope !== 0 ? rawSlope : 1;
  const inter = rescale && Number.isFinite(rawSlope) && rawSlope !== 0 && Number.isFinite(rawInter) ? rawInter : 0;
  return E.right({
    header,
    version,
    dims: dims.slice(0, ndim + 1),
    nx: size(1),
    ny: size(2),
    nz: size(3),
    nt: size(4),
    datatype: dt.name,
    datatypeCode: header.datatypeCode,
    bytes,
    voxel: (n) => dt.read(view, voxOffset + n * dt.bytes, le) * slope + inter,
    sclSlope: slope,
    sclInter: inter,
  });
};

const decodeNiftiUnguarded = (
  input: Uint8Array,
  options: NiftiOptions & { readonly file?: string },
): E.Either<DataError, NiftiImage> => {
  const file = options.file;
  const where = label(file, 'NIfTI');
  const opened = openNifti(input, file, options.rescale ?? true);
  if (E.isLeft(opened)) return opened;
  const n = opened.right;
  try {
    const slice = options.slice ?? Math.floor(n.nz / 2);
    const volume = options.volume ?? 0;
    if (!Number.isInteger(slice) || slice < 0 || slice >= n.nz)
      return fail('bad-option', `${where}: slice ${slice} out of range (volume has ${n.nz} slices)`, file);
    if (!Number.isInteger(volume) || volume < 0 || volume >= n.nt)
      return fail('bad-option', `${where}: volume ${volume} out of range (file has ${n.nt} volumes)`, file);
    const npx = n.nx * n.ny;
    if (npx > 1 << 28) return fail('unsupported-format', `${where}: slice of ${n.nx}×${n.ny} pixels is too large`, file);
    const start = (volume * n.nz + slice) * npx;
    const out = new Float32Array(npx);
    for (let i = 0; i < npx; i++) out[i] = n.voxel(start + i);
    const px = n.header.pixDims;
    const image: NiftiImage = {
      width: n.nx,
      height: n.ny,
      data: out,
      dims: n.dims,
      slice,
      volume,
      datatype: n.datatype,
      datatypeCode: n.datatypeCode,
      sclSlope: n.sclSlope,
      sclInter: n.sclInter,
      pixelSpacing: [px[1] ?? 1, px[2] ?? 1],
      version: n.version,
    };
    return checkFinitePixels(image, `${where} (slice ${slice}${n.nt > 1 ? `, volume ${volume}` : ''})`, file, options.nonFinite);
  } catch (e) {
    return fail('unreadable', `${where}: cannot decode NIfTI image (${describeThrown(e)})`, file, e);
  }
};
