/** Small deterministic datasets for the nn tests. */
import { Tensor, random, tensor } from '../../src/index.ts';
import type { Dataset } from '../../src/nn/index.ts';

export const xor: Dataset = { x: tensor([0, 0, 0, 1, 1, 0, 1, 1], [4, 2]), y: [0, 1, 1, 0] };

/**
 * n images [n, 2, size, size] ([CT, mask]): a Gaussian blob at a random place, bright (label 1)
 * or dark (label 0), on faint noise; the mask marks the blob. Linearly separable by mean brightness.
 */
export function blobs(n: number, size: number, seed: number): Dataset {
  const plane = size * size;
  const data = new Float32Array(n * 2 * plane);
  const noise = random.normal(random.key(seed), [n, plane]).data;
  const centres = random.uniform(random.key(seed + 1), [n, 2], { low: size * 0.3, high: size * 0.7 }).data;
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    y.push(label);
    const amp = label === 1 ? 1 : 0.6;
    const cy = centres[2 * i]!, cx = centres[2 * i + 1]!;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const g = Math.exp(-((r - cy) ** 2 + (c - cx) ** 2) / (2 * (size / 8) ** 2));
        data[i * 2 * plane + r * size + c] = amp * g + 0.1 * noise[i * plane + r * size + c]!;
        data[i * 2 * plane + plane + r * size + c] = g > 0.5 ? 1 : 0;
      }
    }
  }
  return { x: Tensor.fromBuffer([n, 2, size, size], 'f32', data), y };
}

/** The bytes of every leaf, for bit-for-bit comparisons. */
export function leafBytes(leaves: readonly Tensor[]): number[][] {
  return leaves.map((l) => Array.from(new Uint8Array(l.data.buffer, l.data.byteOffset, l.data.byteLength)));
}
