import type { FloatArray, Pool2dGeometry } from './types.ts';

/**
 * Average pooling over kh×kw windows with strides (no padding; windows that would overrun are
 * dropped). x [n,c,h,w] → out [n,c,outH,outW], overwritten.
 */
export function avgPool2d(x: FloatArray, g: Pool2dGeometry, out: FloatArray): void {
  const { n, c, h, w, kh, kw, strideH, strideW, outH, outW } = g;
  const inv = 1 / (kh * kw);
  const planes = n * c;
  const planeIn = h * w, planeOut = outH * outW;
  for (let p = 0; p < planes; p++) {
    const xOff = p * planeIn, oOff = p * planeOut;
    for (let oy = 0; oy < outH; oy++) {
      const rowBase = xOff + oy * strideH * w;
      const oRow = oOff + oy * outW;
      for (let ox = 0; ox < outW; ox++) {
        let s = 0;
        let row = rowBase + ox * strideW;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) s += x[row + kx]!;
          row += w;
        }
        out[oRow + ox] = s * inv;
      }
    }
  }
}

/**
 * The exact transpose of avgPool2d: y [n,c,outH,outW] → out [n,c,h,w], overwritten
 * (positions covered by no window get 0).
 */
export function avgPool2dAdjoint(y: FloatArray, g: Pool2dGeometry, out: FloatArray): void {
  const { n, c, h, w, kh, kw, strideH, strideW, outH, outW } = g;
  const inv = 1 / (kh * kw);
  out.fill(0);
  const planes = n * c;
  const planeIn = h * w, planeOut = outH * outW;
  for (let p = 0; p < planes; p++) {
    const xOff = p * planeIn, oOff = p * planeOut;
    for (let oy = 0; oy < outH; oy++) {
      const rowBase = xOff + oy * strideH * w;
      const yRow = oOff + oy * outW;
      for (let ox = 0; ox < outW; ox++) {
        const v = y[yRow + ox]! * inv;
        let row = rowBase + ox * strideW;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) out[row + kx] = out[row + kx]! + v;
          row += w;
        }
      }
    }
  }
}
