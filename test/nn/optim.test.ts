import { describe, expect, it } from 'vitest';
import { grad, mul, square, sub, sum, tensor, treeFlatten, treeLeaves, vjp, Tensor, PytreeError, ShapeError } from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';

type Q = { a: Tensor; nested: { b: Tensor }[] };

const scale = [1, 4, 0.25];
const centre = [1, -2, 3];
// f(p) = ½ Σ s_i (p_i − c_i)², minimum at c.
const quad = (p: Tensor) => mul(sum(mul(tensor(scale, [3], { dtype: 'f64' }), square(sub(p, tensor(centre, [3], { dtype: 'f64' }))))), 0.5);

describe('adam', () => {
  const cfg = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

  it('follows the bias-corrected recursion, computed by hand, for several steps on a quadratic', () => {
    const opt = nn.adam(cfg);
    let p: Tensor = tensor([0, 0, 0], [3], { dtype: 'f64' });
    let state = opt.init(p);
    // Reference: m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g², p ← p − lr m̂ / (√v̂ + ε).
    const ref = [0, 0, 0], m = [0, 0, 0], v = [0, 0, 0];
    for (let t = 1; t <= 6; t++) {
      const g = grad(quad)(p);
      ({ params: p, state } = opt.update(g, state, p));
      for (let i = 0; i < 3; i++) {
        const gi = scale[i]! * (ref[i]! - centre[i]!);
        m[i] = cfg.beta1 * m[i]! + (1 - cfg.beta1) * gi;
        v[i] = cfg.beta2 * v[i]! + (1 - cfg.beta2) * gi * gi;
        ref[i] = ref[i]! - (cfg.lr * (m[i]! / (1 - cfg.beta1 ** t))) / (Math.sqrt(v[i]! / (1 - cfg.beta2 ** t)) + cfg.eps);
      }
      p.toFlatArray().forEach((x, i) => expect(x).toBeCloseTo(ref[i]!, 12));
      expect(state.count.item()).toBe(t);
    }
    // The first step has |Δp| = lr in every coordinate (m̂/√v̂ = sign g): a check independent of the loop above.
    const one = nn.adam(cfg).update(grad(quad)(tensor([0, 0, 0], [3], { dtype: 'f64' })), opt.init(tensor([0, 0, 0], [3], { dtype: 'f64' })), tensor([0, 0, 0], [3], { dtype: 'f64' }));
    one.params.toFlatArray().forEach((x, i) => expect(x).toBeCloseTo(Math.sign(centre[i]!) * 0.1, 8));
  });

  it('weight decay: L2 in the gradient by default, decoupled (AdamW) on request', () => {
    const p = tensor([2], [1], { dtype: 'f64' });
    const g = tensor([0], [1], { dtype: 'f64' });
    const coupled = nn.adam({ lr: 0.1, weightDecay: 0.5 });
    expect(coupled.update(g, coupled.init(p), p).params.item()).toBeCloseTo(2 - 0.1, 6); // g + wd·p = 1 > 0, so the step is −lr
    const decoupled = nn.adam({ lr: 0.1, weightDecay: 0.5, decoupled: true });
    expect(decoupled.update(g, decoupled.init(p), p).params.item()).toBeCloseTo(2 * (1 - 0.05), 12);
  });

  it('state is a pytree of the params structure (plus a step count) and updates are pure', () => {
    const params: Q = { a: tensor([1, 2], [2]), nested: [{ b: tensor([[1], [2], [3]], [3, 1]) }] };
    const opt = nn.adam();
    const state = opt.init(params);
    expect(Object.keys(state.slots).sort()).toEqual(['m', 'v']);
    for (const slot of ['m', 'v']) {
      expect(treeFlatten(state.slots[slot]!).def).toEqual(treeFlatten(params).def);
      expect(treeLeaves(state.slots[slot]!).map((l) => [l.shape, l.dtype])).toEqual(treeLeaves(params).map((l) => [l.shape, l.dtype]));
      expect(treeLeaves(state.slots[slot]!).every((l) => l.toFlatArray().every((x) => x === 0))).toBe(true);
    }
    expect(state.count.item()).toBe(0);
    const before = treeLeaves(params).map((l) => l.toFlatArray());
    const g: Q = { a: tensor([1, 1], [2]), nested: [{ b: tensor([[1], [1], [1]], [3, 1]) }] };
    const next = opt.update(g, state, params);
    expect(treeLeaves(params).map((l) => l.toFlatArray())).toEqual(before);
    expect(state.count.item()).toBe(0);
    expect(treeFlatten(next.params).def).toEqual(treeFlatten(params).def);
    expect(next.state.count.item()).toBe(1);
  });

  it('mismatched grads and state are typed errors', () => {
    const opt = nn.adam();
    const p: { a: Tensor } = { a: tensor([1, 2], [2]) };
    expect(() => opt.update({ b: tensor([1, 2], [2]) } as never, opt.init(p), p)).toThrow(PytreeError);
    expect(() => opt.update({ a: tensor([1, 2, 3], [3]) }, opt.init(p), p)).toThrow(ShapeError);
    expect(() => opt.update(p, { count: opt.init(p).count, slots: {} } as never, p)).toThrow(/no slot "m"/);
  });

  it('a traced update (differentiated through) gives the same values as the fused one', () => {
    const opt = nn.adam({ lr: 0.05, weightDecay: 0.01 });
    const p: Tensor = tensor([0.5, -1, 2], [3], { dtype: 'f64' });
    let state = opt.init(p);
    state = opt.update(grad(quad)(p), state, p).state;
    const g = grad(quad)(p);
    const fused = opt.update(g, state, p).params.toFlatArray();
    const [traced] = vjp((q: Tensor) => opt.update(g, state, q).params, p);
    traced.toFlatArray().forEach((x, i) => expect(x).toBeCloseTo(fused[i]!, 12));
  });

  it('config problems are all listed in one ConfigError', () => {
    let err: unknown;
    try {
      nn.adam({ lr: -1, beta1: 1, eps: 0, foo: 2 } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(nn.ConfigError);
    expect((err as nn.ConfigError).problems).toHaveLength(4);
    expect((err as Error).message).toMatch(/unknown option "foo".*lr must be a positive number.*beta1 must be in \[0, 1\).*eps must be a positive/);
  });
});

describe('sgd', () => {
  it('plain and momentum updates follow PyTorch\'s recursion', () => {
    const p0: Tensor = tensor([0, 0, 0], [3], { dtype: 'f64' });
    const plain = nn.sgd({ lr: 0.1 });
    const g0 = grad(quad)(p0);
    expect(plain.update(g0, plain.init(p0), p0).params.toFlatArray()).toEqual(g0.toFlatArray().map((g) => -0.1 * g));

    const opt = nn.sgd({ lr: 0.1, momentum: 0.9 });
    let p = p0;
    let state = opt.init(p);
    const ref = [0, 0, 0], buf = [0, 0, 0];
    for (let t = 0; t < 4; t++) {
      ({ params: p, state } = opt.update(grad(quad)(p), state, p));
      for (let i = 0; i < 3; i++) {
        buf[i] = 0.9 * buf[i]! + scale[i]! * (ref[i]! - centre[i]!);
        ref[i] = ref[i]! - 0.1 * buf[i]!;
      }
      p.toFlatArray().forEach((x, i) => expect(x).toBeCloseTo(ref[i]!, 12));
    }
    expect(Object.keys(state.slots)).toEqual(['velocity']);
  });

  it('optimizerFromConfig rebuilds an optimiser from its JSON config', () => {
    const opt = nn.optimizerFromConfig(JSON.parse(JSON.stringify(nn.sgd({ lr: 0.3, momentum: 0.5 }).config)));
    expect(opt.config).toEqual({ name: 'sgd', lr: 0.3, momentum: 0.5, nesterov: false, weightDecay: 0 });
    expect(() => nn.optimizerFromConfig({ name: 'rmsprop' } as never)).toThrow(nn.ConfigError);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales the whole tree to the maximum norm, and leaves small gradients alone', () => {
    const g = { a: tensor([3], [1]), b: [tensor([4], [1])] };
    const clipped = nn.clipByGlobalNorm(g, 1);
    expect(clipped.a.item()).toBeCloseTo(0.6, 6);
    expect(clipped.b[0]!.item()).toBeCloseTo(0.8, 6);
    expect(nn.globalNorm(clipped)).toBeCloseTo(1, 6);
    expect(nn.clipByGlobalNorm(g, 10)).toBe(g);
    expect(() => nn.clipByGlobalNorm(g, 0)).toThrow(nn.ConfigError);
  });
});
