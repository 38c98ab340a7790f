import { describe, expect, expectTypeOf, it } from 'vitest';
import { ArgumentError, ShapeError, Tensor, add, avgPool2d, conv2d, elu, random, reshape, tensor, zeros, type Key } from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { leafBytes } from './fixtures.ts';

describe('layers', () => {
  const key = random.key(7);

  it('conv2d computes bias, padding and stride as the op does, with params {w [O, C, K, K], b [O]}', () => {
    const layer = nn.conv2d({ outChannels: 3, kernel: 3, stride: 2, padding: 1 });
    const params = layer.init(key, [2, 2, 7, 7]);
    expect(params.w.shape).toEqual([3, 2, 3, 3]);
    expect(params.b.shape).toEqual([3]);
    expect(layer.outputShape([5, 2, 7, 7])).toEqual([5, 3, 4, 4]);
    const b = tensor([1, -2, 0.5], [3]);
    const x = random.normal(random.key(1), [2, 2, 7, 7]);
    const y = layer.apply({ w: params.w, b }, x);
    expect(y.shape).toEqual([2, 3, 4, 4]);
    // Output element (n=1, o=1, 0, 0) by hand: window rows/cols -1..1 with zero padding.
    const xd = x.toArray() as number[][][][];
    const wd = params.w.toArray() as number[][][][];
    let acc = -2;
    for (let c = 0; c < 2; c++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const r = i - 1, col = j - 1;
      if (r >= 0 && col >= 0) acc += xd[1]![c]![r]![col]! * wd[1]![c]![i]![j]!;
    }
    expect((y.toArray() as number[][][][])[1]![1]![0]![0]).toBeCloseTo(acc, 5);
  });

  it('conv2d without bias has only w; "same" padding keeps the size', () => {
    const layer = nn.conv2d({ outChannels: 4, kernel: 5, padding: 'same', bias: false });
    const params = layer.init(key, [1, 1, 9, 9]);
    expect(Object.keys(params)).toEqual(['w']);
    expect(layer.apply(params, zeros([1, 1, 9, 9])).shape).toEqual([1, 4, 9, 9]);
  });

  it('dense is x·w + b and rejects inputs that are not [N, features]', () => {
    const layer = nn.dense(2);
    const params = layer.init(key, [1, 3]);
    const p = { w: tensor([1, 2, 3, 4, 5, 6], [3, 2]), b: tensor([10, 20], [2]) };
    expect(params.w.shape).toEqual([3, 2]);
    expect(layer.apply(p, tensor([1, 1, 1], [1, 3])).toArray()).toEqual([[19, 32]]);
    expect(() => layer.apply(p, zeros([1, 3, 1]) as never)).toThrow(ShapeError);
    expect(() => layer.apply(p, zeros([1, 4]))).toThrow(/parameter w has shape \[3, 2\]/);
  });

  it('activations, avgPool2d and flatten have no params and the expected values', () => {
    const x = tensor([-1, 0, 1, 2], [1, 1, 2, 2]);
    expect(nn.elu().apply({}, x).toFlatArray()).toEqual([Math.expm1(-1), 0, 1, 2].map(Math.fround));
    expect(nn.relu().apply({}, x).toFlatArray()).toEqual([0, 0, 1, 2]);
    expect(nn.sigmoid().apply({}, x).toFlatArray()[2]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(nn.avgPool2d({ size: 2 }).apply({}, x).toFlatArray()).toEqual([0.5]);
    expect(nn.flatten().apply({}, x).shape).toEqual([1, 4]);
    expect(nn.elu().init(key, [1, 1, 2, 2])).toEqual({});
  });

  it('sequential chains shapes through init and apply; its params are one entry per layer', () => {
    const net = nn.sequential(
      nn.conv2d({ outChannels: 4, kernel: 3, padding: 'same' }),
      nn.avgPool2d({ size: 2 }),
      nn.elu(),
      nn.flatten(),
      nn.dense(3),
    );
    const params = net.init(key, [2, 1, 8, 8]);
    expect(params).toHaveLength(5);
    expect(params[4].w.shape).toEqual([64, 3]);
    const y = net.apply(params, zeros([2, 1, 8, 8]));
    expectTypeOf(y).toEqualTypeOf<Tensor<[2, 3], 'f32'>>();
    expect(y.shape).toEqual([2, 3]);
    expect(net.outputShape([6, 1, 8, 8])).toEqual([6, 3]);
    // @ts-expect-error dense cannot take the rank-4 conv output: flatten is missing
    expect(() => nn.sequential(nn.conv2d({ outChannels: 2, kernel: 1 }), nn.dense(3)).apply([{}, {}] as never, zeros([1, 1, 2, 2]))).toThrow(ShapeError);
    expect(() => nn.sequential(nn.dense(3), nn.dense(2)).init(key, [1, 2, 2])).toThrow(/input must be \[N, features\]/);
    expect(() => net.apply([] as never, zeros([2, 1, 8, 8]))).toThrow(ArgumentError);
  });

  it('types: conv output size is computed from the input, widened shapes fall back to run-time checks', () => {
    const conv = nn.conv2d({ outChannels: 8, kernel: 5, padding: 'same', stride: 2 });
    expectTypeOf(conv.outputShape([4, 2, 128, 128] as const)).toEqualTypeOf<[4, 8, 64, 64]>();
    expectTypeOf(nn.avgPool2d({ size: 2 }).outputShape([4, 2, 12, 12] as const)).toEqualTypeOf<[4, 2, 6, 6]>();
    const widened = zeros([3, 2, 16, 16]) as Tensor<number[], 'f32'>;
    const out = conv.apply(conv.init(key, [1, 2, 16, 16]), widened);
    expectTypeOf(out).toEqualTypeOf<Tensor<number[], 'f32'>>();
    expect(out.shape).toEqual([3, 8, 8, 8]);
  });

  it('dtype option: f64 params on request, f32 by default; unknown dtypes are rejected', () => {
    const layer = nn.dense(2);
    expect(layer.init(key, [1, 3]).w.dtype).toBe('f32');
    expect(layer.init(key, [1, 3], { dtype: 'f64' }).w.dtype).toBe('f64');
    expect(() => layer.init(key, [1, 3], { dtype: 'f16' as never })).toThrow(ArgumentError);
  });

  it('bad layer options are ArgumentErrors naming the option', () => {
    expect(() => nn.conv2d({ outChannels: 0, kernel: 3 })).toThrow(/outChannels must be a positive integer/);
    expect(() => nn.dense(2.5)).toThrow(/units must be a positive integer/);
    expect(() => nn.dense(2, { init: 'lecun' as never })).toThrow(/unknown initializer lecun/);
    expect(() => nn.sequential()).toThrow(ArgumentError);
  });

  it('with named layers, sequential\'s params are a record keyed by name, and the key is split over the named layers', () => {
    const conv = nn.conv2d({ outChannels: 3, kernel: 3, padding: 'same' });
    const head = nn.dense(2);
    const net = nn.sequential(nn.named('features', conv), nn.avgPool2d({ size: 2 }), nn.elu(), nn.flatten(), nn.named('head', head));
    const params = net.init(key, [1, 1, 4, 4]);
    expectTypeOf(params).toEqualTypeOf<{ features: nn.WithBias<true>; head: nn.WithBias<true> }>();
    expect(Object.keys(params)).toEqual(['features', 'head']);
    const [k0, k1] = random.split(key, 2) as [Key, Key];
    expect(leafBytes([params.features.w, params.head.w])).toEqual(leafBytes([conv.init(k0, [1, 1, 4, 4]).w, head.init(k1, [1, 12]).w]));
    const y = net.apply(params, zeros([5, 1, 4, 4]));
    expectTypeOf(y).toEqualTypeOf<Tensor<[5, 2], 'f32'>>();
    expect(y.shape).toEqual([5, 2]);
    expect(net.kind).toBe('sequential(features: conv2d 3×3 → 3, avgPool2d 2×2, elu, flatten, head: dense → 2)');
  });

  it('bad names are ArgumentErrors, and params without a named layer\'s entry are a ShapeError naming it', () => {
    expect(() => nn.named('', nn.dense(2))).toThrow(/a layer's name must be a non-empty string/);
    expect(() => nn.sequential(nn.named('a', nn.dense(2)), nn.named('a', nn.dense(2)))).toThrow(expect.objectContaining({ name: 'ArgumentError', message: expect.stringMatching(/two layers are named "a"/) }));
    expect(() => nn.sequential(nn.named('a', nn.dense(2)), nn.dense(2)).init(key, [1, 3])).toThrow(/layer 1 \(dense → 2\) has parameters: name it with nn.named/);
    const net = nn.sequential(nn.named('a', nn.dense(2)), nn.elu(), nn.named('b', nn.dense(1)));
    const params = net.init(key, [1, 3]);
    expect(() => net.apply({ a: params.a } as never, zeros([1, 3]))).toThrow(expect.objectContaining({ name: 'ShapeError', message: expect.stringMatching(/params have no layer "b"/) }));
  });

  it('a conv\'s bias moves after a following average pool (the same map on fewer elements); elsewhere it stays where it is', () => {
    const x = random.normal(random.key(2), [2, 2, 6, 6]);
    const conv = nn.conv2d({ outChannels: 3, kernel: 3, padding: 'same' });
    const p = { w: conv.init(key, [1, 2, 6, 6]).w, b: tensor([0.5, -1, 2], [3]) };
    const b4 = reshape(p.b, [1, 3, 1, 1]);
    const pooled = nn.sequential(conv, nn.avgPool2d({ size: 2 })).apply([p, {}], x);
    // To the bit what pool-then-bias computes, and within rounding of bias-then-pool.
    const pw = p.w as Tensor<[3, 2, 3, 3]>;
    expect(leafBytes([pooled])).toEqual(leafBytes([add(avgPool2d(conv2d(x, pw, { padding: 'same' }), { size: 2 }), b4)]));
    const literal = avgPool2d(add(conv2d(x, pw, { padding: 'same' }), b4), { size: 2 });
    pooled.toFlatArray().forEach((v, i) => expect(Math.abs(v - literal.toFlatArray()[i]!)).toBeLessThan(1e-5));
    const activated = nn.sequential(conv, nn.elu()).apply([p, {}], x);
    expect(leafBytes([activated])).toEqual(leafBytes([elu(add(conv2d(x, pw, { padding: 'same' }), b4))]));
  });

  it('toModel binds a layer to an input shape and checks inputs', () => {
    const model = nn.toModel(nn.sequential(nn.dense(4), nn.elu(), nn.dense(1)), [1, 2]);
    const params = model.init(key);
    expect(model.apply(params, zeros([5, 2])).shape).toEqual([5, 1]);
    expect(() => model.apply(params, zeros([5, 3]))).toThrow(ShapeError);
  });
});

describe('initialisers', () => {
  const n = 20000;
  const stats = (t: Tensor) => {
    const d = t.toFlatArray();
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const variance = d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length;
    return { mean, variance, max: Math.max(...d.map(Math.abs)) };
  };

  it('He and Glorot scales follow the fans of dense and conv weights', () => {
    expect(nn.fansOf([30, 20])).toEqual({ fanIn: 30, fanOut: 20 });
    expect(nn.fansOf([8, 4, 3, 3])).toEqual({ fanIn: 36, fanOut: 72 });
    const he = stats(nn.heNormal(random.key(1), [n / 50, 50]));
    expect(he.mean).toBeCloseTo(0, 2);
    expect(he.variance / (2 / (n / 50))).toBeGreaterThan(0.95);
    expect(he.variance / (2 / (n / 50))).toBeLessThan(1.05);
    const gu = stats(nn.glorotUniform(random.key(2), [100, 200]));
    const limit = Math.sqrt(6 / 300);
    expect(gu.max).toBeLessThanOrEqual(limit);
    expect(gu.variance / (limit ** 2 / 3)).toBeGreaterThan(0.95);
    expect(gu.variance / (limit ** 2 / 3)).toBeLessThan(1.05);
    const gn = stats(nn.glorotNormal(random.key(3), [16, 8, 5, 5], { dtype: 'f64' }));
    expect(gn.variance / (2 / (8 * 25 + 16 * 25))).toBeGreaterThan(0.9);
    expect(gn.variance / (2 / (8 * 25 + 16 * 25))).toBeLessThan(1.1);
    const hu = nn.heUniform(random.key(4), [50, 10]);
    expect(Math.max(...hu.toFlatArray().map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 50));
  });

  it('is a pure function of the key', () => {
    expect(nn.heNormal(random.key(5), [4, 4]).toFlatArray()).toEqual(nn.heNormal(random.key(5), [4, 4]).toFlatArray());
    expect(nn.heNormal(random.key(5), [4, 4]).toFlatArray()).not.toEqual(nn.heNormal(random.key(6), [4, 4]).toFlatArray());
  });

  it('rejects shapes without fans', () => {
    expect(() => nn.heNormal(random.key(1), [2, 2, 2])).toThrow(ShapeError);
    expect(() => nn.heNormal(random.key(1), [0, 3])).toThrow(ArgumentError);
  });
});
