/** The options and results of the gradient-flow measure (METHOD.md, measure 3). */
import type { AlignmentOptions } from '../alignment.ts';
import type { Issue, SampleId } from '../errors.ts';
import type { Image } from '../types.ts';

export type Integrator = 'euler' | 'heun' | 'rk4';

export interface FlowOptions extends AlignmentOptions {
  /** The decision threshold t on f (default 0: the logit's boundary). */
  readonly threshold?: number;
  /** [ours] Unit-speed field ∇f/‖∇f‖, so the parameter is arc length (default true); false follows the raw gradient like the authors' code. */
  readonly normalise?: boolean;
  /** [ours] 'euler' (default), 'heun' (2nd order) or 'rk4' (4th order). */
  readonly integrator?: Integrator;
  /**
   * [ours] Step h. Normalised: arc length per step, default 0.005·‖x‖ (‖x‖ the starting
   * image's norm; √d when the image is zero), so a default path walks at most ‖x‖ in 200 steps
   * whatever the image size. Raw gradient: a time step, default 0.005·‖x‖/‖∇f(x)‖ (the same first step).
   */
  readonly stepSize?: number;
  /** [ours] Step budget (default 200). */
  readonly maxSteps?: number;
  /** [ours] Length budget (default ‖x‖, √d for a zero image): the path ends at its first point at or beyond it. */
  readonly maxLength?: number;
  /** [ours] The crossing is accepted where |f − t| ≤ tolerance (default 1e-4, in f's units). */
  readonly tolerance?: number;
  /** [ours] Bisections of the crossing step before giving up on the tolerance (default 60). */
  readonly maxBisections?: number;
  /** Keep every path point as an image, with S, A and the arc length there (default false). */
  readonly returnPath?: boolean;
  /**
   * [ours] Average S and A over a path that stopped before the boundary (out of steps or length,
   * stalled, non-finite) too (default false: F and F_A of such a path are null, because F is
   * defined as the average up to the boundary, and a partial average would enter dataset means).
   */
  readonly includePartialPaths?: boolean;
}

export interface BatchFlowOptions extends FlowOptions {
  /** [ours] Paths advanced together (default 32). */
  readonly batchSize?: number;
}

/** Why a path ended. */
export type StopReason = 'reached' | 'on-boundary' | 'max-steps' | 'max-length' | 'stalled' | 'non-finite';

export interface FlowPath {
  readonly images: Image[];
  /** Arc length at each point (chord lengths summed). */
  readonly arc: number[];
  readonly S: (number | null)[][];
  readonly A: (number | null)[];
  /** f at each point; null where NaN or infinite. */
  readonly values: (number | null)[];
}

export interface FlowResult {
  readonly sampleId: SampleId;
  /** Column names, in the order of `F`: the features, then the probes. */
  readonly names: readonly string[];
  /** The probes' names, the last columns of `names`; F_A leaves them out. */
  readonly probes: readonly string[];
  /**
   * F_i: the arc-length average of S_i along the path (trapezoid rule); S_i(x) for a path of
   * length 0; null when S_i is undefined somewhere on it, and (unless `includePartialPaths`)
   * when the path did not reach the boundary.
   */
  readonly F: readonly (number | null)[];
  /** F_A: the same average of the span alignment A, null in the same cases. */
  readonly FA: number | null;
  /** The path reached f = t (or started on it). */
  readonly reached: boolean;
  readonly stopReason: StopReason;
  /** Arc length walked (the sum of chord lengths between path points). */
  readonly length: number;
  /** Integrator steps taken (the bisected last step counts as one). */
  readonly steps: number;
  /** f at the start and at the end point; null where f is NaN or infinite. */
  readonly startValue: number | null;
  readonly endValue: number | null;
  readonly path?: FlowPath;
  readonly issues: readonly Issue[];
}
