/** A flat, row-major buffer of one of fgflow's float dtypes. */
export type FloatArray = Float32Array | Float64Array;

/**
 * Geometry of a 2-D convolution, NCHW input [n, c, h, w], OIHW filter [o, c, kh, kw],
 * output [n, o, outH, outW]. Zero padding of padTop/padLeft comes before the image;
 * the padding after it is whatever outH/outW imply, so 'same' with even kernels
 * (asymmetric padding) needs no special case.
 */
export interface Conv2dGeometry {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly o: number;
  readonly kh: number;
  readonly kw: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly outH: number;
  readonly outW: number;
}

/** Geometry of average pooling over windows kh×kw with strides (no padding; windows that would overrun are dropped). */
export interface Pool2dGeometry {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly outH: number;
  readonly outW: number;
}

/**
 * Batched matrix product out[b] = op(A[b]) · op(B[b]) with op = transpose when the flag is set.
 * A[b] is stored as [m, k] (or [k, m] when transA), B[b] as [k, n] (or [n, k] when transB),
 * out[b] as [m, n]. A batch stride of 0 broadcasts one matrix over the batch.
 */
export interface MatmulGeometry {
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly aBatchStride: number;
  readonly bBatchStride: number;
}
