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

/** Whose function threw: the classifier, or a feature by name. */
export type UserFunctionRole = 'model' | 'feature';

/** The samples a call covered, for a message: "sample 3", "samples a, b, c and 29 more". */
function describeSamples(ids: readonly SampleId[]): string {
  if (ids.length === 1) return `sample ${String(ids[0])}`;
  const shown = ids.slice(0, 3).map(String).join(', ');
  return `samples ${shown}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''}`;
}

/** The first line of what was thrown, shortened: Errors as "Name: message", strings as they are. */
function describeThrown(e: unknown): string {
  let text: string;
  if (e instanceof Error) text = `${e.name}: ${e.message}`;
  else if (typeof e === 'string') text = e;
  else {
    try {
      text = JSON.stringify(e) ?? String(e);
    } catch {
      text = String(e);
    }
  }
  const line = text.split('\n', 1)[0]!;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * A user's model or feature function threw while a measure ran it. Code 'model:threw' or
 * 'feature:threw'; the message names the operation, the function and the samples, and `cause`
 * is exactly what was thrown (an Error, a string, anything).
 */
export class UserFunctionError extends FgflowError {
  declare readonly cause: unknown;

  constructor(
    readonly op: string,
    readonly role: UserFunctionRole,
    /** The feature's name; undefined for the model. */
    readonly functionName: string | undefined,
    readonly sampleIds: readonly SampleId[],
    cause: unknown,
  ) {
    const who = role === 'model' ? 'the model' : `feature ${functionName}`;
    super(`${role}:threw`, `${op}: ${who} threw on ${describeSamples(sampleIds)}: ${describeThrown(cause)}`);
    Object.defineProperty(this, 'cause', { value: cause, enumerable: false, writable: false, configurable: true });
  }
}

/**
 * Runs `body`, a call into a user's function. What it throws becomes a UserFunctionError naming
 * the function and the samples, except a UserFunctionError from a nested measure and what
 * `passThrough` accepts (a feature's own FeatureError, which means "undefined here").
 */
export function callUserFunction<T>(
  who: { readonly op: string; readonly role: UserFunctionRole; readonly name?: string; readonly sampleIds: readonly SampleId[] },
  body: () => T,
  passThrough: (e: unknown) => boolean = () => false,
): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof UserFunctionError || passThrough(e)) throw e;
    throw new UserFunctionError(who.op, who.role, who.name, who.sampleIds, e);
  }
}
