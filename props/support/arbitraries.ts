/**
 * fast-check arbitraries for the AD properties: small shapes, f64 tensors on chosen domains
 * (away from kinks, ties and singularities, so that central differences are meaningful),
 * broadcasting partners, and convolution / pooling geometries.
 */
import fc from 'fast-check';
import type { Padding, Shape } from '../../src/index.ts';
import { f64, shapeSize, type T64 } from './numeric.ts';
import { GRID } from './tolerance.ts';

export type Elem = fc.Arbitrary<number>;

const RESOLUTION = 2 ** 30;

/**
 * A real drawn uniformly from [min, max] (on a grid of 2³⁰ points). Not fc.double: its bias
 * towards 0, the bounds and subnormals puts most entries where odd functions have vanishing even
 * derivatives, which lets a wrong second-order rule pass; and subnormals make rounding absolute,
 * where no relative tolerance means anything. Shrinking moves values towards `min`.
 */
export function real(min: number, max: number): Elem {
  return fc.noBias(fc.integer({ min: 0, max: RESOLUTION })).map((k) => min + ((max - min) * k) / RESOLUTION);
}

/** ±[margin, max]: keeps a kink at 0 (abs, relu, elu) or a pole (reciprocal, div) out of reach of the difference step. */
export function awayFromZero(margin: number, max: number): Elem {
  return fc.tuple(fc.boolean(), real(margin, max)).map(([neg, v]) => (neg ? -v : v));
}

/**
 * Values near even (parity 0) or odd (parity 1) integers in [-4, 4): any value of one parity
 * is at least 0.2 from any value of the other, so maximum/minimum never meet a tie.
 */
export function lattice(parity: 0 | 1): Elem {
  return fc.tuple(fc.integer({ min: -2, max: 1 }), real(-0.4, 0.4)).map(([k, d]) => 2 * k + parity + d);
}

/** Multiples of GRID.unit in [-2, 2]: exact in f32 and f64, and so is every step of GRID.h along a grid direction. */
export function dyadic(): Elem {
  return fc.integer({ min: -32, max: 32 }).map((k) => k * GRID.unit);
}

export function tensorOf(shape: Shape, elem: Elem): fc.Arbitrary<T64> {
  const n = shapeSize(shape);
  return fc.array(elem, { minLength: n, maxLength: n }).map((d) => f64(d, shape));
}

/** Random directions and cotangents: entries in [-1, 1]. */
export function direction(shape: Shape): fc.Arbitrary<T64> {
  return tensorOf(shape, real(-1, 1));
}

/** Directions for grid checks: multiples of 1/4 in [-1, 1], so x ± GRID.h·v stays on an exact grid. */
export function gridDirection(shape: Shape): fc.Arbitrary<T64> {
  return tensorOf(shape, fc.integer({ min: -4, max: 4 }).map((k) => k / 4));
}

export interface ShapeOptions {
  readonly minRank?: number;
  readonly maxRank?: number;
  readonly maxDim?: number;
}

export function shape({ minRank = 0, maxRank = 3, maxDim = 3 }: ShapeOptions = {}): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/** A shape that broadcasts to `full`: some leading axes dropped, some of the others set to 1. */
export function broadcastableTo(full: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))
    .map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

/**
 * Two shapes that broadcast together, each derived from a common full shape independently, so
 * either, both (mutual broadcasting, [3, 1] with [4]) or neither may be broadcast.
 */
export function broadcastPair(opts: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  return shape(opts).chain((full) => fc.tuple(broadcastableTo(full), broadcastableTo(full)));
}

/** n distinct values at least 0.1 apart, in random order (for max: a unique maximum along every axis). */
export function distinctValues(n: number): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: n, maxLength: n }),
      fc.array(real(-0.3, 0.3), { minLength: n, maxLength: n }),
    )
    .map(([perm, jitter]) => perm.map((r, i) => (r - n / 2) * 0.7 + jitter[i]!));
}

export interface ConvConfig {
  readonly n: number;
  readonly c: number;
  readonly o: number;
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly stride: number;
  readonly padding: Padding;
}

export const PADDING_MODES = {
  same: fc.constant<Padding>('same'),
  valid: fc.constant<Padding>('valid'),
  explicit: fc.integer({ min: 0, max: 2 }) as fc.Arbitrary<Padding>,
} as const;

/** Strides 1–2, kernels 1–5 (rectangular too), inputs large enough for the kernel; padding from `padding` (any mode by default). */
export function convConfig(maxSide = 7, padding: fc.Arbitrary<Padding> = fc.oneof(PADDING_MODES.same, PADDING_MODES.valid, PADDING_MODES.explicit)): fc.Arbitrary<ConvConfig> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      c: fc.integer({ min: 1, max: 2 }),
      o: fc.integer({ min: 1, max: 2 }),
      kh: fc.integer({ min: 1, max: 5 }),
      kw: fc.integer({ min: 1, max: 5 }),
      stride: fc.integer({ min: 1, max: 2 }),
      padding,
    })
    .chain((g) => {
      const p = g.padding === 'same' ? 0 : g.padding === 'valid' ? 0 : g.padding;
      const minH = g.padding === 'same' ? 1 : Math.max(1, g.kh - 2 * p);
      const minW = g.padding === 'same' ? 1 : Math.max(1, g.kw - 2 * p);
      return fc.record({ h: fc.integer({ min: minH, max: Math.max(minH, maxSide) }), w: fc.integer({ min: minW, max: Math.max(minW, maxSide) }) }).map((hw) => ({ ...g, ...hw }));
    });
}

export interface PoolConfig {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly size: number;
  readonly stride: number;
}

export function poolConfig(maxSide = 7): fc.Arbitrary<PoolConfig> {
  return fc
    .record({ n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 2 }), size: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 3 }) })
    .chain((g) => fc.record({ h: fc.integer({ min: g.size, max: maxSide }), w: fc.integer({ min: g.size, max: maxSide }) }).map((hw) => ({ ...g, ...hw })));
}
