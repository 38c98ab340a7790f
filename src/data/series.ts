/**
 * A folder's CT slices as one volume. Slices are ordered by ImagePositionPatient along the slice
 * normal (the cross product of ImageOrientationPatient's row and column directions), never by
 * file name or InstanceNumber, so files in any order give the same volume. The series must be one
 * series in one orientation with one pixel grid, and its slices evenly spaced along the normal
 * with no in-plane shift: a mixed series, a gap, two different slices at one position, or a
 * tilted gantry is a DataError naming the files. An exact copy of a slice (the same SOP instance
 * with the same pixels) is dropped.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { DicomImage } from './dicom.ts';
import { DataError, fail } from './errors.ts';
import { cross3, dot3, norm3, scale3, sub3, type Vec3, type Volume } from './volume.ts';

export interface SeriesSlice {
  readonly file: string;
  readonly image: DicomImage;
}

export interface CtSeries extends Volume {
  readonly seriesInstanceUid: string;
  /** The slices in volume order (k), with their distance along the normal (mm). */
  readonly slices: readonly (SeriesSlice & { readonly depth: number })[];
  /** Exact copies that were dropped. */
  readonly droppedCopies: readonly string[];
}

/** Positions agree within this (mm), and spacings within this fraction of the step. */
const POSITION_TOLERANCE = 0.01;
const SPACING_TOLERANCE = 0.01;

interface Placed extends SeriesSlice {
  readonly position: Vec3;
  readonly depth: number;
}

function commonGrid(slices: readonly SeriesSlice[], where: string): E.Either<DataError, { rowDir: Vec3; colDir: Vec3; normal: Vec3; pixel: readonly [number, number] }> {
  const first = slices[0]!;
  const lacking = slices.find((s) => !s.image.tags.position || !s.image.tags.orientation || !s.image.pixelSpacing);
  if (lacking) return fail('bad-series', `${where}: ${lacking.file} lacks ImagePositionPatient, ImageOrientationPatient or PixelSpacing, so its place in the volume is unknown`, lacking.file);
  const [rowDir, colDir] = first.image.tags.orientation!;
  const normal = cross3(rowDir, colDir);
  if (Math.abs(norm3(rowDir) - 1) > 1e-3 || Math.abs(norm3(colDir) - 1) > 1e-3 || Math.abs(dot3(rowDir, colDir)) > 1e-3)
    return fail('bad-series', `${where}: ${first.file} has ImageOrientationPatient ${[...rowDir, ...colDir].join('\\')}, not two perpendicular unit vectors`, first.file);
  for (const s of slices) {
    const [r, c] = s.image.tags.orientation!;
    if (norm3(sub3(r, rowDir)) > 1e-4 || norm3(sub3(c, colDir)) > 1e-4)
      return fail('bad-series', `${where}: ${s.file} is oriented ${[...r, ...c].join('\\')} but ${first.file} ${[...rowDir, ...colDir].join('\\')}; a volume has one orientation`, s.file);
    if (s.image.width !== first.image.width || s.image.height !== first.image.height)
      return fail('bad-series', `${where}: ${s.file} is ${s.image.width}×${s.image.height} but ${first.file} is ${first.image.width}×${first.image.height}`, s.file);
    const [a, b] = s.image.pixelSpacing!;
    if (Math.abs(a - first.image.pixelSpacing![0]) > 1e-4 || Math.abs(b - first.image.pixelSpacing![1]) > 1e-4)
      return fail('bad-series', `${where}: ${s.file} has PixelSpacing ${a}\\${b} but ${first.file} ${first.image.pixelSpacing!.join('\\')}`, s.file);
    if (s.image.tags.gantryTilt !== undefined && Math.abs(s.image.tags.gantryTilt) > 1e-3)
      return fail('bad-series', `${where}: ${s.file} was acquired with a tilted gantry (GantryDetectorTilt ${s.image.tags.gantryTilt}°); its slices are sheared and would need resampling, which fgflow does not do`, s.file);
  }
  return E.right({ rowDir, colDir, normal: scale3(normal, 1 / norm3(normal)), pixel: first.image.pixelSpacing! });
}

const samePixels = (a: DicomImage, b: DicomImage): boolean => a.data.length === b.data.length && a.data.every((v, i) => v === b.data[i]);

/** Sorted by depth, exact copies dropped; two different slices at one depth are an error. */
function ordered(placed: readonly Placed[], where: string): E.Either<DataError, { slices: Placed[]; dropped: string[] }> {
  const sorted = [...placed].sort((a, b) => a.depth - b.depth || a.file.localeCompare(b.file));
  const slices: Placed[] = [];
  const dropped: string[] = [];
  for (const s of sorted) {
    const prev = slices[slices.length - 1];
    if (prev && Math.abs(s.depth - prev.depth) <= POSITION_TOLERANCE) {
      const copy = s.image.tags.sopInstanceUid !== undefined && s.image.tags.sopInstanceUid === prev.image.tags.sopInstanceUid && samePixels(s.image, prev.image);
      if (!copy) return fail('duplicate', `${where}: ${prev.file} and ${s.file} are two different slices at the same position (${s.depth.toFixed(2)} mm along the normal); remove one`, s.file);
      dropped.push(s.file);
      continue;
    }
    slices.push(s);
  }
  return E.right({ slices, dropped });
}

/** The one step between neighbours; a gap, an uneven step or an in-plane shift (tilt) is an error. */
function uniformStep(slices: readonly Placed[], normal: Vec3, where: string): E.Either<DataError, number> {
  // One slice has no neighbour to measure a step to: its thickness stands in for it.
  if (slices.length < 2) return E.right(slices[0]?.image.tags.sliceThickness ?? 1);
  const steps = slices.slice(1).map((s, k) => s.depth - slices[k]!.depth);
  const step = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)]!;
  for (let k = 0; k < steps.length; k++) {
    const [a, b] = [slices[k]!, slices[k + 1]!];
    const shift = norm3(sub3(sub3(b.position, a.position), scale3(normal, steps[k]!)));
    if (shift > POSITION_TOLERANCE + 1e-3 * steps[k]!)
      return fail('bad-series', `${where}: ${b.file} is shifted ${shift.toFixed(2)} mm in-plane from ${a.file} (a tilted gantry or a sheared series); fgflow does not resample`, b.file);
    if (Math.abs(steps[k]! - step) > Math.max(POSITION_TOLERANCE, SPACING_TOLERANCE * step))
      return fail('bad-series', `${where}: ${a.file} and ${b.file} are ${steps[k]!.toFixed(3)} mm apart where the series steps ${step.toFixed(3)} mm (${steps[k]! > step ? 'a gap: missing slices?' : 'uneven spacing'})`, b.file);
  }
  return E.right(step);
}

/** The slices of one CT series as a volume in stored order (i along rows, j along columns, k along the normal). */
export function assembleSeries(input: readonly SeriesSlice[], where: string): E.Either<DataError, CtSeries> {
  if (input.length === 0) return fail('empty-dataset', `${where}: no CT slices`);
  const uids = [...new Set(input.map((s) => s.image.tags.seriesInstanceUid ?? '(none)'))];
  if (uids.length > 1) {
    const example = (u: string) => input.find((s) => (s.image.tags.seriesInstanceUid ?? '(none)') === u)!.file;
    return fail('bad-series', `${where}: slices of ${uids.length} series are mixed (${uids.slice(0, 3).map((u) => `${u} in ${example(u)}`).join('; ')}); give one series per subject`, example(uids[1]!));
  }
  const grid = commonGrid(input, where);
  if (E.isLeft(grid)) return grid;
  const { rowDir, colDir, normal, pixel } = grid.right;
  const placed = input.map((s): Placed => ({ ...s, position: s.image.tags.position!, depth: dot3(s.image.tags.position!, normal) }));
  const order = ordered(placed, where);
  if (E.isLeft(order)) return order;
  const { slices, dropped } = order.right;
  const step = uniformStep(slices, normal, where);
  if (E.isLeft(step)) return step;
  const { width, height } = slices[0]!.image;
  const data = new Float32Array(width * height * slices.length);
  slices.forEach((s, k) => data.set(s.image.data, k * width * height));
  return E.right({
    size: [width, height, slices.length],
    spacing: [pixel[1], pixel[0], step.right],
    axes: [rowDir, colDir, normal],
    origin: slices[0]!.position,
    data,
    seriesInstanceUid: uids[0]!,
    slices: slices.map(({ file, image, depth }) => ({ file, image, depth })),
    droppedCopies: dropped,
  });
}
