import { FgflowError } from '../tensor/errors.ts';

/** Identifies a sample in flags, errors and summaries (an index or a file/subject name). */
export type SampleId = string | number;

/**
 * Why a feature is undefined on a sample:
 * - `empty-mask`: Σ M = 0, so no mean or moment exists;
 * - `zero-intensity`: W = Σ M⊙I ≤ 0 (a mask over black pixels, or negative weights along a flow path);
 * - `degenerate-covariance`: λ2 ≤ tol·λ1 (a line-shaped or single-pixel mask), so the log aspect ratio diverges;
 * - `non-finite`: the image or mask holds NaN/∞, or the feature returned NaN/∞;
 * - `shape`: image and mask differ in shape, or are not 2-D.
 */
export type FeatureIssueKind = 'empty-mask' | 'zero-intensity' | 'degenerate-covariance' | 'non-finite' | 'shape';

/** A feature that is undefined on a sample; `sampleId` and `feature` say where, `kind` says why. */
export class FeatureError extends FgflowError {
  constructor(
    readonly kind: FeatureIssueKind,
    readonly sampleId: SampleId | undefined,
    detail: string,
    readonly feature?: string,
  ) {
    super(
      `feature:${kind}`,
      `${feature ? `feature ${feature}` : 'features'} undefined${sampleId === undefined ? '' : ` for sample ${String(sampleId)}`}: ${detail}`,
    );
  }
}

/**
 * What can make a measure undefined on one sample. Feature domain kinds come from
 * `FeatureIssueKind`; the rest:
 * - `zero-gradient`: ‖∇f‖ or ‖∇g‖ is zero, so its direction (and every cosine with it) is undefined;
 * - `not-reached`: a flow path ran out of steps or length before the decision boundary;
 * - `stalled`: ∇f vanished along a flow path, which therefore cannot continue;
 * - `bisection`: the crossing was bracketed but |f − t| stayed above the tolerance after the maximum number of bisections.
 */
export type IssueKind = FeatureIssueKind | 'zero-gradient' | 'not-reached' | 'stalled' | 'bisection';

/** One flag on one sample: `subject` is 'f' (the model), a feature's name, or 'flow'. */
export interface Issue {
  readonly sampleId: SampleId;
  readonly subject: string;
  readonly kind: IssueKind;
  readonly message: string;
  /** The index of the flow-path point where it happened (flow measures only). */
  readonly step?: number;
}
