/**
 * RTSTRUCT contours onto a CT series' pixel grid.
 *
 * Each contour goes to the slice it names in its ContourImageSequence, or else to the slice whose
 * position along the normal is within half a slice of the contour's plane. On that slice a pixel
 * belongs to the ROI when its centre lies inside the contour by the even-odd rule, counted over
 * all of the ROI's contours on the slice, so a contour inside another is a hole. Edges are
 * half-open (a centre exactly on a left or top edge is inside, on a right or bottom edge outside),
 * so two contours that share an edge cover each pixel once. Several ROIs are united.
 *
 * An open contour (OPEN_PLANAR, OPEN_NONPLANAR, POINT), a non-planar one, one that matches no
 * slice, and one with a point off the pixel grid are each a 'bad-contour' DataError naming the
 * file and the ROI.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DataError, fail } from './errors.ts';
import type { Contour, Roi, RtStruct } from './rtstruct.ts';
import type { CtSeries } from './series.ts';
import { dot3, sub3, type Vec3 } from './volume.ts';

/** Pixel coordinates of a contour on its slice: x (column) and y (row) per point. */
interface PlacedContour {
  readonly slice: number;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
}

/** Points may sit up to this far (pixels) outside the outermost pixel centres before they are off the grid. */
const GRID_MARGIN = 0.5 + 1e-6;

function place(series: CtSeries, contour: Contour, where: string): PlacedContour | string {
  if (contour.type !== 'CLOSED_PLANAR') return `${where} is ${contour.type}, not a closed planar contour; only closed contours enclose a region`;
  const n = contour.points.length / 3;
  if (n < 3) return `${where} has ${n} point${n === 1 ? '' : 's'}; a closed contour needs at least 3`;
  const [rowDir, colDir, normal] = series.axes;
  const [colSpacing, rowSpacing, step] = series.spacing;
  const xs = new Float64Array(n), ys = new Float64Array(n);
  let depthMin = Infinity, depthMax = -Infinity;
  for (let p = 0; p < n; p++) {
    const P: Vec3 = [contour.points[3 * p]!, contour.points[3 * p + 1]!, contour.points[3 * p + 2]!];
    const d = sub3(P, series.origin);
    xs[p] = dot3(d, rowDir) / colSpacing;
    ys[p] = dot3(d, colDir) / rowSpacing;
    const depth = dot3(P, normal);
    depthMin = Math.min(depthMin, depth);
    depthMax = Math.max(depthMax, depth);
  }
  if (depthMax - depthMin > 0.5 * step) return `${where} is not planar: its points span ${(depthMax - depthMin).toFixed(2)} mm along the slice normal`;
  const [w, h] = series.size;
  const off = Array.from(xs).findIndex((x, p) => x < -GRID_MARGIN || x > w - 1 + GRID_MARGIN || ys[p]! < -GRID_MARGIN || ys[p]! > h - 1 + GRID_MARGIN);
  if (off >= 0) return `${where} is off the pixel grid: point ${off} falls at column ${xs[off]!.toFixed(1)}, row ${ys[off]!.toFixed(1)} of a ${w}×${h} image`;
  const bySop = contour.referencedSops.map((uid) => series.slices.findIndex((s) => s.image.tags.sopInstanceUid === uid)).find((k) => k >= 0);
  if (bySop !== undefined) return { slice: bySop, xs, ys };
  const depth = (depthMin + depthMax) / 2;
  let nearest = 0;
  series.slices.forEach((s, k) => {
    if (Math.abs(s.depth - depth) < Math.abs(series.slices[nearest]!.depth - depth)) nearest = k;
  });
  const gap = Math.abs(series.slices[nearest]!.depth - depth);
  if (gap > 0.5 * step + 1e-3) return `${where} lies at ${depth.toFixed(2)} mm along the normal, ${gap.toFixed(2)} mm from the nearest slice: it matches no slice of the series`;
  return { slice: nearest, xs, ys };
}

/** Pixels whose centres are inside the contours by the even-odd rule (half-open edges), set to 1 in `out`. */
export function fillEvenOdd(contours: readonly { readonly xs: ArrayLike<number>; readonly ys: ArrayLike<number> }[], width: number, height: number, out: Uint8Array): void {
  const crossings: number[] = [];
  for (let y = 0; y < height; y++) {
    crossings.length = 0;
    for (const { xs, ys } of contours) {
      const n = xs.length;
      for (let p = 0; p < n; p++) {
        const q = (p + 1) % n;
        const y0 = ys[p]!, y1 = ys[q]!;
        if (y0 <= y === y1 <= y) continue;
        crossings.push(xs[p]! + ((y - y0) * (xs[q]! - xs[p]!)) / (y1 - y0));
      }
    }
    crossings.sort((a, b) => a - b);
    for (let c = 0; c + 1 < crossings.length; c += 2) {
      const from = Math.max(0, Math.ceil(crossings[c]!)), to = Math.min(width, Math.ceil(crossings[c + 1]!));
      for (let x = from; x < to; x++) out[y * width + x] = 1;
    }
  }
}

export interface RoiMask {
  /** 0/1 per voxel, in the series' (stored) voxel order. */
  readonly data: Float32Array;
  readonly rois: readonly string[];
  /** Contours drawn per slice index. */
  readonly contoursPerSlice: ReadonlyMap<number, number>;
}

/** The union of the ROIs' regions as a mask volume on the series' grid. */
export function rasterizeRois(series: CtSeries, rt: RtStruct, rois: readonly Roi[]): E.Either<DataError, RoiMask> {
  const [w, h, depth] = series.size;
  const data = new Float32Array(w * h * depth);
  const contoursPerSlice = new Map<number, number>();
  const file = rt.file;
  for (const roi of rois) {
    const bySlice = new Map<number, PlacedContour[]>();
    for (const [c, contour] of roi.contours.entries()) {
      const placed = place(series, contour, `ROI '${roi.name}' contour ${c}`);
      if (typeof placed === 'string') return fail('bad-contour', `${file ?? '<RTSTRUCT>'}: ${placed}`, file);
      bySlice.set(placed.slice, [...(bySlice.get(placed.slice) ?? []), placed]);
    }
    const plane = new Uint8Array(w * h);
    for (const [k, contours] of bySlice) {
      plane.fill(0);
      fillEvenOdd(contours, w, h, plane);
      for (let i = 0; i < plane.length; i++) if (plane[i]) data[k * w * h + i] = 1;
      contoursPerSlice.set(k, (contoursPerSlice.get(k) ?? 0) + contours.length);
    }
  }
  return E.right({ data, rois: rois.map((r) => r.name), contoursPerSlice });
}
