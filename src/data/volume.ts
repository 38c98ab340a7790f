/**
 * 3-D volumes and their place in the patient, and the one canonical orientation every volume is
 * brought to: voxel axes i, j, k pointing to the patient's Left, Posterior and Superior (LPS, the
 * DICOM patient frame), so a slice k is an axial image seen from the feet with the patient's right
 * on the image's left, anterior at the top (the usual radiological display), whatever order the
 * file stored its voxels in. Reorienting only permutes and flips axes: no voxel is resampled.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DataError, fail } from './errors.ts';

export type Vec3 = readonly [number, number, number];

export interface VolumeGeometry {
  /** Voxels along i (columns), j (rows) and k (slices). */
  readonly size: Vec3;
  /** Voxel size along i, j and k in mm. */
  readonly spacing: Vec3;
  /** Unit direction of i, j and k in the patient frame (LPS, mm). */
  readonly axes: readonly [Vec3, Vec3, Vec3];
  /** Position of voxel (0, 0, 0)'s centre in the patient frame (mm). */
  readonly origin: Vec3;
}

/** Voxel values, data[(k·rows + j)·columns + i], with their geometry. */
export interface Volume extends VolumeGeometry {
  readonly data: Float32Array;
}

export const dot3 = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross3 = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
export const norm3 = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);
export const sub3 = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale3 = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
export const add3 = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];

/** How each canonical axis is read from the stored ones: `from[w]` is the stored axis that becomes axis w, reversed where `flip[w]`. */
export interface Reorientation {
  readonly from: Vec3;
  readonly flip: readonly [boolean, boolean, boolean];
  readonly geometry: VolumeGeometry;
  /** The largest angle (degrees) between a stored axis and the patient axis it was assigned: 0 for an axis-aligned volume. */
  readonly obliquity: number;
}

/**
 * The permutation and flips that bring `g` to LPS: each stored axis goes to the patient axis it
 * is closest to (as nibabel's io_orientation does), so an oblique volume is read in its nearest
 * canonical orientation and `obliquity` says how far off that is.
 */
export function canonicalOrientation(g: VolumeGeometry, where: string, file?: string): E.Either<DataError, Reorientation> {
  const assigned = g.axes.map((d) => [0, 1, 2].reduce((best, w) => (Math.abs(d[w]!) > Math.abs(d[best]!) ? w : best), 0));
  if (new Set(assigned).size !== 3 || g.axes.some((d) => !(norm3(d) > 0.99 && norm3(d) < 1.01)))
    return fail('unreadable', `${where}: the voxel axes ${JSON.stringify(g.axes.map((d) => d.map((v) => +v.toFixed(3))))} are not an orthonormal frame, so the volume has no orientation`, file);
  const from = [0, 1, 2].map((w) => assigned.indexOf(w)) as unknown as Vec3;
  const flip = from.map((a, w) => g.axes[a]![w]! < 0) as unknown as [boolean, boolean, boolean];
  let origin = g.origin;
  from.forEach((a, w) => {
    if (flip[w]) origin = add3(origin, scale3(g.axes[a]!, (g.size[a]! - 1) * g.spacing[a]!));
  });
  const pick = <T>(v: readonly T[]) => from.map((a) => v[a]!) as unknown as readonly [T, T, T];
  const axes = from.map((a, w) => scale3(g.axes[a]!, flip[w] ? -1 : 1)) as unknown as [Vec3, Vec3, Vec3];
  const obliquity = Math.max(...axes.map((d, w) => (Math.acos(Math.min(1, Math.abs(d[w]!) / norm3(d))) * 180) / Math.PI));
  return E.right({ from, flip, obliquity, geometry: { size: pick(g.size), spacing: pick(g.spacing), axes, origin } });
}

/** `data` (stored order) rearranged as `r` says. */
export function reorient(data: Float32Array, stored: VolumeGeometry, r: Reorientation): Float32Array {
  const [nx, ny, nz] = r.geometry.size;
  const strides = [1, stored.size[0], stored.size[0] * stored.size[1]];
  const step = r.from.map((a, w) => (r.flip[w] ? -strides[a]! : strides[a]!));
  let base = 0;
  r.from.forEach((a, w) => {
    if (r.flip[w]) base += (stored.size[a]! - 1) * strides[a]!;
  });
  const out = new Float32Array(data.length);
  let o = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      let src = base + k * step[2]! + j * step[1]!;
      for (let i = 0; i < nx; i++, src += step[0]!) out[o++] = data[src]!;
    }
  return out;
}

/** Slice k of a volume as a row-major image (rows j, columns i). */
export function volumeSlice(v: { readonly size: Vec3; readonly data: Float32Array }, k: number): Float32Array {
  const plane = v.size[0] * v.size[1];
  return v.data.slice(k * plane, (k + 1) * plane);
}
