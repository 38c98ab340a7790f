/**
 * The alignment reward: its value is −Σ λ_i mean S_i of the measures module, and its parameter
 * gradient (reverse over reverse) matches central differences of that value.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { add, concat, grad, matmul, random, reshape, sum, tanh, Tensor } from '../../src/index.ts';
import { alignmentBatch, alignmentLoss, alignmentReward, brightness, extent, imageChannelModel, logAspectRatio, withAlignmentReward, type ImageBatch } from '../../src/interp/index.ts';
import { FD } from '../support/tolerance.ts';
import { RUNS, SEED, SIDE, TOL, sample } from './support.ts';

const D = SIDE * SIDE;
const seed = fc.integer({ min: 0, max: 1 << 30 });
type Params = { W: Tensor; c: Tensor; a: Tensor };

function initParams(s: number, hidden = 3): Params {
  const [k1, k2, k3] = random.split(random.key(s), 3);
  return {
    W: random.normal(k1!, [2 * D, hidden], { dtype: 'f64', std: 2 / Math.sqrt(D) }),
    c: random.normal(k2!, [hidden], { dtype: 'f64', std: 0.5 }),
    a: random.normal(k3!, [hidden, 1], { dtype: 'f64' }),
  };
}

/** A two-channel model [N, 2, H, W] → [N, 1], each output from its own sample only. */
function apply(p: Params, x: Tensor): Tensor {
  const flat = reshape(x, [x.shape[0]!, 2 * D]) as Tensor;
  return matmul(tanh(add(matmul(flat as never, p.W as never) as Tensor, p.c)) as never, p.a as never) as Tensor;
}

const samples = fc.array(sample(), { minLength: 1, maxLength: 3 });

function inputs(ss: { image: Tensor; mask: Tensor }[]): Tensor {
  const parts = ss.map((s) => concat([reshape(s.image, [1, 1, SIDE, SIDE]) as Tensor, reshape(s.mask, [1, 1, SIDE, SIDE]) as Tensor], 1));
  return concat(parts, 0);
}

function channel(x: Tensor, c: number): ImageBatch {
  const n = x.shape[0]!;
  const out = new Float64Array(n * D);
  for (let i = 0; i < n; i++) out.set(x.data.subarray((i * 2 + c) * D, (i * 2 + c + 1) * D), i * D);
  return Tensor.fromBuffer([n, SIDE, SIDE] as const, 'f64', out) as ImageBatch;
}

function mean(xs: (number | null)[]): number {
  const d = xs.filter((v): v is number => v !== null);
  return d.reduce((s, v) => s + v, 0) / d.length;
}

describe('alignment reward', () => {
  it("its value is −Σ λ_i mean S_i (pointwise) or −λ mean A (span), S and A from alignmentBatch on the image channel", () => {
    fc.assert(
      fc.property(samples, seed, fc.double({ min: 0.1, max: 3, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }), (ss, sp, l1, l2) => {
        const x = inputs(ss);
        const params = initParams(sp);
        const results = alignmentBatch(imageChannelModel((y) => apply(params, y), x, 0), { logAspectRatio, brightness, extent }, { images: channel(x, 0), masks: channel(x, 1) });
        const pointwise = alignmentReward({ features: { logAspectRatio, brightness, extent }, lambda: { logAspectRatio: l1, brightness: l2 } });
        const expected = -(l1 * mean(results.map((r) => r.S[0]!)) + l2 * mean(results.map((r) => r.S[1]!)));
        expect(Math.abs(pointwise(apply, params, { x }).item() - expected)).toBeLessThanOrEqual(TOL.exact);
        const span = alignmentReward({ features: { logAspectRatio, brightness, extent }, lambda: l1, kind: 'span' });
        expect(Math.abs(span(apply, params, { x }).item() + l1 * mean(results.map((r) => r.A)))).toBeLessThanOrEqual(TOL.exact);
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('its gradient with respect to the parameters (second-order AD) matches central differences', () => {
    fc.assert(
      fc.property(samples, seed, seed, fc.constantFrom('pointwise', 'span') as fc.Arbitrary<'pointwise' | 'span'>, (ss, sp, sv, kind) => {
        const x = inputs(ss);
        const params = initParams(sp);
        const reward = alignmentReward({ features: [logAspectRatio, brightness], lambda: 1, kind });
        const R = (p: Params) => reward(apply, p, { x });
        const g = grad(R)(params) as Params;
        const [k1, k2, k3] = random.split(random.key(sv), 3);
        const v: Params = {
          W: random.uniform(k1!, params.W.shape, { dtype: 'f64', low: -1, high: 1 }),
          c: random.uniform(k2!, params.c.shape, { dtype: 'f64', low: -1, high: 1 }),
          a: random.uniform(k3!, params.a.shape, { dtype: 'f64', low: -1, high: 1 }),
        };
        const h = FD.f64.h;
        const shift = (s: number): Params => ({
          W: add(params.W, Tensor.fromBuffer(v.W.shape, 'f64', (v.W.data as Float64Array).map((t) => s * h * t))),
          c: add(params.c, Tensor.fromBuffer(v.c.shape, 'f64', (v.c.data as Float64Array).map((t) => s * h * t))),
          a: add(params.a, Tensor.fromBuffer(v.a.shape, 'f64', (v.a.data as Float64Array).map((t) => s * h * t))),
        });
        const fd = (R(shift(1)).item() - R(shift(-1)).item()) / (2 * h);
        let ad = 0;
        for (const k of ['W', 'c', 'a'] as const) for (let i = 0; i < v[k].size; i++) ad += g[k].data[i]! * v[k].data[i]!;
        expect(Math.abs(ad - fd)).toBeLessThanOrEqual(FD.f64.atol + FD.f64.rtol * Math.abs(fd));
      }),
      { seed: SEED, numRuns: RUNS.flow },
    );
  });

  it('λ = 0 gives a zero term; added to a base loss it shifts the loss by the reward exactly', () => {
    fc.assert(
      fc.property(samples, seed, (ss, sp) => {
        const x = inputs(ss);
        const params = initParams(sp);
        expect(alignmentReward({ features: [logAspectRatio], lambda: 0 })(apply, params, { x }).item()).toBe(0);
        const reward = alignmentReward({ features: [logAspectRatio], lambda: 2 });
        const base = (p: Params, batch: { x: Tensor }) => sum(apply(p, batch.x));
        const loss = withAlignmentReward({ apply }, reward, base);
        expect(loss(params, { x }, random.key(0)).item()).toBe(base(params, { x }).item() + reward(apply, params, { x }).item());
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });

  it('alignmentLoss (one shared forward pass) equals the two-pass loss in value and parameter gradient', () => {
    fc.assert(
      fc.property(samples, seed, fc.constantFrom('pointwise', 'span') as fc.Arbitrary<'pointwise' | 'span'>, (ss, sp, kind) => {
        const x = inputs(ss);
        const params = initParams(sp);
        const reward = alignmentReward({ features: [logAspectRatio, brightness], lambda: 1.5, kind });
        const dataLoss = (out: Tensor) => sum(tanh(out));
        const shared = alignmentLoss<Params, { x: Tensor }, unknown>({ apply }, reward, dataLoss);
        const twoPass = withAlignmentReward({ apply }, reward, (p: Params, batch: { x: Tensor }) => dataLoss(apply(p, batch.x)));
        const k = random.key(0);
        expect(Math.abs(shared(params, { x }, k).item() - twoPass(params, { x }, k).item())).toBeLessThanOrEqual(TOL.exact);
        const g1 = grad((p: Params) => shared(p, { x }, k))(params) as Params;
        const g2 = grad((p: Params) => twoPass(p, { x }, k))(params) as Params;
        for (const key of ['W', 'c', 'a'] as const)
          for (let i = 0; i < g1[key].size; i++) expect(Math.abs(g1[key].data[i]! - g2[key].data[i]!)).toBeLessThanOrEqual(TOL.exact * (1 + Math.abs(g2[key].data[i]!)));
      }),
      { seed: SEED, numRuns: RUNS.medium },
    );
  });
});
