/**
 * A pure, splittable, counter-based PRNG. A key is two 32-bit words; `split` derives
 * independent child keys by hashing, and every draw is a function of (key, index), so
 * results never depend on call order or on any hidden state.
 */
import { ArgumentError } from './errors.ts';
import { allocate, checkShape, dtypeOption, Tensor, type DTypeOption } from './tensor.ts';
import { shapeSize, type DType, type Shape } from './shape.ts';

declare const keyBrand: unique symbol;
export type Key = readonly [number, number] & { readonly [keyBrand]: true };

function mix32(x: number): number {
  // murmur3's finaliser: a bijection on 32-bit words with full avalanche.
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Two rounds of mixing of (key, counter) into 32 random bits. */
function bits(k0: number, k1: number, counter: number, stream: number): number {
  const a = mix32((k0 ^ Math.imul(counter, 0x9e3779b9)) + stream);
  return mix32(a ^ mix32(k1 + Math.imul(counter ^ stream, 0x7feb352d)));
}

function requireKey(op: string, k: unknown): asserts k is Key {
  if (!isKey(k)) throw new ArgumentError(op, `needs a key from random.key(seed), got ${JSON.stringify(k)}`);
}

export function key(seed: number): Key {
  if (!Number.isInteger(seed)) throw new ArgumentError('random.key', `seed must be an integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return [mix32(lo ^ 0x243f6a88), mix32(hi ^ 0x85a308d3)] as unknown as Key;
}

export function isKey(x: unknown): x is Key {
  return Array.isArray(x) && x.length === 2 && x.every((v) => Number.isInteger(v) && v >= 0 && v < 4294967296);
}

/** n independent keys derived from one. */
export function split(k: Key, n = 2): Key[] {
  requireKey('random.split', k);
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError('random.split', `n must be a positive integer, got ${n}`);
  const out: Key[] = [];
  for (let i = 0; i < n; i++) out.push([bits(k[0], k[1], i, 0x51ed27), bits(k[0], k[1], i, 0xa5a5a5)] as unknown as Key);
  return out;
}

/** One key derived from a key and an integer (e.g. an epoch or a sample index). */
export function foldIn(k: Key, data: number): Key {
  requireKey('random.foldIn', k);
  if (!Number.isInteger(data)) throw new ArgumentError('random.foldIn', `data must be an integer, got ${data}`);
  return [bits(k[0], k[1], data >>> 0, 0x3c6ef3), bits(k[0], k[1], data >>> 0, 0x1f83d9)] as unknown as Key;
}

/** A uniform number in [0, 1) with 53 random bits. */
function unit(k: Key, i: number): number {
  const hi = bits(k[0], k[1], i, 0x1234567) >>> 5;
  const lo = bits(k[0], k[1], i, 0x7654321) >>> 6;
  return (hi * 67108864 + lo) / 9007199254740992;
}

export interface UniformOptions<D extends DType> extends DTypeOption<D> {
  readonly low?: number;
  readonly high?: number;
}

export function uniform<const S extends Shape, D extends DType = 'f32'>(k: Key, shape: S, options: UniformOptions<D> = {}): Tensor<S, D> {
  requireKey('random.uniform', k);
  checkShape('random.uniform', shape);
  const { low = 0, high = 1 } = options;
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) throw new ArgumentError('random.uniform', `needs finite low < high, got [${low}, ${high})`);
  const dtype = dtypeOption('random.uniform', options);
  const n = shapeSize(shape);
  const buf = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    buf[i] = low + (high - low) * unit(k, i);
    // Rounding to float32 can land on `high`; the interval is half-open, so step back below it.
    if (buf[i]! >= high) buf[i] = dtype === 'f32' ? prevFloat32Below(high, low) : low + (high - low) * (1 - Number.EPSILON);
  }
  return Tensor.fromBuffer([...shape] as unknown as S, dtype, buf);
}

export interface NormalOptions<D extends DType> extends DTypeOption<D> {
  readonly mean?: number;
  readonly std?: number;
}

function prevFloat32Below(high: number, low: number): number {
  const f = new Float32Array([high]);
  const bits = new Int32Array(f.buffer);
  bits[0] = f[0]! > 0 ? bits[0]! - 1 : f[0]! < 0 ? bits[0]! + 1 : -2147483647;
  return Math.max(f[0]!, low);
}

/** Standard normal draws by the Box–Muller transform on pairs of uniforms. */
export function normal<const S extends Shape, D extends DType = 'f32'>(k: Key, shape: S, options: NormalOptions<D> = {}): Tensor<S, D> {
  requireKey('random.normal', k);
  checkShape('random.normal', shape);
  const { mean = 0, std = 1 } = options;
  if (!(Number.isFinite(mean) && Number.isFinite(std) && std >= 0)) throw new ArgumentError('random.normal', `needs a finite mean and std ≥ 0, got ${mean} and ${std}`);
  const dtype = dtypeOption('random.normal', options);
  const n = shapeSize(shape);
  const buf = allocate(dtype, n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - unit(k, i); // in (0, 1], so log is finite
    const u2 = unit(k, i + 1);
    const r = Math.sqrt(-2 * Math.log(u1));
    buf[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) buf[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
  }
  return Tensor.fromBuffer([...shape] as unknown as S, dtype, buf);
}

/** A seeded permutation of 0..n-1 (Fisher–Yates driven by the key). */
export function permutation(k: Key, n: number): number[] {
  requireKey('random.permutation', k);
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError('random.permutation', `n must be a non-negative integer, got ${n}`);
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(unit(k, i) * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
