import type { FloatArray, MatmulGeometry } from './types.ts';

/*
 * Cache-blocked GEMM in the GotoBLAS/BLIS style:
 *   for each NC-wide column panel of B, for each KC-deep slice of k:
 *     pack B[kc × nc] into NR-wide slivers (f64, zero-padded),
 *     for each MC-high block of A: pack A[mc × kc] into MR-high slivers (f64, zero-padded),
 *       run the MR×NR register-blocked micro-kernel over all (sliver of A, sliver of B) pairs.
 * All arithmetic is in f64 (JS numbers); an f32 output is rounded once per store.
 */

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 96;
const NC = 2048;

/** Below this many multiply-adds a plain loop beats packing. */
const SMALL = 4096;

/** Packing scratch, grown on demand and reused across calls (the kernels are not re-entrant). */
let packA = new Float64Array(0);
let packB = new Float64Array(0);
const edge = new Float64Array(MR * NR);

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
 * Packs rows [i0, i0+mc) × depth [p0, p0+kc) of the left operand into MR-row slivers of dst:
 * sliver s (rows i0+s·MR …) starts at s·MR·kc and holds, for each p, MR consecutive values
 * (rows past mc zero-filled).
 */
export type PackA = (dst: Float64Array, i0: number, mc: number, p0: number, kc: number) => void;
/**
 * Packs depth [p0, p0+kc) × columns [j0, j0+nc) of the right operand into NR-column slivers of
 * dst: sliver s starts at s·NR·kc and holds, for each p, NR consecutive values (zero-filled).
 */
export type PackB = (dst: Float64Array, p0: number, kc: number, j0: number, nc: number) => void;

export const GEMM_MR = MR;
export const GEMM_NR = NR;

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
    (dst, i0, mc, p0, kc) => packPanelA(a, aOff + i0 * ars + p0 * acs, ars, acs, mc, kc, dst),
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
        packLeft(pA, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = nc - jr < NR ? nc - jr : NR;
          const bBase = jr * kc;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = mc - ir < MR ? mc - ir : MR;
            const cIdx = cOff + (ic + ir) * ldc + jc + jr;
            if (mr === MR && nr === NR) {
              micro4x4(kc, pA, ir * kc, pB, bBase, c, cIdx, ldc, first);
            } else {
              microEdge(kc, pA, ir * kc, pB, bBase, c, cIdx, ldc, mr, nr, first);
            }
          }
        }
      }
    }
  }
}

/** Packs A[mc × kc] into MR-row slivers: sliver s holds, for each p, MR consecutive values. */
export function packPanelA(a: FloatArray, off: number, ars: number, acs: number, mc: number, kc: number, dst: Float64Array): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = mc - ir < MR ? mc - ir : MR;
    let d = ir * kc;
    const r0 = off + ir * ars;
    if (mr === MR) {
      const r1 = r0 + ars, r2 = r1 + ars, r3 = r2 + ars;
      for (let p = 0; p < kc; p++) {
        const q = p * acs;
        dst[d] = a[r0 + q]!;
        dst[d + 1] = a[r1 + q]!;
        dst[d + 2] = a[r2 + q]!;
        dst[d + 3] = a[r3 + q]!;
        d += MR;
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

/** A partial tile: the full kernel on the zero-padded panels into a scratch tile, then the valid part. */
function microEdge(
  kc: number, pA: Float64Array, ai: number, pB: Float64Array, bi: number,
  c: FloatArray, ci: number, ldc: number, mr: number, nr: number, first: boolean,
): void {
  const e = edge;
  micro4x4(kc, pA, ai, pB, bi, e, 0, NR, true);
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
