/**
 * Issue 14, defect 7: a flow path that never reaches the decision boundary used to report a
 * partial average (F = 0.1064 with a not-reached flag) that entered dataset means. F and F_A
 * of such a path are now null by default, so summaries and the noise comparison leave it out;
 * `includePartialPaths: true` is the explicit way to get the partial average.
 */
import { describe, expect, it } from 'vitest';
import { add, mul, random, reshape, sum, Tensor } from '../../src/index.ts';
import { brightness, compareWithNoise, extent, flowAlignmentBatch, noise, summarizeFlow, type ImageBatch } from '../../src/interp/index.ts';

const SIDE = 8;
const D = SIDE * SIDE;
/** 'near' crosses within ~22 steps; 40 keep 'far' short enough that its intensities stay positive (extent stays defined). */
const BUDGET = { maxSteps: 40 };

/** Two images with a 3×3 mask at the centre; f_i = mean(x) + offset_i. */
function setup() {
  const images = new Float64Array(2 * D);
  const masks = new Float64Array(2 * D);
  for (let s = 0; s < 2; s++)
    for (let i = 0; i < D; i++) {
      const r = Math.floor(i / SIDE);
      const c = i % SIDE;
      images[s * D + i] = 0.3 + 0.05 * ((r * 3 + c * 5 + s) % 7);
      masks[s * D + i] = Math.abs(r - 3.5) <= 1.5 && Math.abs(c - 3.5) <= 1.5 ? 1 : 0;
    }
  const batch = {
    images: Tensor.fromBuffer([2, SIDE, SIDE] as const, 'f64', images) as ImageBatch,
    masks: Tensor.fromBuffer([2, SIDE, SIDE] as const, 'f64', masks) as ImageBatch,
    ids: ['near', 'far'],
  };
  // 'near' starts 0.05 above the boundary (reached after 0.4 of arc length); 'far' 1000 above (never).
  const start = [0.05, 1000];
  const offset = start.map((f0, s) => f0 - images.subarray(s * D, (s + 1) * D).reduce((a, v) => a + v, 0) / D);
  const model = (x: ImageBatch, index: readonly number[]) => {
    const n = x.shape[0];
    const means = mul(sum(reshape(x as Tensor, [n, D]), [1]), 1 / D);
    return add(means, Tensor.fromBuffer([n], 'f64', Float64Array.from(index, (i) => offset[i]!)) as Tensor);
  };
  return { batch, model };
}

describe('defect 7: F of a flow that never reaches the boundary', () => {
  it('is null (F and F_A) with a not-reached flag by default, and summaries and the noise comparison leave it out', () => {
    const { batch, model } = setup();
    const gs = { brightness, extent, 'noise#1': noise(random.key(3)) };
    const [near, far] = flowAlignmentBatch(model, gs, batch, BUDGET);
    expect(near!.reached).toBe(true);
    expect(near!.F.every((v) => typeof v === 'number')).toBe(true);
    expect(far!.reached).toBe(false);
    expect(far!.F).toEqual([null, null, null]);
    expect(far!.FA).toBeNull();
    expect(far!.issues).toContainEqual(expect.objectContaining({ sampleId: 'far', subject: 'flow', kind: 'not-reached' }));
    const summary = summarizeFlow([near!, far!]);
    expect(summary.F['brightness']).toMatchObject({ count: 1, missing: 1, mean: near!.F[0] });
    expect(summary.FA).toMatchObject({ count: 1, missing: 1, mean: near!.FA });
    expect(summary.notReached).toBe(1);
    const vsNoise = compareWithNoise([near!, far!]);
    expect(vsNoise['brightness']!.featureMean).toBe(near!.F[0]);
    expect(vsNoise['extent']!.noiseMeans).toEqual([near!.F[2]]);
  });

  it('is the partial path average with includePartialPaths: true, and then counts in the summaries', () => {
    const { batch, model } = setup();
    const [near, far] = flowAlignmentBatch(model, { brightness, extent }, batch, { ...BUDGET, includePartialPaths: true });
    expect(far!.reached).toBe(false);
    expect(far!.F.every((v) => typeof v === 'number' && v >= 0 && v <= 1)).toBe(true);
    expect(typeof far!.FA).toBe('number');
    expect(summarizeFlow([near!, far!]).F['brightness']!.count).toBe(2);
  });
});
