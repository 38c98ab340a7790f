/**
 * The tags a CT series needs beyond the pixels (where each slice is, which series it belongs to,
 * the window and VOI LUT its maker chose), read from a dicom-parser data set. Values the file
 * does not hold are absent; values it holds malformed are absent too, and the series checks
 * (series.ts) say which slice lacks what it needs.
 */
import type dicomParser from 'dicom-parser';
import type { Vec3 } from './volume.ts';

type DataSet = dicomParser.DataSet;

/** A modality-to-display lookup table (VOI LUT Sequence, first item). */
export interface VoiLut {
  /** The stored value mapped by entry 0. */
  readonly firstMapped: number;
  /** Bits per entry (the output range is 0 … 2^bits − 1). */
  readonly bits: number;
  readonly entries: Uint16Array;
}

export interface DicomSliceTags {
  readonly sopInstanceUid?: string;
  readonly seriesInstanceUid?: string;
  readonly studyInstanceUid?: string;
  readonly frameOfReferenceUid?: string;
  readonly seriesDescription?: string;
  /** ImagePositionPatient: the centre of the first pixel (mm, LPS). */
  readonly position?: Vec3;
  /** ImageOrientationPatient: the direction of a row (along which the column index grows), then of a column. */
  readonly orientation?: readonly [Vec3, Vec3];
  readonly instanceNumber?: number;
  readonly sliceThickness?: number;
  /** GantryDetectorTilt (degrees). */
  readonly gantryTilt?: number;
  /** The first WindowCenter/WindowWidth pair, in modality units. */
  readonly window?: { readonly center: number; readonly width: number };
  /** VOILUTFunction: LINEAR (default), LINEAR_EXACT or SIGMOID. */
  readonly voiFunction?: string;
  readonly voiLut?: VoiLut;
}

export const tagString = (ds: DataSet, tag: string): string | undefined => {
  const v = ds.string(tag);
  return v === undefined ? undefined : v.replace(/\0/g, '').trim() || undefined;
};

/** A backslash-separated DS/IS value as numbers; undefined if absent, of another length, or not all finite. */
export const tagNumbers = (ds: DataSet, tag: string, count?: number): number[] | undefined => {
  const s = tagString(ds, tag);
  if (s === undefined) return undefined;
  const values = s.split('\\').map((p) => Number(p.trim()));
  if ((count !== undefined && values.length !== count) || values.some((v) => !Number.isFinite(v))) return undefined;
  return values;
};

function voiLutOf(ds: DataSet): VoiLut | undefined {
  const item = ds.elements['x00283010']?.items?.[0]?.dataSet;
  const data = item?.elements['x00283006'];
  if (!item || !data) return undefined;
  const declared = item.uint16('x00283002', 0);
  const firstMapped = item.uint16('x00283002', 1);
  const bits = item.uint16('x00283002', 2);
  if (declared === undefined || firstMapped === undefined || bits === undefined || bits < 1 || bits > 16) return undefined;
  const count = declared === 0 ? 65536 : declared;
  if (data.length < 2 * count || data.dataOffset + 2 * count > item.byteArray.length) return undefined;
  const view = new DataView(item.byteArray.buffer, item.byteArray.byteOffset + data.dataOffset, 2 * count);
  const entries = Uint16Array.from({ length: count }, (_, i) => view.getUint16(2 * i, true));
  // Descriptor's first-mapped value is signed when the pixels are (PS3.3 C.11.2.1.1); US holds it as 2's complement.
  const signed = (ds.uint16('x00280103') ?? 0) === 1 && firstMapped >= 32768 ? firstMapped - 65536 : firstMapped;
  return { firstMapped: signed, bits, entries };
}

export function readSliceTags(ds: DataSet): DicomSliceTags {
  const position = tagNumbers(ds, 'x00200032', 3);
  const orientation = tagNumbers(ds, 'x00200037', 6);
  const center = tagNumbers(ds, 'x00281050')?.[0];
  const width = tagNumbers(ds, 'x00281051')?.[0];
  const tilt = tagNumbers(ds, 'x00181120', 1)?.[0];
  const instance = tagNumbers(ds, 'x00200013', 1)?.[0];
  const voiLut = voiLutOf(ds);
  const entries: [keyof DicomSliceTags, unknown][] = [
    ['sopInstanceUid', tagString(ds, 'x00080018')],
    ['seriesInstanceUid', tagString(ds, 'x0020000e')],
    ['studyInstanceUid', tagString(ds, 'x0020000d')],
    ['frameOfReferenceUid', tagString(ds, 'x00200052')],
    ['seriesDescription', tagString(ds, 'x0008103e')],
    ['position', position as Vec3 | undefined],
    ['orientation', orientation ? ([orientation.slice(0, 3), orientation.slice(3, 6)] as unknown as readonly [Vec3, Vec3]) : undefined],
    ['instanceNumber', instance],
    ['gantryTilt', tilt],
    ['sliceThickness', tagNumbers(ds, 'x00180050', 1)?.[0]],
    ['window', center !== undefined && width !== undefined ? { center, width } : undefined],
    ['voiFunction', tagString(ds, 'x00281056')],
    ['voiLut', voiLut],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as DicomSliceTags;
}
