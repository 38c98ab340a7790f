/**
 * Dihedral augmentation keeps the features' meaning: under each of the eight symmetries of the
 * square, brightness, extent and log aspect ratio of (image, mask) are unchanged, the eight maps are
 * distinct, and each image of a batch is mapped by its own draw with its labels in place.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { augmentDihedral, dihedral, dihedralDraws, dihedralEach, gatherBatch } from '../../src/nn/index.ts';
import { brightness, extent, logAspectRatio } from '../../src/interp/features/index.ts';
import { reshape, slice } from '../../src/ad/ops.ts';
import * as random from '../../src/tensor/random.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const side = 9;
/** [1, 2, S, S]: a random image and an elliptical mask off the centre (so every symmetry moves it). */
function sample(seed: number): Tensor<[1, 2, number, number], 'f64'> {
  const img = random.uniform(random.key(seed), [side * side]).data;
  const buf = new Float64Array(2 * side * side);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      buf[y * side + x] = 0.2 + 0.8 * img[y * side + x]!;
      buf[side * side + y * side + x] = ((x - 3) / 3) ** 2 + ((y - 5) / 2) ** 2 <= 1 ? 1 : 0;
    }
  return Tensor.fromBuffer([1, 2, side, side], 'f64', buf);
}
const plane = (x: Tensor, c: number) => reshape(slice(x as Tensor<[number, number, number, number]>, [0, c, 0, 0], [1, 1, side, side]), [side, side]);

describe('dihedral augmentation', () => {
  it('keeps brightness, extent and log aspect ratio under every one of the eight maps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 7 }), (seed, t) => {
        const x = sample(seed);
        const y = dihedral(x, t);
        for (const g of [brightness, extent, logAspectRatio]) {
          const before = (g(plane(x, 0) as never, plane(x, 1) as never) as Tensor).item();
          const after = (g(plane(y, 0) as never, plane(y, 1) as never) as Tensor).item();
          expect(after).toBeCloseTo(before, 10);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('gives eight different images, and the identity for t = 0', () => {
    const x = sample(1);
    const images = Array.from({ length: 8 }, (_, t) => Array.from(dihedral(x, t).data).join(','));
    expect(new Set(images).size).toBe(8);
    expect(images[0]).toBe(Array.from(x.data).join(','));
  });

  it('maps each image of a batch by its own draw and keeps the labels in place', () => {
    const xs = [sample(1), sample(2), sample(3)];
    const buf = new Float64Array(3 * 2 * side * side);
    xs.forEach((x, i) => buf.set(x.data, i * x.size));
    const batch = gatherBatch({ x: Tensor.fromBuffer([3, 2, side, side], 'f64', buf), y: [1, 0, 1] }, [0, 1, 2]);
    const key = random.key(9);
    const out = augmentDihedral(batch, key);
    const draws = dihedralDraws(key, 3);
    expect(out.labels).toEqual([1, 0, 1]);
    xs.forEach((x, i) => expect(Array.from(out.x.data.subarray(i * x.size, (i + 1) * x.size))).toEqual(Array.from(dihedral(x, draws[i]!).data)));
    expect(() => dihedralEach(batch.x, [0, 1])).toThrow(/one draw per image/);
  });

  it('a non-square batch gets a shape error', () => {
    expect(() => dihedral(Tensor.fromBuffer([1, 1, 2, 3], 'f64', new Float64Array(6)), 1)).toThrow(/square images/);
  });
});
