/**
 * Feature values and image gradients on one sample, with every way a feature can be undefined
 * turned into an `Issue` instead of an exception or a NaN.
 */
import { valueAndGrad } from '../ad/transforms.ts';
import { ArgumentError, ShapeError } from '../tensor/errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import { callUserFunction, FeatureError, type Issue, type SampleId } from './errors.ts';
import { domainOptionsOf } from './features/define.ts';
import { featureDomainIssue } from './features/domain.ts';
import { normSq } from './linalg.ts';
import type { Spacing } from './spacing.ts';
import type { FeatureContext, Image, NamedFeature } from './types.ts';

export interface GradientOptions {
  /** [ours] A gradient with ‖∇‖ ≤ this is zero (default 0: only an exactly zero gradient; every measure is scale-invariant). */
  readonly zeroTolerance?: number;
}

/** A gradient as a float64 vector with its squared norm, or why it cannot be used. */
export interface EvaluatedGradient {
  readonly value: number | null;
  /** Null when the feature is undefined here (domain, non-finite); a zero gradient is kept (it spans nothing). */
  readonly grad: Float64Array | null;
  readonly normSq: number;
  /** A usable direction: defined and non-zero. */
  readonly direction: boolean;
  readonly issue: Issue | null;
}

function isFinite(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

/** Classifies a gradient vector: non-finite, zero, or a usable direction. */
export function classifyGradient(
  subject: string,
  sampleId: SampleId,
  value: number,
  g: Float64Array,
  zeroTolerance: number,
  step?: number,
): EvaluatedGradient {
  const at = step === undefined ? {} : { step };
  const where = step === undefined ? '' : ` at flow step ${step}`;
  if (!Number.isFinite(value) || !isFinite(g)) {
    return { value: null, grad: null, normSq: NaN, direction: false, issue: { sampleId, subject, kind: 'non-finite', message: `${subject} or its gradient is NaN or infinite on sample ${String(sampleId)}${where}`, ...at } };
  }
  const n2 = normSq(g);
  if (!(Math.sqrt(n2) > zeroTolerance)) {
    return { value, grad: g, normSq: n2, direction: false, issue: { sampleId, subject, kind: 'zero-gradient', message: `∇${subject} is zero on sample ${String(sampleId)}${where}: its direction is undefined`, ...at } };
  }
  return { value, grad: g, normSq: n2, direction: true, issue: null };
}

/** Where a feature is evaluated: the sample's image, mask, id and spacing, and the flow step. */
export interface FeaturePoint {
  readonly image: Image;
  readonly mask: Image;
  readonly sampleId: SampleId;
  /** The flow-path point, for flags raised along a path. */
  readonly step?: number;
  readonly spacing?: Spacing;
}

/**
 * One feature's value and image gradient at a point, after its domain check. A FeatureError
 * the feature throws marks it undefined here; anything else it throws becomes a
 * UserFunctionError ('feature:threw') naming `op`, the feature and the sample.
 */
export function featureGradient(op: string, feature: NamedFeature, point: FeaturePoint, zeroTolerance: number): EvaluatedGradient {
  const { name, fn } = feature;
  const { image, mask, sampleId, step } = point;
  const at = step === undefined ? {} : { step };
  const context: FeatureContext = point.spacing === undefined ? {} : { spacing: point.spacing };
  const problem = featureDomainIssue(image, mask, domainOptionsOf(fn, context, { sampleId, feature: name }));
  if (problem) return undefinedFeature(problem, sampleId, name, at);
  let value: Tensor;
  let grad: Tensor;
  const call = { op, role: 'feature', name, sampleIds: [sampleId] } as const;
  const isFeatureError = (e: unknown) => e instanceof FeatureError;
  try {
    [value, grad] = valueAndGrad((x: Tensor) => {
      const out: unknown = callUserFunction(call, () => fn(x as Image, mask, context), isFeatureError);
      if (!(out instanceof Tensor)) throw new ArgumentError(name, 'a feature must return a tensor');
      if (out.size !== 1) throw new ShapeError(name, 'a feature must return one value', [out.shape]);
      return out;
    })(image as Tensor);
  } catch (e) {
    // A feature may refuse a sample itself by throwing a FeatureError; anything else propagates.
    if (e instanceof FeatureError) return undefinedFeature(e, sampleId, name, at);
    throw e;
  }
  return classifyGradient(name, sampleId, value.data[0]!, Float64Array.from(grad.data), zeroTolerance, step);
}

function undefinedFeature(e: FeatureError, sampleId: SampleId, subject: string, at: { step?: number }): EvaluatedGradient {
  const where = at.step === undefined ? '' : ` (at flow step ${at.step})`;
  return { value: null, grad: null, normSq: NaN, direction: false, issue: { sampleId, subject, kind: e.kind, message: e.message + where, ...at } };
}
