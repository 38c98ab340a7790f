/**
 * The loaders on files (Node): each decoder of bytes (dicom.ts, nifti.ts, png.ts, idx.ts,
 * image.ts), which a browser can use as they are, as a reader of a path, and the writers. Every
 * problem names the file.
 */
import * as fs from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { decodeDicom, decodeDicomMask, type DicomImage, type DicomMaskOptions, type DicomOptions } from './dicom.ts';
import { DataError, describeThrown, fail, orThrow } from './errors.ts';
import { decodeIdx, encodeIdx, type IdxArray } from './idx.ts';
import { decodeImage, type ImageFileOptions, type MaskFileOptions } from './image.ts';
import { decodeNifti, type NiftiImage, type NiftiOptions } from './nifti.ts';
import { decodeNiftiVolume, type NiftiVolume, type NiftiVolumeOptions } from './nifti-volume.ts';
import { decodeRtStruct, type RtStruct } from './rtstruct.ts';
import { decodePng, encodePng, type PngImage, type PngReadOptions, type PngWriteOptions } from './png.ts';
import type { Image2D } from './types.ts';

/** Read a whole file; Left('missing-file') if absent, Left('unreadable') otherwise. */
export const readBytes = (file: string): E.Either<DataError, Uint8Array> => {
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined) return fail('missing-file', `file not found: ${file}`, file);
    if (st.isDirectory()) return fail('unreadable', `expected a file but found a directory: ${file}`, file);
    const b = fs.readFileSync(file);
    return E.right(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return fail('missing-file', `file not found: ${file}`, file);
    return fail('unreadable', `cannot read ${file}: ${describeThrown(e)}`, file, e);
  }
};

/** Write a file, creating nothing else; Left('write-failed') on error. */
export const writeBytes = (file: string, bytes: Uint8Array): E.Either<DataError, void> => {
  try {
    fs.writeFileSync(file, bytes);
    return E.right(undefined);
  } catch (e) {
    return fail('write-failed', `cannot write ${file}: ${describeThrown(e)}`, file, e);
  }
};

/** A decoder of bytes as a reader of a file, which then names the file in every problem. */
const fromFile =
  <O extends object, T>(decode: (bytes: Uint8Array, options: O & { readonly file?: string }) => E.Either<DataError, T>) =>
  (file: string, options: O = {} as O): E.Either<DataError, T> => {
    const b = readBytes(file);
    return E.isLeft(b) ? b : decode(b.right, { ...options, file });
  };

/** An encoder of bytes as a writer of a file; an encoding problem is prefixed with the file. */
const toFile =
  <V, O>(encode: (value: V, options: O) => E.Either<DataError, Uint8Array>, defaults: (file: string) => Partial<O> = () => ({})) =>
  (value: V, file: string, options: O = {} as O): E.Either<DataError, void> => {
    const enc = encode(value, { ...defaults(file), ...options });
    if (E.isLeft(enc)) return E.left(new DataError(enc.left.code, `${file}: ${enc.left.message}`, { file }));
    return writeBytes(file, enc.right);
  };

const orThrowing =
  <A extends unknown[], T>(f: (...args: A) => E.Either<DataError, T>) =>
  (...args: A): T =>
    orThrow(f(...args));

/** Read one frame of a DICOM file (values in HU when the file carries a rescale). */
export const readDicom: (file: string, options?: DicomOptions) => E.Either<DataError, DicomImage> = fromFile(decodeDicom);
export const readDicomOrThrow = orThrowing(readDicom);
export const readDicomMask: (file: string, options?: DicomMaskOptions) => E.Either<DataError, DicomImage> = fromFile(decodeDicomMask);
export const readDicomMaskOrThrow = orThrowing(readDicomMask);

/** Read one slice of a NIfTI file (.nii or .nii.gz). */
export const readNifti: (file: string, options?: NiftiOptions) => E.Either<DataError, NiftiImage> = fromFile(decodeNifti);
export const readNiftiOrThrow = orThrowing(readNifti);

export const readPng: (file: string, options?: PngReadOptions) => E.Either<DataError, PngImage> = fromFile(decodePng);
export const readPngOrThrow = orThrowing(readPng);
/** Write a grey PNG (8 or 16 bit). */
export const writePng: (image: Image2D, file: string, options?: PngWriteOptions) => E.Either<DataError, void> = toFile(encodePng);
export const writePngOrThrow = orThrowing(writePng);

export const readIdx = (file: string): E.Either<DataError, IdxArray> => fromFile(decodeIdx)(file);
export const readIdxOrThrow = orThrowing(readIdx);
/** Write an IDX file; gzip defaults to true when the name ends in .gz. */
export const writeIdx: (file: string, arr: IdxArray, options?: { readonly gzip?: boolean }) => E.Either<DataError, void> = (file, arr, options = {}) =>
  toFile(encodeIdx, (f) => ({ gzip: f.toLowerCase().endsWith('.gz') }))(arr, file, options);
export const writeIdxOrThrow = orThrowing(writeIdx);

/** Read an image file of any supported format. */
export const readImageFile = (file: string, options: ImageFileOptions = {}): E.Either<DataError, Image2D> => {
  const b = readBytes(file);
  return E.isLeft(b) ? b : decodeImage(b.right, file, options, false);
};

/**
 * Read a mask file of any supported format as 0/1: a binary file (0 and one positive value, e.g.
 * 0/255 PNGs, DICOM SEG 1-bit frames) as it is; a grey one only with `maskThreshold` (value > threshold → 1).
 */
export const readMaskFile = (file: string, options: MaskFileOptions = {}): E.Either<DataError, Image2D> => {
  const b = readBytes(file);
  return E.isLeft(b) ? b : decodeImage(b.right, file, options, true);
};

export const readImageFileOrThrow = orThrowing(readImageFile);
export const readMaskFileOrThrow = orThrowing(readMaskFile);

/** A NIfTI volume in the canonical orientation (nifti-volume.ts), read from a file. */
export const readNiftiVolume: (file: string, options?: NiftiVolumeOptions) => E.Either<DataError, NiftiVolume> = fromFile(decodeNiftiVolume);
export const readNiftiVolumeOrThrow = orThrowing(readNiftiVolume);
/** An RTSTRUCT's ROIs and contours (rtstruct.ts), read from a file. */
export const readRtStruct: (file: string) => E.Either<DataError, RtStruct> = (file) => fromFile(decodeRtStruct)(file, {});
export const readRtStructOrThrow = orThrowing(readRtStruct);
