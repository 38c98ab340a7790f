/** Checks and helpers on whole datasets. */
import * as E from 'fp-ts/lib/Either.js';
import { DataError, fail } from './errors.ts';
import { checkFinitePixels } from './finite.ts';
import type { Dataset, Sample } from './types.ts';

export const labelsOf = (ds: Dataset): (0 | 1)[] => ds.samples.map((s) => s.label);

export const classCounts = (labels: readonly number[]): { negatives: number; positives: number } => {
  let p = 0;
  for (const l of labels) if (l === 1) p++;
  return { negatives: labels.length - p, positives: p };
};

/** A dataset restricted to the given sample indices (in that order). */
export const subset = (ds: Dataset, indices: readonly number[], name?: string): Dataset => ({
  ...ds,
  name: name ?? ds.name,
  samples: indices.map((i) => {
    const s = ds.samples[i];
    if (s === undefined) throw new DataError('bad-option', `subset: index ${i} out of range (dataset has ${ds.samples.length} samples)`);
    return s;
  }),
});

export interface ValidateOptions {
  /** Require both classes to be present (default true). */
  readonly requireBothClasses?: boolean;
  /** Allow all-zero masks (default false: features are undefined on an empty mask). */
  readonly allowEmptyMask?: boolean;
}

/** Check one sample: sizes agree, image finite, mask 0/1 and (unless allowed) non-empty, label 0/1. */
export const validateSample = (s: Sample, options: ValidateOptions = {}): E.Either<DataError, Sample> => {
  const file = s.source;
  const name = `sample '${s.id}'${file !== undefined ? ` (${file})` : ''}`;
  const { image, mask } = s;
  if (image.data.length !== image.width * image.height || mask.data.length !== mask.width * mask.height)
    return fail('size-mismatch', `${name}: data length does not match width×height`, file);
  if (image.width !== mask.width || image.height !== mask.height)
    return fail('size-mismatch', `${name}: image is ${image.width}×${image.height} but mask is ${mask.width}×${mask.height}`, file);
  if (s.label !== 0 && s.label !== 1) return fail('bad-label', `${name}: label must be 0 or 1, got ${String(s.label)}`, file);
  const finite = checkFinitePixels(image, `${name}: image`, file);
  if (E.isLeft(finite)) return finite;
  let m = 0;
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i];
    if (v !== 0 && v !== 1) return fail('bad-mask', `${name}: mask value ${v} at pixel ${i} is not 0 or 1`, file);
    m += v;
  }
  if (m === 0 && !options.allowEmptyMask) return fail('bad-mask', `${name}: mask is empty`, file);
  return E.right(s);
};

/** Validate a whole dataset (first problem reported, the rest in `related`). */
export const validateDataset = (ds: Dataset, options: ValidateOptions = {}): E.Either<DataError, Dataset> => {
  if (ds.samples.length === 0) return fail('empty-dataset', `dataset '${ds.name}' has no samples`);
  const errors: DataError[] = [];
  for (const s of ds.samples) {
    const r = validateSample(s, options);
    if (E.isLeft(r)) errors.push(r.left);
  }
  if (errors.length > 0) return E.left(withRelated(errors));
  const { negatives, positives } = classCounts(labelsOf(ds));
  if ((options.requireBothClasses ?? true) && (negatives === 0 || positives === 0))
    return fail('single-class', `dataset '${ds.name}' has only one class (${negatives} negative, ${positives} positive)`);
  return E.right(ds);
};

/** First error, its message extended with a count and summary of the others, which are kept in `related`. */
export const withRelated = (errors: readonly DataError[]): DataError => {
  const first = errors[0] as DataError;
  if (errors.length === 1) return first;
  const rest = errors.slice(1);
  const shown = rest.slice(0, 5).map((e) => `  - [${e.code}] ${e.message}`);
  const more = rest.length > 5 ? [`  … and ${rest.length - 5} more`] : [];
  return new DataError(
    first.code,
    [`${first.message}`, `(${rest.length} more problem${rest.length === 1 ? '' : 's'}:)`, ...shown, ...more].join('\n'),
    { ...(first.file !== undefined ? { file: first.file } : {}), related: rest },
  );
};
