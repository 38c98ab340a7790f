/**
 * DICOM loader (dicom-parser): one frame of a single-sample (grey) image from
 * an uncompressed Part-10 file, as Hounsfield units (Modality LUT: value ·
 * RescaleSlope + RescaleIntercept), and DICOM SEG / binary masks
 * (BitsAllocated = 1, packed bits, any number of frames).
 *
 * Supported transfer syntaxes: Implicit VR Little Endian, Explicit VR Little
 * Endian, Deflated Explicit VR Little Endian (zlib), Explicit VR Big Endian.
 * Compressed syntaxes (JPEG family, JPEG-LS, JPEG 2000, RLE, MPEG, HTJ2K …)
 * are reported as DataError 'unsupported-transfer-syntax' naming the UID.
 * Files without the 'DICM' Part-10 prefix are rejected ('unreadable').
 */
import dicomParser from 'dicom-parser';
import * as E from 'fp-ts/lib/Either.js';
import { DataError, describeThrown, fail, guard } from './errors.ts';
import { checkFinitePixels, type PixelOptions } from './finite.ts';
import { inflateRawCapped, label } from './io.ts';
import { readSliceTags, type DicomSliceTags } from './dicom-tags.ts';
import { toBinaryMask } from './mask.ts';
import type { Image2D } from './types.ts';

export const TRANSFER_SYNTAX = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflatedExplicitLittle: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
} as const;

const SUPPORTED = new Set<string>(Object.values(TRANSFER_SYNTAX));

const TS_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, First-Order Prediction (Process 14, Selection Value 1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component (Lossless Only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP Referenced Deflate',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile',
  '1.2.840.10008.1.2.4.101': 'MPEG2 High Profile',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD-compatible',
  '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 for 2D Video',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 for 3D Video',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 Stereo',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 Main Profile',
  '1.2.840.10008.1.2.4.108': 'HEVC/H.265 Main 10 Profile',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

/** Human-readable name of a transfer syntax UID. */
export const transferSyntaxName = (uid: string): string => TS_NAMES[uid] ?? 'unknown transfer syntax';

export const isSupportedTransferSyntax = (uid: string): boolean => SUPPORTED.has(uid);

export interface DicomOptions extends PixelOptions {
  /** Frame index for multi-frame files (default 0). */
  readonly frame?: number;
  /** Apply RescaleSlope/RescaleIntercept (default true; never applied to 1-bit data). */
  readonly rescale?: boolean;
  /**
   * Invert MONOCHROME1 images (default true; never masks), v ↦ lo + hi − v over the range the
   * stored bits can hold after the rescale, so a larger value is always brighter (the file's
   * window still refers to the stored values: see `invertedAbout` and dicom-voi.ts).
   */
  readonly invertMonochrome1?: boolean;
}

export interface DicomImage extends Image2D {
  readonly transferSyntax: string;
  readonly frames: number;
  readonly frame: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly pixelRepresentation: 0 | 1;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  readonly photometric?: string;
  readonly modality?: string;
  readonly sopClassUid?: string;
  /** Row spacing, column spacing in mm (PixelSpacing), when present. */
  readonly pixelSpacing?: readonly [number, number];
  /** Where the slice is and which series it belongs to, and its window (see dicom-tags.ts). */
  readonly tags: DicomSliceTags;
  /** Set when a MONOCHROME1 image was inverted: values v are lo + hi − (the stored modality value), this being lo + hi. */
  readonly invertedAbout?: number;
}

type DataSet = dicomParser.DataSet;

const str = (ds: DataSet, tag: string): string | undefined => {
  const v = ds.string(tag);
  return v === undefined ? undefined : v.replace(/\0/g, '').trim() || undefined;
};

const classify = (msg: string): 'truncated' | 'unreadable' =>
  /overrun|past the end|beyond|end of (the )?buffer|truncat|unexpected end|eof/i.test(msg) ? 'truncated' : 'unreadable';

const inflateRaw = (b: Uint8Array, where: string, file: string | undefined): E.Either<DataError, Uint8Array> => {
  try {
    return E.right(inflateRawCapped(b));
  } catch (e) {
    const msg = describeThrown(e);
    return fail(classify(msg), `${where}: corrupt deflated data set (${msg})`, file, e);
  }
};

export interface ParsedDicom {
  readonly ds: DataSet;
  readonly ts: string;
  readonly sopClassUid?: string;
}

/** The data set of a Part-10 file in a supported transfer syntax (for reading tags other loaders need). */
export const parseDicom = (bytes: Uint8Array, file: string | undefined): E.Either<DataError, ParsedDicom> => {
  const where = label(file, 'DICOM');
  if (bytes.length < 132 || String.fromCharCode(bytes[128]!, bytes[129]!, bytes[130]!, bytes[131]!) !== 'DICM') {
    return fail(
      bytes.length < 132 ? 'truncated' : 'unreadable',
      `${where}: not a DICOM Part-10 file (no 'DICM' prefix at byte 128${bytes.length < 132 ? `; file has only ${bytes.length} bytes` : ''})`,
      file,
    );
  }
  let meta: DataSet & { position?: number };
  let ts: string | undefined;
  let sopClassUid: string | undefined;
  try {
    meta = dicomParser.readPart10Header(bytes) as DataSet & { position?: number };
    ts = str(meta, 'x00020010');
    sopClassUid = str(meta, 'x00020002');
  } catch (e) {
    const msg = describeThrown(e);
    return fail(classify(msg), `${where}: cannot read DICOM meta header (${msg})`, file, e);
  }
  if (ts === undefined) return fail('unreadable', `${where}: DICOM meta header has no Transfer Syntax UID (0002,0010)`, file);
  if (!SUPPORTED.has(ts)) {
    return fail(
      'unsupported-transfer-syntax',
      `${where}: unsupported transfer syntax ${ts} (${transferSyntaxName(ts)}); only uncompressed ` +
        `(implicit/explicit little endian, explicit big endian, deflated) pixel data can be read`,
      file,
    );
  }
  try {
    if (ts === TRANSFER_SYNTAX.deflatedExplicitLittle) {
      const pos = meta.position ?? bytes.length;
      const inflated = inflateRaw(bytes.subarray(pos), where, file);
      if (E.isLeft(inflated)) return inflated;
      // parse the inflated body as a raw explicit-VR little-endian data set
      const ds = dicomParser.parseDicom(inflated.right, { TransferSyntaxUID: TRANSFER_SYNTAX.explicitLittle });
      return E.right({ ds, ts, ...(sopClassUid !== undefined ? { sopClassUid } : {}) });
    }
    const ds = dicomParser.parseDicom(bytes);
    return E.right({ ds, ts, ...(sopClassUid !== undefined ? { sopClassUid } : {}) });
  } catch (e) {
    const msg = describeThrown(e);
    return fail(classify(msg), `${where}: cannot parse DICOM data set (${msg})`, file, e);
  }
};

const num = (x: number | undefined, dflt: number): number => (x === undefined || !Number.isFinite(x) ? dflt : x);

/** Decode one frame of a DICOM file held in memory. `file` names it in errors. */
export const decodeDicom = (
  bytes: Uint8Array,
  options: DicomOptions & { readonly file?: string } = {},
): E.Either<DataError, DicomImage> => guard(label(options.file, 'DICOM'), options.file, () => decodeDicomUnguarded(bytes, options));

const decodeDicomUnguarded = (
  bytes: Uint8Array,
  options: DicomOptions & { readonly file?: string },
): E.Either<DataError, DicomImage> => {
  const file = options.file;
  const where = label(file, 'DICOM');
  const parsed = parseDicom(bytes, file);
  if (E.isLeft(parsed)) return parsed;
  const { ds, ts, sopClassUid } = parsed.right;
  try {
    const rows = ds.uint16('x00280010') ?? 0;
    const cols = ds.uint16('x00280011') ?? 0;
    if (rows <= 0 || cols <= 0) return fail('unreadable', `${where}: missing or zero Rows/Columns (${rows}×${cols})`, file);
    const spp = ds.uint16('x00280002') ?? 1;
    const bitsAllocated = ds.uint16('x00280100') ?? 0;
    const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
    const highBit = ds.uint16('x00280102') ?? bitsStored - 1;
    const pixelRepresentation = (ds.uint16('x00280103') ?? 0) === 1 ? 1 : 0;
    const planar = ds.uint16('x00280006') ?? 0;
    const photometric = str(ds, 'x00280004');
    const modality = str(ds, 'x00080060');
    if (![1, 8, 16, 32].includes(bitsAllocated))
      return fail('unsupported-format', `${where}: BitsAllocated ${bitsAllocated} is not supported (1, 8, 16 or 32)`, file);
    if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated)
      return fail(
        'unreadable',
        `${where}: inconsistent BitsStored ${bitsStored} / HighBit ${highBit} for BitsAllocated ${bitsAllocated}`,
        file,
      );
    if (spp !== 1 && !(spp === 3 && bitsAllocated === 8))
      return fail('unsupported-format', `${where}: SamplesPerPixel ${spp} with BitsAllocated ${bitsAllocated} is not supported`, file);
    const framesStr = ds.intString('x00280008');
    const frames = framesStr === undefined || !Number.isFinite(framesStr) || framesStr < 1 ? 1 : Math.floor(framesStr);
    const frame = options.frame ?? 0;
    if (!Number.isInteger(frame) || frame < 0 || frame >= frames)
      return fail('bad-option', `${where}: frame ${frame} out of range (file has ${frames} frame${frames === 1 ? '' : 's'})`, file);
    const px = ds.elements['x7fe00010'];
    if (px === undefined) return fail('unreadable', `${where}: no Pixel Data element (7FE0,0010)`, file);
    if (px.encapsulatedPixelData)
      return fail('unreadable', `${where}: encapsulated pixel data in uncompressed transfer syntax ${ts}`, file);
    const arr = ds.byteArray;
    const npx = rows * cols;
    const frameBits = npx * spp * bitsAllocated;
    const bitStart = frame * frameBits;
    const needBytes = Math.ceil((bitStart + frameBits) / 8);
    const available = Math.min(px.length, arr.length - px.dataOffset);
    if (!(px.dataOffset >= 0) || available < needBytes) {
      const total = Math.ceil((frames * frameBits) / 8);
      return fail(
        px.dataOffset + px.length > arr.length || px.dataOffset > arr.length ? 'truncated' : 'size-mismatch',
        `${where}: pixel data holds ${Math.max(0, available)} bytes but ${rows}×${cols}×${frames} frame(s) at ` +
          `${bitsAllocated} bits need ${total} bytes (frame ${frame} needs bytes up to ${needBytes})`,
        file,
      );
    }
    const view = new DataView(arr.buffer, arr.byteOffset + px.dataOffset, available);
    const little = ts !== TRANSFER_SYNTAX.explicitBig;
    const out = new Float32Array(npx);
    if (bitsAllocated === 1) {
      for (let i = 0; i < npx; i++) {
        const b = bitStart + i;
        out[i] = (view.getUint8(b >> 3) >> (b & 7)) & 1;
      }
    } else if (spp === 3) {
      const base = bitStart / 8;
      for (let i = 0; i < npx; i++) {
        let r: number;
        let g: number;
        let bl: number;
        if (planar === 1) {
          r = view.getUint8(base + i);
          g = view.getUint8(base + npx + i);
          bl = view.getUint8(base + 2 * npx + i);
        } else {
          r = view.getUint8(base + 3 * i);
          g = view.getUint8(base + 3 * i + 1);
          bl = view.getUint8(base + 3 * i + 2);
        }
        out[i] = 0.299 * r + 0.587 * g + 0.114 * bl;
      }
    } else {
      const bytesPer = bitsAllocated / 8;
      const base = bitStart / 8;
      const shift = highBit + 1 - bitsStored;
      const fullWidth = bitsStored === bitsAllocated && shift === 0;
      const signBit = 2 ** (bitsStored - 1);
      const range = 2 ** bitsStored;
      for (let i = 0; i < npx; i++) {
        const o = base + i * bytesPer;
        let v: number;
        if (fullWidth) {
          if (bitsAllocated === 8) v = pixelRepresentation ? view.getInt8(o) : view.getUint8(o);
          else if (bitsAllocated === 16) v = pixelRepresentation ? view.getInt16(o, little) : view.getUint16(o, little);
          else v = pixelRepresentation ? view.getInt32(o, little) : view.getUint32(o, little);
        } else {
          const raw =
            bitsAllocated === 8 ? view.getUint8(o) : bitsAllocated === 16 ? view.getUint16(o, little) : view.getUint32(o, little);
          v = Math.floor(raw / 2 ** shift) % range;
          if (pixelRepresentation && v >= signBit) v -= range;
        }
        out[i] = v;
      }
    }
    const rescale = (options.rescale ?? true) && bitsAllocated !== 1;
    const slope = rescale ? num(ds.floatString('x00281053'), 1) : 1;
    const intercept = rescale ? num(ds.floatString('x00281052'), 0) : 0;
    if (slope !== 1 || intercept !== 0) for (let i = 0; i < npx; i++) out[i] = (out[i] as number) * slope + intercept;
    const tags = readSliceTags(ds);
    const invertedAbout = (options.invertMonochrome1 ?? true) && photometric === 'MONOCHROME1' && bitsAllocated !== 1 ? storedRangeSum(bitsStored, pixelRepresentation, slope, intercept) : undefined;
    if (invertedAbout !== undefined) for (let i = 0; i < npx; i++) out[i] = invertedAbout - (out[i] as number);
    const ps0 = ds.floatString('x00280030', 0);
    const ps1 = ds.floatString('x00280030', 1);
    const sop = sopClassUid ?? str(ds, 'x00080016');
    const image: DicomImage = {
      width: cols,
      height: rows,
      data: out,
      transferSyntax: ts,
      frames,
      frame,
      bitsAllocated,
      bitsStored,
      pixelRepresentation,
      rescaleSlope: slope,
      rescaleIntercept: intercept,
      ...(photometric !== undefined ? { photometric } : {}),
      ...(modality !== undefined ? { modality } : {}),
      ...(sop !== undefined ? { sopClassUid: sop } : {}),
      ...(ps0 !== undefined && ps1 !== undefined && Number.isFinite(ps0) && Number.isFinite(ps1)
        ? { pixelSpacing: [ps0, ps1] as const }
        : {}),
      tags,
      ...(invertedAbout !== undefined ? { invertedAbout } : {}),
    };
    return checkFinitePixels(image, frames > 1 ? `${where} (frame ${frame})` : where, file, options.nonFinite);
  } catch (e) {
    const msg = describeThrown(e);
    return fail(classify(msg), `${where}: cannot decode DICOM pixel data (${msg})`, file, e);
  }
};

/** lo + hi of the modality values the stored bits can hold: the centre MONOCHROME1 is mirrored about (doubled). */
const storedRangeSum = (bitsStored: number, pixelRepresentation: 0 | 1, slope: number, intercept: number): number => {
  const lo = pixelRepresentation ? -(2 ** (bitsStored - 1)) : 0;
  const hi = pixelRepresentation ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  return slope * (lo + hi) + 2 * intercept;
};

export interface DicomMaskOptions extends PixelOptions {
  /** Frame index (segment or slice) of a multi-frame SEG (default 0). */
  readonly frame?: number;
  /** Pixels with stored value above this are 1; without it the frame must already be binary (see mask.ts). */
  readonly threshold?: number;
}

/** Decode a mask frame (DICOM SEG 1-bit packed, a binary image, or a grey image with `threshold`), values 0/1. */
export const decodeDicomMask = (
  bytes: Uint8Array,
  options: DicomMaskOptions & { readonly file?: string } = {},
): E.Either<DataError, DicomImage> => {
  const img = decodeDicom(bytes, { ...options, rescale: false, invertMonochrome1: false });
  if (E.isLeft(img)) return img;
  return toBinaryMask(img.right, label(options.file, 'DICOM'), options.file, options.threshold !== undefined ? { maskThreshold: options.threshold } : {});
};
