/**
 * DICOM RT Structure Sets: the named regions (ROIs) and their contours, read with dicom-parser.
 * dicom-parser is the DICOM parser fgflow already reads images with, is maintained by the
 * Cornerstone project, reads the nested sequences (StructureSetROISequence, ROIContourSequence,
 * ContourSequence, ContourImageSequence) in implicit and explicit VR alike, and is covered by the
 * loaders' fuzz tests; its pixel-free use here adds no dependency. (The tests write their RTSTRUCTs
 * with dcmjs, a separate writer, so a misreading is not mirrored by the files it reads.)
 */
import * as E from 'fp-ts/lib/Either.js';
import type dicomParser from 'dicom-parser';
import { parseDicom } from './dicom.ts';
import { tagString } from './dicom-tags.ts';
import { DataError, fail, guard, orThrow } from './errors.ts';
import { label } from './io.ts';

type DataSet = dicomParser.DataSet;

export const RTSTRUCT_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.481.3';

export interface Contour {
  /** ContourGeometricType: CLOSED_PLANAR, OPEN_PLANAR, OPEN_NONPLANAR or POINT. */
  readonly type: string;
  /** x, y, z triples in the patient frame (mm). */
  readonly points: Float64Array;
  /** The CT slices the contour was drawn on (ContourImageSequence), when given. */
  readonly referencedSops: readonly string[];
}

export interface Roi {
  readonly number: number;
  readonly name: string;
  readonly contours: readonly Contour[];
}

export interface RtStruct {
  readonly file?: string;
  readonly rois: readonly Roi[];
  /** The CT series the structure set was drawn on (RTReferencedSeriesSequence), when given. */
  readonly referencedSeries: readonly string[];
  readonly frameOfReferenceUid?: string;
}

const items = (ds: DataSet, tag: string): DataSet[] => (ds.elements[tag]?.items ?? []).flatMap((i) => (i.dataSet ? [i.dataSet] : []));

function contourOf(ds: DataSet, where: string): Contour | string {
  const type = tagString(ds, 'x30060042') ?? 'CLOSED_PLANAR';
  const text = tagString(ds, 'x30060050');
  if (text === undefined) return `${where} has no ContourData`;
  const values = text.split('\\').map((v) => Number(v.trim()));
  if (values.length % 3 !== 0 || values.some((v) => !Number.isFinite(v))) return `${where} has ContourData of ${values.length} values, not finite x\\y\\z triples`;
  const declared = tagString(ds, 'x30060046');
  if (declared !== undefined && Number(declared) !== values.length / 3) return `${where} declares ${declared} points (NumberOfContourPoints) but holds ${values.length / 3}`;
  const referencedSops = items(ds, 'x30060016').flatMap((i) => tagString(i, 'x00081155') ?? []);
  return { type, points: Float64Array.from(values), referencedSops };
}

function referencedSeriesOf(ds: DataSet): string[] {
  return items(ds, 'x30060010').flatMap((f) => items(f, 'x30060012').flatMap((st) => items(st, 'x30060014').flatMap((se) => tagString(se, 'x0020000e') ?? [])));
}

const decodeRtStructUnguarded = (bytes: Uint8Array, file: string | undefined): E.Either<DataError, RtStruct> => {
  const where = label(file, 'RTSTRUCT');
  const parsed = parseDicom(bytes, file);
  if (E.isLeft(parsed)) return parsed;
  const { ds } = parsed.right;
  const sop = parsed.right.sopClassUid ?? tagString(ds, 'x00080016');
  const modality = tagString(ds, 'x00080060');
  if (sop !== RTSTRUCT_SOP_CLASS && modality !== 'RTSTRUCT') return fail('unsupported-format', `${where}: not an RT Structure Set (SOP class ${sop ?? 'none'}, modality ${modality ?? 'none'})`, file);
  const names = new Map(items(ds, 'x30060020').map((r) => [Number(tagString(r, 'x30060022')), tagString(r, 'x30060026') ?? ''] as const));
  const rois: Roi[] = [];
  for (const [k, rc] of items(ds, 'x30060039').entries()) {
    const number = Number(tagString(rc, 'x30060084'));
    const name = names.get(number) ?? `ROI ${number}`;
    const contours: Contour[] = [];
    for (const [c, item] of items(rc, 'x30060040').entries()) {
      const contour = contourOf(item, `ROI '${name}' contour ${c}`);
      if (typeof contour === 'string') return fail('bad-contour', `${where}: ${contour} (ROIContourSequence item ${k})`, file);
      contours.push(contour);
    }
    rois.push({ number, name, contours });
  }
  // An ROI named in the set but without contours still exists: a selection naming it finds it empty.
  for (const [number, name] of names) if (!rois.some((r) => r.number === number)) rois.push({ number, name, contours: [] });
  const frameOfReferenceUid = tagString(items(ds, 'x30060010')[0] ?? ds, 'x00200052');
  return E.right({ ...(file !== undefined ? { file } : {}), rois, referencedSeries: referencedSeriesOf(ds), ...(frameOfReferenceUid !== undefined ? { frameOfReferenceUid } : {}) });
};

export const decodeRtStruct = (bytes: Uint8Array, options: { readonly file?: string } = {}): E.Either<DataError, RtStruct> =>
  guard(label(options.file, 'RTSTRUCT'), options.file, () => decodeRtStructUnguarded(bytes, options.file));


/** A ROI selector: an exact name, or a regular expression matched against the whole name, case-insensitively. */
export type RoiSelector = string | RegExp;

export function roiMatcher(selector: RoiSelector): (name: string) => boolean {
  if (selector instanceof RegExp) return (name) => new RegExp(`^(?:${selector.source})$`, selector.flags.includes('i') ? selector.flags : selector.flags + 'i').test(name);
  return (name) => name.toLowerCase() === selector.toLowerCase();
}

/** The ROIs the selector picks; none is a 'missing-roi' DataError listing the names the file has. */
export function selectRois(rt: RtStruct, selector: RoiSelector): E.Either<DataError, Roi[]> {
  const match = roiMatcher(selector);
  const picked = rt.rois.filter((r) => match(r.name));
  if (picked.length === 0)
    return fail('missing-roi', `${label(rt.file, 'RTSTRUCT')}: no ROI matches ${selector instanceof RegExp ? `/${selector.source}/` : `'${selector}'`}; it has ${rt.rois.map((r) => `'${r.name}'`).join(', ') || 'no ROIs'}`, rt.file);
  return E.right(picked);
}
