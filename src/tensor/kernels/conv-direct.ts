import { packPanelA } from './matmul.ts';
import type { Conv2dGeometry, FloatArray } from './types.ts';

/*
 * A stride-1 convolution with few output channels, without im2col.
 *
 * The im2col GEMM (conv.ts) packs c·kh·kw values per output pixel and reuses each only o times;
 * with o = 16 (the paper CNN's first layer) packing took ~20% of the call. Here the image is
 * copied once, zero-padded and in f64, and the micro-kernel reads each tap's 4 neighbouring
 * pixels straight from it through a table of tap offsets: 13% faster at o = 16 (5.4–5.6 vs
 * 4.7–4.9 GFLOP/s, 2→16 channels, 5×5, 128²) and 35% at o = 8, but 3–10% slower at o = 32 and
 * 64, where packing is cheap per multiply-add and the packed 3×4 tile is faster than this 4×4
 * one. So conv2d takes this path for stride 1 and o ≤ DIRECT_MAX_OUT.
 *
 * Each output element is one f64 sum over p = (ic, ky, kx) in order, rounded once: the same bits
 * whichever pixel range a call computes, so threads may split the pixels of one image.
 */

export const DIRECT_MAX_OUT = 16;

/** Padded image bands hold at most this many f64 values (2 MiB); taller images go band by band. */
const BAND_VALUES = 1 << 18;

let pA = new Float64Array(0);
let band = new Float64Array(0);
let taps = new Int32Array(0);
const edge = new Float64Array(16);

/** Whether conv2d computes g on this path. */
export function usesDirectConv(g: Conv2dGeometry): boolean {
  return g.strideH === 1 && g.strideW === 1 && g.o <= DIRECT_MAX_OUT;
}

/**
 * out [n,o,outH,outW] = conv2d(x, w) for stride 1; overwrites output pixels [j0, j1) of every
 * channel of every image and touches nothing else.
 */
export function conv2dDirect(x: FloatArray, w: FloatArray, g: Conv2dGeometry, out: FloatArray, j0: number, j1: number): void {
  const { n, c, h, o, kh, kw, outH, outW } = g;
  const K = c * kh * kw, P = outH * outW, xStride = c * h * g.w;
  if (j1 <= j0 || o === 0) return;
  if (K === 0) {
    for (let b = 0; b < n; b++) for (let oc = 0; oc < o; oc++) out.fill(0, (b * o + oc) * P + j0, (b * o + oc) * P + j1);
    return;
  }
  // W [o, K] in 4-row slivers, rows past o zero
  const rows4 = Math.ceil(o / 4) * 4;
  if (pA.length < rows4 * K) pA = new Float64Array(rows4 * K);
  packPanelA(w, 0, K, 1, o, K, pA, 4);
  if (taps.length < K) taps = new Int32Array(K);
  // a padded row: the taps of the last 4-pixel group of a row may run 3 columns past it
  const Wp = outW + kw - 1 + 3;
  const oyFirst = Math.floor(j0 / outW), oyEnd = Math.floor((j1 - 1) / outW) + 1;
  const bandRows = Math.max(1, Math.floor(BAND_VALUES / (c * Wp)) - (kh - 1));
  for (let b = 0; b < n; b++) {
    const outImage = b * o * P;
    for (let ya = oyFirst; ya < oyEnd; ya += bandRows) {
      const yb = Math.min(oyEnd, ya + bandRows);
      const Hb = yb - ya + kh - 1;
      const xp = fillBand(x, b * xStride, g, ya, Hb, Wp);
      for (let p = 0, ic = 0; ic < c; ic++) {
        for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++, p++) taps[p] = (ic * Hb + ky) * Wp + kx;
      }
      for (let oy = ya; oy < yb; oy++) {
        const rowStart = oy * outW;
        const s = Math.max(j0, rowStart) - rowStart, e = Math.min(j1, rowStart + outW) - rowStart;
        for (let ox = s; ox < e; ox += 4) {
          const cols = e - ox < 4 ? e - ox : 4;
          const base = (oy - ya) * Wp + ox;
          const ci = outImage + rowStart + ox;
          for (let ir = 0; ir < o; ir += 4) {
            if (cols === 4 && ir + 4 <= o) {
              micro4x4(K, pA, ir * K, xp, base, taps, out, ci + ir * P, P);
            } else {
              micro4x4(K, pA, ir * K, xp, base, taps, edge, 0, 4);
              const rs = o - ir < 4 ? o - ir : 4;
              for (let r = 0; r < rs; r++) for (let t = 0; t < cols; t++) out[ci + (ir + r) * P + t] = edge[r * 4 + t]!;
            }
          }
        }
      }
    }
  }
}

/**
 * The f64 band of image rows that output rows [ya, ya + Hb - kh + 1) read, zero-padded: band row r,
 * column q holds x[ic, ya + r - padTop, q - padLeft] (0 outside the image).
 */
function fillBand(x: FloatArray, xOff: number, g: Conv2dGeometry, ya: number, Hb: number, Wp: number): Float64Array {
  const { c, h, w, padTop, padLeft } = g;
  const len = c * Hb * Wp;
  if (band.length < len) band = new Float64Array(len);
  const xp = band;
  xp.fill(0, 0, len);
  // columns of the image that land inside the band row (padLeft may exceed kw - 1 in theory)
  const q0 = Math.max(0, padLeft), src0 = q0 - padLeft;
  const width = Math.min(w - src0, Wp - q0);
  if (width <= 0) return xp;
  for (let ic = 0; ic < c; ic++) {
    for (let r = 0; r < Hb; r++) {
      const iy = ya + r - padTop;
      if (iy < 0 || iy >= h) continue;
      const src = xOff + (ic * h + iy) * w + src0;
      xp.set(x.subarray(src, src + width), (ic * Hb + r) * Wp + q0);
    }
  }
  return xp;
}

/** A 4×4 tile: 4 output channels × 4 neighbouring pixels, summed over the taps in order. */
function micro4x4(
  K: number, pA: Float64Array, ai: number, xp: Float64Array, base: number, taps: Int32Array,
  c: FloatArray, ci: number, ldc: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < K; p++) {
    const a0 = pA[ai]!, a1 = pA[ai + 1]!, a2 = pA[ai + 2]!, a3 = pA[ai + 3]!;
    const q = base + taps[p]!;
    const b0 = xp[q]!, b1 = xp[q + 1]!, b2 = xp[q + 2]!, b3 = xp[q + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += 4;
  }
  const r1 = ci + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
  c[ci] = c00; c[ci + 1] = c01; c[ci + 2] = c02; c[ci + 3] = c03;
  c[r1] = c10; c[r1 + 1] = c11; c[r1 + 2] = c12; c[r1 + 3] = c13;
  c[r2] = c20; c[r2 + 1] = c21; c[r2 + 2] = c22; c[r2 + 3] = c23;
  c[r3] = c30; c[r3 + 1] = c31; c[r3 + 2] = c32; c[r3 + 3] = c33;
}
