/**
 * matmul (batched, broadcast batches, transpose flags), conv2d (every padding and stride,
 * kernels 1–5), avgPool2d and maxPool2d through the public ops, against naive f64 loops; adjoint identities
 * for the conv family and for pooling; f32 against f64.
 *
 * Tolerances are the recursive-summation bound: a result built from `terms` products is within
 * (terms + 1)·u·Σ|products| of the exact value, u the dtype's unit roundoff.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as F from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import {
  broadcastableTo, dtypeArb, expectExact, expectWithin, flat, inner, make, naiveAvgPool, naiveMaxPool, naiveConv2d, naiveMatmul, naiveTranspose, seedArb, shapeArb, sizeOf,
  unitRoundoff, values, type Dt, type Padding,
} from './naive.ts';

// The typed signatures need literal shapes; these tests draw shapes at run time.
const matmul = F.matmul as unknown as (a: Tensor, b: Tensor) => Tensor;
const conv2d = F.conv2d as unknown as (x: Tensor, w: Tensor, o?: { stride?: number; padding?: Padding }) => Tensor;
const avgPool2d = F.avgPool2d as unknown as (x: Tensor, o: { size: number; stride?: number }) => Tensor;
const maxPool2d = F.maxPool2d as unknown as (x: Tensor, o: { size: number; stride?: number }) => Tensor;

const bound = (dt: Dt, terms: number, abs: readonly number[]) => (i: number) => (terms + 1) * unitRoundoff(dt) * abs[i]! + 1e-300;

describe('matmul', () => {
  const caseArb = fc.record({
    batch: shapeArb(0, 3, 3),
    m: fc.integer({ min: 1, max: 6 }),
    k: fc.integer({ min: 0, max: 6 }),
    n: fc.integer({ min: 1, max: 6 }),
    seed: seedArb,
    dt: dtypeArb,
  }).chain((c) => fc.tuple(broadcastableTo(c.batch), broadcastableTo(c.batch)).map(([ba, bb]) => ({ ...c, ba, bb })));

  it('multiplies batched matrices with broadcast batch dimensions', () => {
    fc.assert(
      fc.property(caseArb, ({ ba, bb, m, k, n, seed, dt }) => {
        const sa = [...ba, m, k];
        const sb = [...bb, k, n];
        const a = make(sa, values(seed, sizeOf(sa)), dt);
        const b = make(sb, values(seed + 1, sizeOf(sb)), dt);
        const ref = naiveMatmul(a.v, sa, b.v, sb);
        const got = matmul(a.t, b.t);
        expect(got.dtype).toBe(dt);
        expectWithin(got, ref.shape, ref.v, bound(dt, k, ref.abs), `matmul ${JSON.stringify(sa)} × ${JSON.stringify(sb)}`);
      }),
      { numRuns: 100 },
    );
  });

  it('multiplies matrices large enough for the blocked kernel, with ragged edges and a shared right operand', () => {
    const bigArb = fc.record({
      batch: fc.integer({ min: 1, max: 2 }),
      m: fc.integer({ min: 9, max: 37 }),
      k: fc.integer({ min: 9, max: 37 }),
      n: fc.integer({ min: 9, max: 37 }),
      shareB: fc.boolean(),
      seed: seedArb,
      dt: dtypeArb,
    });
    fc.assert(
      fc.property(bigArb, ({ batch, m, k, n, shareB, seed, dt }) => {
        const sa = [batch, m, k];
        const sb = shareB ? [k, n] : [batch, k, n];
        const a = make(sa, values(seed, sizeOf(sa)), dt);
        const b = make(sb, values(seed + 1, sizeOf(sb)), dt);
        const ref = naiveMatmul(a.v, sa, b.v, sb);
        expectWithin(matmul(a.t, b.t), ref.shape, ref.v, bound(dt, k, ref.abs), `matmul ${JSON.stringify(sa)} × ${JSON.stringify(sb)}`);
      }),
      { numRuns: 25 },
    );
  });

  it('matmulT with transpose flags equals matmul of the transposed operands', () => {
    const tArb = fc.record({
      batch: shapeArb(0, 2, 3),
      aBatched: fc.boolean(),
      bBatched: fc.boolean(),
      m: fc.integer({ min: 1, max: 6 }),
      k: fc.integer({ min: 1, max: 6 }),
      n: fc.integer({ min: 1, max: 6 }),
      transA: fc.boolean(),
      transB: fc.boolean(),
      seed: seedArb,
      dt: dtypeArb,
    });
    fc.assert(
      fc.property(tArb, ({ batch, aBatched, bBatched, m, k, n, transA, transB, seed, dt }) => {
        // matmulT broadcasts a batch only when the other operand has none (batch size 1)
        const ba = aBatched ? batch : [];
        const bb = bBatched ? batch : [];
        const sa = [...ba, m, k];
        const sb = [...bb, k, n];
        const a = make(sa, values(seed, sizeOf(sa)), dt);
        const b = make(sb, values(seed + 1, sizeOf(sb)), dt);
        const swapLast = (s: readonly number[]) => [...s.slice(0, -2).map((_, i) => i), s.length - 1, s.length - 2];
        const storedA = transA ? make(swapLast(sa).map((p) => sa[p]!), naiveTranspose(a.v, sa, swapLast(sa)).v, dt).t : a.t;
        const storedB = transB ? make(swapLast(sb).map((p) => sb[p]!), naiveTranspose(b.v, sb, swapLast(sb)).v, dt).t : b.t;
        const ref = naiveMatmul(a.v, sa, b.v, sb);
        expectWithin(F.matmulT(storedA, storedB, { transA, transB }), ref.shape, ref.v, bound(dt, k, ref.abs), `matmulT transA=${transA} transB=${transB}`);
      }),
      { numRuns: 100 },
    );
  });

  it('f32 agrees with f64 within the f32 bound', () => {
    fc.assert(
      fc.property(caseArb, ({ ba, bb, m, k, n, seed }) => {
        const sa = [...ba, m, k];
        const sb = [...bb, k, n];
        const a = make(sa, values(seed, sizeOf(sa)), 'f32');
        const b = make(sb, values(seed + 1, sizeOf(sb)), 'f32');
        const ref = naiveMatmul(a.v, sa, b.v, sb);
        const want = matmul(F.astype(a.t, 'f64'), F.astype(b.t, 'f64'));
        expectWithin(matmul(a.t, b.t), ref.shape, flat(want), bound('f32', k + 1, ref.abs), 'matmul f32 vs f64');
      }),
      { numRuns: 50 },
    );
  });
});

const paddingArb: fc.Arbitrary<Padding> = fc.oneof(fc.constant<Padding>('same'), fc.constant<Padding>('valid'), fc.integer({ min: 0, max: 2 }));

/** A conv geometry whose kernel fits the padded input ('same' always fits). */
const convArb = (maxC = 3, maxExtra = 5) =>
  fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      c: fc.integer({ min: 1, max: maxC }),
      o: fc.integer({ min: 1, max: 3 }),
      kh: fc.integer({ min: 1, max: 5 }),
      kw: fc.integer({ min: 1, max: 5 }),
      stride: fc.integer({ min: 1, max: 3 }),
      padding: paddingArb,
      eh: fc.integer({ min: 0, max: maxExtra }),
      ew: fc.integer({ min: 0, max: maxExtra }),
      seed: seedArb,
      dt: dtypeArb,
    })
    .map((g) => {
      const p = g.padding === 'same' || g.padding === 'valid' ? 0 : g.padding;
      const min = (k: number) => (g.padding === 'same' ? 1 : Math.max(1, k - 2 * p));
      return { ...g, h: min(g.kh) + g.eh, w: min(g.kw) + g.ew };
    });

describe('conv2d', () => {
  it('matches the naive cross-correlation for every padding, stride 1–3 and kernels 1–5', () => {
    fc.assert(
      fc.property(convArb(), ({ n, c, o, kh, kw, stride, padding, h, w, seed, dt }) => {
        const xs = [n, c, h, w];
        const ws = [o, c, kh, kw];
        const x = make(xs, values(seed, sizeOf(xs)), dt);
        const wt = make(ws, values(seed + 1, sizeOf(ws)), dt);
        const ref = naiveConv2d(x.v, xs, wt.v, ws, stride, padding);
        const got = conv2d(x.t, wt.t, { stride, padding });
        expect(got.dtype).toBe(dt);
        expectWithin(got, ref.shape, ref.v, bound(dt, c * kh * kw, ref.abs), `conv2d x${JSON.stringify(xs)} w${JSON.stringify(ws)} stride ${stride} padding ${padding}`);
      }),
      { numRuns: 300 },
    );
  });

  it('matches the naive cross-correlation when the reduction spans several packed panels (C·KH·KW > 256)', () => {
    const wideArb = fc.record({
      c: fc.integer({ min: 11, max: 13 }),
      stride: fc.integer({ min: 1, max: 2 }),
      padding: paddingArb,
      h: fc.integer({ min: 5, max: 10 }),
      w: fc.integer({ min: 5, max: 10 }),
      seed: seedArb,
      dt: dtypeArb,
    });
    fc.assert(
      fc.property(wideArb, ({ c, stride, padding, h, w, seed, dt }) => {
        const xs = [1, c, h, w];
        const ws = [3, c, 5, 5];
        const x = make(xs, values(seed, sizeOf(xs)), dt);
        const wt = make(ws, values(seed + 1, sizeOf(ws)), dt);
        const ref = naiveConv2d(x.v, xs, wt.v, ws, stride, padding);
        expectWithin(conv2d(x.t, wt.t, { stride, padding }), ref.shape, ref.v, bound(dt, c * 25, ref.abs), 'wide conv2d');
      }),
      { numRuns: 8 },
    );
  });

  it('adjoints: ⟨conv2d(x, w), y⟩ = ⟨x, conv2dInputAdjoint(y, w, p)⟩ = ⟨w, conv2dFilterAdjoint(x, y, p)⟩ (f64)', () => {
    fc.assert(
      fc.property(convArb(), ({ n, c, o, kh, kw, stride, padding, h, w, seed }) => {
        const xs = [n, c, h, w];
        const ws = [o, c, kh, kw];
        const x = make(xs, values(seed, sizeOf(xs)), 'f64');
        const wt = make(ws, values(seed + 1, sizeOf(ws)), 'f64');
        const p = F.convParams('conv2d', xs, ws, stride, padding);
        const ys = [n, o, p.outH, p.outW];
        const y = make(ys, values(seed + 2, sizeOf(ys)), 'f64');
        const forward = inner(flat(conv2d(x.t, wt.t, { stride, padding })), y.v);
        const dx = F.conv2dInputAdjoint(y.t, wt.t, p);
        const dw = F.conv2dFilterAdjoint(x.t, y.t, p);
        expect([dx.shape, dw.shape]).toEqual([xs, ws]);
        const viaInput = inner(x.v, flat(dx));
        const viaFilter = inner(wt.v, flat(dw));
        // each side is a sum of at most |y|·C·KH·KW products; Σ|x||w||y| bounds their magnitudes
        const scale = inner(flat(conv2d(F.abs(x.t), F.abs(wt.t), { stride, padding })), y.v.map(Math.abs)).value;
        const tol = 2 * (y.v.length * c * kh * kw + 1) * unitRoundoff('f64') * scale + 1e-300;
        expect(Math.abs(forward.value - viaInput.value)).toBeLessThanOrEqual(tol);
        expect(Math.abs(forward.value - viaFilter.value)).toBeLessThanOrEqual(tol);
      }),
      { numRuns: 200 },
    );
  });

  it('f32 agrees with f64 within the f32 bound', () => {
    fc.assert(
      fc.property(convArb(), ({ n, c, o, kh, kw, stride, padding, h, w, seed }) => {
        const xs = [n, c, h, w];
        const ws = [o, c, kh, kw];
        const x = make(xs, values(seed, sizeOf(xs)), 'f32');
        const wt = make(ws, values(seed + 1, sizeOf(ws)), 'f32');
        const ref = naiveConv2d(x.v, xs, wt.v, ws, stride, padding);
        const want = conv2d(F.astype(x.t, 'f64'), F.astype(wt.t, 'f64'), { stride, padding });
        expectWithin(conv2d(x.t, wt.t, { stride, padding }), ref.shape, flat(want), bound('f32', c * kh * kw + 1, ref.abs), 'conv2d f32 vs f64');
      }),
      { numRuns: 50 },
    );
  });
});

const poolArb = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 3 }),
    size: fc.integer({ min: 1, max: 4 }),
    stride: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    eh: fc.integer({ min: 0, max: 6 }),
    ew: fc.integer({ min: 0, max: 6 }),
    seed: seedArb,
    dt: dtypeArb,
  })
  .map((g) => ({ ...g, h: g.size + g.eh, w: g.size + g.ew }));

describe('avgPool2d', () => {
  it('averages size×size windows at the stride (default: the size), dropping windows that overrun', () => {
    fc.assert(
      fc.property(poolArb, ({ n, c, size, stride, h, w, seed, dt }) => {
        const xs = [n, c, h, w];
        const x = make(xs, values(seed, sizeOf(xs)), dt);
        const ref = naiveAvgPool(x.v, xs, size, stride ?? size);
        const got = avgPool2d(x.t, stride === undefined ? { size } : { size, stride });
        expect(got.dtype).toBe(dt);
        expectWithin(got, ref.shape, ref.v, bound(dt, size * size + 1, ref.abs), `avgPool2d ${JSON.stringify(xs)} size ${size} stride ${stride}`);
      }),
      { numRuns: 100 },
    );
  });

  it('adjoint: ⟨avgPool2d(x), y⟩ = ⟨x, avgPool2dAdjoint(y, p)⟩ (f64)', () => {
    fc.assert(
      fc.property(poolArb, ({ n, c, size, stride, h, w, seed }) => {
        const xs = [n, c, h, w];
        const s = stride ?? size;
        const x = make(xs, values(seed, sizeOf(xs)), 'f64');
        const p = F.poolParams('avgPool2d', xs, size, s);
        const ys = [n, c, p.outH, p.outW];
        const y = make(ys, values(seed + 1, sizeOf(ys)), 'f64');
        const lhs = inner(flat(avgPool2d(x.t, { size, stride: s })), y.v);
        const adj = F.avgPool2dAdjoint(y.t, p);
        expect(adj.shape).toEqual(xs);
        const rhs = inner(x.v, flat(adj));
        // each side sums at most |y|·size² products; ⟨avgPool2d(|x|), |y|⟩ bounds their magnitudes
        const scale = inner(flat(avgPool2d(F.abs(x.t), { size, stride: s })), y.v.map(Math.abs)).value;
        const tol = 2 * (y.v.length * size * size + 2) * unitRoundoff('f64') * scale + 1e-300;
        expect(Math.abs(lhs.value - rhs.value)).toBeLessThanOrEqual(tol);
      }),
      { numRuns: 100 },
    );
  });
});

describe('maxPool2d', () => {
  it('takes the maximum of size×size windows at the stride (default: the size), exactly, dropping windows that overrun', () => {
    fc.assert(
      fc.property(poolArb, ({ n, c, size, stride, h, w, seed, dt }) => {
        const xs = [n, c, h, w];
        const x = make(xs, values(seed, sizeOf(xs)), dt);
        const ref = naiveMaxPool(flat(x.t), xs, size, stride ?? size);
        expectExact(maxPool2d(x.t, stride === undefined ? { size } : { size, stride }), ref.shape, ref.v, `maxPool2d ${JSON.stringify(xs)} size ${size} stride ${stride}`);
      }),
      { numRuns: 100 },
    );
  });

  it('records the first maximum of a tied window, and routes only through it', () => {
    const x = F.tensor([5, 5, 1, 5], [1, 1, 2, 2], { dtype: 'f64' });
    const p = F.poolParams('maxPool2d', x.shape, 2, 2);
    expect(flat(F.maxPool2dArgmax(x, p))).toEqual([0]);
    expect(flat(F.grad((t: Tensor) => F.sum(maxPool2d(t, { size: 2 })))(x))).toEqual([1, 0, 0, 0]);
  });

  it('adjoint: ⟨maxPool2dRoute(t, i), y⟩ = ⟨t, maxPool2dRouteAdjoint(y, i)⟩ (f64)', () => {
    fc.assert(
      fc.property(poolArb, ({ n, c, size, stride, h, w, seed }) => {
        const xs = [n, c, h, w];
        const p = F.poolParams('maxPool2d', xs, size, stride ?? size);
        const index = F.maxPool2dArgmax(make(xs, values(seed, sizeOf(xs)), 'f64').t, p);
        const t = make(xs, values(seed + 1, sizeOf(xs)), 'f64');
        const y = make([n, c, p.outH, p.outW], values(seed + 2, n * c * p.outH * p.outW), 'f64');
        const lhs = inner(flat(F.maxPool2dRoute(t.t, index, p)), y.v);
        const rhs = inner(t.v, flat(F.maxPool2dRouteAdjoint(y.t, index, p)));
        // both sides add the same products, in different orders
        expect(Math.abs(lhs.value - rhs.value)).toBeLessThanOrEqual(2 * (y.v.length + 2) * unitRoundoff('f64') * lhs.abs + 1e-300);
      }),
      { numRuns: 100 },
    );
  });
});
