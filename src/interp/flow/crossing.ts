/**
 * Locating where a step crossed the threshold: bisection on the step's parameter τ ∈ [0, 1],
 * for all crossing paths together (one batched evaluation of f per round). Euler's path is the
 * chord itself; for Heun and RK4 the step is the cubic Hermite curve through both ends with the
 * field's velocities there, whose O(h⁴) error keeps their order at the end point (a chord would
 * cost O(h²)) and needs no extra gradient.
 */

/** A step that crossed: its ends, f at the far end, the step size and the velocities at both ends (null when the far end has no direction). */
export interface CrossingStep {
  readonly from: Float64Array;
  readonly to: Float64Array;
  readonly f: number;
  readonly h: number;
  readonly v0: Float64Array;
  readonly v1: Float64Array | null;
  /** sign(f − t) at the start of the path. */
  readonly side: number;
}

export interface CrossingOptions {
  readonly threshold: number;
  readonly tolerance: number;
  readonly maxBisections: number;
  /** Interpolate the step by the cubic Hermite curve (else by its chord). */
  readonly hermite: boolean;
}

/** Where bisection ended on one step. */
export interface LocatedCrossing {
  /** τ of the end point: where |f − t| ≤ tolerance, or the last bracket's far end. */
  readonly tau: number;
  readonly found: boolean;
  /** f at the last point evaluated on the far side (or at τ when found), for the message when not found. */
  readonly lastValue: number;
}

/** The point at τ on the step. */
export function pointOnStep(step: CrossingStep, tau: number, hermite: boolean): Float64Array {
  const { from, to, h, v0, v1 } = step;
  const x = new Float64Array(from.length);
  if (!hermite || v1 === null) {
    for (let j = 0; j < x.length; j++) x[j] = from[j]! + tau * (to[j]! - from[j]!);
    return x;
  }
  const t2 = tau * tau;
  const t3 = t2 * tau;
  const h00 = 2 * t3 - 3 * t2 + 1;
  const h10 = (t3 - 2 * t2 + tau) * h;
  const h01 = 3 * t2 - 2 * t3;
  const h11 = (t3 - t2) * h;
  for (let j = 0; j < x.length; j++) x[j] = h00 * from[j]! + h10 * v0[j]! + h01 * to[j]! + h11 * v1[j]!;
  return x;
}

/** f at a batch of points; `steps` indexes the crossing steps the points lie on. */
export type CrossingValues = (steps: readonly number[], points: readonly Float64Array[]) => Float64Array;

/** Bisects every step until |f − t| ≤ tolerance or the bisections run out, one call of `values` per round. */
export function locateCrossings(steps: readonly CrossingStep[], values: CrossingValues, o: CrossingOptions): LocatedCrossing[] {
  const lo = steps.map(() => 0);
  const hi = steps.map(() => 1);
  const found: (number | null)[] = steps.map((s) => (Math.abs(s.f - o.threshold) <= o.tolerance ? 1 : null));
  const lastValue: number[] = steps.map((s) => s.f);
  for (let round = 0; round < o.maxBisections; round++) {
    const open = steps.flatMap((_, i) => (found[i] === null ? [i] : []));
    if (open.length === 0) break;
    const mids = open.map((i) => (lo[i]! + hi[i]!) / 2);
    const fs = values(
      open,
      open.map((i, j) => pointOnStep(steps[i]!, mids[j]!, o.hermite)),
    );
    open.forEach((i, j) => {
      const f = fs[j]!;
      const m = mids[j]!;
      if (Math.abs(f - o.threshold) <= o.tolerance) {
        found[i] = m;
        lastValue[i] = f;
      } else if ((f - o.threshold) * steps[i]!.side > 0) lo[i] = m;
      else {
        hi[i] = m;
        lastValue[i] = f;
      }
    });
  }
  return steps.map((_, i) => ({ tau: found[i] ?? hi[i]!, found: found[i] !== null, lastValue: lastValue[i]! }));
}
