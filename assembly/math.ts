/*
 * exp and expm1 on four f32 lanes. x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite: ln2 split so
 * that n·LN2_HI is exact), e^r − 1 by its Taylor polynomial to r⁷ (truncation below 2⁻²⁶
 * relative), and 2ⁿ built from exponent bits in two halves, so that gradual underflow and
 * overflow come out of ordinary multiplications. Errors stay within a few ulps; the special
 * values are those of Math.exp / Math.expm1 rounded to f32: exp(−Inf) = 0, exp(+Inf) = +Inf,
 * expm1(−Inf) = −1, NaN → NaN, expm1(±0) = ±0.
 */

const LOG2E: f32 = 1.44269504;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
/** Beyond these, e^x rounds to +Inf or to 0 in f32 (the lanes are set directly). */
const OVERFLOW: f32 = 89;
const UNDERFLOW: f32 = -104;

/** 2^k for integer lanes k in [−126, 127], from the exponent bits. */
@inline
function pow2(k: v128): v128 {
  return i32x4.shl(i32x4.add(k, i32x4.splat(127)), 23);
}

/** e^r − 1 for |r| ≤ ln2/2. */
@inline
function expm1Reduced(r: v128): v128 {
  let p = f32x4.splat(<f32>(1.0 / 5040));
  p = f32x4.add(f32x4.splat(<f32>(1.0 / 720)), f32x4.mul(p, r));
  p = f32x4.add(f32x4.splat(<f32>(1.0 / 120)), f32x4.mul(p, r));
  p = f32x4.add(f32x4.splat(<f32>(1.0 / 24)), f32x4.mul(p, r));
  p = f32x4.add(f32x4.splat(<f32>(1.0 / 6)), f32x4.mul(p, r));
  p = f32x4.add(f32x4.splat(<f32>0.5), f32x4.mul(p, r));
  return f32x4.add(r, f32x4.mul(f32x4.mul(r, r), p));
}

/** n = round(x / ln2) as float lanes, clamped to [−150, 128]. */
@inline
function multiple(x: v128): v128 {
  return f32x4.min(f32x4.max(f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E))), f32x4.splat(-150)), f32x4.splat(128));
}

/** r = x − n·ln2, with n·LN2_HI exact. */
@inline
function remainder(x: v128, nf: v128): v128 {
  return f32x4.sub(f32x4.sub(x, f32x4.mul(nf, f32x4.splat(LN2_HI))), f32x4.mul(nf, f32x4.splat(LN2_LO)));
}

/** (1 + p)·2ⁿ, with 2ⁿ as 2^⌊n/2⌋ · 2^(n − ⌊n/2⌋), both normal for n in [−150, 128]. */
@inline
function scaled(p: v128, n: v128): v128 {
  const half = i32x4.shr_s(n, 1);
  return f32x4.mul(f32x4.mul(f32x4.add(p, f32x4.splat(1)), pow2(half)), pow2(i32x4.sub(n, half)));
}

@inline
export function exp4(x: v128): v128 {
  const nf = multiple(x);
  let y = scaled(expm1Reduced(remainder(x, nf)), i32x4.trunc_sat_f32x4_s(nf));
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(OVERFLOW)));
  return v128.bitselect(f32x4.splat(0), y, f32x4.lt(x, f32x4.splat(UNDERFLOW)));
}

@inline
export function expm1v(x: v128): v128 {
  const nf = multiple(x);
  const p = expm1Reduced(remainder(x, nf)), n = i32x4.trunc_sat_f32x4_s(nf);
  // |n| ≤ 24: 2ⁿ·p + (2ⁿ − 1), where 2ⁿ − 1 is exact and nothing cancels; beyond, e^x − 1 loses nothing
  const s = pow2(n);
  const near = f32x4.add(f32x4.mul(s, p), f32x4.sub(s, f32x4.splat(1)));
  const far = f32x4.sub(scaled(p, n), f32x4.splat(1));
  const small = i32x4.le_s(i32x4.abs(n), i32x4.splat(24));
  let y = v128.bitselect(near, far, small);
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(OVERFLOW)));
  y = v128.bitselect(f32x4.splat(-1), y, f32x4.lt(x, f32x4.splat(UNDERFLOW)));
  // ±0 (and nothing else) gives itself, with its sign
  return v128.bitselect(x, y, f32x4.eq(x, f32x4.splat(0)));
}
