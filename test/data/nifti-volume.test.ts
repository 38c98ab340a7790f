/** NIfTI volumes: one scan stored under different qforms and sforms reads back as the same voxels. */
import { describe, expect, it } from 'vitest';
import { decodeNiftiVolume } from '../../src/data/nifti-volume.ts';
import type { Vec3 } from '../../src/data/volume.ts';
import { expectDataError, right } from './helpers.ts';
import { niftiVolumeBytes, type StoredOrientation } from './volume-helpers.ts';

const size: Vec3 = [5, 4, 3];
const spacing: Vec3 = [0.8, 1.25, 3];
const origin: Vec3 = [-40, 12.5, -60];
const scan = Float32Array.from({ length: 60 }, (_, n) => n * 7 + (n % 3));

const ORIENTATIONS: readonly (StoredOrientation & { name: string })[] = [
  { name: 'LPS as stored (qform identity)', perm: [0, 1, 2], sign: [1, 1, 1], placement: 'qform' },
  { name: 'RAS+ (the NIfTI default: x and y flipped)', perm: [0, 1, 2], sign: [-1, -1, 1], placement: 'qform' },
  { name: 'slices stored superior to inferior (qfac −1)', perm: [0, 1, 2], sign: [1, 1, -1], placement: 'qform' },
  { name: 'sagittal storage (axes permuted, two flipped)', perm: [2, 0, 1], sign: [-1, 1, -1], placement: 'qform' },
  { name: 'coronal storage in the sform', perm: [0, 2, 1], sign: [-1, -1, 1], placement: 'sform' },
  { name: 'permuted and flipped in the sform', perm: [1, 2, 0], sign: [1, -1, -1], placement: 'sform' },
];

describe('NIfTI volumes in the canonical orientation (i → L, j → P, k → S)', () => {
  for (const o of ORIENTATIONS) {
    it(`${o.name} reads back as the same voxels, spacing and origin`, () => {
      const v = right(decodeNiftiVolume(niftiVolumeBytes(scan, size, spacing, origin, o), { file: 'scan.nii' }));
      expect(v.placement).toBe(o.placement);
      expect(v.size).toEqual(size);
      v.spacing.forEach((s, i) => expect(s).toBeCloseTo(spacing[i]!, 5));
      v.origin.forEach((x, i) => expect(x).toBeCloseTo(origin[i]!, 4));
      v.axes.forEach((d, a) => d.forEach((x, w) => expect(x).toBeCloseTo(a === w ? 1 : 0, 6)));
      expect(Array.from(v.data)).toEqual(Array.from(scan));
      expect(v.obliquity).toBeCloseTo(0, 3);
    });
  }

  it('a file with neither qform nor sform is placed by pixdim alone, as RAS', () => {
    const v = right(decodeNiftiVolume(niftiVolumeBytes(scan, size, spacing, [0, 0, 0], { perm: [0, 1, 2], sign: [-1, -1, 1], placement: 'pixdim' })));
    expect(v.placement).toBe('pixdim');
    expect(Array.from(v.data)).toEqual(Array.from(scan));
  });

  it('an sform whose axes are degenerate gets a DataError naming the file and the sform', () => {
    const bytes = niftiVolumeBytes(scan, size, spacing, origin, { perm: [0, 1, 2], sign: [1, 1, 1], placement: 'sform' });
    new DataView(bytes.buffer).setFloat32(280 + 4 * 4, 0.8, true); // srow_y[0] = srow_x[0]: j no longer perpendicular
    new DataView(bytes.buffer).setFloat32(280 + 5 * 4, 0, true);
    const e = expectDataError(decodeNiftiVolume(bytes, { file: 'broken.nii' }), 'unreadable', 'broken.nii');
    expect(e.message).toMatch(/sform.*(orthonormal|voxel sizes)/);
  });

  it('a volume index past the end gets a bad-option DataError naming the file', () => {
    expectDataError(decodeNiftiVolume(niftiVolumeBytes(scan, size, spacing, origin, ORIENTATIONS[0]!), { file: 'scan.nii', volume: 1 }), 'bad-option', 'scan.nii');
  });
});
