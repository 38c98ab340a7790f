/** Attribution methods: the shared contract, completeness of integrated gradients, the noise tunnel, and what each reduces to on simple models. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { add, grad, matmul, random, reshape, sum, Tensor } from '../../src/index.ts';
import { inputXGradient, integratedGradients, integratedGradientsWithDelta, noiseTunnel, saliency, smoothGrad, type NoiseTunnelType } from '../../src/interp/index.ts';
import { RUNS, SEED, TOL, batchModel, modelWeights } from './support.ts';

const H = 4;
const W = 5;
const D = H * W;
const seed = fc.integer({ min: 0, max: 1 << 30 });
const batch = (n: number, s: number) => random.uniform(random.key(s), [n, H, W], { dtype: 'f64', low: -1, high: 1 }) as Tensor;

function linearModel(s: number) {
  const w = random.normal(random.key(s), [D, 1], { dtype: 'f64' });
  const b = random.normal(random.key(s + 1), [1], { dtype: 'f64' });
  return { w, b: b.item(), f: (x: Tensor) => add(matmul(reshape(x, [x.shape[0]!, D]) as never, w as never) as Tensor, b) as Tensor };
}

function rows(t: Tensor): number[][] {
  const n = t.shape[0]!;
  const per = t.size / n;
  return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * per, (i + 1) * per)));
}

function perSampleGradient(model: (x: Tensor) => Tensor, x: Tensor): number[][] {
  return rows(x).map((r) => Array.from((grad((y: Tensor) => sum(model(y)))(Tensor.fromBuffer([1, H, W], 'f64', Float64Array.from(r))) as Tensor).data));
}

describe('the attribution contract', () => {
  it('every method returns a tensor shaped like x, and a batch gives what each sample gives alone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), seed, seed, (n, sx, sm) => {
        const x = batch(n, sx);
        const model = batchModel(modelWeights(sm, D)) as (x: Tensor) => Tensor;
        const key = random.key(sx);
        const methods = [
          (y: Tensor) => saliency(model, y),
          (y: Tensor) => inputXGradient(model, y),
          (y: Tensor) => integratedGradients(model, y, { steps: 8 }),
        ];
        for (const m of methods) {
          const whole = m(x);
          expect(whole.shape).toEqual(x.shape);
          rows(x).forEach((r, i) => {
            const alone = m(Tensor.fromBuffer([1, H, W], 'f64', Float64Array.from(r)));
            rows(whole)[i]!.forEach((v, j) => expect(Math.abs(v - alone.data[j]!)).toBeLessThanOrEqual(TOL.exact * Math.max(1, Math.abs(v))));
          });
        }
        expect(smoothGrad(model, x, { key, samples: 3 }).shape).toEqual(x.shape);
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});

describe('saliency, input × gradient, SmoothGrad', () => {
  it('saliency is |∇f| per sample (signed: ∇f); SmoothGrad with σ = 0 is ∇f', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), seed, seed, (n, sx, sm) => {
        const x = batch(n, sx);
        const model = batchModel(modelWeights(sm, D)) as (x: Tensor) => Tensor;
        const g = perSampleGradient(model, x).flat();
        const abs = saliency(model, x).data;
        const signed = saliency(model, x, { signed: true }).data;
        const smooth = smoothGrad(model, x, { key: random.key(sx), samples: 2, sigma: 0 }).data;
        g.forEach((v, i) => {
          expect(abs[i]).toBe(Math.abs(signed[i]!));
          expect(Math.abs(signed[i]! - v)).toBeLessThanOrEqual(TOL.exact * Math.max(1, Math.abs(v)));
          expect(Math.abs(smooth[i]! - v)).toBeLessThanOrEqual(TOL.exact * Math.max(1, Math.abs(v)));
        });
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('on a linear model: input × gradient sums to f(x) − b, and SmoothGrad is w whatever the noise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), seed, seed, fc.double({ min: 0, max: 2, noNaN: true }), (n, sx, sm, sigma) => {
        const x = batch(n, sx);
        const { w, b, f } = linearModel(sm);
        const ixg = rows(inputXGradient(f, x));
        const values = f(x).data;
        ixg.forEach((r, i) => {
          const total = r.reduce((s, v) => s + v, 0);
          expect(Math.abs(total - (values[i]! - b))).toBeLessThanOrEqual(TOL.exact * r.reduce((s, v) => s + Math.abs(v), 1));
        });
        const sg = rows(smoothGrad(f, x, { key: random.key(sx), samples: 4, sigma }));
        for (const r of sg) r.forEach((v, j) => expect(Math.abs(v - w.data[j]!)).toBeLessThanOrEqual(TOL.exact * Math.max(1, Math.abs(v))));
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('SmoothGrad is a function of its key', () => {
    fc.assert(
      fc.property(seed, seed, (sx, sm) => {
        const x = batch(2, sx);
        const model = batchModel(modelWeights(sm, D)) as (x: Tensor) => Tensor;
        const a = smoothGrad(model, x, { key: random.key(sm), samples: 3 });
        const b = smoothGrad(model, x, { key: random.key(sm), samples: 3 });
        expect(Array.from(a.data)).toEqual(Array.from(b.data));
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});

describe('integrated gradients', () => {
  it('completeness: the reported delta is |Σ attribution − (f(x) − f(baseline))| for f evaluated directly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), seed, seed, fc.constantFrom('riemann', 'trapezoid') as fc.Arbitrary<'riemann' | 'trapezoid'>, fc.integer({ min: 1, max: 20 }), fc.boolean(), (n, sx, sm, method, steps, withBaseline) => {
        const x = batch(n, sx);
        const model = batchModel(modelWeights(sm, D)) as (x: Tensor) => Tensor;
        const baseline = withBaseline ? (random.uniform(random.key(sx + 7), [H, W], { dtype: 'f64' }) as Tensor) : undefined;
        const { attribution, delta } = integratedGradientsWithDelta(model, x, { steps, method, ...(baseline ? { baseline } : {}) });
        const fx = model(x).data;
        const base = baseline ? Tensor.fromBuffer([n, H, W], 'f64', Float64Array.from({ length: n * D }, (_, i) => baseline.data[i % D]!)) : Tensor.fromBuffer([n, H, W], 'f64', new Float64Array(n * D));
        const fb = model(base).data;
        rows(attribution).forEach((r, i) => {
          const total = r.reduce((s, v) => s + v, 0);
          const expected = Math.abs(total - (fx[i]! - fb[i]!));
          expect(Math.abs(delta[i]! - expected)).toBeLessThanOrEqual(TOL.exact * (r.reduce((s, v) => s + Math.abs(v), 0) + Math.abs(fx[i]!) + Math.abs(fb[i]!)));
        });
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('delta is zero on a linear model with either rule, at any number of steps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), seed, seed, fc.constantFrom('riemann', 'trapezoid') as fc.Arbitrary<'riemann' | 'trapezoid'>, fc.integer({ min: 1, max: 10 }), (n, sx, sm, method, steps) => {
        const x = batch(n, sx);
        const { f } = linearModel(sm);
        const { attribution, delta } = integratedGradientsWithDelta(f, x, { steps, method });
        rows(attribution).forEach((r, i) => expect(delta[i]!).toBeLessThanOrEqual(TOL.exact * r.reduce((s, v) => s + Math.abs(v), 1)));
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('delta → 0 as steps grow on a smooth model: order 2 for the trapezoid rule, order 1 for right Riemann sums', () => {
    fc.assert(
      fc.property(seed, seed, (sx, sm) => {
        const x = batch(1, sx);
        const model = batchModel(modelWeights(sm, D, 3, 3)) as (x: Tensor) => Tensor;
        const d = (method: 'riemann' | 'trapezoid', steps: number) => integratedGradientsWithDelta(model, x, { steps, method }).delta[0]!;
        const floor = TOL.exact * 1e2; // rounding of a few hundred summed terms of order one
        const t16 = d('trapezoid', 16);
        const t64 = d('trapezoid', 64);
        // 4× the steps: the trapezoid error falls ~16×; allow 8×.
        expect(t64).toBeLessThanOrEqual(t16 / 8 + floor);
        const r16 = d('riemann', 16);
        const r64 = d('riemann', 64);
        // Riemann's error falls ~4×; allow 2×.
        expect(r64).toBeLessThanOrEqual(r16 / 2 + floor);
        expect(t64).toBeLessThan(r64 + floor);
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});

describe('the noise tunnel', () => {
  const types = fc.constantFrom<NoiseTunnelType>('smoothgrad', 'smoothgradSquared', 'vargrad');

  it('with σ = 0 every copy is x: the mean is the method, the mean of squares its square, the variance 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), seed, seed, types, fc.integer({ min: 1, max: 4 }), (n, sx, sm, type, samples) => {
        const x = batch(n, sx);
        const model = batchModel(modelWeights(sm, D)) as (x: Tensor) => Tensor;
        const plain = integratedGradients(model, x, { steps: 4 }).data;
        const tunnelled = noiseTunnel(integratedGradients, { steps: 4 })(model, x, { key: random.key(sx), samples, sigma: 0, type }).data;
        plain.forEach((v, i) => {
          const expected = type === 'smoothgrad' ? v : type === 'smoothgradSquared' ? v * v : 0;
          expect(Math.abs(tunnelled[i]! - expected)).toBeLessThanOrEqual(TOL.exact * Math.max(1, Math.abs(expected)));
        });
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it("combines the copies' attributions x + σε_k (ε_k from split(key, samples)) by their mean, mean square or population variance", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), seed, seed, types, fc.integer({ min: 1, max: 5 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (n, sx, sm, type, samples, sigma) => {
        const x = batch(n, sx);
        const { f } = linearModel(sm);
        const key = random.key(sm + 3);
        const copies = random.split(key, samples).map((k) => {
          const eps = random.normal(k, x.shape, { dtype: 'f64' }).data;
          return inputXGradient(f, Tensor.fromBuffer(x.shape, 'f64', Float64Array.from(x.data, (v, i) => v + sigma * eps[i]!))).data;
        });
        const got = noiseTunnel(inputXGradient)(f, x, { key, samples, sigma, type }).data;
        for (let i = 0; i < x.size; i++) {
          const m = copies.reduce((s, c) => s + c[i]!, 0) / samples;
          const sq = copies.reduce((s, c) => s + c[i]! * c[i]!, 0) / samples;
          const variance = copies.reduce((s, c) => s + (c[i]! - m) ** 2, 0) / samples;
          const expected = type === 'smoothgrad' ? m : type === 'smoothgradSquared' ? sq : variance;
          expect(Math.abs(got[i]! - expected)).toBeLessThanOrEqual(TOL.exact * Math.max(1, sq));
          expect(got[i]!).toBeGreaterThanOrEqual(type === 'smoothgrad' ? -Infinity : 0);
        }
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('SmoothGrad is the noise tunnel of the signed saliency, to the bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), seed, seed, (n, sx, sm) => {
        const x = batch(n, sx);
        const model = batchModel(modelWeights(sm, D)) as (x: Tensor) => Tensor;
        const key = random.key(sm);
        const tunnel = noiseTunnel(saliency, { signed: true })(model, x, { key, samples: 3 });
        expect(Array.from(smoothGrad(model, x, { key, samples: 3 }).data)).toEqual(Array.from(tunnel.data));
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});
