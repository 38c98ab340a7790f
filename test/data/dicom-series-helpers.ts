/**
 * CT series and RT Structure Sets written with dcmjs (a DICOM writer independent of the parser
 * fgflow reads them with), from synthetic geometry: no patient data. Ellipses come with their
 * analytic area and centroid.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import dcmjs from 'dcmjs';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;
export const CT_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const RTSTRUCT_STORAGE = '1.2.840.10008.5.1.4.1.1.481.3';
type Vec3 = [number, number, number];

function part10(dataset: Record<string, unknown>): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '1.2.826.0.1.3680043.9.7433.1',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}

export interface SliceSpec {
  readonly rows: number;
  readonly columns: number;
  /** [row spacing, column spacing] (PixelSpacing). */
  readonly pixelSpacing: readonly [number, number];
  readonly position: Vec3;
  readonly orientation?: readonly number[];
  readonly series?: string;
  readonly sop: string;
  /** Stored values, row-major. */
  readonly stored: Int16Array;
  readonly slope?: number;
  readonly intercept?: number;
  readonly photometric?: string;
  readonly window?: { center: number; width: number; fn?: string };
  readonly voiLut?: { firstMapped: number; bits: number; entries: readonly number[] };
  readonly gantryTilt?: number;
}

export function ctSliceBytes(s: SliceSpec): Uint8Array {
  return part10({
    SOPClassUID: CT_STORAGE,
    SOPInstanceUID: s.sop,
    Modality: 'CT',
    StudyInstanceUID: '1.2.826.0.1.3680043.9.7433.2',
    SeriesInstanceUID: s.series ?? '1.2.826.0.1.3680043.9.7433.3',
    FrameOfReferenceUID: '1.2.826.0.1.3680043.9.7433.4',
    Rows: s.rows,
    Columns: s.columns,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    SamplesPerPixel: 1,
    PhotometricInterpretation: s.photometric ?? 'MONOCHROME2',
    PixelSpacing: [...s.pixelSpacing],
    ImagePositionPatient: [...s.position],
    ImageOrientationPatient: [...(s.orientation ?? [1, 0, 0, 0, 1, 0])],
    RescaleSlope: s.slope ?? 1,
    RescaleIntercept: s.intercept ?? -1024,
    ...(s.window ? { WindowCenter: s.window.center, WindowWidth: s.window.width, ...(s.window.fn ? { VOILUTFunction: s.window.fn } : {}) } : {}),
    ...(s.voiLut ? { VOILUTSequence: [{ LUTDescriptor: [s.voiLut.entries.length, s.voiLut.firstMapped, s.voiLut.bits], LUTData: Uint16Array.from(s.voiLut.entries).buffer, _vrMap: { LUTData: 'OW' } }] } : {}),
    ...(s.gantryTilt !== undefined ? { GantryDetectorTilt: s.gantryTilt } : {}),
    PixelData: s.stored.buffer,
    _vrMap: { PixelData: 'OW' },
  });
}

export interface ContourSpec {
  readonly points: readonly Vec3[];
  readonly type?: string;
  /** SOP instances named in ContourImageSequence (none: matched by position). */
  readonly sops?: readonly string[];
}

export interface RoiSpec {
  readonly name: string;
  readonly contours: readonly ContourSpec[];
}

export function rtstructBytes(rois: readonly RoiSpec[], series = '1.2.826.0.1.3680043.9.7433.3'): Uint8Array {
  const frame = '1.2.826.0.1.3680043.9.7433.4';
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  return part10({
    SOPClassUID: RTSTRUCT_STORAGE,
    SOPInstanceUID: '1.2.826.0.1.3680043.9.7433.5',
    Modality: 'RTSTRUCT',
    StudyInstanceUID: '1.2.826.0.1.3680043.9.7433.2',
    SeriesInstanceUID: '1.2.826.0.1.3680043.9.7433.6',
    ReferencedFrameOfReferenceSequence: [
      { FrameOfReferenceUID: frame, RTReferencedStudySequence: [{ ReferencedSOPClassUID: '1.2.840.10008.3.1.2.3.1', ReferencedSOPInstanceUID: '1.2.826.0.1.3680043.9.7433.2', RTReferencedSeriesSequence: [{ SeriesInstanceUID: series }] }] },
    ],
    StructureSetROISequence: rois.map((r, i) => ({ ROINumber: i + 1, ROIName: r.name, ReferencedFrameOfReferenceUID: frame })),
    ROIContourSequence: rois.map((r, i) => ({
      ReferencedROINumber: i + 1,
      ContourSequence: r.contours.map((c) => ({
        ContourGeometricType: c.type ?? 'CLOSED_PLANAR',
        NumberOfContourPoints: c.points.length,
        ContourData: c.points.flatMap((p) => p.map(round)),
        ...(c.sops ? { ContourImageSequence: c.sops.map((uid) => ({ ReferencedSOPClassUID: CT_STORAGE, ReferencedSOPInstanceUID: uid })) } : {}),
      })),
    })),
  });
}

export interface EllipseSlice {
  /** Centre (mm, in the patient frame), semi-axes (mm) and rotation of the ellipse on this slice. */
  readonly centre: Vec3;
  readonly a: number;
  readonly b: number;
  readonly angle: number;
}

/** A polygon of `n` points on the ellipse, in the slice plane of an axial series (z = centre z). */
export function ellipsePoints(e: EllipseSlice, n = 180): Vec3[] {
  return Array.from({ length: n }, (_, t) => {
    const th = (2 * Math.PI * t) / n;
    const [u, v] = [e.a * Math.cos(th), e.b * Math.sin(th)];
    return [e.centre[0] + u * Math.cos(e.angle) - v * Math.sin(e.angle), e.centre[1] + u * Math.sin(e.angle) + v * Math.cos(e.angle), e.centre[2]];
  });
}

export interface SeriesLayout {
  readonly rows: number;
  readonly columns: number;
  readonly pixelSpacing: readonly [number, number];
  readonly origin: Vec3;
  readonly step: number;
  readonly slices: number;
}

export const sopOf = (k: number): string => `1.2.826.0.1.3680043.9.7433.10.${k + 1}`;

/** The stored values of slice k: a smooth ramp, so every slice and pixel differs. */
export function rampSlice(l: SeriesLayout, k: number): Int16Array {
  return Int16Array.from({ length: l.rows * l.columns }, (_, i) => 900 + ((i * 7 + k * 131) % 400));
}

/** Writes an axial series (one file per slice, named by `name(k)`) into `dir`, returning the files. */
export function writeSeries(dir: string, l: SeriesLayout, name: (k: number) => string = (k) => `ct-${k}.dcm`, override: (k: number) => Partial<SliceSpec> = () => ({})): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return Array.from({ length: l.slices }, (_, k) => {
    const file = path.join(dir, name(k));
    fs.writeFileSync(file, ctSliceBytes({ rows: l.rows, columns: l.columns, pixelSpacing: l.pixelSpacing, position: [l.origin[0], l.origin[1], l.origin[2] + k * l.step], sop: sopOf(k), stored: rampSlice(l, k), ...override(k) }));
    return file;
  });
}
