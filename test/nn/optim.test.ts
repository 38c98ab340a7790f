import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { grad, mul, random, square, sub, sum, tensor, treeFlatten, treeLeaves, vjp, Tensor, PytreeError, ShapeError } from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { leafBytes } from './fixtures.ts';
import { referenceAdam, referenceSgd } from './optim-reference.ts';

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

describe('optimisers are chains of gradient transformations', () => {
  const dtypes = fc.constantFrom('f32' as const, 'f64' as const);
  // Leaves with zeros of both signs among the values, where a rearranged formula would show.
  const leaf = (seed: number, dtype: 'f32' | 'f64', n: number, zeros: boolean): Tensor => {
    const t = random.normal(random.key(seed), [n], { dtype });
    if (!zeros) return t;
    const d = t.data.slice();
    for (let i = 0; i < n; i += 3) d[i] = i % 2 ? -0 : 0;
    return Tensor.fromBuffer([n], dtype, d);
  };

  it('adam (L2 or decoupled) reproduces the previous hand-fused loop to the bit, step after step', () => {
    fc.assert(
      fc.property(
        dtypes, fc.integer({ min: 0, max: 1000 }), fc.double({ min: 1e-4, max: 0.5, noNaN: true }), fc.constantFrom(0, 0.01, 0.3), fc.boolean(), fc.constantFrom(0.9, 0.5, 0),
        (dtype, seed, lr, weightDecay, decoupled, beta1) => {
          const c = { lr, beta1, beta2: 0.999, eps: 1e-8, weightDecay, decoupled };
          const opt = nn.adam(c);
          let p = leaf(seed, dtype, 7, true);
          let state = opt.init(p);
          let [rp, rm, rv]: Tensor[] = [p, state.slots.m!, state.slots.v!];
          for (let t = 1; t <= 3; t++) {
            const g = leaf(seed + t, dtype, 7, true);
            ({ params: p, state } = opt.update(g, state, p));
            [rp, rm, rv] = referenceAdam(c, t, rp!, g, rm!, rv!);
            expect(leafBytes([p, state.slots.m!, state.slots.v!])).toEqual(leafBytes([rp!, rm!, rv!]));
          }
        },
      ),
      { seed: 16, numRuns: 60 },
    );
  });

  it('sgd (momentum, Nesterov, weight decay) reproduces the previous hand-fused loop to the bit', () => {
    fc.assert(
      fc.property(dtypes, fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0, 0.5, 0.9), fc.boolean(), fc.constantFrom(0, 0.01), (dtype, seed, mu, nesterov, weightDecay) => {
        const c = { lr: 0.05, momentum: mu, nesterov, weightDecay };
        const opt = nn.sgd(c);
        let p = leaf(seed, dtype, 7, true);
        let state = opt.init(p);
        let [rp, rv]: Tensor[] = [p, state.slots.velocity!];
        for (let t = 1; t <= 3; t++) {
          const g = leaf(seed + t, dtype, 7, true);
          ({ params: p, state } = opt.update(g, state, p));
          [rp, rv] = referenceSgd(c, rp!, g, rv!);
          expect(leafBytes([p, state.slots.velocity!])).toEqual(leafBytes([rp!, rv!]));
        }
      }),
      { seed: 17, numRuns: 40 },
    );
  });

  it('adamw is adam with decoupled decay (0.01 by default), with its own serialisable config', () => {
    const p = leaf(1, 'f32', 5, false);
    const g = leaf(2, 'f32', 5, false);
    const w = nn.adamw({ lr: 0.01 });
    const a = nn.adam({ lr: 0.01, weightDecay: 0.01, decoupled: true });
    expect(leafBytes([w.update(g, w.init(p), p).params])).toEqual(leafBytes([a.update(g, a.init(p), p).params]));
    expect(w.config).toEqual({ name: 'adamw', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    expect(nn.optimizerFromConfig(JSON.parse(JSON.stringify(w.config))).config).toEqual(w.config);
  });

  it('a chain built by hand composes left to right: clip, Adam moments, a scheduled −lr', () => {
    const opt = nn.chain(nn.clipByGlobalNorm(0.5), nn.scaleByAdam(), nn.scaleByLearningRate({ kind: 'linearWarmup', peak: 0.1, warmupSteps: 4 }));
    expectTypeOf(opt).toEqualTypeOf<nn.Optimizer>();
    expect(opt.slots).toEqual(['m', 'v']);
    expect(opt.config).toEqual({
      name: 'chain',
      transformations: [{ name: 'clipByGlobalNorm', maxNorm: 0.5 }, { name: 'scaleByAdam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, { name: 'scaleByLearningRate', lr: { kind: 'linearWarmup', peak: 0.1, warmupSteps: 4 } }],
    });
    const p = tensor([1, 2, 3], [3], { dtype: 'f64' });
    const g = tensor([3, 0, 4], [3], { dtype: 'f64' });
    const state = opt.init(p);
    // Step 0 of the warm-up has lr 0: nothing moves. Step 1 (lr 0.025): Adam's first step is −lr·sign(clipped g).
    const first = opt.update(g, state, p);
    expect(first.params.toFlatArray()).toEqual([1, 2, 3]);
    const second = opt.update(g, first.state, first.params);
    // The clipped gradient is (0.3, 0, 0.4) (norm 0.5), so m = 0.1·c, then 0.19·c; p moves by −0.025·sign(c).
    opt.transform(g, state, p).state.slots.m!.toFlatArray().forEach((x, i) => expect(x).toBeCloseTo([0.03, 0, 0.04][i]!, 15));
    second.state.slots.m!.toFlatArray().forEach((x, i) => expect(x).toBeCloseTo([0.057, 0, 0.076][i]!, 15));
    second.params.toFlatArray().forEach((x, i) => expect(x).toBeCloseTo([0.975, 2, 2.975][i]!, 8)); // ε shifts it by ~1e-9
    // The same chain, rebuilt from its JSON config, computes the same bits.
    const again = nn.optimizerFromConfig(JSON.parse(JSON.stringify(opt.config)));
    expect(leafBytes([again.update(g, first.state, first.params).params])).toEqual(leafBytes([second.params]));
  });

  it('in a chain, a traced (differentiated) update gives the fused values, the global norm included', () => {
    const opt = nn.chain(nn.addDecayedWeights(0.1), nn.clipByGlobalNorm(1), nn.momentum(0.9, { nesterov: true }), nn.scale(-0.3));
    const p = tensor([0.5, -1, 2], [3], { dtype: 'f64' });
    const state = opt.update(grad(quad)(p), opt.init(p), p).state;
    const g = grad(quad)(p);
    const fused = opt.update(g, state, p).params.toFlatArray();
    const [traced] = vjp((q: Tensor) => opt.update(g, state, q).params, p);
    traced.toFlatArray().forEach((x, i) => expect(x).toBeCloseTo(fused[i]!, 12));
    const [tracedGrad] = vjp((h: Tensor) => opt.update(h, state, p).params, g);
    tracedGrad.toFlatArray().forEach((x, i) => expect(x).toBeCloseTo(fused[i]!, 12));
  });

  it('bad chains and transformation configs are ConfigErrors naming the problem', () => {
    expect(() => nn.chain()).toThrow(expect.objectContaining({ code: 'config', message: expect.stringMatching(/needs at least one transformation/) }));
    expect(() => nn.chain(nn.scaleByAdam(), nn.scaleByAdam())).toThrow(/state slot "m" is used by two transformations/);
    expect(() => nn.scaleByAdam({ beta1: 1 })).toThrow(/beta1 must be in \[0, 1\)/);
    expect(() => nn.momentum(-0.1)).toThrow(/decay must be in \[0, 1\)/);
    expect(() => nn.scaleByLearningRate({ kind: 'cosineDecay', init: 0.1, decaySteps: 0 })).toThrow(/lr.decaySteps must be a positive integer, got 0/);
    expect(() => nn.optimizerFromConfig({ name: 'chain', transformations: [{ name: 'lion' }] } as never)).toThrow(/unknown transformation "lion"/);
    expect(() => nn.optimizerFromConfig({ name: 'chain' } as never)).toThrow(/needs transformations/);
    expect(() => nn.adam({ lr: { kind: 'warmupCosine', peak: 1, warmupSteps: 10, decaySteps: 5, foo: 1 } as never })).toThrow(
      expect.objectContaining({ problems: ['lr: unknown field "foo" for a warmupCosine schedule', 'lr.decaySteps must be an integer above warmupSteps, got 5'] }),
    );
  });
});

describe('learning-rate schedules', () => {
  const at = (lr: nn.LearningRate, counts: number[]) => counts.map((c) => nn.learningRateAt(lr, c));

  it('constant, linear warm-up, cosine decay, warm-up + cosine and piecewise give their formulas', () => {
    expect(at(0.1, [0, 99])).toEqual([0.1, 0.1]);
    expect(at({ kind: 'constant', value: 0.2 }, [0, 7])).toEqual([0.2, 0.2]);
    expect(at({ kind: 'linearWarmup', peak: 1, warmupSteps: 4 }, [0, 1, 2, 4, 10])).toEqual([0, 0.25, 0.5, 1, 1]);
    expect(at({ kind: 'linearWarmup', from: 0.5, peak: 1, warmupSteps: 2 }, [0, 1, 2])).toEqual([0.5, 0.75, 1]);
    const cos = at({ kind: 'cosineDecay', init: 2, decaySteps: 4, alpha: 0.25 }, [0, 2, 4, 9]);
    [2, 2 * (0.75 * 0.5 + 0.25), 0.5, 0.5].forEach((v, i) => expect(cos[i]).toBeCloseTo(v, 15));
    const wc = at({ kind: 'warmupCosine', peak: 1, warmupSteps: 2, decaySteps: 6, end: 0.1 }, [0, 1, 2, 4, 6, 8]);
    [0, 0.5, 1, 0.55, 0.1, 0.1].forEach((v, i) => expect(wc[i]).toBeCloseTo(v, 15));
    expect(at({ kind: 'piecewise', init: 1, boundaries: [{ step: 2, scale: 0.5 }, { step: 4, scale: 0.1 }] }, [0, 1, 2, 3, 4, 100])).toEqual([1, 1, 0.5, 0.5, 0.05, 0.05]);
  });

  it('the schedule reads the step count from the optimiser state, so a resumed run continues it exactly', () => {
    const lr: nn.Schedule = { kind: 'warmupCosine', init: 0.01, peak: 0.1, warmupSteps: 3, decaySteps: 10 };
    const make = () => nn.adam({ lr });
    const p = tensor([1, -2, 3], [3], { dtype: 'f64' });
    const state = make().init(p);
    const steps = (opt: nn.Optimizer, from: Tensor, s: nn.OptState<Tensor>, n: number) => {
      let q = from, st = s;
      for (let i = 0; i < n; i++) ({ params: q, state: st } = opt.update(grad(quad)(q), st, q));
      return { q, st };
    };
    const straight = steps(make(), p, state, 8);
    const half = steps(make(), p, state, 4);
    // A fresh optimiser, as after loading a checkpoint: only the state carries the position.
    const resumed = steps(nn.optimizerFromConfig(JSON.parse(JSON.stringify(make().config))), half.q, half.st, 4);
    expect(leafBytes([resumed.q, resumed.st.slots.m!, resumed.st.slots.v!])).toEqual(leafBytes([straight.q, straight.st.slots.m!, straight.st.slots.v!]));
    expect(resumed.st.count.item()).toBe(8);
  });

  it('every schedule is positive over a long run where its config is valid (schedules never give NaN)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-5, max: 1, noNaN: true }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 200 }), (peak, warm, count) => {
        for (const s of [
          { kind: 'linearWarmup', from: peak / 10, peak, warmupSteps: warm },
          { kind: 'cosineDecay', init: peak, decaySteps: warm, alpha: 0.1 },
          { kind: 'warmupCosine', init: peak / 10, peak, warmupSteps: warm, decaySteps: warm + 5, end: peak / 100 },
        ] as const) {
          const v = nn.learningRateAt(s, count);
          expect(v > 0 && v <= peak * (1 + 1e-12)).toBe(true);
        }
      }),
      { seed: 18, numRuns: 100 },
    );
  });
});
