import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  DTypeError, ShapeError, Tensor, type Shape, concat, div, grad, mean, mul, ones, random, slice, square, sub, sum, treeFlatten, treeUnflatten, vjp, zeros,
} from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';

describe('paperCnn config', () => {
  it('fills the paper defaults and is JSON data', () => {
    const model = nn.paperCnn();
    expect(model.config).toEqual({ inputSize: 128, inChannels: 2, channels: [16, 32, 64], hidden: [256, 128], pool: 2, padding: 'same', dtype: 'f32' });
    expect(JSON.parse(JSON.stringify(model.config))).toEqual(model.config);
    expect(model.architecture).toEqual([
      'conv1 5×5 → avgpool 2 → elu: [N, 16, 64, 64]',
      'conv2 3×3 → avgpool 2 → elu: [N, 32, 32, 32]',
      'conv3 3×3 → avgpool 2 → elu: [N, 64, 16, 16]',
      'flatten: [N, 16384]',
      'dense1 → elu: [N, 256]',
      'dense2 → elu: [N, 128]',
      'logit: [N, 1]',
    ]);
    expect(nn.paperCnn({ inputSize: 512 }).architecture[3]).toBe('flatten: [N, 262144]');
  });

  it('lists every problem of a bad config in one ConfigError', () => {
    const r = nn.validateCnnConfig({ inputSize: 0, channels: [16, -1], hidden: 'wide', pool: 2.5, padding: 'full', dtype: 'f16', kernel: 3 });
    expect(E.isLeft(r)).toBe(true);
    const err = (r as E.Left<nn.ConfigError>).left;
    expect(err).toBeInstanceOf(nn.ConfigError);
    expect(err.problems).toEqual([
      'unknown option "kernel" (known: inputSize, inChannels, channels, hidden, pool, padding, dtype)',
      'inputSize must be a positive integer, got 0',
      'channels[1] must be a positive integer, got -1',
      'hidden must be an array of positive integers, got "wide"',
      'pool must be a positive integer, got 2.5',
      "padding must be 'same' or 'valid', got \"full\"",
      "dtype must be 'f32' or 'f64', got \"f16\"",
    ]);
    expect(() => nn.paperCnn({ inputSize: 4 })).toThrow(/inputSize 4 is too small: block 3 gets a 1×1 map/);
    expect(() => nn.paperCnn({ channels: [] })).toThrow(/channels must not be empty/);
    expect(() => nn.paperCnn(null as never)).toThrow(nn.ConfigError);
  });
});

describe('paperCnn', () => {
  const small = { inputSize: 16, channels: [3, 4, 5], hidden: [6], inChannels: 2 } as const;

  it('maps [N, C, S, S] to logits [N, 1], with params named by layer', () => {
    const model = nn.paperCnn(small);
    const params = model.init(random.key(0));
    expect(Object.keys(params).sort()).toEqual(['conv1', 'conv2', 'conv3', 'dense1', 'logit']);
    expect(params.conv1!.w.shape).toEqual([3, 2, 5, 5]);
    expect(params.conv2!.w.shape).toEqual([4, 3, 3, 3]);
    expect(params.dense1!.w.shape).toEqual([5 * 2 * 2, 6]);
    expect(params.logit!.w.shape).toEqual([6, 1]);
    const x = random.normal(random.key(1), [3, 2, 16, 16]);
    const y = model.apply(params, x);
    expectTypeOf(y).toEqualTypeOf<Tensor<[3, 1], 'f32'>>();
    expect(y.shape).toEqual([3, 1]);
    // Samples are independent: a batch gives each sample's own logit.
    const single = model.apply(params, slice(x, [1, 0, 0, 0], [1, 2, 16, 16]));
    expect(single.item()).toBeCloseTo(y.toFlatArray()[1]!, 5);
  });

  it("'valid' padding shrinks the maps", () => {
    const model = nn.paperCnn({ ...small, inputSize: 32, padding: 'valid' });
    expect(model.architecture.slice(0, 3)).toEqual(['conv1 5×5 → avgpool 2 → elu: [N, 3, 14, 14]', 'conv2 3×3 → avgpool 2 → elu: [N, 4, 6, 6]', 'conv3 3×3 → avgpool 2 → elu: [N, 5, 2, 2]']);
    expect(model.apply(model.init(random.key(0)), zeros([1, 2, 32, 32])).shape).toEqual([1, 1]);
  });

  it('wrong inputs are rejected: by the type checker where shapes are known, at run time always', () => {
    const model = nn.paperCnn(small);
    const params = model.init(random.key(0));
    // @ts-expect-error one channel where the model takes two
    expect(() => model.apply(params, zeros([1, 1, 16, 16]))).toThrow(ShapeError);
    expect(() => model.apply(params, zeros([1, 2, 16, 16]) as Tensor<number[], 'f32'>)).not.toThrow();
    expect(() => model.apply(params, zeros([1, 2, 8, 8]) as Tensor<number[], 'f32'>)).toThrow(/input must be \[N, 2, 16, 16\]/);
    // @ts-expect-error an f64 input for an f32 model
    expect(() => model.apply(params, zeros([1, 2, 16, 16], { dtype: 'f64' }))).toThrow(DTypeError);
    expect(() => model.apply(params, zeros([1, 2, 16, 16], { dtype: 'f64' }) as Tensor)).toThrow(/input is f64 but the model is configured for f32/);
    expect(() => model.apply({ conv1: params.conv1! }, zeros([1, 2, 16, 16]))).toThrow(/no layer "conv2"/);
  });

  it('init is deterministic in the key and honours dtype', () => {
    const model = nn.paperCnn(small);
    const a = treeFlatten(model.init(random.key(3))).leaves.map((l) => l.toFlatArray());
    const b = treeFlatten(model.init(random.key(3))).leaves.map((l) => l.toFlatArray());
    expect(a).toEqual(b);
    expect(treeFlatten(nn.paperCnn({ ...small, dtype: 'f64' }).init(random.key(3))).leaves.every((l) => l.dtype === 'f64')).toBe(true);
  });

  const tiny = () => {
    const model = nn.paperCnn({ inputSize: 8, inChannels: 2, channels: [2, 3, 2], hidden: [3, 2], pool: 2, dtype: 'f64' });
    // Non-zero biases so every term of the gradient is exercised.
    const { leaves, def } = treeFlatten(model.init(random.key(11)));
    const shifted = leaves.map((l, i) => (l.shape.length === 1 ? random.normal(random.key(100 + i), l.shape, { dtype: 'f64', std: 0.3 }) : l));
    return { model, def, leaves: shifted, params: treeUnflatten<nn.CnnParams>(def, shifted), x: random.normal(random.key(12), [3, 2, 8, 8], { dtype: 'f64' }) };
  };

  /** Checks every entry of grad(loss) against (loss(p + h) − loss(p − h)) / 2h, to 1e-7 + 1e-6 relative; returns how many were checked. */
  function checkAllParams(loss: (p: nn.CnnParams) => Tensor, t: ReturnType<typeof tiny>): number {
    const g = treeFlatten(grad(loss)(t.params)).leaves;
    const h = 1e-5;
    let checked = 0;
    t.leaves.forEach((leaf, li) => {
      const base = leaf.toFlatArray();
      for (let j = 0; j < base.length; j++) {
        const at = (delta: number) => {
          const data = Float64Array.from(base);
          data[j]! += delta;
          const moved = t.leaves.map((l, k) => (k === li ? Tensor.fromBuffer(l.shape, 'f64', data) : l));
          return loss(treeUnflatten<nn.CnnParams>(t.def, moved)).item();
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(g[li]!.data[j]! - numeric)).toBeLessThan(1e-7 + 1e-6 * Math.abs(numeric));
        checked++;
      }
    });
    return checked;
  }
  const paramCount = 2 * 2 * 25 + 2 + 3 * 2 * 9 + 3 + 2 * 3 * 9 + 2 + 2 * 3 + 3 + 3 * 2 + 2 + 2 + 1;

  it('the parameter gradient matches central differences in f64 (every parameter of a tiny config)', () => {
    const t = tiny();
    const loss = (p: nn.CnnParams) => nn.bceWithLogits(t.model.apply(p, t.x), [1, 0, 1], { posWeight: 2 });
    expect(checkAllParams(loss, t)).toBe(paramCount);
  });

  it('second order: the parameter gradient of a loss containing ∇ₓf (an alignment reward) matches central differences', () => {
    const t = tiny();
    const v = random.normal(random.key(13), [3, 1, 8, 8], { dtype: 'f64' });
    const mask = slice(t.x, [0, 1, 0, 0], [3, 1, 8, 8]);
    const ct = slice(t.x, [0, 0, 0, 0], [3, 1, 8, 8]);
    const loss = (p: nn.CnnParams) => {
      const [logits, pullback] = vjp((c: Tensor<Shape, 'f64'>) => t.model.apply(p, concat([c, mask], 1) as Tensor<number[], 'f64'>) as Tensor<number[], 'f64'>, ct);
      const [g] = pullback(ones([3, 1], { dtype: 'f64' })) as [Tensor];
      const cos2 = div(square(sum(mul(g, v), [1, 2, 3])), mul(sum(square(g), [1, 2, 3]), sum(square(v), [1, 2, 3])));
      return sub(nn.bceWithLogits(logits, [1, 0, 1]), mul(mean(cos2), 0.5));
    };
    expect(checkAllParams(loss, t)).toBe(paramCount);
  });
});
