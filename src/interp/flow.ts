/**
 * Gradient-flow alignment (PAPER.md, measure 3): follow γ' = −sign(f(x) − t)·∇f/‖∇f‖ from the
 * sample to the decision boundary f = t, and average S_i (and A) along the path by arc length.
 * Paths of a batch advance in lockstep, so every integrator stage is one reverse pass of the
 * batch model for all unfinished paths.
 */
import { ArgumentError } from '../tensor/errors.ts';
import type { Issue, SampleId } from './errors.ts';
import { alignAt, resolveGradientOptions, type AlignmentOptions, type ResolvedOptions } from './alignment.ts';
import { classifyGradient, featureGradient, type EvaluatedGradient } from './gradients.ts';
import { normSq } from './linalg.ts';
import { batchValueAndGrad, batchValues, perImage } from './model.ts';
import { row, stack, toImage } from './rows.ts';
import { checkBatch, checkSample, nameFeatures, type BatchFunction, type FeatureSet, type Image, type ImageFunction, type NamedFeature, type Sample, type SampleBatch } from './types.ts';
import { DEFAULTS } from './defaults.ts';

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
  readonly names: readonly string[];
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

interface Resolved extends ResolvedOptions {
  readonly threshold: number;
  readonly normalise: boolean;
  readonly integrator: Integrator;
  readonly stepSize: number | undefined;
  readonly maxSteps: number;
  readonly maxLength: number | undefined;
  readonly tolerance: number;
  readonly maxBisections: number;
  readonly returnPath: boolean;
  readonly includePartialPaths: boolean;
}

function resolve(op: string, options: FlowOptions, dtype: Image['dtype']): Resolved {
  const g = resolveGradientOptions(op, options, dtype);
  const threshold = options.threshold ?? DEFAULTS.threshold;
  const integrator = options.integrator ?? DEFAULTS.integrator;
  const maxSteps = options.maxSteps ?? DEFAULTS.maxSteps;
  const tolerance = options.tolerance ?? DEFAULTS.crossingTolerance;
  const maxBisections = options.maxBisections ?? DEFAULTS.maxBisections;
  if (!Number.isFinite(threshold)) throw new ArgumentError(op, `threshold must be finite, got ${threshold}`);
  if (!['euler', 'heun', 'rk4'].includes(integrator)) throw new ArgumentError(op, `integrator must be 'euler', 'heun' or 'rk4', got ${String(integrator)}`);
  if (options.stepSize !== undefined && !(options.stepSize > 0 && Number.isFinite(options.stepSize))) throw new ArgumentError(op, `stepSize must be positive, got ${options.stepSize}`);
  if (!Number.isInteger(maxSteps) || maxSteps < 0) throw new ArgumentError(op, `maxSteps must be a non-negative integer, got ${maxSteps}`);
  if (options.maxLength !== undefined && !(options.maxLength >= 0)) throw new ArgumentError(op, `maxLength must be ≥ 0, got ${options.maxLength}`);
  if (!(tolerance > 0 && Number.isFinite(tolerance))) throw new ArgumentError(op, `tolerance must be positive, got ${tolerance}`);
  if (!Number.isInteger(maxBisections) || maxBisections < 0) throw new ArgumentError(op, `maxBisections must be a non-negative integer, got ${maxBisections}`);
  return {
    ...g,
    threshold,
    normalise: options.normalise ?? DEFAULTS.normalise,
    integrator,
    stepSize: options.stepSize,
    maxSteps,
    maxLength: options.maxLength,
    tolerance,
    maxBisections,
    returnPath: options.returnPath ?? false,
    includePartialPaths: options.includePartialPaths ?? DEFAULTS.includePartialPaths,
  };
}

/** One path's state. `grad` is ∇f at `pos`. */
interface Path {
  readonly id: SampleId;
  readonly index: number;
  readonly mask: Image;
  readonly side: number; // sign(f(x) − t)
  readonly h: number;
  readonly maxLength: number;
  pos: Float64Array;
  value: number;
  grad: EvaluatedGradient;
  steps: number;
  length: number;
  stop: StopReason | null;
  // Running trapezoid sums and the previous point's measures.
  prevS: (number | null)[];
  prevA: number | null;
  sumS: number[];
  sumA: number;
  undefinedS: boolean[];
  undefinedA: boolean;
  flaggedF: boolean;
  flaggedFeature: boolean[];
  issues: Issue[];
  path: FlowPath | null;
  startValue: number;
}

/** A step that crossed the threshold: its ends, f and ∇f at the far end, the step and the velocities at both ends. */
interface Crossing {
  readonly p: Path;
  readonly from: Float64Array;
  readonly to: Float64Array;
  readonly f: number;
  readonly g: EvaluatedGradient;
  readonly h: number;
  readonly v0: Float64Array;
  readonly v1: Float64Array | null;
}

function axpy(x: Float64Array, a: number, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + a * v[i]!;
  return out;
}

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

class Engine {
  constructor(
    readonly op: string,
    readonly model: BatchFunction,
    readonly features: readonly NamedFeature[],
    readonly o: Resolved,
    readonly h: number,
    readonly w: number,
    readonly dtype: Image['dtype'],
  ) {}

  valuesAndGrads(paths: readonly { readonly index: number; readonly id: SampleId }[], points: readonly Float64Array[]): { values: Float64Array; grads: Float64Array[] } {
    const images = stack(points, this.h, this.w, this.dtype);
    const { values, grads } = batchValueAndGrad(this.op, this.model, images, paths.map((p) => p.index), paths.map((p) => p.id));
    const plane = this.h * this.w;
    const g = grads.data;
    return { values, grads: points.map((_, i) => Float64Array.from(g.subarray(i * plane, (i + 1) * plane))) };
  }

  values(paths: readonly Path[], points: readonly Float64Array[]): Float64Array {
    return batchValues(this.op, this.model, stack(points, this.h, this.w, this.dtype), paths.map((p) => p.index), paths.map((p) => p.id));
  }

  /** The field at a point with gradient g: −side·g/‖g‖ (or −side·g raw). */
  velocity(p: Path, g: EvaluatedGradient): Float64Array {
    const scale = this.o.normalise ? -p.side / Math.sqrt(g.normSq) : -p.side;
    const v = new Float64Array(g.grad!.length);
    for (let i = 0; i < v.length; i++) v[i] = scale * g.grad![i]!;
    return v;
  }

  /** Measures at p's current point, folded into the running trapezoid sums over the segment of length `segment`. */
  record(p: Path, segment: number): void {
    const image = toImage(p.pos, this.h, this.w, this.dtype);
    const gs = this.features.map((g) => featureGradient(this.op, g, image, p.mask, p.id, this.o.zeroTolerance, p.steps));
    const at = alignAt(p.grad, gs, this.o.rankTolerance, false);
    const k = this.features.length;
    if (p.grad.issue && !p.flaggedF) {
      p.flaggedF = true;
      p.issues.push(p.grad.issue);
    }
    for (let i = 0; i < k; i++) {
      const s = at.S[i] ?? null;
      const issue = gs[i]!.issue;
      if (issue && !p.flaggedFeature[i]) {
        p.flaggedFeature[i] = true;
        p.issues.push(issue);
      }
      if (s === null) p.undefinedS[i] = true;
      if (segment > 0 && s !== null && p.prevS[i] !== null) p.sumS[i]! += (segment * (s + p.prevS[i]!)) / 2;
      p.prevS[i] = s;
    }
    if (at.A === null) p.undefinedA = true;
    else if (segment > 0 && p.prevA !== null) p.sumA += (segment * (at.A + p.prevA)) / 2;
    p.prevA = at.A;
    if (p.path) {
      p.path.images.push(image);
      p.path.arc.push(p.length);
      p.path.S.push(at.S);
      p.path.A.push(at.A);
      p.path.values.push(Number.isFinite(p.value) ? p.value : null);
    }
  }

  /** Moves every path one integrator step (or stops it), bisecting the crossing when f passes t. */
  advance(active: Path[]): void {
    const o = this.o;
    const stepping: Path[] = [];
    for (const p of active) {
      if (p.steps >= o.maxSteps) p.stop = 'max-steps';
      else if (p.length >= p.maxLength) p.stop = 'max-length';
      else stepping.push(p);
    }
    if (stepping.length === 0) return;
    const k1 = stepping.map((p) => this.velocity(p, p.grad));
    let next: Float64Array[];
    const alive = stepping.map(() => true);
    const stage = (points: Float64Array[]): Float64Array[] => {
      const idx = stepping.map((_, i) => i).filter((i) => alive[i]);
      const res = idx.length ? this.valuesAndGrads(idx.map((i) => stepping[i]!), idx.map((i) => points[i]!)) : { values: new Float64Array(0), grads: [] };
      const out: Float64Array[] = stepping.map((_, i) => k1[i]!);
      idx.forEach((i, j) => {
        const p = stepping[i]!;
        const g = classifyGradient('f', p.id, res.values[j]!, res.grads[j]!, o.zeroTolerance, p.steps);
        if (!g.direction) {
          alive[i] = false;
          this.halt(p, g);
          return;
        }
        out[i] = this.velocity(p, g);
      });
      return out;
    };
    const hs = stepping.map((p) => p.h);
    if (o.integrator === 'euler') {
      next = stepping.map((p, i) => axpy(p.pos, hs[i]!, k1[i]!));
    } else if (o.integrator === 'heun') {
      const k2 = stage(stepping.map((p, i) => axpy(p.pos, hs[i]!, k1[i]!)));
      next = stepping.map((p, i) => axpy(axpy(p.pos, hs[i]! / 2, k1[i]!), hs[i]! / 2, k2[i]!));
    } else {
      const k2 = stage(stepping.map((p, i) => axpy(p.pos, hs[i]! / 2, k1[i]!)));
      const k3 = stage(stepping.map((p, i) => axpy(p.pos, hs[i]! / 2, k2[i]!)));
      const k4 = stage(stepping.map((p, i) => axpy(p.pos, hs[i]!, k3[i]!)));
      next = stepping.map((p, i) => {
        let x = axpy(p.pos, hs[i]! / 6, k1[i]!);
        x = axpy(x, hs[i]! / 3, k2[i]!);
        x = axpy(x, hs[i]! / 3, k3[i]!);
        return axpy(x, hs[i]! / 6, k4[i]!);
      });
    }
    const moving = stepping.filter((_, i) => alive[i]);
    const targets = next.filter((_, i) => alive[i]);
    if (moving.length === 0) return;
    const res = this.valuesAndGrads(moving, targets);
    const crossing: Crossing[] = [];
    moving.forEach((p, j) => {
      const f = res.values[j]!;
      const g = classifyGradient('f', p.id, f, res.grads[j]!, o.zeroTolerance, p.steps + 1);
      if (!Number.isFinite(f) || g.issue?.kind === 'non-finite') {
        this.halt(p, g);
        return;
      }
      if ((f - o.threshold) * p.side <= 0) {
        const i = stepping.indexOf(p);
        crossing.push({ p, from: p.pos, to: targets[j]!, f, g, h: hs[i]!, v0: k1[i]!, v1: g.direction ? this.velocity(p, g) : null });
        return;
      }
      // A critical point of f: the flow cannot pass it, and S is undefined on it, so the path ends before it.
      if (!g.direction) this.halt(p, g);
      else this.moveTo(p, targets[j]!, f, g);
    });
    if (crossing.length) this.bisect(crossing);
  }

  private moveTo(p: Path, to: Float64Array, f: number, g: EvaluatedGradient): void {
    const segment = distance(p.pos, to);
    p.pos = to;
    p.value = f;
    p.grad = g;
    p.steps += 1;
    p.length += segment;
    this.record(p, segment);
  }

  /** Stops a path whose ∇f vanished or blew up; the point it stands on stays its last. */
  private halt(p: Path, g: EvaluatedGradient): void {
    p.stop = g.issue?.kind === 'zero-gradient' ? 'stalled' : 'non-finite';
    const kind = p.stop === 'stalled' ? 'stalled' : 'non-finite';
    p.issues.push({ sampleId: p.id, subject: 'flow', kind, message: `${g.issue?.message ?? '∇f is undefined'}; the path stops before the boundary`, step: p.steps });
  }

  /**
   * Bisection on the crossing step, all crossing paths together. Euler's path is the chord
   * itself; for Heun and RK4 the step is the cubic Hermite curve through both ends with the
   * field's velocities there, whose O(h⁴) error keeps their order at the end point (a chord
   * would cost O(h²)) and needs no extra gradient.
   */
  private bisect(items: Crossing[]): void {
    const o = this.o;
    const lo = items.map(() => 0);
    const hi = items.map(() => 1);
    const found: (number | null)[] = items.map((it) => (Math.abs(it.f - o.threshold) <= o.tolerance ? 1 : null));
    const valueAt: number[] = items.map((it) => it.f);
    const point = (i: number, tau: number) => {
      const { from, to, h, v0, v1 } = items[i]!;
      const x = new Float64Array(from.length);
      if (o.integrator === 'euler' || v1 === null) {
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
    };
    for (let it = 0; it < o.maxBisections; it++) {
      const open = items.map((_, i) => i).filter((i) => found[i] === null);
      if (open.length === 0) break;
      const mids = open.map((i) => (lo[i]! + hi[i]!) / 2);
      const fs = this.values(
        open.map((i) => items[i]!.p),
        open.map((i, j) => point(i, mids[j]!)),
      );
      open.forEach((i, j) => {
        const f = fs[j]!;
        const m = mids[j]!;
        if (Math.abs(f - o.threshold) <= o.tolerance) {
          found[i] = m;
          valueAt[i] = f;
        } else if ((f - o.threshold) * items[i]!.p.side > 0) lo[i] = m;
        else {
          hi[i] = m;
          valueAt[i] = f;
        }
      });
    }
    const ends = items.map((_, i) => found[i] ?? hi[i]!);
    // The end point's gradient is needed for S there; the full step's end already has it.
    const need = items.map((_, i) => i).filter((i) => ends[i] !== 1);
    const res = need.length ? this.valuesAndGrads(need.map((i) => items[i]!.p), need.map((i) => point(i, ends[i]!))) : null;
    items.forEach((item, i) => {
      const { p } = item;
      let f = item.f;
      let g = item.g;
      let to = item.to;
      const j = need.indexOf(i);
      if (j >= 0) {
        to = point(i, ends[i]!);
        f = res!.values[j]!;
        g = classifyGradient('f', p.id, f, res!.grads[j]!, o.zeroTolerance, p.steps + 1);
      }
      if (found[i] === null)
        p.issues.push({
          sampleId: p.id,
          subject: 'flow',
          kind: 'bisection',
          message: `sample ${String(p.id)}: |f − t| = ${Math.abs(valueAt[i]! - o.threshold).toExponential(2)} > ${o.tolerance} after ${o.maxBisections} bisections; the path ends just past the boundary`,
          step: p.steps + 1,
        });
      this.moveTo(p, to, f, g);
      p.stop = 'reached';
    });
  }

  run(samples: readonly { id: SampleId; index: number; image: Image; mask: Image }[]): FlowResult[] {
    const o = this.o;
    const d = this.h * this.w;
    const starts = samples.map((s) => Float64Array.from(s.image.data));
    const first = this.valuesAndGrads(samples, starts);
    const k = this.features.length;
    const paths: Path[] = samples.map((s, i) => {
      const value = first.values[i]!;
      const grad = classifyGradient('f', s.id, value, first.grads[i]!, o.zeroTolerance, 0);
      const norm = Math.sqrt(normSq(starts[i]!));
      const scale = norm > 0 ? norm : Math.sqrt(d);
      const arcStep = o.stepSize ?? DEFAULTS.stepFraction * scale;
      const h = o.normalise || o.stepSize !== undefined ? arcStep : grad.direction ? arcStep / Math.sqrt(grad.normSq) : arcStep;
      const p: Path = {
        id: s.id,
        index: s.index,
        mask: s.mask,
        side: Math.sign(value - o.threshold),
        h,
        maxLength: o.maxLength ?? scale,
        pos: starts[i]!,
        value,
        grad,
        steps: 0,
        length: 0,
        stop: null,
        prevS: new Array<number | null>(k).fill(null),
        prevA: null,
        sumS: new Array<number>(k).fill(0),
        sumA: 0,
        undefinedS: new Array<boolean>(k).fill(false),
        undefinedA: false,
        flaggedF: false,
        flaggedFeature: new Array<boolean>(k).fill(false),
        issues: [],
        path: o.returnPath ? { images: [], arc: [], S: [], A: [], values: [] } : null,
        startValue: value,
      };
      if (!Number.isFinite(value) || grad.issue?.kind === 'non-finite') this.halt(p, grad);
      else if (p.side === 0) p.stop = 'on-boundary';
      else if (!grad.direction) this.halt(p, grad);
      this.record(p, 0);
      return p;
    });
    let active = paths.filter((p) => p.stop === null);
    while (active.length) {
      this.advance(active);
      active = active.filter((p) => p.stop === null);
    }
    return paths.map((p) => this.finish(p));
  }

  private finish(p: Path): FlowResult {
    const reached = p.stop === 'reached' || p.stop === 'on-boundary';
    if (!reached && p.stop !== 'stalled' && p.stop !== 'non-finite') {
      p.issues.push({
        sampleId: p.id,
        subject: 'flow',
        kind: 'not-reached',
        message: `sample ${String(p.id)}: the flow stopped at ${p.stop} (${p.steps} steps, length ${p.length.toPrecision(4)}) with f − t = ${(p.value - this.o.threshold).toPrecision(4)}, before the decision boundary`,
        step: p.steps,
      });
    }
    const average = (sum: number, last: number | null, undef: boolean) =>
      undef || (!reached && !this.o.includePartialPaths) ? null : p.length > 0 ? sum / p.length : last;
    return {
      sampleId: p.id,
      names: this.features.map((g) => g.name),
      F: p.sumS.map((s, i) => average(s, p.prevS[i] ?? null, p.undefinedS[i]!)),
      FA: average(p.sumA, p.prevA, p.undefinedA),
      reached,
      stopReason: p.stop!,
      length: p.length,
      steps: p.steps,
      startValue: Number.isFinite(p.startValue) ? p.startValue : null,
      endValue: Number.isFinite(p.value) ? p.value : null,
      ...(p.path ? { path: p.path } : {}),
      issues: p.issues,
    };
  }
}

/** Gradient-flow alignment F_i, F_A of `f` against the features from one sample `x`. */
export function flowAlignment(f: ImageFunction, gs: FeatureSet, x: Sample, options: FlowOptions = {}): FlowResult {
  const op = 'flowAlignment';
  if (typeof f !== 'function') throw new ArgumentError(op, 'f must be a function of one image');
  checkSample(op, x);
  const features = nameFeatures(op, gs);
  const o = resolve(op, options, x.image.dtype);
  const [h, w] = x.image.shape;
  const engine = new Engine(op, perImage(f), features, o, h, w, x.image.dtype);
  return engine.run([{ id: x.id ?? 0, index: 0, image: x.image, mask: x.mask }])[0]!;
}

/** `flowAlignment` over a dataset, `batchSize` paths advancing together through one batched model call per stage. */
export function flowAlignmentBatch(model: BatchFunction, gs: FeatureSet, batch: SampleBatch, options: BatchFlowOptions = {}): FlowResult[] {
  const op = 'flowAlignmentBatch';
  if (typeof model !== 'function') throw new ArgumentError(op, 'model must be a function of an image batch');
  const n = checkBatch(op, batch);
  const features = nameFeatures(op, gs);
  const o = resolve(op, options, batch.images.dtype);
  const size = options.batchSize ?? DEFAULTS.batchSize;
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(op, `batchSize must be a positive integer, got ${size}`);
  const [, h, w] = batch.images.shape;
  const engine = new Engine(op, model, features, o, h, w, batch.images.dtype);
  const out: FlowResult[] = [];
  for (let from = 0; from < n; from += size) {
    const to = Math.min(n, from + size);
    const samples = [];
    for (let i = from; i < to; i++) samples.push({ id: batch.ids?.[i] ?? i, index: i, image: row(batch.images, i), mask: row(batch.masks, i) });
    out.push(...engine.run(samples));
  }
  return out;
}
