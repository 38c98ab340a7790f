import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  binarize,
  cropAroundMask,
  cropAt,
  maskCentroid,
  resizeBilinear,
  resizeMask,
  windowHU,
} from '../../src/data/window.ts';
import type { Image2D } from '../../src/data/types.ts';
import { expectDataError, right } from './helpers.ts';

const img = (w: number, h: number, f: (x: number, y: number) => number): Image2D => {
  const d = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = f(x, y);
  return { width: w, height: h, data: d };
};

describe('windowHU', () => {
  it('maps centre 40 / width 400 to [0, 1] clipped', () => {
    const w = windowHU({ width: 5, height: 1, data: new Float32Array([-1000, -160, 40, 240, 3000]) });
    expect(Array.from(w.data)).toEqual([0, 0, 0.5, 1, 1]);
    const b = windowHU({ width: 1, height: 1, data: new Float32Array([500]) }, { center: 400, width: 2000 });
    expect(b.data[0]).toBeCloseTo(0.55, 6);
  });
  it('is monotone and stays in [0, 1]', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, min: -5000, max: 5000 }), fc.float({ noNaN: true, min: -5000, max: 5000 }), (a, b) => {
        const w = windowHU({ width: 2, height: 1, data: new Float32Array([a, b]) }).data;
        expect(w[0]).toBeGreaterThanOrEqual(0);
        expect(w[0]).toBeLessThanOrEqual(1);
        if (a <= b) expect(w[0]).toBeLessThanOrEqual(w[1]!);
      }),
      { seed: 1, numRuns: 200 },
    );
  });
});

describe('crop and centroid', () => {
  it('centroid of a rectangle', () => {
    const m = img(10, 8, (x, y) => (x >= 2 && x <= 5 && y >= 1 && y <= 3 ? 1 : 0));
    expect(maskCentroid(m)).toEqual({ x: 3.5, y: 2, mass: 12 });
    expect(maskCentroid(img(3, 3, () => 0))).toBeUndefined();
  });
  it('crops around the mask centroid with air/zero padding at borders', () => {
    const image = img(8, 8, (x, y) => 100 * y + x);
    const mask = img(8, 8, (x, y) => (x === 0 && y === 0 ? 1 : 0));
    const c = right(cropAroundMask(image, mask, { width: 4, height: 4 }));
    expect(c.image.width).toBe(4);
    // centroid (0,0): window x0 = round(0 - 1.5) = -1 (JS rounds -1.5 to -1)
    expect(c.image.data[0]).toBe(-1000);
    expect(c.image.data[1 * 4 + 1]).toBe(0); // pixel (0,0)
    expect(c.mask.data[1 * 4 + 1]).toBe(1);
    expect(c.mask.data[0]).toBe(0);
    const z = right(cropAroundMask(image, mask, { width: 4, fill: 0 }));
    expect(z.image.data[0]).toBe(0);
  });
  it('crop of the full image around its centre is the identity', () => {
    const image = img(6, 6, (x, y) => x * 7 + y);
    expect(Array.from(cropAt(image, 2.5, 2.5, 6, 6).data)).toEqual(Array.from(image.data));
  });
  it('errors: empty mask, size mismatch', () => {
    expectDataError(cropAroundMask(img(4, 4, () => 0), img(4, 4, () => 0), { width: 2 }), 'bad-mask');
    expectDataError(cropAroundMask(img(4, 4, () => 0), img(4, 5, () => 1), { width: 2 }), 'size-mismatch');
  });
});

describe('resize', () => {
  it('same size is a copy; constants stay constant; linear ramps stay linear inside', () => {
    const a = img(5, 4, (x, y) => x + 10 * y);
    expect(Array.from(resizeBilinear(a, 5, 4).data)).toEqual(Array.from(a.data));
    const c = resizeBilinear(img(7, 3, () => 3.5), 13, 9);
    expect(c.data.every((v) => Math.abs(v - 3.5) < 1e-6)).toBe(true);
    // downsample by 2: averages pairs
    const r = resizeBilinear(img(4, 1, (x) => x), 2, 1);
    expect(Array.from(r.data)).toEqual([0.5, 2.5]);
    // upsample ramp: interior samples are linear in x
    const u = resizeBilinear(img(4, 1, (x) => 2 * x), 8, 1);
    expect(u.data[3]! - u.data[2]!).toBeCloseTo(1, 6);
  });
  it('resizeMask keeps 0/1 and roughly the area', () => {
    const m = img(32, 32, (x, y) => ((x - 16) ** 2 + (y - 16) ** 2 < 64 ? 1 : 0));
    const r = resizeMask(m, 64, 64);
    let a = 0;
    for (const v of r.data) {
      expect(v === 0 || v === 1).toBe(true);
      a += v;
    }
    const a0 = m.data.reduce((s, v) => s + v, 0);
    expect(a / 4 / a0).toBeGreaterThan(0.85);
    expect(a / 4 / a0).toBeLessThan(1.15);
  });
  it('binarize', () => {
    expect(Array.from(binarize({ width: 3, height: 1, data: new Float32Array([0, 0.2, 255]) }).data)).toEqual([0, 1, 1]);
  });
});
