import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Tensor } from '../../src/index.ts';
import { customCnn } from '../../examples/custom-cnn.ts';

describe('the README\'s own-CNN example (examples/custom-cnn.ts)', () => {
  it('runs and gives what its comments say: named params, typed [4, 1] logits, a trainable model', async () => {
    const r = await customCnn();
    expect(Object.keys(r.params).sort()).toEqual(['conv1', 'conv2', 'dense1', 'logit']);
    expect(r.params.conv2.w.shape).toEqual([16, 8, 3, 3]);
    expect(r.params.dense1.w.shape).toEqual([16 * 8 * 8, 32]);
    expectTypeOf(r.logits).toEqualTypeOf<Tensor<[4, 1], 'f32'>>();
    expect(r.logits.shape).toEqual([4, 1]);
    expect(r.trained.history).toHaveLength(1);
    expect(Number.isFinite(r.trained.history[0]!.trainLoss)).toBe(true);
  });

  it('is the code the README shows', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const example = readFileSync(join(import.meta.dirname, '../../examples/custom-cnn.ts'), 'utf8');
    const body = example.slice(example.indexOf('export async function customCnn'), example.indexOf('\nif (import.meta.url'));
    expect(readme).toContain(body.trim());
  });
});
