import type { FloatArray, Pool2dGeometry } from './types.ts';

/**
 * Max pooling over kh×kw windows with strides (no padding), x [n,c,h,w] → out [n,c,outH,outW].
 * `argmax` receives, for each output, the flat index within its [h, w] plane of the first
 * maximum in row-major window order (PyTorch's choice at ties), so the derivative can be routed
 * to one input. NaN never wins a comparison, so a window of NaNs keeps its first element.
 */
export function maxPool2d(x: FloatArray, g: Pool2dGeometry, out: FloatArray, argmax: FloatArray): void {
  const { n, c, h, w, kh, kw, strideH, strideW, outH, outW } = g;
  const planeIn = h * w, planeOut = outH * outW;
  for (let p = 0; p < n * c; p++) {
    const xOff = p * planeIn, oOff = p * planeOut;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const first = oy * strideH * w + ox * strideW;
        let best = first;
        let bestValue = x[xOff + first]!;
        for (let ky = 0; ky < kh; ky++) {
          const row = first + ky * w;
          for (let kx = 0; kx < kw; kx++) {
            const v = x[xOff + row + kx]!;
            if (v > bestValue) {
              bestValue = v;
              best = row + kx;
            }
          }
        }
        out[oOff + oy * outW + ox] = bestValue;
        argmax[oOff + oy * outW + ox] = best;
      }
    }
  }
}

/** out [n,c,outH,outW]: t at each window's recorded argmax (the linear map max pooling is locally). */
export function gatherPlanes(t: FloatArray, index: FloatArray, planes: number, planeIn: number, planeOut: number, out: FloatArray): void {
  for (let p = 0; p < planes; p++) {
    const tOff = p * planeIn, oOff = p * planeOut;
    for (let o = 0; o < planeOut; o++) out[oOff + o] = t[tOff + index[oOff + o]!]!;
  }
}

/** The transpose of gatherPlanes: out [n,c,h,w] (overwritten) accumulates y at each recorded argmax. */
export function scatterPlanes(y: FloatArray, index: FloatArray, planes: number, planeIn: number, planeOut: number, out: FloatArray): void {
  out.fill(0);
  for (let p = 0; p < planes; p++) {
    const xOff = p * planeIn, yOff = p * planeOut;
    for (let o = 0; o < planeOut; o++) {
      const i = xOff + index[yOff + o]!;
      out[i] = out[i]! + y[yOff + o]!;
    }
  }
}
