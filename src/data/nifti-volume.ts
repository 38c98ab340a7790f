/**
 * NIfTI volumes in the canonical orientation (volume.ts: i → Left, j → Posterior, k → Superior).
 *
 * Where the voxels are comes from the header, by NIfTI's own rule as nibabel and FSL apply it:
 * the sform (srow_x/y/z) when sform_code > 0, else the qform (quaternion, qfac and pixdim) when
 * qform_code > 0, else pixdim alone (NIfTI's "method 1", read as RAS like nibabel). NIfTI's
 * world frame is RAS; the patient frame here is DICOM's LPS, so x and y change sign. The volume
 * is then permuted and flipped, never resampled, so the same scan stored under different
 * qforms reads back as the same voxels.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DataError, fail, guard, orThrow } from './errors.ts';
import { checkFinitePixels, type PixelOptions } from './finite.ts';
import { label } from './io.ts';
import { openNifti, type OpenedNifti } from './nifti.ts';
import { canonicalOrientation, norm3, reorient, scale3, type Vec3, type Volume } from './volume.ts';

export interface NiftiVolumeOptions extends PixelOptions {
  /** Index along dim[4] (t); default 0. */
  readonly volume?: number;
  /** Apply scl_slope / scl_inter (default true). */
  readonly rescale?: boolean;
}

export interface NiftiVolume extends Volume {
  /** Which part of the header placed the voxels. */
  readonly placement: 'sform' | 'qform' | 'pixdim';
  /** Largest angle (degrees) between a stored axis and the canonical axis it became. */
  readonly obliquity: number;
}

type Affine = readonly [readonly number[], readonly number[], readonly number[]];

/** The 3×4 voxel-to-RAS map, and which rule gave it. */
function affineOf(n: OpenedNifti): { affine: Affine; placement: NiftiVolume['placement'] } {
  const h = n.header;
  const px = h.pixDims;
  if (h.sform_code > 0) {
    const v = new DataView(n.bytes.buffer, n.bytes.byteOffset, n.bytes.byteLength);
    const read = n.version === 1 ? (r: number, c: number) => v.getFloat32(280 + (r * 4 + c) * 4, h.littleEndian) : (r: number, c: number) => v.getFloat64(400 + (r * 4 + c) * 8, h.littleEndian);
    return { placement: 'sform', affine: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => read(r, c))) as unknown as Affine };
  }
  if (h.qform_code > 0) {
    const [b, c, d] = [h.quatern_b, h.quatern_c, h.quatern_d];
    const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
    const qfac = (px[0] ?? 1) < 0 ? -1 : 1;
    const R = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c],
    ];
    const scaleOf = [px[1] ?? 1, px[2] ?? 1, (px[3] ?? 1) * qfac];
    const offset = [h.qoffset_x, h.qoffset_y, h.qoffset_z];
    return { placement: 'qform', affine: R.map((row, r) => [...row.map((v, k) => v * scaleOf[k]!), offset[r]!]) as unknown as Affine };
  }
  return { placement: 'pixdim', affine: [[px[1] ?? 1, 0, 0, 0], [0, px[2] ?? 1, 0, 0], [0, 0, px[3] ?? 1, 0]] };
}

const decodeNiftiVolumeUnguarded = (input: Uint8Array, options: NiftiVolumeOptions & { readonly file?: string }): E.Either<DataError, NiftiVolume> => {
  const file = options.file;
  const where = label(file, 'NIfTI');
  const opened = openNifti(input, file, options.rescale ?? true);
  if (E.isLeft(opened)) return opened;
  const n = opened.right;
  const t = options.volume ?? 0;
  if (!Number.isInteger(t) || t < 0 || t >= n.nt) return fail('bad-option', `${where}: volume ${t} out of range (file has ${n.nt} volumes)`, file);
  const count = n.nx * n.ny * n.nz;
  if (count > 1 << 28) return fail('unsupported-format', `${where}: a volume of ${n.nx}×${n.ny}×${n.nz} voxels is too large`, file);
  const { affine, placement } = affineOf(n);
  // Columns of the affine are the voxel axes (scaled by the voxel size); RAS → LPS negates x and y.
  const lps = (r: number, v: number) => (r < 2 ? -v : v);
  const columns = [0, 1, 2].map((c) => [0, 1, 2].map((r) => lps(r, affine[r]![c]!)) as unknown as Vec3);
  const spacing = columns.map(norm3) as unknown as Vec3;
  if (spacing.some((s) => !(Number.isFinite(s) && s > 0)))
    return fail('unreadable', `${where}: the ${placement} gives voxel sizes [${spacing.join(', ')}] mm; each must be a positive finite number`, file);
  const stored = {
    size: [n.nx, n.ny, n.nz] as Vec3,
    spacing,
    axes: columns.map((col, i) => scale3(col, 1 / spacing[i]!)) as unknown as [Vec3, Vec3, Vec3],
    origin: [0, 1, 2].map((r) => lps(r, affine[r]![3]!)) as unknown as Vec3,
  };
  const orientation = canonicalOrientation(stored, `${where} (${placement})`, file);
  if (E.isLeft(orientation)) return orientation;
  const raw = new Float32Array(count);
  for (let i = 0; i < count; i++) raw[i] = n.voxel(t * count + i);
  const checked = checkFinitePixels({ width: n.nx, height: n.ny * n.nz, data: raw }, `${where}${n.nt > 1 ? ` (volume ${t})` : ''}`, file, options.nonFinite);
  if (E.isLeft(checked)) return checked;
  const r = orientation.right;
  return E.right({ ...r.geometry, data: reorient(raw, stored, r), placement, obliquity: r.obliquity });
};

/** Decode a NIfTI volume held in memory, in the canonical orientation. */
export const decodeNiftiVolume = (input: Uint8Array, options: NiftiVolumeOptions & { readonly file?: string } = {}): E.Either<DataError, NiftiVolume> =>
  guard(label(options.file, 'NIfTI'), options.file, () => decodeNiftiVolumeUnguarded(input, options));

