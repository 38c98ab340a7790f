/**
 * One entry point for image and mask files: picks the loader by file
 * extension (falling back to the file's magic bytes):
 *   .dcm .dicom .ima → DICOM; .nii .nii.gz → NIfTI; .png → PNG;
 *   .idx* / *-ubyte (optionally .gz) → IDX.
 * `index` selects the DICOM frame, the NIfTI slice (default: middle) or the
 * IDX image. Pixels must be finite (see finite.ts); masks must be binary unless
 * a threshold is given (see mask.ts).
 */
import * as E from 'fp-ts/lib/Either.js';
import { decodeDicom } from './dicom.ts';
import { DataError, fail } from './errors.ts';
import type { PixelOptions } from './finite.ts';
import { decodeIdx, idxImage } from './idx.ts';
import { gunzip, isGzip } from './io.ts';
import { toBinaryMask, type MaskOptions } from './mask.ts';
import { decodeNifti } from './nifti.ts';
import { decodePng } from './png.ts';
import type { Image2D } from './types.ts';

export type ImageFormat = 'dicom' | 'nifti' | 'png' | 'idx';

/** Format implied by a file name, if any. */
export const formatFromName = (file: string): ImageFormat | undefined => {
  const f = file.toLowerCase();
  if (f.endsWith('.nii') || f.endsWith('.nii.gz')) return 'nifti';
  if (f.endsWith('.dcm') || f.endsWith('.dicom') || f.endsWith('.ima')) return 'dicom';
  if (f.endsWith('.png')) return 'png';
  if (/\.idx[0-9]*(-u?byte)?(\.gz)?$/.test(f) || /-u?byte(\.gz)?$/.test(f)) return 'idx';
  return undefined;
};

/** Format implied by a file's first bytes, if recognisable (gzip is looked inside). */
export const sniffFormat = (bytes: Uint8Array): ImageFormat | undefined => {
  let b = bytes;
  if (isGzip(b)) {
    const g = gunzip(b, undefined, 'file');
    if (E.isLeft(g)) return undefined;
    b = g.right;
  }
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d) return 'dicom';
  if (b.length >= 348 && b[344] === 0x6e && (b[345] === 0x2b || b[345] === 0x69) && (b[346] === 0x31 || b[346] === 0x32))
    return 'nifti';
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && [8, 9, 11, 12, 13, 14].includes(b[2] as number)) return 'idx';
  return undefined;
};

export interface ImageFileOptions extends PixelOptions {
  /** DICOM frame / NIfTI slice / IDX image index. */
  readonly index?: number;
  /** Force a format instead of guessing from the name. */
  readonly format?: ImageFormat;
}

/** Options of a mask file: also the threshold that lets a grey image serve as a mask. */
export interface MaskFileOptions extends ImageFileOptions, MaskOptions {}

const decodeAs = (format: ImageFormat, bytes: Uint8Array, file: string, options: ImageFileOptions, asMask: boolean): E.Either<DataError, Image2D> => {
  const { index, nonFinite } = options;
  switch (format) {
    case 'dicom':
      // A mask keeps its stored values: a rescale would move the level the threshold refers to.
      return decodeDicom(bytes, { file, nonFinite, rescale: !asMask, invertMonochrome1: !asMask, ...(index !== undefined ? { frame: index } : {}) });
    case 'nifti':
      return decodeNifti(bytes, { file, nonFinite, ...(index !== undefined ? { slice: index } : {}) });
    case 'png':
      return decodePng(bytes, { file, nonFinite });
    case 'idx': {
      const a = decodeIdx(bytes, { file });
      return E.isLeft(a) ? a : idxImage(a.right, index ?? 0, file, { nonFinite });
    }
  }
};

/**
 * Decode an image (or, with `asMask`, a mask as 0/1) of any supported format from its bytes;
 * the format comes from `options.format`, else from `file`'s name, else from the content.
 */
export const decodeImage = (bytes: Uint8Array, file: string, options: MaskFileOptions = {}, asMask = false): E.Either<DataError, Image2D> => {
  const format = options.format ?? formatFromName(file) ?? sniffFormat(bytes);
  if (format === undefined)
    return fail(
      'unsupported-format',
      `${file}: unknown image format (expected .dcm, .nii, .nii.gz, .png or .idx, and the content is none of these)`,
      file,
    );
  const img = decodeAs(format, bytes, file, options, asMask);
  return asMask && E.isRight(img) ? toBinaryMask(img.right, file, file, options) : img;
};
