import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { makePhantom, phantom, PHANTOM_FEATURES } from '../../src/data/phantom.ts';
import { DataError } from '../../src/data/errors.ts';
import { maskCentroid, windowHU } from '../../src/data/window.ts';
import { stratifiedSplitOrThrow } from '../../src/data/split.ts';

const sameFloat = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

describe('phantom', () => {
  const ds = phantom();

  it('defaults: 298 subjects, 128×128, exactly 40 positives (the paper’s 40/298)', () => {
    expect(ds.samples).toHaveLength(298);
    expect(ds.samples.filter((s) => s.label === 1)).toHaveLength(40);
    for (const s of ds.samples) {
      expect(s.image.width).toBe(128);
      expect(s.image.height).toBe(128);
      expect(s.image.data).toHaveLength(128 * 128);
      expect(s.mask.data).toHaveLength(128 * 128);
    }
    expect(new Set(ds.samples.map((s) => s.id)).size).toBe(298);
  });

  it('class balance is exact for any n and prevalence', () => {
    for (const [n, p] of [
      [50, 0.13],
      [97, 0.5],
      [10, 0.3],
      [1, 0],
    ] as const) {
      const d = phantom({ n, prevalence: p, size: 32 });
      expect(d.samples.filter((s) => s.label === 1)).toHaveLength(Math.round(n * p));
    }
    expect(phantom({ n: 20, positives: 7, size: 32 }).samples.filter((s) => s.label === 1)).toHaveLength(7);
  });

  it('is deterministic from the seed and differs across seeds', () => {
    const a = phantom({ n: 12, size: 64, seed: 7 });
    const b = phantom({ n: 12, size: 64, seed: 7 });
    const c = phantom({ n: 12, size: 64, seed: 8 });
    a.samples.forEach((s, i) => {
      const t = b.samples[i]!;
      expect(sameFloat(s.image.data, t.image.data)).toBe(true);
      expect(sameFloat(s.mask.data, t.mask.data)).toBe(true);
      expect(s.label).toBe(t.label);
      expect(s.truth).toEqual(t.truth);
    });
    expect(sameFloat(a.samples[0]!.image.data, c.samples[0]!.image.data)).toBe(false);
    expect(a.groundTruth).toEqual(b.groundTruth);
  });

  it('subject i does not depend on n', () => {
    const a = phantom({ n: 5, size: 48, seed: 3 });
    const b = phantom({ n: 9, size: 48, seed: 3 });
    for (let i = 0; i < 5; i++) expect(sameFloat(a.samples[i]!.image.data, b.samples[i]!.image.data)).toBe(true);
  });

  it('records truth per sample and the rule in groundTruth', () => {
    const gt = ds.groundTruth!;
    expect(gt.kind).toBe('linear-threshold');
    expect(gt.weights).toEqual({ brightness: 1, size: 0.5, logAspectRatio: 1.5, texture: 1 });
    expect(gt.hidden).toEqual(['texture']);
    expect(gt.positives).toBe(40);
    for (const f of PHANTOM_FEATURES) {
      expect(gt.featureStats[f].sd).toBeGreaterThan(0);
      expect(gt.definitions[f].length).toBeGreaterThan(10);
    }
    for (const s of ds.samples) {
      const t = s.truth!;
      for (const k of ['brightness', 'size', 'area', 'aspectRatio', 'logAspectRatio', 'orientation', 'texture', 'score'])
        expect(Number.isFinite(t[k]), k).toBe(true);
      expect(t['aspectRatio']).toBeCloseTo(Math.exp(t['logAspectRatio']!), 10);
      // label is the score thresholded at groundTruth.threshold
      expect(s.label).toBe(t['score']! > gt.threshold ? 1 : 0);
      // mask is the tumour; area recorded
      let m = 0;
      let bad = 0;
      for (const v of s.mask.data) {
        if (v !== 0 && v !== 1) bad++;
        m += v;
      }
      expect(bad).toBe(0);
      expect(m).toBe(t['area']);
      expect(m).toBeGreaterThan(10);
      // area ≈ π a b = π size²
      expect(m / (Math.PI * t['size']! ** 2)).toBeGreaterThan(0.75);
      expect(m / (Math.PI * t['size']! ** 2)).toBeLessThan(1.25);
      // centroid of the mask ≈ drawn tumour centre (pixel-index coordinates are centre − 0.5)
      const c = maskCentroid(s.mask)!;
      expect(Math.abs(c.x - (t['centreX']! - 0.5))).toBeLessThan(1);
      expect(Math.abs(c.y - (t['centreY']! - 0.5))).toBeLessThan(1);
    }
  });

  it('has plausible Hounsfield units: air outside, bone, soft tissue, tumour brightness', () => {
    const s = ds.samples[0]!;
    const d = s.image.data;
    expect(d[0]).toBe(-1000); // corner is air
    let bone = 0;
    let soft = 0;
    for (const v of d) {
      if (v > 500) bone++;
      if (v > -200 && v < 200) soft++;
    }
    expect(bone).toBeGreaterThan(100);
    expect(soft).toBeGreaterThan(4000);
    // mean HU inside the mask ≈ drawn brightness (texture is zero-mean, CT noise small)
    for (const t of ds.samples.slice(0, 40)) {
      let sum = 0;
      let m = 0;
      t.image.data.forEach((v, i) => {
        if (t.mask.data[i]) {
          sum += v;
          m++;
        }
      });
      expect(Math.abs(sum / m - t.truth!['brightness']!)).toBeLessThan(8);
    }
    // windowing keeps the tumour inside (0, 1)
    const w = windowHU(s.image);
    expect(Math.min(...w.data)).toBe(0);
    expect(Math.max(...w.data)).toBe(1);
  });

  it('texture is the hidden feature: it changes pixel variance inside the tumour, not the mean', () => {
    const stats = ds.samples.map((s) => {
      let sum = 0;
      let sq = 0;
      let m = 0;
      s.image.data.forEach((v, i) => {
        if (s.mask.data[i]) {
          sum += v;
          sq += v * v;
          m++;
        }
      });
      const mean = sum / m;
      return { sd: Math.sqrt(sq / m - mean * mean), tex: s.truth!['texture']! };
    });
    const corr = (xs: number[], ys: number[]): number => {
      const mx = xs.reduce((a, b) => a + b) / xs.length;
      const my = ys.reduce((a, b) => a + b) / ys.length;
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      xs.forEach((x, i) => {
        sxy += (x - mx) * (ys[i]! - my);
        sxx += (x - mx) ** 2;
        syy += (ys[i]! - my) ** 2;
      });
      return sxy / Math.sqrt(sxx * syy);
    };
    expect(corr(stats.map((s) => s.sd), stats.map((s) => s.tex))).toBeGreaterThan(0.9);
  });

  it('a rule on aspect ratio alone labels exactly the most elongated tumours', () => {
    const d = phantom({ n: 100, size: 64, seed: 5, rule: { weights: { logAspectRatio: 1 }, noise: 0 } });
    expect(d.groundTruth!.weights).toEqual({ brightness: 0, size: 0, logAspectRatio: 1, texture: 0 });
    const k = d.samples.filter((s) => s.label === 1).length;
    const sorted = [...d.samples].sort((a, b) => b.truth!['logAspectRatio']! - a.truth!['logAspectRatio']!);
    sorted.forEach((s, j) => expect(s.label).toBe(j < k ? 1 : 0));
  });

  it('default rule: positives are shifted towards every weighted feature', () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const f of PHANTOM_FEATURES) {
      const pos = mean(ds.samples.filter((s) => s.label === 1).map((s) => s.truth![f]!));
      const neg = mean(ds.samples.filter((s) => s.label === 0).map((s) => s.truth![f]!));
      expect(pos, f).toBeGreaterThan(neg);
    }
  });

  it('gives 209/89 stratified split with 12/28 positives', () => {
    const split = stratifiedSplitOrThrow(ds.samples.map((s) => s.label), { seed: 1 });
    expect(split.train).toHaveLength(209);
    expect(split.test).toHaveLength(89);
    expect(split.test.filter((i) => ds.samples[i]!.label === 1)).toHaveLength(12);
    expect(split.train.filter((i) => ds.samples[i]!.label === 1)).toHaveLength(28);
  });

  it('is fast: 298 subjects at 128² well under 2 s', () => {
    const t0 = performance.now();
    phantom({ seed: 99 });
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('rejects bad options with DataError bad-option', () => {
    for (const o of [{ n: 0 }, { n: 2.5 }, { size: 4 }, { prevalence: 1.5 }, { positives: 400 }, { rule: { noise: -1 } }]) {
      const r = makePhantom(o);
      expect(E.isLeft(r) && r.left.code).toBe('bad-option');
    }
    expect(E.isLeft(makePhantom({ rule: { weights: { bogus: 1 } as never } }))).toBe(true);
    expect(() => phantom({ n: -1 })).toThrow(DataError);
  });
});
