/**
 * The flow's integrators as explicit Runge–Kutta Butcher tableaux, run by one stepper over a
 * batch of paths. Coefficients are kept as fractions n/d and applied as (h·n)/d, so that a
 * weight such as 1/6 rounds once, as h/6 does, and not twice, as h·(1/6) would.
 */
import type { Integrator } from './types.ts';

/** n/d. */
export type Fraction = readonly [numerator: number, denominator: number];

export interface Tableau {
  /** Stage i's point is x + h Σ_j a[i][j] k_j (row 0 is the start itself); zero entries are skipped. */
  readonly a: readonly (readonly Fraction[])[];
  /** The step is x + h Σ_i b[i] k_i. */
  readonly b: readonly Fraction[];
  /** Whether the step is smooth enough for a cubic Hermite interpolant between its ends (order ≥ 2). */
  readonly hermite: boolean;
}

export const TABLEAUX: Readonly<Record<Integrator, Tableau>> = {
  euler: { a: [[]], b: [[1, 1]], hermite: false },
  heun: { a: [[], [[1, 1]]], b: [[1, 2], [1, 2]], hermite: true },
  rk4: {
    a: [[], [[1, 2]], [[0, 1], [1, 2]], [[0, 1], [0, 1], [1, 1]]],
    b: [[1, 6], [1, 3], [1, 3], [1, 6]],
    hermite: true,
  },
};

export function axpy(x: Float64Array, a: number, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + a * v[i]!;
  return out;
}

/** x + h Σ_j c_j k_j, adding the terms in order. */
function combine(x: Float64Array, h: number, coefficients: readonly Fraction[], k: readonly Float64Array[]): Float64Array {
  let out = x;
  coefficients.forEach(([n, d], j) => {
    if (n !== 0) out = axpy(out, (h * n) / d, k[j]!);
  });
  return out;
}

/**
 * The field at a batch of points: `live` indexes the paths, `points` their stage points; each
 * velocity is null where the path must stop there (the field's owner records why).
 */
export type StageField = (live: readonly number[], points: readonly Float64Array[]) => readonly (Float64Array | null)[];

/**
 * One step of every path: `k1` holds the velocities at the starts, and each later stage calls
 * `field` once for the paths still alive. A path dropped at a stage gets null.
 */
export function rungeKuttaStep(tableau: Tableau, starts: readonly Float64Array[], hs: readonly number[], k1: readonly Float64Array[], field: StageField): (Float64Array | null)[] {
  const stages: Float64Array[][] = starts.map((_, i) => [k1[i]!]);
  const alive = starts.map(() => true);
  for (let s = 1; s < tableau.b.length; s++) {
    const live = starts.flatMap((_, i) => (alive[i] ? [i] : []));
    const velocities = live.length ? field(live, live.map((i) => combine(starts[i]!, hs[i]!, tableau.a[s]!, stages[i]!))) : [];
    live.forEach((i, j) => {
      const v = velocities[j] ?? null;
      if (v === null) alive[i] = false;
      else stages[i]!.push(v);
    });
  }
  return starts.map((x, i) => (alive[i] ? combine(x, hs[i]!, tableau.b, stages[i]!) : null));
}
