/*
 * Elementwise maps, binary operations, `where` and sums, four lanes at a time. Each operation
 * is one vector function; the loops are written once and inlined per operation (binaryen folds
 * the constant `op` switch away). A loop's tail runs the same vector function on one splatted
 * value, so every element gets the same arithmetic.
 *
 * Semantics follow the reference kernels (JavaScript on each element, f64 arithmetic rounded to
 * f32 on store): +, −, ×, ÷, √, min and max of f32 operands rounded once in f32 give the same
 * bits as rounding the f64 result, so those are exact; exp and expm1 are polynomials within a
 * few ulps. NaN, ±Inf and ±0 follow the reference's branches (relu(NaN) = 0, elu(−Inf) = −1, …).
 */
import { exp4, expm1v } from './math';

// unary operation codes (src/backend/wasm-ops.ts lists the same)
const NEG = 0, ABS = 1, SQUARE = 2, RELU = 3, ELU = 4, EXP = 5, SQRT = 6, RECIPROCAL = 7, SIGN = 8;

@inline
function unaryOp(op: i32, v: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case NEG: return f32x4.neg(v);
    case ABS: return f32x4.abs(v);
    case SQUARE: return f32x4.mul(v, v);
    // v > 0 ? v : 0 (NaN → 0, −0 → +0)
    case RELU: return v128.and(v, f32x4.gt(v, zero));
    case ELU: return v128.bitselect(v, expm1v(v), f32x4.gt(v, zero));
    case EXP: return exp4(v);
    case SQRT: return f32x4.sqrt(v);
    case RECIPROCAL: return f32x4.div(f32x4.splat(1), v);
    // v > 0 ? 1 : v < 0 ? −1 : v
    case SIGN: return v128.bitselect(f32x4.splat(1), v128.bitselect(f32x4.splat(-1), v, f32x4.lt(v, zero)), f32x4.gt(v, zero));
    default: return v;
  }
}

@inline
function mapLoop(op: i32, x: usize, out: usize, len: i32): void {
  const end = out + (<usize>(len & ~3) << 2);
  while (out < end) {
    v128.store(out, unaryOp(op, v128.load(x)));
    x += 16;
    out += 16;
  }
  for (let i = 0; i < (len & 3); i++) {
    store<f32>(out, f32x4.extract_lane(unaryOp(op, f32x4.splat(load<f32>(x))), 0));
    x += 4;
    out += 4;
  }
}

/** out[i] = op(x[i]) for i < len. */
export function unary(op: i32, x: usize, out: usize, len: i32): void {
  switch (op) {
    case NEG: mapLoop(NEG, x, out, len); break;
    case ABS: mapLoop(ABS, x, out, len); break;
    case SQUARE: mapLoop(SQUARE, x, out, len); break;
    case RELU: mapLoop(RELU, x, out, len); break;
    case ELU: mapLoop(ELU, x, out, len); break;
    case EXP: mapLoop(EXP, x, out, len); break;
    case SQRT: mapLoop(SQRT, x, out, len); break;
    case RECIPROCAL: mapLoop(RECIPROCAL, x, out, len); break;
    case SIGN: mapLoop(SIGN, x, out, len); break;
  }
}

// binary operation codes
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAXIMUM = 4, MINIMUM = 5;
const GREATER = 6, GREATER_EQUAL = 7, LESS = 8, LESS_EQUAL = 9, EQUAL = 10, NOT_EQUAL = 11;

@inline
function binaryOp(op: i32, a: v128, b: v128): v128 {
  const one = f32x4.splat(1);
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    // Math.max / Math.min: NaN if either is NaN, and +0 above −0, as f32x4.max / min
    case MAXIMUM: return f32x4.max(a, b);
    case MINIMUM: return f32x4.min(a, b);
    // comparisons give 1 or 0 (false for NaN, except ≠)
    case GREATER: return v128.and(one, f32x4.gt(a, b));
    case GREATER_EQUAL: return v128.and(one, f32x4.ge(a, b));
    case LESS: return v128.and(one, f32x4.lt(a, b));
    case LESS_EQUAL: return v128.and(one, f32x4.le(a, b));
    case EQUAL: return v128.and(one, f32x4.eq(a, b));
    case NOT_EQUAL: return v128.and(one, f32x4.ne(a, b));
    default: return a;
  }
}

/** Operand layouts of a binary call: both runs of `len` values, or one of them a single value. */
const BOTH = 0, SCALAR_B = 1, SCALAR_A = 2;

@inline
function binaryLoop(op: i32, mode: i32, a: usize, b: usize, out: usize, len: i32): void {
  const sa = f32x4.splat(load<f32>(a)), sb = f32x4.splat(load<f32>(b));
  const end = out + (<usize>(len & ~3) << 2);
  while (out < end) {
    const va = mode == SCALAR_A ? sa : v128.load(a);
    const vb = mode == SCALAR_B ? sb : v128.load(b);
    v128.store(out, binaryOp(op, va, vb));
    if (mode != SCALAR_A) a += 16;
    if (mode != SCALAR_B) b += 16;
    out += 16;
  }
  for (let i = 0; i < (len & 3); i++) {
    const va = mode == SCALAR_A ? sa : f32x4.splat(load<f32>(a));
    const vb = mode == SCALAR_B ? sb : f32x4.splat(load<f32>(b));
    store<f32>(out, f32x4.extract_lane(binaryOp(op, va, vb), 0));
    if (mode != SCALAR_A) a += 4;
    if (mode != SCALAR_B) b += 4;
    out += 4;
  }
}

@inline
function binaryModes(op: i32, mode: i32, a: usize, b: usize, out: usize, len: i32): void {
  if (mode == SCALAR_B) binaryLoop(op, SCALAR_B, a, b, out, len);
  else if (mode == SCALAR_A) binaryLoop(op, SCALAR_A, a, b, out, len);
  else binaryLoop(op, BOTH, a, b, out, len);
}

/** out[i] = a[i] op b[i] for i < len, a or b read as one value when `mode` says so. */
export function binary(op: i32, mode: i32, a: usize, b: usize, out: usize, len: i32): void {
  switch (op) {
    case ADD: binaryModes(ADD, mode, a, b, out, len); break;
    case SUB: binaryModes(SUB, mode, a, b, out, len); break;
    case MUL: binaryModes(MUL, mode, a, b, out, len); break;
    case DIV: binaryModes(DIV, mode, a, b, out, len); break;
    case MAXIMUM: binaryModes(MAXIMUM, mode, a, b, out, len); break;
    case MINIMUM: binaryModes(MINIMUM, mode, a, b, out, len); break;
    case GREATER: binaryModes(GREATER, mode, a, b, out, len); break;
    case GREATER_EQUAL: binaryModes(GREATER_EQUAL, mode, a, b, out, len); break;
    case LESS: binaryModes(LESS, mode, a, b, out, len); break;
    case LESS_EQUAL: binaryModes(LESS_EQUAL, mode, a, b, out, len); break;
    case EQUAL: binaryModes(EQUAL, mode, a, b, out, len); break;
    case NOT_EQUAL: binaryModes(NOT_EQUAL, mode, a, b, out, len); break;
  }
}

/**
 * out[i] = cond[i] ≠ 0 ? a[i] : b[i] for i < len (NaN counts as ≠ 0, −0 as 0); bit 0, 1, 2 of
 * `scalars` read cond, a, b as one value.
 */
export function where(scalars: i32, cond: usize, a: usize, b: usize, out: usize, len: i32): void {
  const cStep: usize = scalars & 1 ? 0 : 16, aStep: usize = scalars & 2 ? 0 : 16, bStep: usize = scalars & 4 ? 0 : 16;
  const cv = f32x4.splat(load<f32>(cond)), av = f32x4.splat(load<f32>(a)), bv = f32x4.splat(load<f32>(b));
  const zero = f32x4.splat(0);
  const end = out + (<usize>(len & ~3) << 2);
  while (out < end) {
    const c = cStep ? v128.load(cond) : cv;
    v128.store(out, v128.bitselect(aStep ? v128.load(a) : av, bStep ? v128.load(b) : bv, f32x4.ne(c, zero)));
    cond += cStep;
    a += aStep;
    b += bStep;
    out += 16;
  }
  for (let i = 0; i < (len & 3); i++) {
    const c = load<f32>(cond);
    store<f32>(out, c != 0 ? load<f32>(a) : load<f32>(b));
    cond += cStep >> 2;
    a += aStep >> 2;
    b += bStep >> 2;
    out += 4;
  }
}

/**
 * out[j] = Σ over i < outer and t < inner of x[(i·count + j)·inner + t], for j < count: every
 * sum over a set of axes once adjacent axes of the same kind are merged into one (reduced,
 * kept, reduced) triple (either reduced part may be 1).
 */
export function sumReduce(x: usize, out: usize, outer: i32, count: i32, inner: i32): void {
  memory.fill(out, 0, <usize>count << 2);
  if (inner == 1) {
    for (let i = 0; i < outer; i++) {
      const row = x + ((<usize>i * <usize>count) << 2);
      let j = 0;
      for (; j + 4 <= count; j += 4) {
        const q = out + (<usize>j << 2);
        v128.store(q, f32x4.add(v128.load(q), v128.load(row + (<usize>j << 2))));
      }
      for (; j < count; j++) {
        const q = out + (<usize>j << 2);
        store<f32>(q, load<f32>(q) + load<f32>(row + (<usize>j << 2)));
      }
    }
    return;
  }
  for (let i = 0; i < outer; i++) {
    for (let j = 0; j < count; j++) {
      let p = x + ((<usize>(i * count + j) * <usize>inner) << 2);
      let acc = f32x4.splat(0);
      let t = 0;
      for (; t + 4 <= inner; t += 4) {
        acc = f32x4.add(acc, v128.load(p));
        p += 16;
      }
      let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
      for (; t < inner; t++) {
        s += load<f32>(p);
        p += 4;
      }
      const q = out + (<usize>j << 2);
      store<f32>(q, load<f32>(q) + s);
    }
  }
}

/** 1 when every one of the len values is finite, else 0 (x − x is 0 exactly for finite x, NaN otherwise). */
export function allFinite(x: usize, len: i32): i32 {
  let acc = f32x4.splat(0);
  const end = x + (<usize>(len & ~3) << 2);
  while (x < end) {
    const v = v128.load(x);
    acc = f32x4.add(acc, f32x4.sub(v, v));
    x += 16;
  }
  let s: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (let i = 0; i < (len & 3); i++) {
    const v = load<f32>(x);
    s += v - v;
    x += 4;
  }
  return s == 0 ? 1 : 0;
}
