import { conv2dDirect, usesDirectConv } from './conv-direct.ts';
import { GEMM_NR, gemmPacked, packPanelA, packPanelB } from './matmul.ts';
import type { Conv2dGeometry, FloatArray } from './types.ts';

/*
 * 2-D convolution (cross-correlation, NCHW / OIHW) and its two adjoints, all as GEMMs on the
 * blocked driver of matmul.ts with the im2col matrix never materialised: its panels are packed
 * straight from the image.
 *
 *   forward         out_b [o, P]  = W [o, K] · col(x_b) [K, P]    (stride 1 with o ≤ 16: conv-direct.ts)
 *   input adjoint   dx_b          = col2im(Wᵀ [K, o] · dy_b [o, P])
 *   filter adjoint  dW [o, K]     = Σ_b dy_b [o, P] · col(x_b)ᵀ [P, K]
 *
 * with K = c·kh·kw (index (ic, ky, kx)) and P = outH·outW (index (oy, ox)).
 */

const NR = GEMM_NR;
// The packers below index slivers with `j >> 2` / `j & 3`.
if (NR !== 4) throw new Error('conv.ts assumes the GEMM micro-kernel is 4 columns wide');

/** f64 scratch reused across calls (grows). */
let colScratch = new Float64Array(0);
let dwScratch = new Float64Array(0);

function scratchCol(len: number): Float64Array {
  if (colScratch.length < len) colScratch = new Float64Array(len);
  return colScratch;
}

/**
 * Packs rows [p0, p0+kc) (index (ic,ky,kx)) × columns [j0, j0+nc) (pixels (oy,ox)) of
 * col(x_b) into NR-column slivers.
 */
function packIm2col(
  x: FloatArray, xOff: number, g: Conv2dGeometry,
  dst: Float64Array, p0: number, kc: number, j0: number, nc: number,
): void {
  const { h, w, kh, kw, strideH, strideW, padTop, padLeft, outW } = g;
  const khw = kh * kw, plane = h * w;
  const sliverStride = kc * NR;
  let ic = Math.floor(p0 / khw);
  let rem = p0 - ic * khw;
  let ky = Math.floor(rem / kw);
  let kx = rem - ky * kw;
  const oy0 = Math.floor(j0 / outW), ox0 = j0 - oy0 * outW;
  for (let pp = 0; pp < kc; pp++) {
    const xPlane = xOff + ic * plane;
    let oy = oy0, ox = ox0;
    let jj = 0;
    while (jj < nc) {
      // one output-row run: columns jj .. jj+run-1 are pixels (oy, ox .. ox+run-1)
      let run = outW - ox;
      if (run > nc - jj) run = nc - jj;
      const iy = oy * strideH - padTop + ky;
      if (iy < 0 || iy >= h) {
        for (let t = 0; t < run; t++) {
          const j = jj + t;
          dst[(j >> 2) * sliverStride + pp * NR + (j & 3)] = 0;
        }
      } else {
        const row = xPlane + iy * w;
        const ix0 = ox * strideW - padLeft + kx;
        // t in [t0, t1) reads inside the row; the rest is padding
        const t0 = ix0 >= 0 ? 0 : Math.min(run, Math.ceil(-ix0 / strideW));
        let t1 = run;
        const lastIx = ix0 + (run - 1) * strideW;
        if (lastIx >= w) t1 = Math.max(t0, run - (Math.floor((lastIx - w) / strideW) + 1));
        let j = jj;
        for (let t = 0; t < t0; t++, j++) dst[(j >> 2) * sliverStride + pp * NR + (j & 3)] = 0;
        let src = row + ix0 + t0 * strideW;
        let t = t0;
        // up to the next sliver boundary one value at a time, then whole slivers: 4 values at
        // consecutive addresses, one index computation per sliver (this loop is most of the packing)
        for (; t < t1 && (j & 3) !== 0; t++, j++, src += strideW) dst[(j >> 2) * sliverStride + pp * NR + (j & 3)] = x[src]!;
        let d = (j >> 2) * sliverStride + pp * NR;
        for (; t + 4 <= t1; t += 4, j += 4, d += sliverStride) {
          dst[d] = x[src]!;
          dst[d + 1] = x[src + strideW]!;
          dst[d + 2] = x[src + 2 * strideW]!;
          dst[d + 3] = x[src + 3 * strideW]!;
          src += 4 * strideW;
        }
        for (; t < t1; t++, j++, src += strideW) dst[(j >> 2) * sliverStride + pp * NR + (j & 3)] = x[src]!;
        for (let t = t1; t < run; t++, j++) dst[(j >> 2) * sliverStride + pp * NR + (j & 3)] = 0;
      }
      jj += run;
      ox = 0;
      oy++;
    }
    // zero the tail of the last sliver
    for (let j = nc; (j & 3) !== 0; j++) dst[(j >> 2) * sliverStride + pp * NR + (j & 3)] = 0;
    if (++kx === kw) {
      kx = 0;
      if (++ky === kh) {
        ky = 0;
        ic++;
      }
    }
  }
}

/**
 * Packs rows [p0, p0+kc) (pixels) × columns [j0, j0+nc) (index (ic,ky,kx)) of col(x_b)ᵀ into
 * NR-column slivers.
 */
function packIm2colT(
  x: FloatArray, xOff: number, g: Conv2dGeometry,
  dst: Float64Array, p0: number, kc: number, j0: number, nc: number,
): void {
  const { h, w, kh, kw, strideH, strideW, padTop, padLeft, outW } = g;
  const khw = kh * kw, plane = h * w;
  const sliverStride = kc * NR;
  let ic = Math.floor(j0 / khw);
  let rem = j0 - ic * khw;
  let ky = Math.floor(rem / kw);
  let kx = rem - ky * kw;
  const oy0 = Math.floor(p0 / outW), ox0 = p0 - oy0 * outW;
  const ncPad = Math.ceil(nc / NR) * NR;
  for (let jj = 0; jj < ncPad; jj++) {
    let d = (jj >> 2) * sliverStride + (jj & 3);
    if (jj >= nc) {
      for (let pp = 0; pp < kc; pp++) dst[d + pp * NR] = 0;
      continue;
    }
    const xPlane = xOff + ic * plane;
    let oy = oy0, ox = ox0;
    let pp = 0;
    while (pp < kc) {
      let run = outW - ox;
      if (run > kc - pp) run = kc - pp;
      const iy = oy * strideH - padTop + ky;
      if (iy < 0 || iy >= h) {
        for (let t = 0; t < run; t++) {
          dst[d] = 0;
          d += NR;
        }
      } else {
        const row = xPlane + iy * w;
        const ix0 = ox * strideW - padLeft + kx;
        const t0 = ix0 >= 0 ? 0 : Math.min(run, Math.ceil(-ix0 / strideW));
        let t1 = run;
        const lastIx = ix0 + (run - 1) * strideW;
        if (lastIx >= w) t1 = Math.max(t0, run - (Math.floor((lastIx - w) / strideW) + 1));
        for (let t = 0; t < t0; t++, d += NR) dst[d] = 0;
        let src = row + ix0 + t0 * strideW;
        for (let t = t0; t < t1; t++, d += NR) {
          dst[d] = x[src]!;
          src += strideW;
        }
        for (let t = t1; t < run; t++, d += NR) dst[d] = 0;
      }
      pp += run;
      ox = 0;
      oy++;
    }
    if (++kx === kw) {
      kx = 0;
      if (++ky === kh) {
        ky = 0;
        ic++;
      }
    }
  }
}

/**
 * out [n,o,outH,outW] = conv2d(x [n,c,h,w], w [o,c,kh,kw]). Overwrites output pixels [j0, j1)
 * (index oy·outW + ox; default: all) of every channel of every image and touches nothing else;
 * each pixel gets the same bits whichever range computes it (its sum depends only on the
 * k-blocking), so threads may split the pixels of one image.
 */
export function conv2d(x: FloatArray, w: FloatArray, g: Conv2dGeometry, out: FloatArray, j0 = 0, j1 = g.outH * g.outW): void {
  const { n, c, h, o, kh, kw, outH, outW } = g;
  const K = c * kh * kw, P = outH * outW;
  const xStride = c * h * g.w;
  if (j1 <= j0) return;
  if (usesDirectConv(g)) {
    conv2dDirect(x, w, g, out, j0, j1);
    return;
  }
  for (let b = 0; b < n; b++) {
    const xOff = b * xStride;
    gemmPacked(
      o, j1 - j0, K,
      (dst, i0, mc, p0, kc, mr) => packPanelA(w, i0 * K + p0, K, 1, mc, kc, dst, mr),
      (dst, p0, kc, jb, nc) => packIm2col(x, xOff, g, dst, p0, kc, j0 + jb, nc),
      out, b * o * P + j0, P, false,
    );
  }
}

/**
 * Adds the column block dcol (rows (ic, ky, kx) for input channels [c0, c1), columns pixels
 * j0 .. j0+cols) into dx_b (col2im).
 */
function col2im(
  dcol: Float64Array, cols: number, j0: number,
  out: FloatArray, xOff: number, g: Conv2dGeometry, c0: number, c1: number,
): void {
  const { h, w, kh, kw, strideH, strideW, padTop, padLeft, outW } = g;
  const plane = h * w;
  let p = 0;
  const oyStart = Math.floor(j0 / outW), oxStart = j0 - oyStart * outW;
  for (let ic = c0; ic < c1; ic++) {
    const xPlane = xOff + ic * plane;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++, p++) {
        const src = p * cols;
        let oy = oyStart, ox = oxStart;
        let jj = 0;
        while (jj < cols) {
          let run = outW - ox;
          if (run > cols - jj) run = cols - jj;
          const iy = oy * strideH - padTop + ky;
          if (iy >= 0 && iy < h) {
            const row = xPlane + iy * w;
            // valid ox range: 0 <= ox*strideW - padLeft + kx < w
            let t0 = 0, t1 = run;
            let ix = ox * strideW - padLeft + kx;
            while (t0 < t1 && ix < 0) {
              t0++;
              ix += strideW;
            }
            const lastIx = (ox + t1 - 1) * strideW - padLeft + kx;
            if (lastIx >= w) t1 -= Math.floor((lastIx - w) / strideW) + 1;
            const s = src + jj;
            for (let t = t0; t < t1; t++) {
              out[row + ix] = out[row + ix]! + dcol[s + t]!;
              ix += strideW;
            }
          }
          jj += run;
          ox = 0;
          oy++;
        }
      }
    }
  }
}

/**
 * The input adjoint's column chunk: whole output rows, as many as keep the f64 dcol block of all
 * c·kh·kw rows near 512 KiB (cache-resident). It depends on the whole geometry only, never on the
 * channel range being computed, so every input pixel receives its terms in the same order (chunk
 * by chunk, then by tap) whichever channels one call computes: a channel split is bit-identical.
 */
function adjointChunk(g: Conv2dGeometry): number {
  const K = g.c * g.kh * g.kw, P = g.outH * g.outW;
  let chunk = Math.floor(65536 / K / g.outW) * g.outW;
  if (chunk < g.outW) chunk = g.outW;
  return chunk > P ? P : chunk;
}

/**
 * out [n,c,h,w] = the adjoint of conv2d w.r.t. x applied to y [n,o,outH,outW]. Overwrites the
 * planes of input channels [c0, c1) of every image (default: all of out) and touches nothing else.
 */
export function conv2dInputAdjoint(
  y: FloatArray, w: FloatArray, g: Conv2dGeometry, out: FloatArray, c0 = 0, c1 = g.c,
): void {
  const { n, c, h, o, kh, kw, outH, outW } = g;
  const K = c * kh * kw, P = outH * outW, khw = kh * kw, plane = h * g.w;
  const xStride = c * plane;
  for (let b = 0; b < n; b++) out.fill(0, b * xStride + c0 * plane, b * xStride + c1 * plane);
  if (P === 0 || K === 0 || c1 <= c0) return;
  const chunk = adjointChunk(g);
  const rows = (c1 - c0) * khw, r0 = c0 * khw;
  const dcol = scratchCol(rows * chunk);
  for (let b = 0; b < n; b++) {
    const yOff = b * o * P, xOff = b * xStride;
    for (let j0 = 0; j0 < P; j0 += chunk) {
      const cols = P - j0 < chunk ? P - j0 : chunk;
      gemmPacked(
        rows, cols, o,
        (dst, i0, mc, p0, kc, mr) => packPanelA(w, r0 + i0 + p0 * K, 1, K, mc, kc, dst, mr),
        (dst, p0, kc, jb, nc) => packPanelB(y, yOff + p0 * P + j0 + jb, P, 1, kc, nc, dst),
        dcol, 0, cols, false,
      );
      col2im(dcol, cols, j0, out, xOff, g, c0, c1);
    }
  }
}

/** out [o,c,kh,kw] = the adjoint of conv2d w.r.t. w applied to (x, y); overwritten. */
export function conv2dFilterAdjoint(x: FloatArray, y: FloatArray, g: Conv2dGeometry, out: FloatArray): void {
  const { n, c, h, o, kh, kw, outH, outW } = g;
  const K = c * kh * kw, P = outH * outW;
  const xStride = c * h * g.w;
  const len = o * K;
  if (dwScratch.length < len) dwScratch = new Float64Array(len);
  const dw = dwScratch;
  dw.fill(0, 0, len);
  for (let b = 0; b < n; b++) {
    const yOff = b * o * P, xOff = b * xStride;
    gemmPacked(
      o, K, P,
      (dst, i0, mc, p0, kc, mr) => packPanelA(y, yOff + i0 * P + p0, P, 1, mc, kc, dst, mr),
      (dst, p0, kc, j0, nc) => packIm2colT(x, xOff, g, dst, p0, kc, j0, nc),
      dw, 0, K, true,
    );
  }
  for (let i = 0; i < len; i++) out[i] = dw[i]!;
}
