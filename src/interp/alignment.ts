/**
 * Pointwise alignment S_i = cos²(∇f, ∇g_i) and span alignment A = ‖P∇f‖²/‖∇f‖² with the
 * unexplained remainder ‖∇f⊥‖²/‖∇f‖² (METHOD.md, measures 1 and 2), for one sample or a dataset.
 * Gradients come from the AD; the numbers are computed in float64.
 */
import { ArgumentError } from '../tensor/errors.ts';
import type { DType } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Issue, SampleId } from './errors.ts';
import { classifyGradient, featureGradient, type EvaluatedGradient, type FeaturePoint, type GradientOptions } from './gradients.ts';
import { checkTolerance, cosSq, defaultRankTolerance, orthonormalBasis, spanAlignment } from './linalg.ts';
import { batchValueAndGrad, imageValueAndGrad } from './model.ts';
import { row, rows, toImage } from './rows.ts';
import { checkBatch, checkSample, nameColumns, type BatchFunction, type FeatureSet, type Image, type ImageFunction, type NamedFeature, type Sample, type SampleBatch } from './types.ts';
import { DEFAULTS } from './defaults.ts';

export interface AlignmentOptions extends GradientOptions {
  /** [ours] Relative rank tolerance of the Gram–Schmidt projection (default √ε of the dtype; see `defaultRankTolerance`). */
  readonly rankTolerance?: number;
  /** Also return ∇f⊥, the part of ∇f no feature explains, as an image (default false). */
  readonly returnPerp?: boolean;
  /**
   * Functionals measured beside the features with the same ∇f (and, in the flow, along the same
   * path), but outside the span: they get S (and F) columns after the features', and A, F_A,
   * the remainder and the rank stay the features' own. The noise draws of a baseline are probes.
   */
  readonly probes?: FeatureSet;
}

export interface BatchAlignmentOptions extends AlignmentOptions {
  /** [ours] Samples per reverse pass of the model (default 32): bounds memory on large datasets. */
  readonly batchSize?: number;
}

/** The alignment of one sample. Undefined measures are null, and `issues` says why. */
export interface AlignmentResult {
  readonly sampleId: SampleId;
  /** Column names, in the order of `S` and `featureValues`: the features, then the probes. */
  readonly names: readonly string[];
  /** The probes' names, the last columns of `names`; A leaves them out. */
  readonly probes: readonly string[];
  /** S_i ∈ [0, 1]; null when ∇f or ∇g_i is zero or undefined. */
  readonly S: readonly (number | null)[];
  /** A ∈ [0, 1]; null when ∇f is zero or undefined, or when some feature is undefined (the span would be). */
  readonly A: number | null;
  /** 1 − A = ‖∇f⊥‖²/‖∇f‖²; null exactly when A is. */
  readonly unexplained: number | null;
  /** The dimension of span{∇g_i} found with the rank tolerance. */
  readonly rank: number;
  /** f(x); null when NaN or infinite. */
  readonly value: number | null;
  /** ‖∇f(x)‖; null when ∇f is NaN or infinite. */
  readonly gradNorm: number | null;
  readonly featureValues: readonly (number | null)[];
  /** ∇f⊥ as an image, with `returnPerp`. */
  readonly gradPerp?: Image;
  readonly issues: readonly Issue[];
}

/** The measures at one point from already evaluated gradients; shared with the flow. */
export interface PointAlignment {
  readonly S: (number | null)[];
  readonly A: number | null;
  readonly unexplained: number | null;
  readonly rank: number;
  readonly perp: Float64Array | null;
}

/** S of the features and then the probes; A, the remainder and ∇f⊥ of the features' span alone. */
export function alignAt(gf: EvaluatedGradient, gs: readonly EvaluatedGradient[], rankTolerance: number, wantPerp: boolean, probes: readonly EvaluatedGradient[] = []): PointAlignment {
  const S = [...gs, ...probes].map((g) => (gf.direction && g.direction ? cosSq(gf.grad!, gf.normSq, g.grad!, g.normSq) : null));
  const basis = orthonormalBasis(
    gs.filter((g) => g.direction).map((g) => g.grad!),
    rankTolerance,
  );
  if (!gf.direction || gs.some((g) => g.grad === null)) return { S, A: null, unexplained: null, rank: basis.length, perp: null };
  const { A, unexplained, perp } = spanAlignment(gf.grad!, basis);
  return { S, A, unexplained, rank: basis.length, perp: wantPerp ? perp : null };
}

export interface ResolvedOptions {
  /** The measure the options were resolved for: it names the operation in errors. */
  readonly op: string;
  readonly zeroTolerance: number;
  readonly rankTolerance: number;
}

export function resolveGradientOptions(op: string, options: AlignmentOptions, dtype: DType): ResolvedOptions {
  const zeroTolerance = options.zeroTolerance ?? DEFAULTS.zeroTolerance;
  const rankTolerance = options.rankTolerance ?? defaultRankTolerance(dtype);
  checkTolerance(op, 'zeroTolerance', zeroTolerance);
  checkTolerance(op, 'rankTolerance', rankTolerance, 1);
  return { op, zeroTolerance, rankTolerance };
}

interface Columns {
  readonly features: readonly NamedFeature[];
  readonly probes: readonly NamedFeature[];
}

function assemble(point: FeaturePoint, columns: Columns, value: number, grad: Tensor, options: AlignmentOptions, resolved: ResolvedOptions): AlignmentResult {
  const { image, sampleId } = point;
  const gf = classifyGradient('f', sampleId, value, Float64Array.from(grad.data), resolved.zeroTolerance);
  const evaluate = (g: NamedFeature) => featureGradient(resolved.op, g, point, resolved.zeroTolerance);
  const gs = columns.features.map(evaluate);
  const ps = columns.probes.map(evaluate);
  const at = alignAt(gf, gs, resolved.rankTolerance, options.returnPerp ?? false, ps);
  const issues = [gf, ...gs, ...ps].map((g) => g.issue).filter((i): i is Issue => i !== null);
  const [h, w] = image.shape;
  return {
    sampleId,
    names: [...columns.features, ...columns.probes].map((g) => g.name),
    probes: columns.probes.map((g) => g.name),
    S: at.S,
    A: at.A,
    unexplained: at.unexplained,
    rank: at.rank,
    value: Number.isFinite(value) ? value : null,
    gradNorm: gf.grad === null ? null : Math.sqrt(gf.normSq),
    featureValues: [...gs, ...ps].map((g) => g.value),
    ...(at.perp ? { gradPerp: toImage(at.perp, h, w, image.dtype) } : {}),
    issues,
  };
}

/** S_i, A and the unexplained remainder of `f` against the features at one sample `x`. */
export function alignment(f: ImageFunction, gs: FeatureSet, x: Sample, options: AlignmentOptions = {}): AlignmentResult {
  const op = 'alignment';
  if (typeof f !== 'function') throw new ArgumentError(op, 'f must be a function of one image');
  checkSample(op, x);
  const columns = nameColumns(op, gs, options.probes);
  const resolved = resolveGradientOptions(op, options, x.image.dtype);
  const { value, grad } = imageValueAndGrad(op, f, x.image, x.id ?? 0);
  const point = { image: x.image, mask: x.mask, sampleId: x.id ?? 0, ...(x.spacing === undefined ? {} : { spacing: x.spacing }) };
  return assemble(point, columns, value, grad, options, resolved);
}

/**
 * `alignment` over a dataset: ∇f for `batchSize` samples at a time from one reverse pass of
 * the batch model (its outputs must be independent per sample), features per sample.
 */
export function alignmentBatch(model: BatchFunction, gs: FeatureSet, batch: SampleBatch, options: BatchAlignmentOptions = {}): AlignmentResult[] {
  const op = 'alignmentBatch';
  if (typeof model !== 'function') throw new ArgumentError(op, 'model must be a function of an image batch');
  const n = checkBatch(op, batch);
  const columns = nameColumns(op, gs, options.probes);
  const resolved = resolveGradientOptions(op, options, batch.images.dtype);
  const size = options.batchSize ?? DEFAULTS.batchSize;
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(op, `batchSize must be a positive integer, got ${size}`);
  const out: AlignmentResult[] = [];
  for (let from = 0; from < n; from += size) {
    const to = Math.min(n, from + size);
    const index = Array.from({ length: to - from }, (_, i) => from + i);
    const { values, grads } = batchValueAndGrad(op, model, rows(batch.images, from, to), index, index.map((i) => batch.ids?.[i] ?? i));
    for (let i = from; i < to; i++) {
      const spacing = batch.spacings?.[i];
      const point = { image: row(batch.images, i), mask: row(batch.masks, i), sampleId: batch.ids?.[i] ?? i, ...(spacing === undefined ? {} : { spacing }) };
      out.push(assemble(point, columns, values[i - from]!, row(grads, i - from) as Tensor, options, resolved));
    }
  }
  return out;
}
