import type { FloatArray, MatmulGeometry } from './types.ts';

/*
 * Cache-blocked GEMM in the GotoBLAS/BLIS style:
 *   for each NC-wide column panel of B, for each KC-deep slice of k:
 *     pack B[kc × nc] into NR-wide slivers (f64, zero-padded),
 *     for each MC-high block of A: pack A[mc × kc] into MR-high slivers (f64, zero-padded),
 *       run the MR×NR register-blocked micro-kernel over all (sliver of A, sliver of B) pairs.
 * All arithmetic is in f64 (JS numbers); an f32 output is rounded once per store.
 */

const NR = 4;
/** The tallest micro-kernel tile (scratch sizing). */
const MR_MAX = 4;
const KC = 256;
const MC = 96;
const NC = 2048;

/** Below this many multiply-adds a plain loop beats packing. */
const SMALL = 4096;

/** Packing scratch, grown on demand and reused across calls (the kernels are not re-entrant). */
let packA = new Float64Array(0);
let packB = new Float64Array(0);
const edge = new Float64Array(MR_MAX * NR);

/**
 * out[b] = op(A[b]) · op(B[b]) for b < batch; overwrites all of out ([batch, m, n]).
 * out must not alias a or b.
 */
export function matmul(a: FloatArray, b: FloatArray, out: FloatArray, g: MatmulGeometry): void {
  const { batch, m, k, n, transA, transB, aBatchStride, bBatchStride } = g;
  if (batch <= 0 || m <= 0 || n <= 0) return;
  if (k <= 0) {
    out.fill(0, 0, batch * m * n);
    return;
  }
  const ars = transA ? 1 : k, acs = transA ? m : 1;
  const brs = transB ? 1 : n, bcs = transB ? k : 1;
  // A shared B with contiguous row-major A blocks is one tall product.
  if (batch > 1 && bBatchStride === 0 && !transA && aBatchStride === m * k) {
    gemm(a, 0, ars, acs, b, 0, brs, bcs, out, 0, batch * m, n, k);
    return;
  }
  for (let bt = 0; bt < batch; bt++) {
    gemm(a, bt * aBatchStride, ars, acs, b, bt * bBatchStride, brs, bcs, out, bt * m * n, m, n, k);
  }
}

/**
 * Packs rows [i0, i0+mc) × depth [p0, p0+kc) of the left operand into mr-row slivers of dst:
 * sliver s (rows i0+s·mr …) starts at s·mr·kc and holds, for each p, mr consecutive values
 * (rows past mc zero-filled).
 */
export type PackA = (dst: Float64Array, i0: number, mc: number, p0: number, kc: number, mr: number) => void;
/**
 * Packs depth [p0, p0+kc) × columns [j0, j0+nc) of the right operand into NR-column slivers of
 * dst: sliver s starts at s·NR·kc and holds, for each p, NR consecutive values (zero-filled).
 */
export type PackB = (dst: Float64Array, p0: number, kc: number, j0: number, nc: number) => void;

export const GEMM_NR = NR;

type Micro = (
  kc: number, pA: Float64Array, ai: number, pB: Float64Array, bi: number,
  c: FloatArray, ci: number, ldc: number, first: boolean,
) => void;

/*
 * Tile heights and their relative cost per computed row, measured on V8 (Node 20, x86-64) with
 * the micro-kernels below over L2-resident panels: 3×4 runs at ~6.8 GFLOP/s, 4×4 at ~6.3 (its 16
 * accumulators and 8 operands no longer fit the 16 xmm registers), 2×4 at ~5.5, 1×4 lower still.
 * A call picks the height that wastes least on its row count: 4 for 16 rows (3 would compute 18),
 * 2 for 2 rows (the input adjoint of a 2-channel convolution), 3 for large products. Every tile
 * sums each output element over p in the same order, so the choice never changes a bit.
 */
const TILE_COSTS: ReadonlyArray<readonly [mr: number, cost: number]> = [[3, 1.0], [4, 1.08], [2, 1.24], [1, 1.6]];

/** The micro-kernel tile height for an m-row product: the fewest computed rows weighted by speed. */
export function tileRows(m: number): number {
  let best = 3, bestCost = Infinity;
  for (const [mr, cost] of TILE_COSTS) {
    const total = Math.ceil(m / mr) * mr * cost;
    if (total < bestCost) {
      bestCost = total;
      best = mr;
    }
  }
  return best;
}

/**
 * C[m×n] (row-major at cOff, row stride n) = A·B where A(i,p) = a[aOff + i*ars + p*acs] and
 * B(p,j) = b[bOff + p*brs + j*bcs].
 */
export function gemm(
  a: FloatArray, aOff: number, ars: number, acs: number,
  b: FloatArray, bOff: number, brs: number, bcs: number,
  c: FloatArray, cOff: number, m: number, n: number, k: number,
): void {
  if (m * n * k <= SMALL) {
    gemmSmall(a, aOff, ars, acs, b, bOff, brs, bcs, c, cOff, m, n, k);
    return;
  }
  gemmPacked(
    m, n, k,
    (dst, i0, mc, p0, kc, mr) => packPanelA(a, aOff + i0 * ars + p0 * acs, ars, acs, mc, kc, dst, mr),
    (dst, p0, kc, j0, nc) => packPanelB(b, bOff + p0 * brs + j0 * bcs, brs, bcs, kc, nc, dst),
    c, cOff, n, false,
  );
}

/**
 * The blocked driver: C[m×n] (row stride ldc, at cOff) = A·B, or C += A·B when accumulate.
 * The operands are only seen through their packing functions.
 */
export function gemmPacked(
  m: number, n: number, k: number, packLeft: PackA, packRight: PackB,
  c: FloatArray, cOff: number, ldc: number, accumulate: boolean,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
    return;
  }
  const MR = tileRows(m);
  const kcMax = k < KC ? k : KC;
  const ncMax = n < NC ? n : NC;
  const needB = kcMax * (Math.ceil(ncMax / NR) * NR);
  if (packB.length < needB) packB = new Float64Array(needB);
  const mcMax = m < MC ? m : MC;
  const needA = kcMax * (Math.ceil(mcMax / MR) * MR);
  if (packA.length < needA) packA = new Float64Array(needA);
  const pA = packA, pB = packB;

  for (let jc = 0; jc < n; jc += NC) {
    const nc = n - jc < NC ? n - jc : NC;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = k - pc < KC ? k - pc : KC;
      packRight(pB, pc, kc, jc, nc);
      const first = pc === 0 && !accumulate;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = m - ic < MC ? m - ic : MC;
        packLeft(pA, ic, mc, pc, kc, MR);
        const cBlock = cOff + ic * ldc + jc;
        if (MR === 3) macro3(mc, nc, kc, pA, pB, c, cBlock, ldc, first);
        else if (MR === 4) macro4(mc, nc, kc, pA, pB, c, cBlock, ldc, first);
        else if (MR === 2) macro2(mc, nc, kc, pA, pB, c, cBlock, ldc, first);
        else macro1(mc, nc, kc, pA, pB, c, cBlock, ldc, first);
      }
    }
  }
}

/*
 * The macro-kernels: every (sliver of A, sliver of B) pair of one packed block, one copy per tile
 * height. Each calls a single micro-kernel directly, so V8 inlines it into the loop; one loop
 * dispatching to several kernels (or calling through a variable) leaves the calls out of line,
 * which costs 25-30% when kc is short (kc = 50 for a 5×5 convolution of 2 channels).
 */

function macro3(mc: number, nc: number, kc: number, pA: Float64Array, pB: Float64Array, c: FloatArray, cBlock: number, ldc: number, first: boolean): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = nc - jr < NR ? nc - jr : NR;
    for (let ir = 0; ir < mc; ir += 3) {
      const cIdx = cBlock + ir * ldc + jr;
      if (mc - ir >= 3 && nr === NR) micro3x4(kc, pA, ir * kc, pB, jr * kc, c, cIdx, ldc, first);
      else microEdge(micro3x4, kc, pA, ir * kc, pB, jr * kc, c, cIdx, ldc, Math.min(3, mc - ir), nr, first);
    }
  }
}

function macro4(mc: number, nc: number, kc: number, pA: Float64Array, pB: Float64Array, c: FloatArray, cBlock: number, ldc: number, first: boolean): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = nc - jr < NR ? nc - jr : NR;
    for (let ir = 0; ir < mc; ir += 4) {
      const cIdx = cBlock + ir * ldc + jr;
      if (mc - ir >= 4 && nr === NR) micro4x4(kc, pA, ir * kc, pB, jr * kc, c, cIdx, ldc, first);
      else microEdge(micro4x4, kc, pA, ir * kc, pB, jr * kc, c, cIdx, ldc, Math.min(4, mc - ir), nr, first);
    }
  }
}

function macro2(mc: number, nc: number, kc: number, pA: Float64Array, pB: Float64Array, c: FloatArray, cBlock: number, ldc: number, first: boolean): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = nc - jr < NR ? nc - jr : NR;
    for (let ir = 0; ir < mc; ir += 2) {
      const cIdx = cBlock + ir * ldc + jr;
      if (mc - ir >= 2 && nr === NR) micro2x4(kc, pA, ir * kc, pB, jr * kc, c, cIdx, ldc, first);
      else microEdge(micro2x4, kc, pA, ir * kc, pB, jr * kc, c, cIdx, ldc, Math.min(2, mc - ir), nr, first);
    }
  }
}

function macro1(mc: number, nc: number, kc: number, pA: Float64Array, pB: Float64Array, c: FloatArray, cBlock: number, ldc: number, first: boolean): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = nc - jr < NR ? nc - jr : NR;
    for (let ir = 0; ir < mc; ir++) {
      const cIdx = cBlock + ir * ldc + jr;
      if (nr === NR) micro1x4(kc, pA, ir * kc, pB, jr * kc, c, cIdx, ldc, first);
      else microEdge(micro1x4, kc, pA, ir * kc, pB, jr * kc, c, cIdx, ldc, 1, nr, first);
    }
  }
}

/** Packs A[mc × kc] into MR-row slivers: sliver s holds, for each p, MR consecutive values. */
export function packPanelA(
  a: FloatArray, off: number, ars: number, acs: number, mc: number, kc: number, dst: Float64Array, MR: number,
): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = mc - ir < MR ? mc - ir : MR;
    let d = ir * kc;
    const r0 = off + ir * ars;
    if (mr === 3 && MR === 3) {
      const r1 = r0 + ars, r2 = r1 + ars;
      for (let p = 0; p < kc; p++) {
        const q = p * acs;
        dst[d] = a[r0 + q]!;
        dst[d + 1] = a[r1 + q]!;
        dst[d + 2] = a[r2 + q]!;
        d += 3;
      }
    } else if (mr === 4 && MR === 4) {
      const r1 = r0 + ars, r2 = r1 + ars, r3 = r2 + ars;
      for (let p = 0; p < kc; p++) {
        const q = p * acs;
        dst[d] = a[r0 + q]!;
        dst[d + 1] = a[r1 + q]!;
        dst[d + 2] = a[r2 + q]!;
        dst[d + 3] = a[r3 + q]!;
        d += 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const q = r0 + p * acs;
        for (let r = 0; r < MR; r++) dst[d + r] = r < mr ? a[q + r * ars]! : 0;
        d += MR;
      }
    }
  }
}

/** Packs B[kc × nc] into NR-column slivers: sliver s holds, for each p, NR consecutive values. */
export function packPanelB(b: FloatArray, off: number, brs: number, bcs: number, kc: number, nc: number, dst: Float64Array): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = nc - jr < NR ? nc - jr : NR;
    let d = jr * kc;
    const c0 = off + jr * bcs;
    if (nr === NR) {
      const c1 = c0 + bcs, c2 = c1 + bcs, c3 = c2 + bcs;
      for (let p = 0; p < kc; p++) {
        const q = p * brs;
        dst[d] = b[c0 + q]!;
        dst[d + 1] = b[c1 + q]!;
        dst[d + 2] = b[c2 + q]!;
        dst[d + 3] = b[c3 + q]!;
        d += NR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const q = c0 + p * brs;
        for (let j = 0; j < NR; j++) dst[d + j] = j < nr ? b[q + j * bcs]! : 0;
        d += NR;
      }
    }
  }
}

// The micro-kernels: an mr×4 tile of C from an mr-row sliver of A and a 4-column sliver of B,
// accumulated in f64 over p in order, stored (first) or added to C. Written out per height
// because V8 keeps named locals in registers but not array elements.

function micro4x4(
  kc: number, pA: Float64Array, ai: number, pB: Float64Array, bi: number,
  c: FloatArray, ci: number, ldc: number, first: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = pA[ai]!, a1 = pA[ai + 1]!, a2 = pA[ai + 2]!, a3 = pA[ai + 3]!;
    const b0 = pB[bi]!, b1 = pB[bi + 1]!, b2 = pB[bi + 2]!, b3 = pB[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += 4;
    bi += 4;
  }
  const r1 = ci + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
  if (first) {
    c[ci] = c00; c[ci + 1] = c01; c[ci + 2] = c02; c[ci + 3] = c03;
    c[r1] = c10; c[r1 + 1] = c11; c[r1 + 2] = c12; c[r1 + 3] = c13;
    c[r2] = c20; c[r2 + 1] = c21; c[r2 + 2] = c22; c[r2 + 3] = c23;
    c[r3] = c30; c[r3 + 1] = c31; c[r3 + 2] = c32; c[r3 + 3] = c33;
  } else {
    c[ci] = c[ci]! + c00; c[ci + 1] = c[ci + 1]! + c01; c[ci + 2] = c[ci + 2]! + c02; c[ci + 3] = c[ci + 3]! + c03;
    c[r1] = c[r1]! + c10; c[r1 + 1] = c[r1 + 1]! + c11; c[r1 + 2] = c[r1 + 2]! + c12; c[r1 + 3] = c[r1 + 3]! + c13;
    c[r2] = c[r2]! + c20; c[r2 + 1] = c[r2 + 1]! + c21; c[r2 + 2] = c[r2 + 2]! + c22; c[r2 + 3] = c[r2 + 3]! + c23;
    c[r3] = c[r3]! + c30; c[r3 + 1] = c[r3 + 1]! + c31; c[r3 + 2] = c[r3 + 2]! + c32; c[r3 + 3] = c[r3 + 3]! + c33;
  }
}

function micro3x4(
  kc: number, pA: Float64Array, ai: number, pB: Float64Array, bi: number,
  c: FloatArray, ci: number, ldc: number, first: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = pA[ai]!, a1 = pA[ai + 1]!, a2 = pA[ai + 2]!;
    const b0 = pB[bi]!, b1 = pB[bi + 1]!, b2 = pB[bi + 2]!, b3 = pB[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    ai += 3;
    bi += 4;
  }
  store4(c, ci, first, c00, c01, c02, c03);
  store4(c, ci + ldc, first, c10, c11, c12, c13);
  store4(c, ci + 2 * ldc, first, c20, c21, c22, c23);
}

function micro2x4(
  kc: number, pA: Float64Array, ai: number, pB: Float64Array, bi: number,
  c: FloatArray, ci: number, ldc: number, first: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = pA[ai]!, a1 = pA[ai + 1]!;
    const b0 = pB[bi]!, b1 = pB[bi + 1]!, b2 = pB[bi + 2]!, b3 = pB[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    ai += 2;
    bi += 4;
  }
  store4(c, ci, first, c00, c01, c02, c03);
  store4(c, ci + ldc, first, c10, c11, c12, c13);
}

function micro1x4(
  kc: number, pA: Float64Array, ai: number, pB: Float64Array, bi: number,
  c: FloatArray, ci: number, _ldc: number, first: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = pA[ai]!;
    c00 += a0 * pB[bi]!; c01 += a0 * pB[bi + 1]!; c02 += a0 * pB[bi + 2]!; c03 += a0 * pB[bi + 3]!;
    ai += 1;
    bi += 4;
  }
  store4(c, ci, first, c00, c01, c02, c03);
}

function store4(c: FloatArray, i: number, first: boolean, v0: number, v1: number, v2: number, v3: number): void {
  if (first) {
    c[i] = v0; c[i + 1] = v1; c[i + 2] = v2; c[i + 3] = v3;
  } else {
    c[i] = c[i]! + v0; c[i + 1] = c[i + 1]! + v1; c[i + 2] = c[i + 2]! + v2; c[i + 3] = c[i + 3]! + v3;
  }
}

/** A partial tile: the full kernel on the zero-padded panels into a scratch tile, then the valid part. */
function microEdge(
  micro: Micro, kc: number, pA: Float64Array, ai: number, pB: Float64Array, bi: number,
  c: FloatArray, ci: number, ldc: number, mr: number, nr: number, first: boolean,
): void {
  const e = edge;
  micro(kc, pA, ai, pB, bi, e, 0, NR, true);
  for (let r = 0; r < mr; r++) {
    const row = ci + r * ldc;
    const er = r * NR;
    if (first) for (let j = 0; j < nr; j++) c[row + j] = e[er + j]!;
    else for (let j = 0; j < nr; j++) c[row + j] = c[row + j]! + e[er + j]!;
  }
}

function gemmSmall(
  a: FloatArray, aOff: number, ars: number, acs: number,
  b: FloatArray, bOff: number, brs: number, bcs: number,
  c: FloatArray, cOff: number, m: number, n: number, k: number,
): void {
  for (let i = 0; i < m; i++) {
    const aRow = aOff + i * ars;
    const cRow = cOff + i * n;
    for (let j = 0; j < n; j++) {
      const bCol = bOff + j * bcs;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aRow + p * acs]! * b[bCol + p * brs]!;
      c[cRow + j] = s;
    }
  }
}
