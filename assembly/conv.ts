/*
 * 2-D convolution (cross-correlation, NCHW / OIHW) and both adjoints, one image per call.
 *
 * The forward pass is a GEMM out[o, P] = W[o, K] · col[K, P] (K = c·kh·kw taps, P pixels) on the
 * 4×8 tile of micro.ts: four output channels × eight pixels of one output row. The im2col
 * matrix is never packed panel by panel. Its row for tap p, over the pixels of an output row,
 * is a run of a "source" at a fixed byte offset taps[p]:
 *   stride 1   a zero-padded band of image rows (taps[p] = offset of (ic, ky, kx) in the band),
 *              read in place, as XNNPACK's indirect GEMM reads rows through a pointer table;
 *   stride > 1 a chunk of im2col rows built once per band of output rows, whose cost is 1/o of
 *              the multiply-adds.
 * The input adjoint of a stride-1 convolution is itself a stride-1 convolution of dy with the
 * flipped, transposed filter (see flipFilter); for stride s the same holds on dy dilated by s.
 * The filter adjoint dW[o, p] = Σ over pixels of dy[o, ·] · col[p, ·] reads the same sources and
 * vectorises along the pixels of a row (4 output channels × 2 taps per register tile).
 *
 * Callers guarantee finite operands (the backend checks, and runs the reference kernel
 * otherwise), so lanes past the end of a row may compute on anything: they are never stored,
 * or they meet zeros.
 */
import { MR, NR, NR_WIDE, TILE_BYTES, microTapsWide, microTile, rowPointer, storeTile } from './micro';

/** Values one source (band of padded rows, or chunk of im2col rows) may hold: 1 MiB. */
const SOURCE_FLOATS: i32 = 1 << 18;

// The source layout of the current call (set by layoutSource; each thread has its own instance).
let direct = false;
let rowFloats = 0;
let sourceRows = 0;
let sourceFloats = 0;
let tapCount = 0;

@inline
function align16(bytes: i32): i32 {
  return (bytes + 15) & ~15;
}

/**
 * Chooses how the output rows of a call are sourced: a padded band for stride 1 (rows of width
 * outW + kw − 1, plus 15 values of slack so a 16-pixel tile never reads past a row), else im2col
 * rows of outW rounded up to 16. Sets sourceRows (output rows per band) and sourceFloats.
 */
function layoutSource(c: i32, kh: i32, kw: i32, sh: i32, sw: i32, outW: i32, rows: i32): void {
  direct = sh == 1 && sw == 1;
  tapCount = c * kh * kw;
  if (direct) {
    rowFloats = outW + kw - 1 + NR_WIDE - 1;
    const perBand = max(1, SOURCE_FLOATS / (c * rowFloats) - (kh - 1));
    sourceRows = min(perBand, max(rows, 1));
    sourceFloats = c * (sourceRows + kh - 1) * rowFloats;
  } else {
    rowFloats = (outW + NR_WIDE - 1) & ~(NR_WIDE - 1);
    sourceRows = min(max(1, SOURCE_FLOATS / (tapCount * rowFloats)), max(rows, 1));
    sourceFloats = tapCount * sourceRows * rowFloats;
  }
}

/** The i32 byte offsets of taps (ic, ky, kx), p in [p0, p0 + count), in the current source; pads with 0 up to `padded`. */
function writeTaps(taps: usize, c: i32, kh: i32, kw: i32, p0: i32, count: i32, padded: i32): void {
  const khw = kh * kw;
  const bandRows = sourceRows + kh - 1;
  for (let t = 0; t < padded; t++) {
    let off = 0;
    if (t < count) {
      const p = p0 + t;
      if (direct) {
        const ic = p / khw, rem = p - ic * khw, ky = rem / kw, kx = rem - ky * kw;
        off = ((ic * bandRows + ky) * rowFloats + kx) << 2;
      } else {
        off = (p * sourceRows * rowFloats) << 2;
      }
    }
    store<i32>(taps + (<usize>t << 2), off);
  }
}

/**
 * Band rows for output rows [oyA, oyA + rows) of a stride-1 call: band[ch][r][col] is the input
 * (dilated by dilH × dilW: input value (i, j) sits at (i·dilH, j·dilW), zeros between) at row
 * oyA − padTop + r and column col − padLeft, zero outside it.
 */
function fillBand(
  x: usize, c: i32, h: i32, wd: i32, dilH: i32, dilW: i32,
  padTop: i32, padLeft: i32, oyA: i32, rows: i32, kh: i32, dst: usize,
): void {
  const bandRows = rows + kh - 1;
  const logicalH = (h - 1) * dilH + 1, logicalW = (wd - 1) * dilW + 1;
  const rowBytes = <usize>rowFloats << 2;
  // columns [colLo, colHi) of a band row hold input columns (in dilated coordinates col − padLeft)
  const colLo = min(max(padLeft, 0), rowFloats);
  const colHi = max(colLo, min(logicalW + padLeft, rowFloats));
  for (let ch = 0; ch < c; ch++) {
    for (let r = 0; r < bandRows; r++) {
      const d = dst + (<usize>(ch * bandRows + r)) * rowBytes;
      const u = oyA - padTop + r;
      if (u < 0 || u >= logicalH || u % dilH != 0 || colHi == colLo) {
        memory.fill(d, 0, rowBytes);
        continue;
      }
      const srcRow = x + ((<usize>(ch * h + u / dilH) * <usize>wd) << 2);
      memory.fill(d, 0, <usize>colLo << 2);
      memory.fill(d + (<usize>colHi << 2), 0, <usize>(rowFloats - colHi) << 2);
      if (dilW == 1) {
        memory.copy(d + (<usize>colLo << 2), srcRow + (<usize>(colLo - padLeft) << 2), <usize>(colHi - colLo) << 2);
      } else {
        for (let col = colLo; col < colHi; col++) {
          const v = col - padLeft;
          store<f32>(d + (<usize>col << 2), v % dilW == 0 ? load<f32>(srcRow + (<usize>(v / dilW) << 2)) : 0);
        }
      }
    }
  }
}

/** im2col rows for output rows [oyA, oyA + rows): col[p][r][ox] = x at tap p of pixel (oyA + r, ox), zero outside. */
function fillCols(
  x: usize, c: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  padTop: i32, padLeft: i32, outW: i32, oyA: i32, rows: i32, dst: usize,
): void {
  let d = dst;
  for (let ic = 0; ic < c; ic++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        for (let r = 0; r < sourceRows; r++) {
          const iy = (oyA + r) * sh - padTop + ky;
          const inside = r < rows && iy >= 0 && iy < h;
          const srcRow = x + ((<usize>(ic * h + (inside ? iy : 0)) * <usize>wd) << 2);
          for (let ox = 0; ox < rowFloats; ox++) {
            const ix = ox * sw - padLeft + kx;
            store<f32>(d, inside && ox < outW && ix >= 0 && ix < wd ? load<f32>(srcRow + (<usize>ix << 2)) : 0);
            d += 4;
          }
        }
      }
    }
  }
}

function fillSource(
  x: usize, c: i32, h: i32, wd: i32, dilH: i32, dilW: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  padTop: i32, padLeft: i32, outW: i32, oyA: i32, rows: i32, dst: usize,
): void {
  if (direct) fillBand(x, c, h, wd, dilH, dilW, padTop, padLeft, oyA, rows, kh, dst);
  else fillCols(x, c, h, wd, kh, kw, sh, sw, padTop, padLeft, outW, oyA, rows, dst);
}

/** Bytes of scratch conv2dRows needs for a call computing `rows` output rows (strides > 1 need dilation 1). */
export function conv2dScratchBytes(c: i32, kh: i32, kw: i32, sh: i32, sw: i32, outW: i32, rows: i32): i32 {
  layoutSource(c, kh, kw, sh, sw, outW, rows);
  return TILE_BYTES + align16(tapCount << 2) + (sourceFloats << 2);
}

/**
 * Output rows [oy0, oy1) of every channel of one image: out [o, outH, outW] = conv(x [c, h, wd]
 * dilated by dilH × dilW, w [o, c, kh, kw]) with the given strides and leading padding.
 */
export function conv2dRows(
  x: usize, w: usize, out: usize, c: i32, h: i32, wd: i32, dilH: i32, dilW: i32,
  o: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  oy0: i32, oy1: i32, scratch: usize,
): void {
  if (oy1 <= oy0 || o <= 0 || outW <= 0) return;
  layoutSource(c, kh, kw, sh, sw, outW, oy1 - oy0);
  const K = tapCount, P = outH * outW;
  const tile = scratch, taps = scratch + TILE_BYTES, src = taps + <usize>align16(K << 2);
  if (K == 0) {
    for (let oc = 0; oc < o; oc++) memory.fill(out + ((<usize>oc * <usize>P + <usize>oy0 * <usize>outW) << 2), 0, <usize>((oy1 - oy0) * outW) << 2);
    return;
  }
  writeTaps(taps, c, kh, kw, 0, K, K);
  const rowBytes = <usize>rowFloats << 2;
  for (let oyA = oy0; oyA < oy1; oyA += sourceRows) {
    const rows = min(sourceRows, oy1 - oyA);
    fillSource(x, c, h, wd, dilH, dilW, kh, kw, sh, sw, padTop, padLeft, outW, oyA, rows, src);
    for (let r = 0; r < rows; r++) {
      const rowBase = src + <usize>r * rowBytes;
      const outRow = out + ((<usize>(oyA + r) * <usize>outW) << 2);
      if (o <= 2) outputRowWide(K, w, o, taps, rowBase, outRow, P, outW, tile);
      else outputRow(K, w, o, taps, rowBase, outRow, P, outW, tile);
    }
  }
}

/** One output row of every channel on 4×8 tiles (channels past o repeat the last one). */
function outputRow(K: i32, w: usize, o: i32, taps: usize, rowBase: usize, outRow: usize, P: i32, outW: i32, tile: usize): void {
  const wRow = <usize>K << 2, outChannel = <usize>P << 2;
  for (let i = 0; i < o; i += MR) {
    const mr = min(MR, o - i);
    const a0 = w + <usize>i * wRow;
    const a1 = rowPointer(a0, 1, mr, wRow), a2 = rowPointer(a0, 2, mr, wRow), a3 = rowPointer(a0, 3, mr, wRow);
    const c0 = outRow + <usize>i * outChannel;
    for (let ox = 0; ox < outW; ox += NR) {
      const nr = min(NR, outW - ox);
      const b = rowBase + (<usize>ox << 2), cx = c0 + (<usize>ox << 2);
      if (nr == NR) {
        microTile(K, a0, a1, a2, a3, 4, taps, b, cx, rowPointer(cx, 1, mr, outChannel), rowPointer(cx, 2, mr, outChannel), rowPointer(cx, 3, mr, outChannel), false);
      } else {
        microTile(K, a0, a1, a2, a3, 4, taps, b, tile, tile + 32, tile + 64, tile + 96, false);
        storeTile(tile, cx, P, mr, nr);
      }
    }
  }
}

/** One output row of one or two channels on 2×16 tiles. */
function outputRowWide(K: i32, w: usize, o: i32, taps: usize, rowBase: usize, outRow: usize, P: i32, outW: i32, tile: usize): void {
  const outChannel = <usize>P << 2;
  const a1 = rowPointer(w, 1, o, <usize>K << 2);
  for (let ox = 0; ox < outW; ox += NR_WIDE) {
    const nr = min(NR_WIDE, outW - ox);
    const b = rowBase + (<usize>ox << 2), cx = outRow + (<usize>ox << 2);
    if (nr == NR_WIDE) {
      microTapsWide(K, w, a1, taps, b, cx, rowPointer(cx, 1, o, outChannel));
    } else {
      microTapsWide(K, w, a1, taps, b, tile, tile + 64);
      storeTile(tile, cx, P, o, nr, NR_WIDE);
    }
  }
}

/**
 * dst [c, o, kh, kw] = w [o, c, kh, kw] transposed over its channels and flipped in space: the
 * filter whose stride-1 convolution of dy (padded by kh − 1 − padTop, kw − 1 − padLeft) is the
 * input adjoint.
 */
export function flipFilter(w: usize, o: i32, c: i32, kh: i32, kw: i32, dst: usize): void {
  const khw = kh * kw;
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < c; ic++) {
      const s = w + (<usize>((oc * c + ic) * khw) << 2);
      const d = dst + (<usize>((ic * o + oc) * khw) << 2);
      for (let t = 0; t < khw; t++) store<f32>(d + (<usize>(khw - 1 - t) << 2), load<f32>(s + (<usize>t << 2)));
    }
  }
}

// ---------------------------------------------------------------- filter adjoint

/** Taps per register tile of the filter adjoint (4 channels × 2 taps = 8 accumulators). */
const FT: i32 = 2;
/** Output pixels of a band the filter adjoint sums in registers before flushing (dy rows stay in L1). */
const FLUSH_PIXELS: i32 = 2048;

/** Bytes of scratch conv2dFilterAdjoint needs for output channels [o0, o1) and taps [p0, p1). */
export function filterAdjointScratchBytes(
  c: i32, kh: i32, kw: i32, sh: i32, sw: i32, outH: i32, outW: i32, o0: i32, o1: i32, p0: i32, p1: i32,
): i32 {
  layoutSource(c, kh, kw, sh, sw, outW, min(outH, max(1, FLUSH_PIXELS / max(outW, 1))));
  const tapsPadded = ((p1 - p0 + FT - 1) / FT) * FT, rowsPadded = ((o1 - o0 + MR - 1) / MR) * MR;
  const packedDy = sourceRows * ((outW + 3) >> 2) * 64;
  return align16(tapsPadded << 2) + ((rowsPadded * tapsPadded) << 4) + packedDy + (sourceFloats << 2);
}

/**
 * dw[oc, p] = Σ over the n images and their pixels of dy[oc, pixel] · x at tap p of that pixel,
 * for oc in [o0, o1) and p in [p0, p1) (dw is the whole [o, c·kh·kw] array; nothing else is written).
 */
export function conv2dFilterAdjoint(
  x: usize, dy: usize, dw: usize, n: i32, c: i32, h: i32, wd: i32,
  o: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  o0: i32, o1: i32, p0: i32, p1: i32, scratch: usize,
): void {
  if (o1 <= o0 || p1 <= p0) return;
  layoutSource(c, kh, kw, sh, sw, outW, min(outH, max(1, FLUSH_PIXELS / max(outW, 1))));
  const K = tapCount, P = outH * outW, vectors = (outW + 3) >> 2;
  const tapsPadded = ((p1 - p0 + FT - 1) / FT) * FT, rowsPadded = ((o1 - o0 + MR - 1) / MR) * MR;
  const taps = scratch;
  const part = taps + <usize>align16(tapsPadded << 2);
  const dyTile = part + (<usize>(rowsPadded * tapsPadded) << 4);
  const src = dyTile + <usize>(sourceRows * vectors * 64);
  writeTaps(taps, c, kh, kw, p0, p1 - p0, tapsPadded);
  memory.fill(part, 0, <usize>(rowsPadded * tapsPadded) << 4);
  const rowBytes = <usize>rowFloats << 2;
  for (let b = 0; b < n; b++) {
    const xImage = x + ((<usize>b * <usize>(c * h * wd)) << 2);
    const dyImage = dy + ((<usize>b * <usize>(o * P)) << 2);
    for (let oyA = 0; oyA < outH; oyA += sourceRows) {
      const rows = min(sourceRows, outH - oyA);
      fillSource(xImage, c, h, wd, 1, 1, kh, kw, sh, sw, padTop, padLeft, outW, oyA, rows, src);
      for (let i = o0; i < o1; i += MR) {
        packDy(dyImage + ((<usize>i * <usize>P + <usize>oyA * <usize>outW) << 2), P, min(MR, o1 - i), rows, outW, dyTile);
        const partRows = part + (<usize>((i - o0) * tapsPadded) << 4);
        for (let t = 0; t < tapsPadded; t += FT) {
          accumulateTile(
            dyTile, src, rowBytes, load<i32>(taps + (<usize>t << 2)), load<i32>(taps + (<usize>(t + 1) << 2)),
            rows, vectors, partRows + (<usize>t << 4), <usize>tapsPadded << 4,
          );
        }
      }
    }
  }
  // horizontal sums of the lanes into dw
  for (let i = o0; i < o1; i++) {
    const partRow = part + (<usize>((i - o0) * tapsPadded) << 4);
    for (let t = 0; t < p1 - p0; t++) {
      const v = v128.load(partRow + (<usize>t << 4));
      const s = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
      store<f32>(dw + ((<usize>i * <usize>K + <usize>(p0 + t)) << 2), s);
    }
  }
}

/**
 * Interleaves `rows` output rows of 4 dy channels (mr valid; the rest repeat the last) as
 * dst[r][v][channel][lane] = dy[channel][r][4v + lane], zero past outW: the register tile then
 * loads a channel's 4 pixels at a fixed offset from one pointer, and needs no tail mask.
 */
function packDy(d0: usize, P: i32, mr: i32, rows: i32, outW: i32, dst: usize): void {
  const vectors = (outW + 3) >> 2;
  for (let ch = 0; ch < MR; ch++) {
    const channel = d0 + ((<usize>min(ch, mr - 1) * <usize>P) << 2);
    for (let r = 0; r < rows; r++) {
      const row = channel + ((<usize>r * <usize>outW) << 2);
      let d = dst + <usize>(r * vectors * 64 + ch * 16);
      for (let v = 0; v < vectors; v++) {
        const j = v << 2;
        if (j + 4 <= outW) v128.store(d, v128.load(row + (<usize>j << 2)));
        else for (let l = 0; l < 4; l++) store<f32>(d + (<usize>l << 2), j + l < outW ? load<f32>(row + (<usize>(j + l) << 2)) : 0);
        d += 64;
      }
    }
  }
}

/**
 * part[r][j] += Σ over rows × pixels of dy_r · x(tap j), for the 4 interleaved dy channels of
 * packDy and 2 taps (byte offsets t0, t1 in every source row).
 */
@inline
function accumulateTile(
  dy: usize, src: usize, rowBytes: usize, t0: i32, t1: i32, rows: i32, vectors: i32, part: usize, partRow: usize,
): void {
  let s00 = f32x4.splat(0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
  // rows innermost when they are short (under 64 pixels): a 32-pixel row (8 vectors) would
  // otherwise pay a row's set-up for every 8 steps (filter adjoint of the paper CNN's third layer
  // at 128²: 0.75 → 0.88 of the forward's speed); longer rows stream better row by row
  const rowsInner = vectors < 16 && rows > vectors;
  const outer = rowsInner ? vectors : rows, inner = rowsInner ? rows : vectors;
  const dyRow = <usize>(vectors * 64);
  const xStep: usize = rowsInner ? rowBytes : 16, qStep: usize = rowsInner ? dyRow : 64;
  for (let i = 0; i < outer; i++) {
    const base = rowsInner ? <usize>i << 4 : <usize>i * rowBytes;
    let xa = src + base + <usize>t0, xb = src + base + <usize>t1;
    let q = dy + (rowsInner ? <usize>i << 6 : <usize>i * dyRow);
    for (let j = 0; j < inner; j++) {
      const a = v128.load(xa), b = v128.load(xb);
      let d = v128.load(q);
      s00 = f32x4.add(s00, f32x4.mul(d, a)); s01 = f32x4.add(s01, f32x4.mul(d, b));
      d = v128.load(q, 16);
      s10 = f32x4.add(s10, f32x4.mul(d, a)); s11 = f32x4.add(s11, f32x4.mul(d, b));
      d = v128.load(q, 32);
      s20 = f32x4.add(s20, f32x4.mul(d, a)); s21 = f32x4.add(s21, f32x4.mul(d, b));
      d = v128.load(q, 48);
      s30 = f32x4.add(s30, f32x4.mul(d, a)); s31 = f32x4.add(s31, f32x4.mul(d, b));
      q += qStep;
      xa += xStep;
      xb += xStep;
    }
  }
  // channels that repeat the last one accumulate into padded part rows, which are never read
  v128.store(part, f32x4.add(v128.load(part), s00)); v128.store(part, f32x4.add(v128.load(part, 16), s01), 16);
  let p = part + partRow;
  v128.store(p, f32x4.add(v128.load(p), s10)); v128.store(p, f32x4.add(v128.load(p, 16), s11), 16);
  p += partRow;
  v128.store(p, f32x4.add(v128.load(p), s20)); v128.store(p, f32x4.add(v128.load(p, 16), s21), 16);
  p += partRow;
  v128.store(p, f32x4.add(v128.load(p), s30)); v128.store(p, f32x4.add(v128.load(p, 16), s31), 16);
}
