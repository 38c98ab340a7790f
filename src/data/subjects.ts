/**
 * A subject's image and tumour mask as volumes in the canonical orientation (volume.ts), from a
 * folder of DICOM files (a CT series and an RTSTRUCT, anywhere below it) or from a NIfTI image
 * and mask, and the 2-D samples chosen from them (slice-choice.ts), each with its pixel spacing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { decodeDicom, parseDicom, type DicomImage } from './dicom.ts';
import { tagString } from './dicom-tags.ts';
import { applyFileWindow } from './dicom-voi.ts';
import { DataError, describeThrown, fail } from './errors.ts';
import type { PixelOptions } from './finite.ts';
import { readBytes, readNiftiVolume } from './files.ts';
import { toBinaryMask, type MaskOptions } from './mask.ts';

import { rasterizeRois } from './rasterize.ts';
import { decodeRtStruct, RTSTRUCT_SOP_CLASS, selectRois, type Roi, type RoiSelector, type RtStruct } from './rtstruct.ts';
import { assembleSeries, type SeriesSlice } from './series.ts';
import { chooseSlices, sliceAreas, type SliceChoice } from './slice-choice.ts';
import type { Image2D } from './types.ts';
import { resizeBilinear, resizeMask } from './window.ts';
import { canonicalOrientation, reorient, volumeSlice, type Volume, type VolumeGeometry } from './volume.ts';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

export interface SubjectVolume {
  readonly id: string;
  /** The image in modality units (HU for CT), or display brightness in [0, 1] with `window: 'file'`. */
  readonly image: Volume;
  /** 0/1 on the image's grid. */
  readonly mask: Float32Array;
  /** What was read, for the account `prepare` gives (ROIs used, files skipped, copies dropped). */
  readonly notes: readonly string[];
}

export interface DicomSubjectOptions extends PixelOptions {
  readonly roi: RoiSelector;
  /** 'file': the window (VOI LUT or WindowCenter/Width) of each slice's own file; default: none (HU). */
  readonly window?: 'file';
}

function listFiles(dir: string): E.Either<DataError, string[]> {
  try {
    return E.right((fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name)).sort());
  } catch (e) {
    return fail('unreadable', `cannot list ${dir}: ${describeThrown(e)}`, dir, e);
  }
}

interface Scanned {
  readonly ct: SeriesSlice[];
  readonly rtstructs: RtStruct[];
  readonly skipped: string[];
}

/** Every DICOM file below `dir`, sorted into CT slices and structure sets; anything else is skipped. */
function scanDicomFolder(dir: string, options: DicomSubjectOptions): E.Either<DataError, Scanned> {
  const files = listFiles(dir);
  if (E.isLeft(files)) return files;
  const scanned: Scanned = { ct: [], rtstructs: [], skipped: [] };
  for (const file of files.right) {
    const bytes = readBytes(file);
    if (E.isLeft(bytes)) return bytes;
    const b = bytes.right;
    if (b.length < 132 || b[128] !== 0x44 || b[129] !== 0x49 || b[130] !== 0x43 || b[131] !== 0x4d) {
      scanned.skipped.push(file);
      continue;
    }
    const parsed = parseDicom(b, file);
    if (E.isLeft(parsed)) return parsed;
    const sop = parsed.right.sopClassUid ?? tagString(parsed.right.ds, 'x00080016');
    const modality = tagString(parsed.right.ds, 'x00080060');
    if (sop === RTSTRUCT_SOP_CLASS || modality === 'RTSTRUCT') {
      const rt = decodeRtStruct(b, { file });
      if (E.isLeft(rt)) return rt;
      scanned.rtstructs.push(rt.right);
    } else if (sop === CT_IMAGE_STORAGE || modality === 'CT') {
      const image = decodeDicom(b, { file, ...(options.nonFinite ? { nonFinite: options.nonFinite } : {}) });
      if (E.isLeft(image)) return image;
      scanned.ct.push({ file, image: image.right });
    } else scanned.skipped.push(file);
  }
  return E.right(scanned);
}

/** The CT series a structure set was drawn on: the one it references, else the one its contours' slices belong to, else the only one. */
function seriesFor(rt: RtStruct, ct: readonly SeriesSlice[], dir: string): E.Either<DataError, SeriesSlice[]> {
  const bySeries = new Map<string, SeriesSlice[]>();
  for (const s of ct) {
    const uid = s.image.tags.seriesInstanceUid ?? '(none)';
    bySeries.set(uid, [...(bySeries.get(uid) ?? []), s]);
  }
  const referenced = rt.referencedSeries.find((uid) => bySeries.has(uid));
  if (referenced) return E.right(bySeries.get(referenced)!);
  const sops = new Set(rt.rois.flatMap((r) => r.contours.flatMap((c) => c.referencedSops)));
  const bySop = [...bySeries.values()].find((slices) => slices.some((s) => s.image.tags.sopInstanceUid !== undefined && sops.has(s.image.tags.sopInstanceUid)));
  if (bySop) return E.right(bySop);
  if (bySeries.size === 1) return E.right([...bySeries.values()][0]!);
  if (bySeries.size === 0) return fail('missing-file', `${dir}: no CT slices below this folder`, dir);
  return fail('bad-series', `${dir}: ${bySeries.size} CT series and the structure set ${rt.file ?? ''} references none of them; keep only the planning CT in the folder`, dir);
}

/** `image` and `mask` (stored order, geometry `g`) in the canonical orientation. */
function canonical(g: VolumeGeometry, image: Float32Array, mask: Float32Array, where: string): E.Either<DataError, { image: Volume; mask: Float32Array }> {
  const r = canonicalOrientation(g, where);
  if (E.isLeft(r)) return r;
  return E.right({ image: { ...r.right.geometry, data: reorient(image, g, r.right) }, mask: reorient(mask, g, r.right) });
}

/** A DICOM subject: the CT series the selected ROI was drawn on, and the ROI rasterised onto it. */
export function loadDicomSubject(dir: string, options: DicomSubjectOptions): E.Either<DataError, SubjectVolume> {
  const scanned = scanDicomFolder(dir, options);
  if (E.isLeft(scanned)) return scanned;
  const { ct, rtstructs, skipped } = scanned.right;
  if (rtstructs.length === 0) return fail('missing-file', `${dir}: no RTSTRUCT below this folder`, dir);
  let chosen: { rt: RtStruct; rois: Roi[] } | undefined;
  const misses: DataError[] = [];
  for (const rt of rtstructs) {
    const picked = selectRois(rt, options.roi);
    if (E.isRight(picked)) {
      chosen = { rt, rois: picked.right };
      break;
    }
    misses.push(picked.left);
  }
  if (!chosen) return E.left(misses.length === 1 ? misses[0]! : new DataError('missing-roi', `${dir}: none of its ${misses.length} structure sets has an ROI the selection matches (${misses.map((m) => m.message).join('; ')})`, { file: dir }));
  const slices = seriesFor(chosen.rt, ct, dir);
  if (E.isLeft(slices)) return slices;
  const series = assembleSeries(slices.right, dir);
  if (E.isLeft(series)) return series;
  const mask = rasterizeRois(series.right, chosen.rt, chosen.rois);
  if (E.isLeft(mask)) return mask;
  let values = series.right.data;
  if (options.window === 'file') {
    const plane = series.right.size[0] * series.right.size[1];
    values = new Float32Array(values.length);
    for (const [k, s] of series.right.slices.entries()) {
      const shown = applyFileWindow(s.image as DicomImage, s.file, s.file);
      if (E.isLeft(shown)) return shown;
      values.set(shown.right.data, k * plane);
    }
  }
  const oriented = canonical(series.right, values, mask.right.data, dir);
  if (E.isLeft(oriented)) return oriented;
  const notes = [
    `ROI ${mask.right.rois.map((n) => `'${n}'`).join(' + ')} from ${chosen.rt.file}`,
    `CT series ${series.right.seriesInstanceUid} (${series.right.size[2]} slices)`,
    ...(series.right.droppedCopies.length ? [`dropped ${series.right.droppedCopies.length} exact copies of slices`] : []),
    ...(skipped.length ? [`skipped ${skipped.length} other file${skipped.length === 1 ? '' : 's'}`] : []),
  ];
  return E.right({ id: path.basename(dir), ...oriented.right, notes });
}

export interface NiftiSubjectOptions extends PixelOptions, MaskOptions {}

/** A NIfTI subject: image and mask volumes, which must share one grid. */
export function loadNiftiSubject(id: string, imageFile: string, maskFile: string, options: NiftiSubjectOptions = {}): E.Either<DataError, SubjectVolume> {
  const pixels = options.nonFinite ? { nonFinite: options.nonFinite } : {};
  const image = readNiftiVolume(imageFile, pixels);
  if (E.isLeft(image)) return image;
  const mask = readNiftiVolume(maskFile, { rescale: false });
  if (E.isLeft(mask)) return mask;
  const [a, b] = [image.right, mask.right];
  const far = (u: readonly number[], v: readonly number[], tol: number) => u.some((x, i) => Math.abs(x - v[i]!) > tol);
  if (far(a.size, b.size, 0) || far(a.spacing, b.spacing, 1e-3) || far(a.origin, b.origin, 0.01 + 0.01 * Math.max(...a.spacing)))
    return fail('size-mismatch', `${maskFile}: the mask's grid (${b.size.join('×')} voxels of ${b.spacing.map((s) => s.toFixed(3)).join('×')} mm at ${b.origin.map((o) => o.toFixed(1)).join(', ')}) is not the image's (${a.size.join('×')} of ${a.spacing.map((s) => s.toFixed(3)).join('×')} mm at ${a.origin.map((o) => o.toFixed(1)).join(', ')}, ${imageFile})`, maskFile);
  const binary = toBinaryMask({ width: b.size[0], height: b.size[1] * b.size[2], data: b.data }, maskFile, maskFile, options);
  if (E.isLeft(binary)) return binary;
  return E.right({ id, image: a, mask: binary.right.data, notes: [`${a.placement} orientation${a.obliquity > 1 ? `, ${a.obliquity.toFixed(1)}° oblique (read in the nearest axis-aligned orientation)` : ''}`] });
}

export interface SubjectSlice {
  readonly id: string;
  /** The slice index in the canonical volume. */
  readonly slice: number;
  readonly image: Image2D;
  readonly mask: Image2D;
  /** [row, column] pixel size in mm. */
  readonly spacing: readonly [number, number];
}

/** The 2-D samples of a subject: one per chosen slice (named `id` for one slice, `id@k` for several). */
export function subjectSlices(subject: SubjectVolume, choice: SliceChoice): SubjectSlice[] {
  const [w, h] = subject.image.size;
  const picked = chooseSlices(sliceAreas(subject.mask, w * h), choice);
  return picked.map((k) => ({
    id: choice === 'all' ? `${subject.id}@${k}` : subject.id,
    slice: k,
    image: { width: w, height: h, data: volumeSlice(subject.image, k) },
    mask: { width: w, height: h, data: volumeSlice({ size: subject.image.size, data: subject.mask }, k) },
    spacing: [subject.image.spacing[1], subject.image.spacing[0]],
  }));
}

/** The subject folders of a DICOM root (its immediate subfolders, as TCIA lays out patients), sorted. */
export function listDicomSubjects(root: string): E.Either<DataError, { id: string; dir: string }[]> {
  try {
    const dirs = fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    if (dirs.length === 0) return fail('empty-dataset', `${root}: no subject folders (one folder per patient)`, root);
    return E.right(dirs.map((id) => ({ id, dir: path.join(root, id) })));
  } catch (e) {
    return fail('missing-file', `cannot list ${root}: ${describeThrown(e)}`, root, e);
  }
}

/** A NIfTI file's subject id: its name without .nii/.nii.gz and without nnU-Net's channel suffix (_0000). */
export const niftiSubjectId = (file: string): string => path.basename(file).replace(/\.nii(\.gz)?$/i, '').replace(/_\d{4}$/, '');

/** Images and masks paired by subject id (niftiSubjectId); an image without a mask is listed with `mask` undefined. */
export function pairNiftiSubjects(imagesDir: string, masksDir: string): E.Either<DataError, { id: string; image: string; mask?: string }[]> {
  const list = (dir: string): E.Either<DataError, string[]> => {
    try {
      return E.right(fs.readdirSync(dir).filter((f) => /\.nii(\.gz)?$/i.test(f)).sort().map((f) => path.join(dir, f)));
    } catch (e) {
      return fail('missing-file', `cannot list ${dir}: ${describeThrown(e)}`, dir, e);
    }
  };
  const images = list(imagesDir);
  if (E.isLeft(images)) return images;
  const masks = list(masksDir);
  if (E.isLeft(masks)) return masks;
  if (images.right.length === 0) return fail('empty-dataset', `${imagesDir}: no .nii or .nii.gz files`, imagesDir);
  const maskOf = new Map(masks.right.map((m) => [niftiSubjectId(m), m]));
  return E.right(images.right.map((image) => {
    const id = niftiSubjectId(image);
    const mask = maskOf.get(id);
    return { id, image, ...(mask ? { mask } : {}) };
  }));
}

/** A slice resampled to square pixels of `mm` (bilinear for the image, the mask kept binary), its spacing updated. */
export function resampleSlice(s: SubjectSlice, mm: number): SubjectSlice {
  const width = Math.max(1, Math.round((s.image.width * s.spacing[1]) / mm));
  const height = Math.max(1, Math.round((s.image.height * s.spacing[0]) / mm));
  if (width === s.image.width && height === s.image.height) return s;
  return {
    ...s,
    image: resizeBilinear(s.image, width, height),
    mask: resizeMask(s.mask, width, height),
    spacing: [(s.image.height * s.spacing[0]) / height, (s.image.width * s.spacing[1]) / width],
  };
}
