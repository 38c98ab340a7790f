/**
 * The alignment numbers from gradient vectors, in float64 with plain loops: squared cosines,
 * and the projection onto span{∇g_i} by modified Gram–Schmidt with re-orthogonalisation.
 */
import { ArgumentError } from '../tensor/errors.ts';
import type { DType } from '../tensor/shape.ts';

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function normSq(a: ArrayLike<number>): number {
  return dot(a, a);
}

/**
 * [ours] Default rank tolerance: √ε of the gradients' dtype (3.5e-4 for f32, 1.5e-8 for f64).
 * A feature gradient whose component orthogonal to the previous ones is below tol × its own
 * norm adds no new direction: within the gradients' rounding it is a combination of them.
 */
export function defaultRankTolerance(dtype: DType): number {
  return Math.sqrt(dtype === 'f64' ? Number.EPSILON : 2 ** -23);
}

export function checkTolerance(op: string, name: string, v: number, max = Infinity): void {
  if (!(v >= 0 && v < max)) throw new ArgumentError(op, `${name} must be a number in [0, ${max}), got ${v}`);
}

/** cos²(a, b), clamped to [0, 1] (Cauchy–Schwarz bounds it; rounding could step past 1). */
export function cosSq(a: ArrayLike<number>, aNormSq: number, b: ArrayLike<number>, bNormSq: number): number {
  const c = dot(a, b) / (Math.sqrt(aNormSq) * Math.sqrt(bNormSq));
  return Math.min(1, c * c);
}

/** An orthonormal basis of span{vs} (modified Gram–Schmidt, two passes), dropping directions below tol. */
export function orthonormalBasis(vs: readonly ArrayLike<number>[], tol: number): Float64Array[] {
  const basis: Float64Array[] = [];
  for (const v of vs) {
    const u = Float64Array.from(v);
    const n0 = Math.sqrt(normSq(u));
    if (!(n0 > 0)) continue;
    // A second pass restores the orthogonality that one pass of MGS loses on nearly dependent vectors.
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        const c = dot(q, u);
        for (let i = 0; i < u.length; i++) u[i]! -= c * q[i]!;
      }
    }
    const n = Math.sqrt(normSq(u));
    if (!(n > tol * n0)) continue;
    for (let i = 0; i < u.length; i++) u[i]! /= n;
    basis.push(u);
  }
  return basis;
}

/**
 * Span alignment of g against an orthonormal basis: A = ‖Pg‖²/‖g‖², the remainder
 * ‖g⊥‖²/‖g‖², and g⊥ itself. Both ratios share the denominator ‖Pg‖² + ‖g⊥‖² (= ‖g‖² by
 * Pythagoras), so each is accurate where it is small and they sum to 1 to rounding.
 */
export function spanAlignment(g: ArrayLike<number>, basis: readonly Float64Array[]): { A: number; unexplained: number; perp: Float64Array } {
  const perp = Float64Array.from(g);
  let along = 0;
  for (const q of basis) {
    const c = dot(q, g);
    along += c * c;
  }
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) {
      const c = dot(q, perp);
      for (let i = 0; i < perp.length; i++) perp[i]! -= c * q[i]!;
    }
  }
  const rest = normSq(perp);
  const total = along + rest;
  return { A: along / total, unexplained: rest / total, perp };
}
