/*
 * f32 GEMM with 128-bit SIMD, in the style of XNNPACK's f32-gemm micro-kernels: the right operand
 * is packed into 8-column panels (k-major, zero-padded), the left one is read in place and each
 * of its values is splatted across a vector, and a 4×8 register tile (eight f32x4 accumulators)
 * is updated with one multiply and one add per vector and k. Panels are packed per KC×NC block
 * (GotoBLAS order) so that a block stays in L2 while every row tile of the left operand sweeps it.
 *
 * All pointers are byte addresses in the shared memory; strides are in elements.
 */
import { MR, NR, TILE_BYTES, loadTile, microTile, rowPointer, storeTile } from './micro';

const KC: i32 = 256;
const NC: i32 = 512;

/** Bytes of scratch `gemm` needs: one partial tile, the panel-row offsets, one packed block of B. */
export function gemmScratchBytes(n: i32, k: i32): i32 {
  const kc = min(k, KC), nc = min(n, NC);
  return TILE_BYTES + KC * 4 + (kc * (((nc + NR - 1) / NR) * NR)) * 4;
}

/**
 * Packs B(p, j) = b[p·brs + j·bcs] for p < kc, j < nc into ⌈nc/8⌉ panels of kc×8 values
 * (panel t at dst + t·kc·32 bytes), columns past nc zero.
 */
function packPanels(b: usize, brs: i32, bcs: i32, kc: i32, nc: i32, dst: usize): void {
  const rowBytes = <usize>brs << 2;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = min(NR, nc - j0);
    let d = dst + ((<usize>(j0 >> 3) * <usize>kc) << 5);
    if (bcs == 1 && cols == NR) {
      let s = b + (<usize>j0 << 2);
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += rowBytes;
        d += 32;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const row = b + ((<usize>p * <usize>brs) << 2);
      for (let jj = 0; jj < NR; jj++) {
        const v: f32 = jj < cols ? load<f32>(row + ((<usize>(j0 + jj) * <usize>bcs) << 2)) : 0;
        store<f32>(d + (<usize>jj << 2), v);
      }
      d += 32;
    }
  }
}

/**
 * C[m×n] (row stride ldc) = A·B with A(i,p) = a[i·ars + p·acs] and B(p,j) = b[p·brs + j·bcs].
 * Depth is blocked by KC: the first block overwrites C, later ones add to it.
 */
export function gemm(
  a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32, m: i32, n: i32, k: i32, scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (let i = 0; i < m; i++) memory.fill(c + ((<usize>i * <usize>ldc) << 2), 0, <usize>n << 2);
    return;
  }
  const tile = scratch;
  // row p of a packed panel is 32 bytes after row p − 1
  const rows = scratch + TILE_BYTES;
  for (let p = 0; p < KC; p++) store<i32>(rows + (<usize>p << 2), p << 5);
  const packed = rows + (<usize>KC << 2);
  const aStep = <usize>acs << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packPanels(b + ((<usize>pc * <usize>brs + <usize>jc * <usize>bcs) << 2), brs, bcs, kc, nc, packed);
      const accumulate = pc > 0;
      for (let i = 0; i < m; i += MR) {
        const mr = min(MR, m - i);
        // rows past m repeat the last one: they compute and store the same values (XNNPACK's trick)
        const a0 = a + ((<usize>i * <usize>ars + <usize>pc * <usize>acs) << 2);
        const ar = <usize>ars << 2;
        const a1 = rowPointer(a0, 1, mr, ar), a2 = rowPointer(a0, 2, mr, ar), a3 = rowPointer(a0, 3, mr, ar);
        for (let jp = 0; jp < nc; jp += NR) {
          const nr = min(NR, nc - jp);
          const bp = packed + ((<usize>(jp >> 3) * <usize>kc) << 5);
          const c0 = c + ((<usize>i * <usize>ldc + <usize>(jc + jp)) << 2);
          if (nr == NR) {
            const cr = <usize>ldc << 2;
            microTile(kc, a0, a1, a2, a3, aStep, rows, bp, c0, rowPointer(c0, 1, mr, cr), rowPointer(c0, 2, mr, cr), rowPointer(c0, 3, mr, cr), accumulate);
          } else {
            if (accumulate) loadTile(c0, ldc, mr, nr, tile);
            microTile(kc, a0, a1, a2, a3, aStep, rows, bp, tile, tile + 32, tile + 64, tile + 96, accumulate);
            storeTile(tile, c0, ldc, mr, nr);
          }
        }
      }
    }
  }
}
