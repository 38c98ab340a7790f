/**
 * From a loaded mask file to a 0/1 mask. A binary mask holds 0 and one positive value (1, 255,
 * 65535, …); a file with several positive levels is a grey image or a probability map, and
 * binarising it at > 0 silently turns it into most of the image. Such a mask is refused unless
 * the caller names a threshold. Refusing, rather than warning, because the data layer returns
 * values, not logs: a warning would be lost on the library path, and the result is wrong either way.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DataError, fail } from './errors.ts';
import { checkFinitePixels, finiteRange } from './finite.ts';
import type { Image2D } from './types.ts';

export interface MaskOptions {
  /**
   * Binarise at value > maskThreshold. Without it the mask must already be binary (0 and one
   * positive value); with it any grey levels are accepted.
   */
  readonly maskThreshold?: number;
}

/** The distinct non-zero values of a mask, up to `limit` of them. */
const levels = (data: Float32Array, limit: number): number[] => {
  const seen = new Set<number>();
  for (const v of data) {
    if (v !== 0 && !seen.has(v)) {
      seen.add(v);
      if (seen.size >= limit) break;
    }
  }
  return [...seen];
};

/** Binarise `mask` (in place, it is the loader's own array): value > threshold → 1, else 0. */
const binarizeInPlace = <I extends Image2D>(mask: I, threshold: number): I => {
  const d = mask.data;
  for (let i = 0; i < d.length; i++) d[i] = d[i]! > threshold ? 1 : 0;
  return mask;
};

/**
 * `mask` as 0/1: binarised at options.maskThreshold when given, else checked to be binary.
 * Left(DataError 'bad-mask') naming `where` when it has several positive levels or a negative one.
 */
export const toBinaryMask = <I extends Image2D>(mask: I, where: string, file: string | undefined, options: MaskOptions = {}): E.Either<DataError, I> => {
  const t = options.maskThreshold;
  if (t !== undefined) {
    if (!Number.isFinite(t)) return fail('bad-option', `${where}: maskThreshold must be a finite number, got ${t}`, file);
    return E.right(binarizeInPlace(mask, t));
  }
  const finite = checkFinitePixels(mask, where, file);
  if (E.isLeft(finite)) return finite;
  const found = levels(mask.data, 3);
  const negative = found.find((v) => v < 0);
  if (negative !== undefined)
    return fail('bad-mask', `${where}: mask holds the negative value ${negative}; a mask is 0 outside the region and one positive value inside (or give maskThreshold)`, file);
  if (found.length > 1) {
    const { lo, hi } = finiteRange(mask.data)!;
    return fail(
      'bad-mask',
      `${where}: mask has several positive levels (values from ${lo} to ${hi}), so it looks like a grey image, not a binary mask; ` +
        'give maskThreshold to binarise it at value > threshold',
      file,
    );
  }
  return E.right(binarizeInPlace(mask, 0));
};
