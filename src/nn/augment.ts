/**
 * Augmentation that keeps the features' meaning: the dihedral group of the square (identity, the
 * three rotations by 90°, and the four reflections). Brightness, extent and aspect ratio of a
 * tumour, and the amplitude of its texture, are all invariant under these maps, and each keeps the
 * pixel grid, so nothing is interpolated; the mask channel moves with the image.
 *
 * Each image of a batch gets its own element of the group, drawn from the key, so an augmented
 * run is a pure function of its seed and position (a resumed run draws the same maps). The maps
 * are the DSL's flip and transpose, so augmentation never touches a buffer by hand.
 */
import { add, flip, mul, transpose } from '../ad/ops.ts';
import { ShapeError } from '../tensor/errors.ts';
import * as random from '../tensor/random.ts';
import type { Key } from '../tensor/random.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { DType, Shape } from '../tensor/shape.ts';
import type { Batch } from './batches.ts';

type Images = Tensor<Shape, DType>;

const swapLast = (x: Images): Images => transpose(x as Tensor<[number, number, number, number]>, [0, 1, 3, 2]) as Images;

/** Element t ∈ 0..7 of the group: bit 0 reverses columns, bit 1 reverses rows, bit 2 transposes. */
export function dihedral(x: Images, t: number): Images {
  const s = x.shape;
  if (s.length !== 4 || s[2] !== s[3]) throw new ShapeError('dihedral', 'needs square images [N, C, S, S]', [s]);
  let y = x;
  if (t & 1) y = flip(y as Tensor<[number, number, number, number]>, [3]) as Images;
  if (t & 2) y = flip(y as Tensor<[number, number, number, number]>, [2]) as Images;
  if (t & 4) y = swapLast(y);
  return y;
}

/** Which group element each of n images gets under `key`. */
export function dihedralDraws(key: Key, n: number): number[] {
  return Array.from(random.uniform(key, [n]).data, (u) => Math.min(7, Math.floor(u * 8)));
}

/** x with image i mapped by element draws[i] (the batch order and labels are unchanged). */
export function dihedralEach(x: Images, draws: readonly number[]): Images {
  const n = x.shape[0]!;
  if (draws.length !== n) throw new ShapeError('dihedralEach', `needs one draw per image, got ${draws.length} for ${n}`, [x.shape]);
  let out: Images | undefined;
  for (let t = 0; t < 8; t++) {
    const pick = draws.map((d) => (d === t ? 1 : 0));
    if (!pick.includes(1)) continue;
    const buf = x.dtype === 'f64' ? Float64Array.from(pick) : Float32Array.from(pick);
    const selected = mul(dihedral(x, t) as never, Tensor.fromBuffer([n, 1, 1, 1], x.dtype, buf) as never) as Images;
    out = out === undefined ? selected : (add(out as never, selected as never) as Images);
  }
  return out ?? x;
}

/** A batch with each image mapped by a random element of the dihedral group drawn from `key`. */
export function augmentDihedral(batch: Batch, key: Key): Batch {
  return { ...batch, x: dihedralEach(batch.x, dihedralDraws(key, batch.x.shape[0]!)) };
}
