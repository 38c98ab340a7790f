import { describe, expect, it } from 'vitest';
import { loadMnist, loadMnistOrThrow } from '../../src/data/mnist.ts';
import { validateDataset } from '../../src/data/dataset.ts';
import { stratifiedSplitOrThrow } from '../../src/data/split.ts';
import { DataError } from '../../src/data/errors.ts';
import { expectDataError, right } from './helpers.ts';

describe('mnist digits as a labelled dataset', () => {
  it('0 vs 1 by default: 28×28 in [0,1], stroke masks, balanced, alternating classes', () => {
    const ds = right(loadMnist({ perClass: 50 }));
    expect(ds.name).toBe('mnist-0-vs-1');
    expect(ds.samples).toHaveLength(100);
    expect(ds.samples.filter((s) => s.label === 1)).toHaveLength(50);
    expect(ds.samples.slice(0, 4).map((s) => s.label)).toEqual([0, 1, 0, 1]);
    for (const s of ds.samples) {
      expect([s.image.width, s.image.height]).toEqual([28, 28]);
      expect(Math.min(...s.image.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...s.image.data)).toBeLessThanOrEqual(1);
      let wrong = 0;
      s.mask.data.forEach((m, i) => {
        if (m !== (s.image.data[i]! > 0.5 ? 1 : 0)) wrong++;
      });
      expect(wrong).toBe(0);
    }
    expect(validateDataset(ds)._tag).toBe('Right');
    // real digits: ones have far less ink than zeros
    const ink = (l: 0 | 1) => ds.samples.filter((s) => s.label === l).reduce((a, s) => a + s.mask.data.reduce((p, q) => p + q, 0), 0);
    expect(ink(0)).toBeGreaterThan(1.5 * ink(1));
    const split = stratifiedSplitOrThrow(ds.samples.map((s) => s.label), { seed: 3 });
    expect(split.test).toHaveLength(30);
  });

  it('other digits, offsets and caps; deterministic', () => {
    const a = loadMnistOrThrow({ negative: 3, positive: 8, perClass: 5, offset: 10 });
    expect(a.samples[0]!.id).toBe('mnist-3-0010');
    expect(a.samples[1]!.id).toBe('mnist-8-0010');
    expect(loadMnistOrThrow({ negative: 3, positive: 8, perClass: 5, offset: 10 }).samples[3]!.image.data).toEqual(a.samples[3]!.image.data);
    const all = loadMnistOrThrow({ negative: 5, positive: 6, perClass: 1e9 });
    expect(all.samples).toHaveLength(2 * 863); // digit 5 has 863 samples in the package
  });

  it('errors: missing package, same digit, bad digit, offset past the end', () => {
    const e = expectDataError(loadMnist({ moduleName: 'mnist-not-installed-xyz' }), 'missing-dependency');
    expect(e.message).toContain('mnist-not-installed-xyz');
    expect(() => loadMnistOrThrow({ moduleName: 'mnist-not-installed-xyz' })).toThrow(DataError);
    expectDataError(loadMnist({ negative: 4, positive: 4 }), 'single-class');
    expectDataError(loadMnist({ positive: 10 }), 'bad-option');
    expectDataError(loadMnist({ offset: 5000 }), 'empty-dataset');
  });
});
