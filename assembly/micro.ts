/*
 * The 4×8 register tile shared by the GEMM and the convolutions: four rows of the left operand,
 * each value splatted across a vector (v128.load32_splat), times eight columns of the right one
 * (two f32x4), into eight f32x4 accumulators. Eleven vector registers in all, so V8 keeps the
 * whole tile in the sixteen xmm registers of x86-64. One multiply and one add per vector: plain
 * WebAssembly SIMD has no fused multiply-add.
 *
 * The right operand's row p is read through an address table (a base plus a per-p byte
 * offset): consecutive 32-byte rows of a packed GEMM panel, or the taps of a padded image, so a
 * convolution reads its im2col rows in place (XNNPACK's indirect GEMM reads its rows through a
 * pointer table the same way). A 2×16 tile serves products with one or two rows (the input
 * adjoint of a convolution over two channels), where the 4×8 tile would compute as many
 * repeated rows as real ones.
 */

export const MR: i32 = 4;
export const NR: i32 = 8;
/** A partial tile is computed in a 4×8 scratch tile and copied out. */
export const TILE_BYTES: i32 = MR * NR * 4;

/** Row r of a tile of mr valid rows: rows past the last repeat it, so they compute and store the same values. */
@inline
export function rowPointer(row0: usize, r: i32, mr: i32, rowBytes: usize): usize {
  return row0 + <usize>(r < mr ? r : mr - 1) * rowBytes;
}

/** tile[r][j] = C[r][j] for r < mr, j < nr (tile rows are 8 values). */
export function loadTile(c: usize, ldc: i32, mr: i32, nr: i32, tile: usize): void {
  for (let r = 0; r < mr; r++) {
    const row = c + ((<usize>r * <usize>ldc) << 2);
    for (let j = 0; j < nr; j++) store<f32>(tile + (<usize>(r * NR + j) << 2), load<f32>(row + (<usize>j << 2)));
  }
}

/** C[r][j] = tile[r][j] for r < mr, j < nr (tile rows are `width` values). */
export function storeTile(tile: usize, c: usize, ldc: i32, mr: i32, nr: i32, width: i32 = NR): void {
  for (let r = 0; r < mr; r++) {
    const row = c + ((<usize>r * <usize>ldc) << 2);
    for (let j = 0; j < nr; j++) store<f32>(row + (<usize>j << 2), load<f32>(tile + (<usize>(r * width + j) << 2)));
  }
}

/**
 * C (+)= A·B over kc steps: B's row p is the 8 values at bBase + taps[p] (taps: i32 byte
 * offsets: a packed panel's rows for the GEMM, a padded image's taps for a convolution); A's
 * rows advance by aStep bytes per step. With `accumulate`, C is loaded first and added to.
 */
@inline
export function microTile(
  kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, aStep: usize, taps: usize, bBase: usize,
  c0: usize, c1: usize, c2: usize, c3: usize, accumulate: bool,
): void {
  let x00 = f32x4.splat(0), x01 = x00, x10 = x00, x11 = x00, x20 = x00, x21 = x00, x30 = x00, x31 = x00;
  if (accumulate) {
    x00 = v128.load(c0); x01 = v128.load(c0, 16);
    x10 = v128.load(c1); x11 = v128.load(c1, 16);
    x20 = v128.load(c2); x21 = v128.load(c2, 16);
    x30 = v128.load(c3); x31 = v128.load(c3, 16);
  }
  const end = taps + (<usize>kc << 2);
  while (taps < end) {
    const bp = bBase + <usize>load<i32>(taps);
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const v0 = v128.load32_splat(a0), v1 = v128.load32_splat(a1), v2 = v128.load32_splat(a2), v3 = v128.load32_splat(a3);
    x00 = f32x4.add(x00, f32x4.mul(v0, b0)); x01 = f32x4.add(x01, f32x4.mul(v0, b1));
    x10 = f32x4.add(x10, f32x4.mul(v1, b0)); x11 = f32x4.add(x11, f32x4.mul(v1, b1));
    x20 = f32x4.add(x20, f32x4.mul(v2, b0)); x21 = f32x4.add(x21, f32x4.mul(v2, b1));
    x30 = f32x4.add(x30, f32x4.mul(v3, b0)); x31 = f32x4.add(x31, f32x4.mul(v3, b1));
    a0 += aStep; a1 += aStep; a2 += aStep; a3 += aStep;
    taps += 4;
  }
  // rows that repeat an earlier one store after it the same values
  v128.store(c3, x30); v128.store(c3, x31, 16);
  v128.store(c2, x20); v128.store(c2, x21, 16);
  v128.store(c1, x10); v128.store(c1, x11, 16);
  v128.store(c0, x00); v128.store(c0, x01, 16);
}

/** Columns of the two-row tile. */
export const NR_WIDE: i32 = 16;

/** The table variant on a 2×16 tile: two rows of A, sixteen columns (four f32x4) of B. */
@inline
export function microTapsWide(
  kc: i32, a0: usize, a1: usize, taps: usize, bBase: usize, c0: usize, c1: usize,
): void {
  let x00 = f32x4.splat(0), x01 = x00, x02 = x00, x03 = x00, x10 = x00, x11 = x00, x12 = x00, x13 = x00;
  const end = taps + (<usize>kc << 2);
  while (taps < end) {
    const bp = bBase + <usize>load<i32>(taps);
    const b0 = v128.load(bp), b1 = v128.load(bp, 16), b2 = v128.load(bp, 32), b3 = v128.load(bp, 48);
    const v0 = v128.load32_splat(a0), v1 = v128.load32_splat(a1);
    x00 = f32x4.add(x00, f32x4.mul(v0, b0)); x01 = f32x4.add(x01, f32x4.mul(v0, b1));
    x02 = f32x4.add(x02, f32x4.mul(v0, b2)); x03 = f32x4.add(x03, f32x4.mul(v0, b3));
    x10 = f32x4.add(x10, f32x4.mul(v1, b0)); x11 = f32x4.add(x11, f32x4.mul(v1, b1));
    x12 = f32x4.add(x12, f32x4.mul(v1, b2)); x13 = f32x4.add(x13, f32x4.mul(v1, b3));
    a0 += 4; a1 += 4;
    taps += 4;
  }
  v128.store(c1, x10); v128.store(c1, x11, 16); v128.store(c1, x12, 32); v128.store(c1, x13, 48);
  v128.store(c0, x00); v128.store(c0, x01, 16); v128.store(c0, x02, 32); v128.store(c0, x03, 48);
}
