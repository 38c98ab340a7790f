/**
 * The quadratures interp integrates with: a running trapezoid average of one measure along a
 * path of unequal segments (F and F_A of the flow), and fixed rules on [0, 1] (integrated
 * gradients). One place, so each rule's arithmetic is written once.
 */

/**
 * The trapezoid rule over a path, fed point by point: the arc-length average of a measure that may
 * be undefined (null) at some points, in which case its average is undefined too.
 */
export class TrapezoidAverage {
  private sum = 0;
  private previous: number | null = null;
  private undefinedSomewhere = false;

  /** Adds the point at the end of a segment of length `segment` (0 for the first point). */
  add(value: number | null, segment: number): void {
    if (value === null) this.undefinedSomewhere = true;
    else if (segment > 0 && this.previous !== null) this.sum += (segment * (value + this.previous)) / 2;
    this.previous = value;
  }

  /** The value at the last point added. */
  get last(): number | null {
    return this.previous;
  }

  /** The average over a path of total length `length`: the last value for a path of length 0; null when the measure was undefined anywhere. */
  average(length: number): number | null {
    if (this.undefinedSomewhere) return null;
    return length > 0 ? this.sum / length : this.previous;
  }
}

export type IntegrationMethod = 'riemann' | 'trapezoid';

/** A node α ∈ [0, 1] of a rule on [0, 1] with its weight. */
export interface QuadratureNode {
  readonly alpha: number;
  readonly weight: number;
}

/**
 * The composite rule with `intervals` equal intervals on [0, 1]: 'trapezoid' (nodes k/m for
 * k = 0…m, half weight at both ends: second order) or 'riemann' (right sums, nodes k/m for
 * k = 1…m: first order).
 */
export function quadratureRule(method: IntegrationMethod, intervals: number): QuadratureNode[] {
  const nodes: QuadratureNode[] = [];
  for (let k = method === 'trapezoid' ? 0 : 1; k <= intervals; k++) {
    const end = method === 'trapezoid' && (k === 0 || k === intervals);
    nodes.push({ alpha: k / intervals, weight: end ? 0.5 / intervals : 1 / intervals });
  }
  return nodes;
}
