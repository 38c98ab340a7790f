/**
 * A small splittable pseudo-random generator for the data layer (which sits
 * below the tensor layer and so has its own). Deterministic: the same seed
 * always gives the same stream; `fork(i)` derives an independent stream from
 * the generator's *seed* (not from how much of it was consumed), so subject i
 * of a phantom is the same whatever happens to subject i − 1.
 *
 * Core: splitmix32 for seeding/deriving, mulberry32-style stepping.
 */

/** splitmix32 finaliser: a good 32-bit integer hash. */
export const mix32 = (x: number): number => {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
};

/** Hash a string to 32 bits (FNV-1a then mixed). */
export const hashString = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h >>> 0);
};

/** Derive a child seed from a seed and a key. */
export const deriveSeed = (seed: number, key: number | string): number => {
  const k = typeof key === 'string' ? hashString(key) : mix32(key >>> 0 ^ Math.floor(key / 0x100000000));
  return mix32((mix32(seed >>> 0) ^ Math.imul(k, 0x9e3779b1)) >>> 0);
};

export class Rng {
  /** The seed this generator was created from. */
  readonly seed: number;
  private state: number;
  private spare: number | undefined = undefined;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.state = mix32(this.seed);
  }

  /** Uniform 32-bit unsigned integer (mulberry32 step). */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return mean + sd * s;
    }
    let u = 0;
    while (u <= 1e-12) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** An independent generator derived from this one's seed and a key. */
  fork(key: number | string): Rng {
    return new Rng(deriveSeed(this.seed, key));
  }

  /** In-place Fisher–Yates shuffle; returns the array. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i] as T;
      xs[i] = xs[j] as T;
      xs[j] = t;
    }
    return xs;
  }
}

export const rng = (seed: number): Rng => new Rng(seed);
