/**
 * The authors' features (issue 12): the intensity-weighted centroid xpos/ypos, size = Σ M·I, and
 * the whole-image variants; AD gradients against closed forms, translation equivariance,
 * scaling, and what the pixel spacing does to every moment feature (issue 15: millimetres).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  brightness, brightnessFeature, extentFeature, logAspectRatioFeature, momentFeatures, MOMENT_FEATURE_NAMES, size, sizeFeature, xpos, xposFeature, ypos, yposFeature,
  type Feature, type Image, type Spacing,
} from '../../src/interp/index.ts';
import { RUNS, SEED, SIDE, TOL, adGradient, img, maxAbsDiff, sample } from './support.ts';

const spacing = fc.tuple(fc.double({ min: 0.3, max: 3, noNaN: true }), fc.double({ min: 0.3, max: 3, noNaN: true })) as fc.Arbitrary<Spacing>;

/** Plain-loop weighted moments in the units of `s`: total W, centroid (row, column) and covariance [[a, b], [b, c]]. */
function moments(image: Image, mask: Image, s: Spacing = [1, 1]) {
  const [h, w] = image.shape;
  let W = 0;
  let y = 0;
  let x = 0;
  for (let j = 0; j < h * w; j++) {
    const wj = mask.data[j]! * image.data[j]!;
    W += wj;
    y += wj * Math.floor(j / w) * s[0];
    x += wj * (j % w) * s[1];
  }
  y /= W;
  x /= W;
  let a = 0;
  let b = 0;
  let c = 0;
  for (let j = 0; j < h * w; j++) {
    const wj = mask.data[j]! * image.data[j]!;
    const dy = Math.floor(j / w) * s[0] - y;
    const dx = (j % w) * s[1] - x;
    a += wj * dy * dy;
    b += wj * dy * dx;
    c += wj * dx * dx;
  }
  return { W, y, x, a: a / W, b: b / W, c: c / W };
}

const close = (got: number, want: number, tol: number = TOL.closedForm) => expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));

/** The image and mask placed at (dr, dc) on a zero canvas `side` wide. */
function shifted(image: Image, mask: Image, dr: number, dc: number, side: number): { image: Image; mask: Image } {
  const [h, w] = image.shape;
  const I = new Float64Array(side * side);
  const M = new Float64Array(side * side);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      I[(r + dr) * side + c + dc] = image.data[r * w + c]!;
      M[(r + dr) * side + c + dc] = mask.data[r * w + c]!;
    }
  return { image: img(I, side, side), mask: img(M, side, side) };
}

/** Each coarse row repeated k times: the same anatomy on a grid k times finer along rows. */
function repeatRows(x: Image, k: number): Image {
  const [h, w] = x.shape;
  const out = new Float64Array(k * h * w);
  for (let r = 0; r < k * h; r++) out.set(x.data.subarray(Math.floor(r / k) * w, (Math.floor(r / k) + 1) * w), r * w);
  return img(out, k * h, w);
}

describe('xpos, ypos and size: values and AD gradients against closed forms (f64)', () => {
  it('xpos = Σ w x / W and ypos = Σ w y / W in the units of the spacing, with ∂/∂I_j = M_j (p_j − pos) / W', () => {
    fc.assert(
      fc.property(sample(), spacing, ({ image, mask }, s) => {
        const m = moments(image, mask, s);
        const fx = xposFeature({ spacing: s });
        const fy = yposFeature({ spacing: s });
        close(fx(image, mask).item(), m.x);
        close(fy(image, mask).item(), m.y);
        const ex = Array.from(mask.data, (v, j) => (v * ((j % SIDE) * s[1] - m.x)) / m.W);
        const ey = Array.from(mask.data, (v, j) => (v * (Math.floor(j / SIDE) * s[0] - m.y)) / m.W);
        for (const [g, e] of [[adGradient(fx, image, mask), ex], [adGradient(fy, image, mask), ey]] as const) {
          const { diff, scale } = maxAbsDiff(g, e);
          expect(diff).toBeLessThanOrEqual(TOL.closedForm * scale);
        }
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('size = Σ M·I times the pixel area, with ∇ = M times the area; in pixels it is Σ M·I to the bit', () => {
    fc.assert(
      fc.property(sample(), spacing, ({ image, mask }, s) => {
        const total = Array.from(mask.data).reduce((acc, v, j) => acc + v * image.data[j]!, 0);
        close(sizeFeature({ spacing: s })(image, mask).item(), total * s[0] * s[1], TOL.exact);
        expect(Array.from(adGradient(sizeFeature({ spacing: s }), image, mask))).toEqual(Array.from(mask.data, (v) => v * s[0] * s[1]));
        close(size(image, mask).item(), total, TOL.exact);
        expect(Array.from(adGradient(size, image, mask))).toEqual(Array.from(mask.data));
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });
});

describe('invariants', () => {
  it('translation: xpos and ypos move with the tumour by (dc, dr)·spacing; brightness, size, extent and log aspect ratio stay', () => {
    fc.assert(
      fc.property(sample(), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), spacing, ({ image, mask }, dr, dc, s) => {
        const moved = shifted(image, mask, dr, dc, SIDE + 4);
        const at = (f: Feature, x: { image: Image; mask: Image }) => f(x.image, x.mask).item();
        const here = { image, mask };
        close(at(xposFeature({ spacing: s }), moved), at(xposFeature({ spacing: s }), here) + dc * s[1]);
        close(at(yposFeature({ spacing: s }), moved), at(yposFeature({ spacing: s }), here) + dr * s[0]);
        for (const f of [brightness, sizeFeature({ spacing: s }), extentFeature({ spacing: s }), logAspectRatioFeature({ spacing: s })]) close(at(f, moved), at(f, here));
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('intensity scaling by α > 0: size and brightness scale by α; xpos, ypos, extent and log aspect ratio do not change', () => {
    fc.assert(
      fc.property(sample(), fc.double({ min: 0.1, max: 10, noNaN: true }), ({ image, mask }, alpha) => {
        const scaled = img(Array.from(image.data, (v) => alpha * v));
        const ratio = (f: Feature) => f(scaled, mask).item() / f(image, mask).item();
        close(ratio(size), alpha);
        close(ratio(brightness), alpha);
        for (const f of [xpos, ypos, extentFeature(), logAspectRatioFeature()]) close(ratio(f), 1);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('an isotropic spacing s scales xpos, ypos and extent by s and size by s², and leaves brightness and the log aspect ratio alone', () => {
    fc.assert(
      fc.property(sample(), fc.double({ min: 0.2, max: 5, noNaN: true }), ({ image, mask }, s) => {
        const inMm = momentFeatures({ spacing: [s, s] });
        const inPx = momentFeatures();
        const power: Record<string, number> = { brightness: 0, extent: 1, xpos: 1, ypos: 1, size: 2 };
        for (const name of Object.keys(power)) close(inMm[name]!(image, mask).item(), s ** power[name]! * inPx[name]!(image, mask).item());
        // The guard ε is in spacing² units, so only the unguarded log aspect ratio is exactly scale-free.
        close(logAspectRatioFeature({ spacing: [s, s], epsilon: 0 })(image, mask).item(), logAspectRatioFeature({ epsilon: 0 })(image, mask).item());
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });
});

describe('whole-image variants (the authors\' features without a mask)', () => {
  it('each equals its masked feature on a mask of ones, value and gradient, whatever mask it is given, and is named …WholeImage', () => {
    fc.assert(
      fc.property(sample(), spacing, ({ image, mask }, s) => {
        const ones = img(new Float64Array(SIDE * SIDE).fill(1));
        const whole = momentFeatures({ region: 'image', spacing: s });
        const masked = momentFeatures({ spacing: s });
        expect(Object.keys(whole)).toEqual(MOMENT_FEATURE_NAMES.map((n) => `${n}WholeImage`));
        for (const name of MOMENT_FEATURE_NAMES) {
          const w = whole[`${name}WholeImage`]!;
          const m = masked[name]!;
          expect(w.featureName).toBe(`${name}WholeImage`);
          expect(w(image, mask).item()).toBe(m(image, ones).item());
          expect(Array.from(adGradient(w, image, mask))).toEqual(Array.from(adGradient(m, image, ones)));
        }
        expect(brightnessFeature({ region: 'image' })(image, mask).item()).toBe(brightness(image, ones).item());
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });
});

describe('anisotropic spacing against an isotropic resampling', () => {
  it('rows k times taller measure as the same image with each row repeated k times at the column spacing, up to the sub-row offset and variance', () => {
    fc.assert(
      fc.property(sample(), fc.integer({ min: 2, max: 4 }), fc.double({ min: 0.3, max: 2, noNaN: true }), ({ image, mask }, k, sc) => {
        const coarse: Spacing = [k * sc, sc];
        const fine: Spacing = [sc, sc];
        const [I, M] = [repeatRows(image, k), repeatRows(mask, k)];
        const at = (name: string, s: Spacing, x: Image, m: Image) => momentFeatures({ spacing: s, names: [name] })[name]!(x, m).item();
        // Fine rows k·i + j sit j·sc below coarse row i: the centroid moves by sc(k − 1)/2, the row variance gains sc²(k² − 1)/12.
        const offset = (sc * (k - 1)) / 2;
        const variance = (sc * sc * (k * k - 1)) / 12;
        close(at('xpos', fine, I, M), at('xpos', coarse, image, mask));
        close(at('ypos', fine, I, M), at('ypos', coarse, image, mask) + offset);
        close(at('size', fine, I, M), at('size', coarse, image, mask));
        close(at('brightness', fine, I, M), at('brightness', coarse, image, mask));
        close(at('extent', fine, I, M) ** 2, at('extent', coarse, image, mask) ** 2 + variance);
        const { a, b, c } = moments(image, mask, coarse);
        const half = (a + variance + c) / 2;
        const gap = Math.hypot((a + variance - c) / 2, b);
        close(logAspectRatioFeature({ spacing: fine, epsilon: 0 })(I, M).item(), Math.log((half + gap) / (half - gap)));
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });
});
