/** The built-in features: AD gradients against PAPER.md's closed forms, and the noise functional. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { random, Tensor } from '../../src/index.ts';
import { brightness, extent, logAspectRatio, logAspectRatioFeature, noise, type Image } from '../../src/interp/index.ts';
import { RUNS, SEED, SIDE, TOL, adGradient, maxAbsDiff, sample } from './support.ts';

/** Weighted moments by plain loops, with the eigen-decomposition of the 2×2 covariance. */
function moments(image: Image, mask: Image) {
  const I = image.data;
  const M = mask.data;
  let W = 0;
  let mr = 0;
  let mc = 0;
  for (let j = 0; j < I.length; j++) {
    const w = M[j]! * I[j]!;
    W += w;
    mr += w * Math.floor(j / SIDE);
    mc += w * (j % SIDE);
  }
  mr /= W;
  mc /= W;
  let a = 0;
  let b = 0;
  let c = 0;
  for (let j = 0; j < I.length; j++) {
    const w = M[j]! * I[j]!;
    const dr = Math.floor(j / SIDE) - mr;
    const dc = (j % SIDE) - mc;
    a += w * dr * dr;
    b += w * dr * dc;
    c += w * dc * dc;
  }
  a /= W;
  b /= W;
  c /= W;
  const half = (a + c) / 2;
  const gap = Math.sqrt(((a - c) / 2) ** 2 + b * b);
  const l1 = half + gap;
  const l2 = half - gap;
  const cands: [number, number][] = [
    [b, l1 - a],
    [l1 - c, b],
  ];
  const [v0, v1] = cands[0]![0] ** 2 + cands[0]![1] ** 2 >= cands[1]![0] ** 2 + cands[1]![1] ** 2 ? cands[0]! : cands[1]!;
  const n = Math.hypot(v0, v1);
  const e1 = [v0 / n, v1 / n] as const;
  const e2 = [-e1[1], e1[0]] as const;
  return { W, mr, mc, a, c, l1, l2, e1, e2 };
}

describe('feature gradients equal their closed forms (f64)', () => {
  it('brightness: ∇ = M / Σ M', () => {
    fc.assert(
      fc.property(sample(), ({ image, mask }) => {
        const g = adGradient(brightness, image, mask);
        const total = mask.data.reduce((s, v) => s + v, 0);
        const expected = Array.from(mask.data, (m) => m / total);
        const { diff, scale } = maxAbsDiff(g, expected);
        expect(diff).toBeLessThanOrEqual(TOL.closedForm * scale);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('log aspect ratio (ε = 0): ∂/∂I_j = M_j [(v1·d_j)²/λ1 − (v2·d_j)²/λ2] / W', () => {
    const lar = logAspectRatioFeature({ epsilon: 0 });
    fc.assert(
      fc.property(sample(), ({ image, mask }) => {
        const { W, mr, mc, l1, l2, e1, e2 } = moments(image, mask);
        fc.pre(l1 - l2 > 1e-3 * l1); // away from the isotropic kink, where v1, v2 are not determined
        const g = adGradient(lar, image, mask);
        const expected = Array.from(mask.data, (m, j) => {
          const d = [Math.floor(j / SIDE) - mr, (j % SIDE) - mc];
          const p1 = e1[0] * d[0]! + e1[1] * d[1]!;
          const p2 = e2[0] * d[0]! + e2[1] * d[1]!;
          return (m * ((p1 * p1) / l1 - (p2 * p2) / l2)) / W;
        });
        const { diff, scale } = maxAbsDiff(g, expected);
        expect(diff).toBeLessThanOrEqual(TOL.closedForm * scale);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('log aspect ratio with its default ε: ∂/∂I_j = M_j [((v1·d_j)² − λ1)/(λ1 + ε) − ((v2·d_j)² − λ2)/(λ2 + ε)] / W', () => {
    const eps = 1e-6;
    fc.assert(
      fc.property(sample(), ({ image, mask }) => {
        const { W, mr, mc, l1, l2, e1, e2 } = moments(image, mask);
        fc.pre(l1 - l2 > 1e-3 * l1);
        const g = adGradient(logAspectRatio, image, mask);
        const expected = Array.from(mask.data, (m, j) => {
          const d = [Math.floor(j / SIDE) - mr, (j % SIDE) - mc];
          const p1 = e1[0] * d[0]! + e1[1] * d[1]!;
          const p2 = e2[0] * d[0]! + e2[1] * d[1]!;
          return (m * ((p1 * p1 - l1) / (l1 + eps) - (p2 * p2 - l2) / (l2 + eps))) / W;
        });
        const { diff, scale } = maxAbsDiff(g, expected);
        expect(diff).toBeLessThanOrEqual(TOL.closedForm * scale);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('extent: value √(λ1 + λ2), ∂/∂I_j = M_j (‖d_j‖² − (λ1 + λ2)) / (2 W √(λ1 + λ2))', () => {
    fc.assert(
      fc.property(sample(), ({ image, mask }) => {
        const { W, mr, mc, l1, l2 } = moments(image, mask);
        const tr = l1 + l2;
        expect(Math.abs(extent(image, mask).item() - Math.sqrt(tr))).toBeLessThanOrEqual(TOL.closedForm * Math.sqrt(tr));
        const g = adGradient(extent, image, mask);
        const expected = Array.from(mask.data, (m, j) => {
          const d2 = (Math.floor(j / SIDE) - mr) ** 2 + ((j % SIDE) - mc) ** 2;
          return (m * (d2 - tr)) / (2 * W * Math.sqrt(tr));
        });
        const { diff, scale } = maxAbsDiff(g, expected);
        expect(diff).toBeLessThanOrEqual(TOL.closedForm * scale);
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('log aspect ratio is rotation-free: it equals log(λ1/λ2) of the plain-loop covariance', () => {
    fc.assert(
      fc.property(sample(), ({ image, mask }) => {
        const { l1, l2 } = moments(image, mask);
        const value = logAspectRatioFeature({ epsilon: 0 })(image, mask).item();
        expect(Math.abs(value - Math.log(l1 / l2))).toBeLessThanOrEqual(TOL.closedForm * Math.max(1, Math.abs(value)));
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });

  it('at an isotropic covariance the log aspect ratio has the zero subgradient, never NaN', () => {
    // A centred square of constant intensity: a = c and b = 0 exactly.
    const image = Tensor.fromBuffer([SIDE, SIDE] as const, 'f64', new Float64Array(SIDE * SIDE).fill(0.5)) as Image;
    const m = new Float64Array(SIDE * SIDE);
    for (let r = 3; r < 9; r++) for (let c = 3; c < 9; c++) m[r * SIDE + c] = 1;
    const mask = Tensor.fromBuffer([SIDE, SIDE] as const, 'f64', m) as Image;
    expect(logAspectRatio(image, mask).item()).toBe(0);
    expect(adGradient(logAspectRatio, image, mask).every((v) => v === 0)).toBe(true);
  });
});

describe('noise feature', () => {
  it('is the linear functional ⟨ρ, x⟩ (or ⟨ρ ⊙ M, x⟩) with ρ ~ N(0, I) fixed by the key', () => {
    fc.assert(
      fc.property(sample(), fc.integer({ min: 0, max: 1 << 30 }), fc.boolean(), ({ image, mask }, seed, restrict) => {
        const key = random.key(seed);
        const g = noise(key, { mask: restrict });
        const rho = random.normal(key, [SIDE, SIDE], { dtype: 'f64' }).data;
        const expected = Array.from(rho, (r, j) => (restrict ? r * mask.data[j]! : r));
        expect(Array.from(adGradient(g, image, mask))).toEqual(expected);
        const value = expected.reduce((s, r, j) => s + r * image.data[j]!, 0);
        expect(Math.abs(g(image, mask).item() - value)).toBeLessThanOrEqual(TOL.exact * expected.reduce((s, r, j) => s + Math.abs(r * image.data[j]!), 0));
        // The same ρ for every image: the feature is one function, not a fresh draw per call.
        expect(Array.from(adGradient(g, mask, image))).toEqual(restrict ? Array.from(rho, (r, j) => r * image.data[j]!) : Array.from(rho));
      }),
      { seed: SEED, numRuns: RUNS.cheap },
    );
  });
});
