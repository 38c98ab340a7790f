/** Test helpers for volumes: NIfTI-1 files with a chosen sform/qform, written by hand. */
import type { Vec3 } from '../../src/data/volume.ts';

type Mat3 = [[number, number, number], [number, number, number], [number, number, number]];

/** nifti1_io's mat44_to_quatern for a proper rotation: (b, c, d) with a ≥ 0. */
function quaternion(R: Mat3): [number, number, number] {
  const [[r11, r12, r13], [r21, r22, r23], [r31, r32, r33]] = R;
  const trace = r11 + r22 + r33 + 1;
  let a: number, b: number, c: number, d: number;
  if (trace > 0.5) {
    a = 0.5 * Math.sqrt(trace);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33), yd = 1 + r22 - (r11 + r33), zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd); c = (0.25 * (r12 + r21)) / b; d = (0.25 * (r13 + r31)) / b; a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd); b = (0.25 * (r12 + r21)) / c; d = (0.25 * (r23 + r32)) / c; a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd); b = (0.25 * (r13 + r31)) / d; c = (0.25 * (r23 + r32)) / d; a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) [b, c, d] = [-b, -c, -d];
  }
  return [b, c, d];
}

export interface StoredOrientation {
  /** perm[a]: the canonical (LPS) axis stored axis a runs along; sign[a] = −1 where it runs backwards. */
  readonly perm: Vec3;
  readonly sign: Vec3;
  readonly placement: 'qform' | 'sform' | 'pixdim';
}

/**
 * A float32 NIfTI-1 file holding the canonical volume `data` (size, spacing, origin in LPS) stored
 * with its axes permuted and flipped as `o` says, its placement written in the qform, the sform
 * or (identity orientation only) pixdim alone.
 */
export function niftiVolumeBytes(data: Float32Array, size: Vec3, spacing: Vec3, origin: Vec3, o: StoredOrientation): Uint8Array {
  const storedSize = o.perm.map((w) => size[w]!) as unknown as Vec3;
  const count = size[0] * size[1] * size[2];
  const out = new Uint8Array(352 + count * 4);
  const v = new DataView(out.buffer);
  // LPS affine of the stored grid: column a is sign·spacing along the canonical axis perm[a].
  const column = (a: number): Vec3 => [0, 1, 2].map((w) => (w === o.perm[a] ? o.sign[a]! * spacing[w]! : 0)) as unknown as Vec3;
  let offset: number[] = [...origin];
  for (let a = 0; a < 3; a++) if (o.sign[a]! < 0) offset = offset.map((x, w) => x + (w === o.perm[a] ? (size[w]! - 1) * spacing[w]! : 0));
  const ras = (r: number, x: number) => (r < 2 ? -x : x);
  const A = [0, 1, 2].map((r) => [...[0, 1, 2].map((a) => ras(r, column(a)[r]!)), ras(r, offset[r]!)]);
  v.setInt32(0, 348, true);
  [3, ...storedSize, 1, 1, 1, 1].forEach((d, k) => v.setInt16(40 + 2 * k, d, true));
  v.setInt16(70, 16, true);
  v.setInt16(72, 32, true);
  const storedSpacing = o.perm.map((w) => spacing[w]!);
  let qfac = 1;
  if (o.placement === 'qform') {
    const R = [0, 1, 2].map((r) => [0, 1, 2].map((a) => A[r]![a]! / storedSpacing[a]!)) as Mat3;
    const det = R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) - R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0]) + R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0]);
    if (det < 0) {
      qfac = -1;
      for (const row of R) row[2] = -row[2];
    }
    const [b, c, d] = quaternion(R);
    v.setInt16(252, 1, true);
    [b, c, d, A[0]![3]!, A[1]![3]!, A[2]![3]!].forEach((x, k) => v.setFloat32(256 + 4 * k, x, true));
  } else if (o.placement === 'sform') {
    v.setInt16(254, 2, true);
    A.forEach((row, r) => row.forEach((x, c) => v.setFloat32(280 + (r * 4 + c) * 4, x, true)));
  }
  [qfac, ...storedSpacing, 1, 1, 1, 1].forEach((x, k) => v.setFloat32(76 + 4 * k, x, true));
  v.setFloat32(108, 352, true);
  out.set(Buffer.from('n+1\0', 'latin1'), 344);
  // Stored voxel (s0, s1, s2) holds the canonical voxel it lands on.
  const [n0, n1, n2] = storedSize;
  const c = [0, 0, 0];
  for (let s2 = 0; s2 < n2; s2++)
    for (let s1 = 0; s1 < n1; s1++)
      for (let s0 = 0; s0 < n0; s0++) {
        [s0, s1, s2].forEach((s, a) => (c[o.perm[a]!] = o.sign[a]! > 0 ? s : size[o.perm[a]!]! - 1 - s));
        v.setFloat32(352 + 4 * ((s2 * n1 + s1) * n0 + s0), data[(c[2]! * size[1] + c[1]!) * size[0] + c[0]!]!, true);
      }
  return out;
}
