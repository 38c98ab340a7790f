import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matmul, tileRows } from '../src/tensor/kernels/matmul.ts';
import { conv2d, conv2dFilterAdjoint, conv2dInputAdjoint } from '../src/tensor/kernels/conv.ts';
import { avgPool2d, avgPool2dAdjoint } from '../src/tensor/kernels/pool.ts';
import type { Conv2dGeometry, FloatArray, MatmulGeometry, Pool2dGeometry } from '../src/tensor/kernels/types.ts';

// ---------------------------------------------------------------------------------------------
// helpers

type DT = 'f32' | 'f64';

/** Deterministic xorshift so shrinking reproduces the same data for the same seed. */
function rand(len: number, seed: number, dt: DT): FloatArray {
  const a = dt === 'f32' ? new Float32Array(len) : new Float64Array(len);
  let s = (seed | 0) ^ 0x9e3779b9;
  if (s === 0) s = 1;
  for (let i = 0; i < len; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}

function nanFilled(len: number, dt: DT): FloatArray {
  const a = dt === 'f32' ? new Float32Array(len) : new Float64Array(len);
  a.fill(Number.NaN);
  return a;
}

const relTol = (dt: DT): number => (dt === 'f32' ? 1e-4 : 1e-10);

/** Every got[i] must equal ref[i] within tol · (sum of |terms|)[i] (plus a tiny absolute floor). */
function expectClose(got: FloatArray, ref: Float64Array, scale: Float64Array, dt: DT, what: string): void {
  expect(got.length).toBe(ref.length);
  const tol = relTol(dt);
  for (let i = 0; i < ref.length; i++) {
    const g = got[i]!;
    const err = Math.abs(g - ref[i]!);
    if (!(err <= tol * scale[i]! + 1e-300)) {
      throw new Error(`${what}: index ${i}: got ${g}, expected ${ref[i]} (|terms| ${scale[i]}, err ${err})`);
    }
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): [number, number] {
  let s = 0, sa = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i]! * b[i]!;
    s += t;
    sa += Math.abs(t);
  }
  return [s, sa];
}

// ---------------------------------------------------------------------------------------------
// references (plain f64)

function refMatmul(a: FloatArray, b: FloatArray, g: MatmulGeometry): [Float64Array, Float64Array] {
  const { batch, m, k, n, transA, transB, aBatchStride, bBatchStride } = g;
  const out = new Float64Array(batch * m * n), sc = new Float64Array(batch * m * n);
  for (let bt = 0; bt < batch; bt++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0, sa = 0;
        for (let p = 0; p < k; p++) {
          const av = a[bt * aBatchStride + (transA ? p * m + i : i * k + p)]!;
          const bv = b[bt * bBatchStride + (transB ? j * k + p : p * n + j)]!;
          s += av * bv;
          sa += Math.abs(av * bv);
        }
        out[(bt * m + i) * n + j] = s;
        sc[(bt * m + i) * n + j] = sa;
      }
  return [out, sc];
}

function convSizes(g: Conv2dGeometry) {
  return {
    x: g.n * g.c * g.h * g.w,
    w: g.o * g.c * g.kh * g.kw,
    y: g.n * g.o * g.outH * g.outW,
  };
}

/** Calls visit(xIndex, wIndex, yIndex) for every term of the convolution. */
function forEachConvTerm(g: Conv2dGeometry, visit: (xi: number, wi: number, yi: number) => void): void {
  for (let b = 0; b < g.n; b++)
    for (let oc = 0; oc < g.o; oc++)
      for (let oy = 0; oy < g.outH; oy++)
        for (let ox = 0; ox < g.outW; ox++)
          for (let ic = 0; ic < g.c; ic++)
            for (let ky = 0; ky < g.kh; ky++)
              for (let kx = 0; kx < g.kw; kx++) {
                const iy = oy * g.strideH - g.padTop + ky;
                const ix = ox * g.strideW - g.padLeft + kx;
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                visit(
                  ((b * g.c + ic) * g.h + iy) * g.w + ix,
                  ((oc * g.c + ic) * g.kh + ky) * g.kw + kx,
                  ((b * g.o + oc) * g.outH + oy) * g.outW + ox,
                );
              }
}

function refConv(x: FloatArray, w: FloatArray, g: Conv2dGeometry): [Float64Array, Float64Array] {
  const s = convSizes(g);
  const out = new Float64Array(s.y), sc = new Float64Array(s.y);
  forEachConvTerm(g, (xi, wi, yi) => {
    const t = x[xi]! * w[wi]!;
    out[yi] = out[yi]! + t;
    sc[yi] = sc[yi]! + Math.abs(t);
  });
  return [out, sc];
}

function refConvInputAdj(y: FloatArray, w: FloatArray, g: Conv2dGeometry): [Float64Array, Float64Array] {
  const s = convSizes(g);
  const out = new Float64Array(s.x), sc = new Float64Array(s.x);
  forEachConvTerm(g, (xi, wi, yi) => {
    const t = y[yi]! * w[wi]!;
    out[xi] = out[xi]! + t;
    sc[xi] = sc[xi]! + Math.abs(t);
  });
  return [out, sc];
}

function refConvFilterAdj(x: FloatArray, y: FloatArray, g: Conv2dGeometry): [Float64Array, Float64Array] {
  const s = convSizes(g);
  const out = new Float64Array(s.w), sc = new Float64Array(s.w);
  forEachConvTerm(g, (xi, wi, yi) => {
    const t = x[xi]! * y[yi]!;
    out[wi] = out[wi]! + t;
    sc[wi] = sc[wi]! + Math.abs(t);
  });
  return [out, sc];
}

function refPool(x: FloatArray, g: Pool2dGeometry): [Float64Array, Float64Array] {
  const out = new Float64Array(g.n * g.c * g.outH * g.outW), sc = new Float64Array(out.length);
  const inv = 1 / (g.kh * g.kw);
  for (let p = 0; p < g.n * g.c; p++)
    for (let oy = 0; oy < g.outH; oy++)
      for (let ox = 0; ox < g.outW; ox++) {
        let s = 0, sa = 0;
        for (let ky = 0; ky < g.kh; ky++)
          for (let kx = 0; kx < g.kw; kx++) {
            const v = x[(p * g.h + oy * g.strideH + ky) * g.w + ox * g.strideW + kx]!;
            s += v;
            sa += Math.abs(v);
          }
        out[(p * g.outH + oy) * g.outW + ox] = s * inv;
        sc[(p * g.outH + oy) * g.outW + ox] = sa * inv;
      }
  return [out, sc];
}

function refPoolAdj(y: FloatArray, g: Pool2dGeometry): [Float64Array, Float64Array] {
  const out = new Float64Array(g.n * g.c * g.h * g.w), sc = new Float64Array(out.length);
  const inv = 1 / (g.kh * g.kw);
  for (let p = 0; p < g.n * g.c; p++)
    for (let oy = 0; oy < g.outH; oy++)
      for (let ox = 0; ox < g.outW; ox++) {
        const v = y[(p * g.outH + oy) * g.outW + ox]! * inv;
        for (let ky = 0; ky < g.kh; ky++)
          for (let kx = 0; kx < g.kw; kx++) {
            const i = (p * g.h + oy * g.strideH + ky) * g.w + ox * g.strideW + kx;
            out[i] = out[i]! + v;
            sc[i] = sc[i]! + Math.abs(v);
          }
      }
  return [out, sc];
}

// ---------------------------------------------------------------------------------------------
// arbitraries

const dtArb = fc.constantFrom<DT>('f32', 'f64');
const seedArb = fc.integer({ min: 1, max: 0x7fffffff });

const matmulArb = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    m: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 })),
    k: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 })),
    n: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 })),
    transA: fc.boolean(),
    transB: fc.boolean(),
    bcastA: fc.boolean(),
    bcastB: fc.boolean(),
  })
  .map(
    (r): MatmulGeometry => ({
      batch: r.batch,
      m: r.m,
      k: r.k,
      n: r.n,
      transA: r.transA,
      transB: r.transB,
      aBatchStride: r.bcastA ? 0 : r.m * r.k,
      bBatchStride: r.bcastB ? 0 : r.k * r.n,
    }),
  );

function aLen(g: MatmulGeometry): number {
  return g.aBatchStride === 0 ? g.m * g.k : g.batch * g.aBatchStride;
}
function bLen(g: MatmulGeometry): number {
  return g.bBatchStride === 0 ? g.k * g.n : g.batch * g.bBatchStride;
}

/** One spatial axis: size, kernel, stride, padBefore, out — 'valid', 'same' (TF) or explicit pads. */
const axisArb = fc
  .record({
    size: fc.integer({ min: 1, max: 12 }),
    k: fc.integer({ min: 1, max: 5 }),
    s: fc.integer({ min: 1, max: 3 }),
    mode: fc.constantFrom('valid', 'same', 'explicit'),
    p0: fc.integer({ min: 0, max: 4 }),
    p1: fc.integer({ min: 0, max: 4 }),
  })
  .map(({ size, k, s, mode, p0, p1 }) => {
    if (mode === 'same') {
      const out = Math.ceil(size / s);
      const total = Math.max((out - 1) * s + k - size, 0);
      return { size, k, s, pad: Math.floor(total / 2), out };
    }
    if (mode === 'valid') {
      const kk = Math.min(k, size);
      return { size, k: kk, s, pad: 0, out: Math.floor((size - kk) / s) + 1 };
    }
    const pb = p0 % k, pa = p1 % k;
    const kk = Math.min(k, size + pb + pa);
    return { size, k: kk, s, pad: Math.min(pb, kk - 1), out: Math.floor((size + Math.min(pb, kk - 1) + Math.min(pa, kk - 1) - kk) / s) + 1 };
  });

const convArb = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 1, max: 5 }),
    o: fc.integer({ min: 1, max: 6 }),
    ay: axisArb,
    ax: axisArb,
  })
  .map(
    ({ n, c, o, ay, ax }): Conv2dGeometry => ({
      n,
      c,
      o,
      h: ay.size,
      w: ax.size,
      kh: ay.k,
      kw: ax.k,
      strideH: ay.s,
      strideW: ax.s,
      padTop: ay.pad,
      padLeft: ax.pad,
      outH: ay.out,
      outW: ax.out,
    }),
  );

function same(n: number, c: number, o: number, h: number, w: number, k: number, s = 1): Conv2dGeometry {
  const outH = Math.ceil(h / s), outW = Math.ceil(w / s);
  const ph = Math.max((outH - 1) * s + k - h, 0), pw = Math.max((outW - 1) * s + k - w, 0);
  return { n, c, o, h, w, kh: k, kw: k, strideH: s, strideW: s, padTop: ph >> 1, padLeft: pw >> 1, outH, outW };
}

/** Larger fixed shapes that cross the kernels' blocking boundaries. */
const convFixed: Conv2dGeometry[] = [
  same(1, 2, 16, 33, 37, 5),
  same(2, 16, 32, 17, 19, 3),
  same(3, 32, 20, 9, 13, 3),
  same(2, 3, 7, 21, 18, 4, 2),
  same(1, 1, 16, 70, 70, 5),
  same(4, 8, 9, 11, 11, 1),
  same(2, 5, 6, 23, 29, 5, 3),
  same(1, 3, 4, 150, 150, 3, 2),
  same(1, 2, 100, 12, 13, 2),
  { n: 2, c: 3, o: 5, h: 20, w: 31, kh: 3, kw: 5, strideH: 1, strideW: 2, padTop: 0, padLeft: 0, outH: 18, outW: 14 },
  { n: 1, c: 70, o: 70, h: 6, w: 6, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, outH: 6, outW: 6 },
  // stride 1, few output channels (conv-direct.ts): 300 channels of 35-column padded rows make the
  // padded image three bands
  same(1, 300, 4, 50, 30, 3),
  same(2, 3, 16, 20, 9, 5),
  // padded by more than the kernel: whole output rows and columns see only padding
  { n: 2, c: 2, o: 3, h: 5, w: 6, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 4, padLeft: 3, outH: 11, outW: 10 },
];

const poolArb = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 1, max: 4 }),
    h: fc.integer({ min: 1, max: 13 }),
    w: fc.integer({ min: 1, max: 13 }),
    kh: fc.integer({ min: 1, max: 5 }),
    kw: fc.integer({ min: 1, max: 5 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
  })
  .map(({ n, c, h, w, kh, kw, sh, sw }): Pool2dGeometry => {
    const kh2 = Math.min(kh, h), kw2 = Math.min(kw, w);
    return {
      n,
      c,
      h,
      w,
      kh: kh2,
      kw: kw2,
      strideH: sh,
      strideW: sw,
      outH: Math.floor((h - kh2) / sh) + 1,
      outW: Math.floor((w - kw2) / sw) + 1,
    };
  });

// ---------------------------------------------------------------------------------------------
// matmul

describe('matmul', () => {
  const check = (g: MatmulGeometry, dt: DT, seed: number): void => {
    const a = rand(aLen(g), seed, dt), b = rand(bLen(g), seed + 1, dt);
    const out = nanFilled(g.batch * g.m * g.n, dt);
    matmul(a, b, out, g);
    const [ref, sc] = refMatmul(a, b, g);
    expectClose(out, ref, sc, dt, `matmul ${JSON.stringify(g)} ${dt}`);
  };

  it('matches the naive reference on random shapes', () => {
    fc.assert(
      fc.property(matmulArb, dtArb, seedArb, (g, dt, seed) => check(g, dt, seed)),
      { numRuns: 400 },
    );
  });

  it('matches on shapes that cross the blocking boundaries', () => {
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [1, 300, 1],
      [130, 1, 67],
      [67, 300, 129],
      [200, 513, 9],
      [5, 530, 301],
      [257, 33, 260],
      // one shape per micro-kernel tile height (tileRows: 1, 2, 4, 3)
      [1, 520, 19],
      [2, 300, 40],
      [16, 70, 45],
      [23, 90, 31],
    ];
    let seed = 7;
    for (const [m, k, n] of shapes)
      for (const dt of ['f32', 'f64'] as const)
        for (const transA of [false, true])
          for (const transB of [false, true])
            check({ batch: 1, m, k, n, transA, transB, aBatchStride: m * k, bBatchStride: k * n }, dt, seed++);
    check({ batch: 3, m: 70, k: 300, n: 33, transA: false, transB: true, aBatchStride: 0, bBatchStride: 300 * 33 }, 'f32', 99);
    check({ batch: 2, m: 70, k: 300, n: 33, transA: true, transB: false, aBatchStride: 300 * 70, bBatchStride: 0 }, 'f64', 98);
  });

  it('picks the tile height that computes fewest rows, weighted by speed', () => {
    expect([1, 2, 3, 4, 5, 6, 8, 16, 32, 64, 100].map(tileRows)).toEqual([1, 2, 3, 4, 3, 3, 4, 4, 3, 3, 3]);
  });

  it('reuses scratch safely across dtypes and sizes', () => {
    check({ batch: 1, m: 300, k: 300, n: 300, transA: false, transB: false, aBatchStride: 90000, bBatchStride: 90000 }, 'f32', 3);
    check({ batch: 2, m: 3, k: 2, n: 5, transA: false, transB: false, aBatchStride: 6, bBatchStride: 10 }, 'f64', 4);
  });
});

// ---------------------------------------------------------------------------------------------
// conv

describe('conv2d', () => {
  const checkAll = (g: Conv2dGeometry, dt: DT, seed: number): void => {
    const s = convSizes(g);
    const x = rand(s.x, seed, dt), w = rand(s.w, seed + 1, dt), y = rand(s.y, seed + 2, dt);
    const tag = `${JSON.stringify(g)} ${dt}`;

    const out = nanFilled(s.y, dt);
    conv2d(x, w, g, out);
    const [r1, s1] = refConv(x, w, g);
    expectClose(out, r1, s1, dt, `conv2d ${tag}`);

    const gx = nanFilled(s.x, dt);
    conv2dInputAdjoint(y, w, g, gx);
    const [r2, s2] = refConvInputAdj(y, w, g);
    expectClose(gx, r2, s2, dt, `conv2dInputAdjoint ${tag}`);

    const gw = nanFilled(s.w, dt);
    conv2dFilterAdjoint(x, y, g, gw);
    const [r3, s3] = refConvFilterAdj(x, y, g);
    expectClose(gw, r3, s3, dt, `conv2dFilterAdjoint ${tag}`);
  };

  it('forward and both adjoints match the naive reference on random geometry', () => {
    fc.assert(
      fc.property(convArb, dtArb, seedArb, (g, dt, seed) => checkAll(g, dt, seed)),
      { numRuns: 300 },
    );
  });

  it('matches on larger fixed shapes (blocking boundaries, n > 1)', () => {
    let seed = 11;
    for (const g of convFixed) for (const dt of ['f32', 'f64'] as const) checkAll(g, dt, seed++);
  });

  it('conv2d over a pixel range writes exactly those pixels, with the bits of the whole call', () => {
    // direct (stride 1, o ≤ 16; the second in bands), im2col GEMM (o = 20, and stride 2)
    const cases: Conv2dGeometry[] = [same(2, 3, 7, 19, 17, 3), same(1, 300, 4, 50, 30, 3), same(1, 2, 20, 40, 40, 5), same(1, 4, 6, 21, 18, 4, 2)];
    let seed = 60;
    for (const g of cases) {
      for (const dt of ['f32', 'f64'] as const) {
        const s = convSizes(g);
        const x = rand(s.x, seed++, dt), w = rand(s.w, seed++, dt);
        const whole = nanFilled(s.y, dt);
        conv2d(x, w, g, whole);
        const P = g.outH * g.outW;
        for (const [j0, j1] of [[0, P], [0, 1], [5, 6], [3, Math.floor(P / 2)], [Math.floor(P / 3), P], [P - 7, P - 2]] as const) {
          const part = nanFilled(s.y, dt);
          conv2d(x, w, g, part, j0, j1);
          for (let i = 0; i < s.y; i++) {
            const j = i % P;
            if (j >= j0 && j < j1) {
              if (!Object.is(part[i], whole[i])) throw new Error(`${JSON.stringify(g)} ${dt} [${j0},${j1}) element ${i}: ${part[i]} vs ${whole[i]}`);
            } else if (!Number.isNaN(part[i])) throw new Error(`${JSON.stringify(g)} ${dt} [${j0},${j1}) wrote element ${i} outside its range`);
          }
        }
      }
    }
  });

  it('the input adjoint over a channel range writes exactly those planes, with the bits of the whole call', () => {
    const cases: Conv2dGeometry[] = [same(2, 5, 7, 19, 17, 3), same(1, 2, 16, 40, 40, 5), same(1, 6, 4, 21, 18, 4, 2)];
    let seed = 40;
    for (const g of cases) {
      for (const dt of ['f32', 'f64'] as const) {
        const s = convSizes(g);
        const y = rand(s.y, seed++, dt), w = rand(s.w, seed++, dt);
        const whole = nanFilled(s.x, dt);
        conv2dInputAdjoint(y, w, g, whole);
        const plane = g.h * g.w;
        for (let c0 = 0; c0 < g.c; c0++) {
          for (let c1 = c0 + 1; c1 <= g.c; c1++) {
            const part = nanFilled(s.x, dt);
            conv2dInputAdjoint(y, w, g, part, c0, c1);
            for (let b = 0; b < g.n; b++) {
              for (let ic = 0; ic < g.c; ic++) {
                const at = (b * g.c + ic) * plane;
                const got = Array.from(part.subarray(at, at + plane));
                if (ic >= c0 && ic < c1) expect(got, `${JSON.stringify(g)} [${c0},${c1}) plane ${b},${ic}`).toEqual(Array.from(whole.subarray(at, at + plane)));
                else expect(got.every(Number.isNaN), `plane ${b},${ic} outside [${c0},${c1}) untouched`).toBe(true);
              }
            }
          }
        }
      }
    }
  });

  it('adjoint identities hold in f64', () => {
    fc.assert(
      fc.property(convArb, seedArb, (g, seed) => {
        const s = convSizes(g);
        const x = rand(s.x, seed, 'f64'), w = rand(s.w, seed + 1, 'f64'), y = rand(s.y, seed + 2, 'f64');
        const cy = new Float64Array(s.y), gx = new Float64Array(s.x), gw = new Float64Array(s.w);
        conv2d(x, w, g, cy);
        conv2dInputAdjoint(y, w, g, gx);
        conv2dFilterAdjoint(x, y, g, gw);
        const [lhs] = dot(cy, y);
        // scale: the sum over all terms of |x·w·y|
        const [, termAbs] = refConv(x, w, g);
        let yScale = 0;
        for (let i = 0; i < s.y; i++) yScale += termAbs[i]! * Math.abs(y[i]!);
        const [rx] = dot(x, gx);
        const [rw] = dot(w, gw);
        const tol = 1e-10 * yScale + 1e-300;
        if (!(Math.abs(lhs - rx) <= tol)) throw new Error(`<conv(x,w),y> ${lhs} vs <x,adjX(y)> ${rx}`);
        if (!(Math.abs(lhs - rw) <= tol)) throw new Error(`<conv(x,w),y> ${lhs} vs <w,adjW(x,y)> ${rw}`);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// pooling

describe('avgPool2d', () => {
  it('forward and adjoint match the naive reference', () => {
    fc.assert(
      fc.property(poolArb, dtArb, seedArb, (g, dt, seed) => {
        const x = rand(g.n * g.c * g.h * g.w, seed, dt), y = rand(g.n * g.c * g.outH * g.outW, seed + 1, dt);
        const out = nanFilled(y.length, dt);
        avgPool2d(x, g, out);
        const [r1, s1] = refPool(x, g);
        expectClose(out, r1, s1, dt, `avgPool2d ${JSON.stringify(g)} ${dt}`);
        const gx = nanFilled(x.length, dt);
        avgPool2dAdjoint(y, g, gx);
        const [r2, s2] = refPoolAdj(y, g);
        expectClose(gx, r2, s2, dt, `avgPool2dAdjoint ${JSON.stringify(g)} ${dt}`);
      }),
      { numRuns: 300 },
    );
  });

  it('adjoint identity holds in f64', () => {
    fc.assert(
      fc.property(poolArb, seedArb, (g, seed) => {
        const x = rand(g.n * g.c * g.h * g.w, seed, 'f64'), y = rand(g.n * g.c * g.outH * g.outW, seed + 1, 'f64');
        const py = new Float64Array(y.length), gx = new Float64Array(x.length);
        avgPool2d(x, g, py);
        avgPool2dAdjoint(y, g, gx);
        const [lhs, s1] = dot(py, y);
        const [rhs, s2] = dot(x, gx);
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-10 * Math.max(s1, s2) + 1e-300);
      }),
      { numRuns: 200 },
    );
  });
});
