/**
 * One flow path's state and its log: where it stands, the running trapezoid averages of S_i and
 * A along it, the flags raised on the way (each subject flagged once), the optional record of
 * every point, and the result it ends with.
 */
import type { PointAlignment } from '../alignment.ts';
import type { Issue, SampleId } from '../errors.ts';
import type { EvaluatedGradient } from '../gradients.ts';
import { TrapezoidAverage } from '../quadrature.ts';
import type { Spacing } from '../spacing.ts';
import type { Image } from '../types.ts';
import type { FlowPath, FlowResult, StopReason } from './types.ts';

/** What a path starts from. */
export interface PathStart {
  readonly id: SampleId;
  /** The sample's row in the caller's batch (what the batch model is told). */
  readonly index: number;
  readonly mask: Image;
  /** The sample's pixel spacing, when its data gives one. */
  readonly spacing?: Spacing;
  /** sign(f(x) − t). */
  readonly side: number;
  /** The integrator step. */
  readonly h: number;
  readonly maxLength: number;
  readonly pos: Float64Array;
  readonly value: number;
  readonly grad: EvaluatedGradient;
}

export class FlowPathState {
  readonly id: SampleId;
  readonly index: number;
  readonly mask: Image;
  readonly spacing: Spacing | undefined;
  readonly side: number;
  readonly h: number;
  readonly maxLength: number;
  readonly startValue: number;
  /** The current point, f and ∇f there. */
  pos: Float64Array;
  value: number;
  grad: EvaluatedGradient;
  steps = 0;
  length = 0;
  stop: StopReason | null = null;
  readonly issues: Issue[] = [];
  readonly path: FlowPath | null;
  private readonly columns: TrapezoidAverage[];
  private readonly span = new TrapezoidAverage();
  private flaggedF = false;
  private readonly flaggedColumn: boolean[];

  constructor(start: PathStart, columns: number, keepPath: boolean) {
    this.id = start.id;
    this.index = start.index;
    this.mask = start.mask;
    this.spacing = start.spacing;
    this.side = start.side;
    this.h = start.h;
    this.maxLength = start.maxLength;
    this.pos = start.pos;
    this.value = start.value;
    this.grad = start.grad;
    this.startValue = start.value;
    this.columns = Array.from({ length: columns }, () => new TrapezoidAverage());
    this.flaggedColumn = new Array<boolean>(columns).fill(false);
    this.path = keepPath ? { images: [], arc: [], S: [], A: [], values: [] } : null;
  }

  /** Moves to the end of a step of chord length `segment`. */
  moveTo(to: Float64Array, f: number, g: EvaluatedGradient, segment: number): void {
    this.pos = to;
    this.value = f;
    this.grad = g;
    this.steps += 1;
    this.length += segment;
  }

  /**
   * Folds the measures at the current point into the averages over the segment of length
   * `segment` that led to it; `flags[i]` is column i's flag here, raised once per path.
   */
  observe(image: Image, at: PointAlignment, flags: readonly (Issue | null)[], segment: number): void {
    if (this.grad.issue && !this.flaggedF) {
      this.flaggedF = true;
      this.issues.push(this.grad.issue);
    }
    this.columns.forEach((column, i) => {
      const issue = flags[i];
      if (issue && !this.flaggedColumn[i]) {
        this.flaggedColumn[i] = true;
        this.issues.push(issue);
      }
      column.add(at.S[i] ?? null, segment);
    });
    this.span.add(at.A, segment);
    if (this.path) {
      this.path.images.push(image);
      this.path.arc.push(this.length);
      this.path.S.push(at.S);
      this.path.A.push(at.A);
      this.path.values.push(Number.isFinite(this.value) ? this.value : null);
    }
  }

  /** Stops a path whose ∇f vanished or blew up; the point it stands on stays its last. */
  halt(g: EvaluatedGradient): void {
    this.stop = g.issue?.kind === 'zero-gradient' ? 'stalled' : 'non-finite';
    const kind = this.stop === 'stalled' ? 'stalled' : 'non-finite';
    this.issues.push({ sampleId: this.id, subject: 'flow', kind, message: `${g.issue?.message ?? '∇f is undefined'}; the path stops before the boundary`, step: this.steps });
  }

  /** The result; F and F_A are null unless the path reached the boundary or `includePartialPaths`. */
  finish(names: readonly string[], probes: readonly string[], threshold: number, includePartialPaths: boolean): FlowResult {
    const reached = this.stop === 'reached' || this.stop === 'on-boundary';
    if (!reached && this.stop !== 'stalled' && this.stop !== 'non-finite') {
      this.issues.push({
        sampleId: this.id,
        subject: 'flow',
        kind: 'not-reached',
        message: `sample ${String(this.id)}: the flow stopped at ${this.stop} (${this.steps} steps, length ${this.length.toPrecision(4)}) with f − t = ${(this.value - threshold).toPrecision(4)}, before the decision boundary`,
        step: this.steps,
      });
    }
    const average = (a: TrapezoidAverage) => (!reached && !includePartialPaths ? null : a.average(this.length));
    return {
      sampleId: this.id,
      names,
      probes,
      F: this.columns.map(average),
      FA: average(this.span),
      reached,
      stopReason: this.stop!,
      length: this.length,
      steps: this.steps,
      startValue: Number.isFinite(this.startValue) ? this.startValue : null,
      endValue: Number.isFinite(this.value) ? this.value : null,
      ...(this.path ? { path: this.path } : {}),
      issues: this.issues,
    };
  }
}
