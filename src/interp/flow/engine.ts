/**
 * The flow engine: paths of a batch advance in lockstep, so every integrator stage, bisection
 * round and end-point gradient is one call of the batch model for all the paths that need it.
 * The integrator (tableau.ts), the crossing locator (crossing.ts) and each path's averages and
 * log (path.ts) are parts; this file evaluates the model and moves the paths.
 */
import type { SampleId } from '../errors.ts';
import { alignAt } from '../alignment.ts';
import { DEFAULTS } from '../defaults.ts';
import { classifyGradient, featureGradient, type EvaluatedGradient } from '../gradients.ts';
import { normSq } from '../linalg.ts';
import { batchValueAndGrad, batchValues } from '../model.ts';
import { stack, toImage } from '../rows.ts';
import type { Spacing } from '../spacing.ts';
import type { BatchFunction, Image, NamedFeature } from '../types.ts';
import { locateCrossings, pointOnStep, type CrossingStep } from './crossing.ts';
import type { ResolvedFlowOptions } from './options.ts';
import { FlowPathState } from './path.ts';
import { rungeKuttaStep } from './tableau.ts';
import type { FlowResult } from './types.ts';

export interface FlowSample {
  readonly id: SampleId;
  readonly index: number;
  readonly image: Image;
  readonly mask: Image;
  readonly spacing?: Spacing;
}

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

export class FlowEngine {
  constructor(
    readonly op: string,
    readonly model: BatchFunction,
    readonly features: readonly NamedFeature[],
    /** Measured along the same paths, outside the span of F_A (see AlignmentOptions.probes). */
    readonly probes: readonly NamedFeature[],
    readonly o: ResolvedFlowOptions,
    readonly h: number,
    readonly w: number,
    readonly dtype: Image['dtype'],
  ) {}

  /** f and ∇f at one point per path, in one reverse pass. */
  private evaluate(paths: readonly { readonly index: number; readonly id: SampleId }[], points: readonly Float64Array[]): { values: Float64Array; grads: Float64Array[] } {
    const images = stack(points, this.h, this.w, this.dtype);
    const { values, grads } = batchValueAndGrad(this.op, this.model, images, paths.map((p) => p.index), paths.map((p) => p.id));
    const plane = this.h * this.w;
    const g = grads.data;
    return { values, grads: points.map((_, i) => Float64Array.from(g.subarray(i * plane, (i + 1) * plane))) };
  }

  /** The field at a point with gradient g: −side·g/‖g‖ (or −side·g raw). */
  private velocity(p: FlowPathState, g: EvaluatedGradient): Float64Array {
    const scale = this.o.normalise ? -p.side / Math.sqrt(g.normSq) : -p.side;
    const v = new Float64Array(g.grad!.length);
    for (let i = 0; i < v.length; i++) v[i] = scale * g.grad![i]!;
    return v;
  }

  /** S_i (features and probes) and A (features) at p's current point, folded into its averages over the segment that led there. */
  private measure(p: FlowPathState, segment: number): void {
    const image = toImage(p.pos, this.h, this.w, this.dtype);
    const point = { image, mask: p.mask, sampleId: p.id, step: p.steps, ...(p.spacing === undefined ? {} : { spacing: p.spacing }) };
    const evaluate = (g: NamedFeature) => featureGradient(this.op, g, point, this.o.zeroTolerance);
    const gs = this.features.map(evaluate);
    const ps = this.probes.map(evaluate);
    const at = alignAt(p.grad, gs, this.o.rankTolerance, false, ps);
    p.observe(
      image,
      at,
      [...gs, ...ps].map((g) => g.issue),
      segment,
    );
  }

  run(samples: readonly FlowSample[]): FlowResult[] {
    const paths = this.start(samples);
    let active = paths.filter((p) => p.stop === null);
    while (active.length) {
      this.advance(active);
      active = active.filter((p) => p.stop === null);
    }
    const probes = this.probes.map((g) => g.name);
    const names = [...this.features.map((g) => g.name), ...probes];
    return paths.map((p) => p.finish(names, probes, this.o.threshold, this.o.includePartialPaths));
  }

  /** Each path at its sample, with its step and length budget, stopped at once where it cannot move. */
  private start(samples: readonly FlowSample[]): FlowPathState[] {
    const o = this.o;
    const d = this.h * this.w;
    const starts = samples.map((s) => Float64Array.from(s.image.data));
    const first = this.evaluate(samples, starts);
    return samples.map((s, i) => {
      const value = first.values[i]!;
      const grad = classifyGradient('f', s.id, value, first.grads[i]!, o.zeroTolerance, 0);
      const norm = Math.sqrt(normSq(starts[i]!));
      const scale = norm > 0 ? norm : Math.sqrt(d);
      const arcStep = o.stepSize ?? DEFAULTS.stepFraction * scale;
      const h = o.normalise || o.stepSize !== undefined ? arcStep : grad.direction ? arcStep / Math.sqrt(grad.normSq) : arcStep;
      const side = Math.sign(value - o.threshold);
      const p = new FlowPathState({ id: s.id, index: s.index, mask: s.mask, ...(s.spacing === undefined ? {} : { spacing: s.spacing }), side, h, maxLength: o.maxLength ?? scale, pos: starts[i]!, value, grad }, this.features.length + this.probes.length, o.returnPath);
      if (!Number.isFinite(value) || grad.issue?.kind === 'non-finite') p.halt(grad);
      else if (side === 0) p.stop = 'on-boundary';
      else if (!grad.direction) p.halt(grad);
      this.measure(p, 0);
      return p;
    });
  }

  /** Moves every path one integrator step (or stops it), and locates the crossing where f passed t. */
  private advance(active: readonly FlowPathState[]): void {
    const o = this.o;
    const stepping: FlowPathState[] = [];
    for (const p of active) {
      if (p.steps >= o.maxSteps) p.stop = 'max-steps';
      else if (p.length >= p.maxLength) p.stop = 'max-length';
      else stepping.push(p);
    }
    if (stepping.length === 0) return;
    const k1 = stepping.map((p) => this.velocity(p, p.grad));
    const next = rungeKuttaStep(
      o.tableau,
      stepping.map((p) => p.pos),
      stepping.map((p) => p.h),
      k1,
      (live, points) => {
        const res = this.evaluate(live.map((i) => stepping[i]!), points);
        return live.map((i, j) => {
          const p = stepping[i]!;
          const g = classifyGradient('f', p.id, res.values[j]!, res.grads[j]!, o.zeroTolerance, p.steps);
          if (g.direction) return this.velocity(p, g);
          p.halt(g);
          return null;
        });
      },
    );
    const moving = stepping.flatMap((p, i) => (next[i] ? [i] : []));
    if (moving.length === 0) return;
    const res = this.evaluate(moving.map((i) => stepping[i]!), moving.map((i) => next[i]!));
    const crossing: { p: FlowPathState; step: CrossingStep; g: EvaluatedGradient }[] = [];
    moving.forEach((i, j) => {
      const p = stepping[i]!;
      const to = next[i]!;
      const f = res.values[j]!;
      const g = classifyGradient('f', p.id, f, res.grads[j]!, o.zeroTolerance, p.steps + 1);
      if (!Number.isFinite(f) || g.issue?.kind === 'non-finite') p.halt(g);
      else if ((f - o.threshold) * p.side <= 0) crossing.push({ p, g, step: { from: p.pos, to, f, h: p.h, v0: k1[i]!, v1: g.direction ? this.velocity(p, g) : null, side: p.side } });
      // A critical point of f: the flow cannot pass it, and S is undefined on it, so the path ends before it.
      else if (!g.direction) p.halt(g);
      else this.moveTo(p, to, f, g);
    });
    if (crossing.length) this.cross(crossing);
  }

  private moveTo(p: FlowPathState, to: Float64Array, f: number, g: EvaluatedGradient): void {
    const segment = distance(p.pos, to);
    p.moveTo(to, f, g, segment);
    this.measure(p, segment);
  }

  /** Ends each crossing path at its located crossing, with ∇f there (the full step's end already has it). */
  private cross(items: readonly { p: FlowPathState; step: CrossingStep; g: EvaluatedGradient }[]): void {
    const o = this.o;
    const hermite = o.tableau.hermite;
    const located = locateCrossings(
      items.map((it) => it.step),
      (steps, points) =>
        batchValues(this.op, this.model, stack(points, this.h, this.w, this.dtype), steps.map((i) => items[i]!.p.index), steps.map((i) => items[i]!.p.id)),
      { threshold: o.threshold, tolerance: o.tolerance, maxBisections: o.maxBisections, hermite },
    );
    const need = items.flatMap((_, i) => (located[i]!.tau !== 1 ? [i] : []));
    const ends = need.map((i) => pointOnStep(items[i]!.step, located[i]!.tau, hermite));
    const res = need.length ? this.evaluate(need.map((i) => items[i]!.p), ends) : null;
    items.forEach(({ p, step, g: stepEnd }, i) => {
      const j = need.indexOf(i);
      const to = j >= 0 ? ends[j]! : step.to;
      const f = j >= 0 ? res!.values[j]! : step.f;
      const g = j >= 0 ? classifyGradient('f', p.id, f, res!.grads[j]!, o.zeroTolerance, p.steps + 1) : stepEnd;
      const { found, lastValue } = located[i]!;
      if (!found)
        p.issues.push({
          sampleId: p.id,
          subject: 'flow',
          kind: 'bisection',
          message: `sample ${String(p.id)}: |f − t| = ${Math.abs(lastValue - o.threshold).toExponential(2)} > ${o.tolerance} after ${o.maxBisections} bisections; the path ends just past the boundary`,
          step: p.steps + 1,
        });
      this.moveTo(p, to, f, g);
      p.stop = 'reached';
    });
  }
}
