/** The shapes and callables the interpretability module works with. */
import { ArgumentError, ShapeError } from '../tensor/errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { DType } from '../tensor/shape.ts';
import type { SampleId } from './errors.ts';
import { checkSpacing, type Spacing } from './spacing.ts';

/** One 2-D image (or mask), [H, W]. */
export type Image<D extends DType = DType> = Tensor<readonly [number, number], D>;
/** A stack of images, [N, H, W]. */
export type ImageBatch<D extends DType = DType> = Tensor<readonly [number, number, number], D>;

/**
 * Which part of the domain a feature needs, checked by `featureDomainIssue` before the feature
 * runs: `none` (defined everywhere), `mask` (Σ M > 0), `weight` (also W = Σ M⊙I > 0),
 * `spread` (also λ1 + λ2 > tol·pixel size²: the weight is not on one point), `covariance` (also λ2 > tol·λ1).
 */
export type DomainLevel = 'none' | 'mask' | 'weight' | 'spread' | 'covariance';

/** Whose intensities a moment feature weighs: the mask's pixels ('mask'), or the whole image's ('image', the authors' variant). */
export type Region = 'mask' | 'image';

/** What a measure knows about the sample beside its image and mask. */
export interface FeatureContext {
  /** The sample's pixel spacing [row, column], when its data gives one. */
  readonly spacing?: Spacing;
}

/**
 * A feature: any differentiable scalar function of the image given its fixed mask, written in
 * the DSL, returning a one-element tensor. Gradients are always taken by the AD with respect to the image. The optional
 * `featureName` names it in results; the optional `domain` lets measures flag a sample where it
 * is undefined instead of producing NaN (a plain function gets no domain check, but its NaN/∞
 * outputs and gradients are still flagged). Measures pass the sample's `context` (its pixel
 * spacing, when known) as the third argument; a feature that does not measure lengths ignores it.
 */
export interface Feature {
  (image: Image, mask: Image, context?: FeatureContext): Tensor;
  readonly featureName?: string;
  readonly domain?: DomainLevel;
  /** Relative tolerance of the `covariance` domain check (see `checkFeatureDomain`). */
  readonly degeneracyTolerance?: number;
  /** The spacing the feature measures with when the sample carries none (default [1, 1]: pixels). */
  readonly spacing?: Spacing;
  /** Whose intensities the domain check weighs (default 'mask'). */
  readonly region?: Region;
}

/** Features as a list (named by `featureName`, the function's name, or g1, g2, …) or a record (named by key). */
export type FeatureSet = readonly Feature[] | Readonly<Record<string, Feature>>;

/** One image with its tumour mask (same shape and dtype). */
export interface Sample<D extends DType = DType> {
  readonly image: Image<D>;
  readonly mask: Image<D>;
  readonly id?: SampleId;
  /** Pixel spacing [row, column], e.g. in mm from the file: features then measure in those units. */
  readonly spacing?: Spacing;
}

/** A batch of images with their masks ([N, H, W] each) and optional ids (default: the index). */
export interface SampleBatch<D extends DType = DType> {
  readonly images: ImageBatch<D>;
  readonly masks: ImageBatch<D>;
  readonly ids?: readonly SampleId[];
  /** Each sample's pixel spacing [row, column] (e.g. mm from its file); absent: every feature's own spacing (pixels by default). */
  readonly spacings?: readonly Spacing[];
}

/** A classifier on one image: the logit (or any C¹ score) as a scalar. */
export type ImageFunction = (image: Image) => Tensor;

/**
 * A classifier on a batch, [N, H, W] → [N] or [N, 1], whose outputs are independent per sample
 * (no batch statistics): then ∇ of Σ f(batch) holds every per-image gradient, in one backward pass.
 * `index[i]` says which sample of the dataset row i is (engines call it on subsets), so a model
 * that needs per-sample side inputs, such as a mask channel, can look them up (see `imageChannelModel`).
 */
export type BatchFunction = (images: ImageBatch, index: readonly number[]) => Tensor;

export interface NamedFeature {
  readonly name: string;
  readonly fn: Feature;
}

/** Names a feature set; duplicate names get a `#2`, `#3` suffix so every result column is unique. */
export function nameFeatures(op: string, features: FeatureSet): NamedFeature[] {
  const entries: [string | undefined, Feature][] = Array.isArray(features)
    ? (features as readonly Feature[]).map((fn) => [undefined, fn])
    : Object.entries(features as Readonly<Record<string, Feature>>);
  const seen = new Map<string, number>();
  return entries.map(([key, fn], i) => {
    if (typeof fn !== 'function') throw new ArgumentError(op, `feature ${key ?? i} is not a function`);
    const base = key ?? fn.featureName ?? (fn.name && fn.name !== 'anonymous' ? fn.name : `g${i + 1}`);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { name: n === 1 ? base : `${base}#${n}`, fn };
  });
}

/**
 * The measured columns: the features, which span A, then the probes, which get S (and F) only.
 * A probe may not share a feature's name, so every column of a result is unique.
 */
export function nameColumns(op: string, features: FeatureSet, probes: FeatureSet | undefined): { features: NamedFeature[]; probes: NamedFeature[] } {
  const named = nameFeatures(op, features);
  if (probes === undefined) return { features: named, probes: [] };
  if (probes === null || typeof probes !== 'object') throw new ArgumentError(op, 'probes must be a feature set (a list or a record of features)');
  const probed = nameFeatures(op, probes);
  const taken = new Set(named.map((f) => f.name));
  const clash = probed.find((p) => taken.has(p.name));
  if (clash) throw new ArgumentError(op, `probe ${clash.name} has the name of a feature; give it another`);
  return { features: named, probes: probed };
}

export function checkImage(op: string, x: Tensor, what: string): void {
  if (!(x instanceof Tensor)) throw new ArgumentError(op, `${what} must be a tensor`);
  if (x.shape.length !== 2) throw new ShapeError(op, `${what} must be a 2-D image [H, W]`, [x.shape]);
}

export function checkSample(op: string, x: Sample): void {
  if (x === null || typeof x !== 'object') throw new ArgumentError(op, 'the sample must be an object { image, mask, id? }');
  checkImage(op, x.image, 'the image');
  checkImage(op, x.mask, 'the mask');
  if (x.image.shape[0] !== x.mask.shape[0] || x.image.shape[1] !== x.mask.shape[1])
    throw new ShapeError(op, 'image and mask differ in shape', [x.image.shape, x.mask.shape]);
  if (x.image.dtype !== x.mask.dtype) throw new ArgumentError(op, `image is ${x.image.dtype} but mask is ${x.mask.dtype}`);
  if (x.spacing !== undefined) checkSpacing(op, x.spacing, `the spacing of sample ${String(x.id ?? 0)}`);
}

export function checkBatch(op: string, b: SampleBatch): number {
  if (b === null || typeof b !== 'object') throw new ArgumentError(op, 'the batch must be an object { images, masks, ids? }');
  if (!(b.images instanceof Tensor) || b.images.shape.length !== 3) throw new ShapeError(op, 'images must be [N, H, W]', [b.images?.shape ?? []]);
  if (!(b.masks instanceof Tensor) || b.masks.shape.length !== 3) throw new ShapeError(op, 'masks must be [N, H, W]', [b.masks?.shape ?? []]);
  if (b.images.shape.some((d, i) => d !== b.masks.shape[i])) throw new ShapeError(op, 'images and masks differ in shape', [b.images.shape, b.masks.shape]);
  if (b.images.dtype !== b.masks.dtype) throw new ArgumentError(op, `images are ${b.images.dtype} but masks are ${b.masks.dtype}`);
  const n = b.images.shape[0]!;
  if (b.ids !== undefined && b.ids.length !== n) throw new ArgumentError(op, `${b.ids.length} ids for ${n} samples`);
  if (b.spacings !== undefined) {
    if (!Array.isArray(b.spacings) || b.spacings.length !== n) throw new ArgumentError(op, `spacings must hold one [row, column] spacing per sample (${n}), got ${Array.isArray(b.spacings) ? b.spacings.length : typeof b.spacings}`);
    b.spacings.forEach((s, i) => checkSpacing(op, s, `the spacing of sample ${String(b.ids?.[i] ?? i)}`));
  }
  return n;
}
