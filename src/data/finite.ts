/**
 * Every loader checks its pixels at load: a NaN or ±Infinity is refused there, naming the file
 * and the first bad pixel, instead of surfacing epochs later as a NaN loss or AUC that names
 * nothing. Clipping ±Infinity is allowed only when asked for.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DataError, fail } from './errors.ts';
import type { Image2D } from './types.ts';

/**
 * What a loader does with non-finite pixels: 'error' (default) refuses the image; 'clip' maps
 * +Infinity to the image's largest finite value and −Infinity to its smallest. NaN has no
 * side to clip to, so it is refused either way.
 */
export type NonFinitePolicy = 'error' | 'clip';

export interface PixelOptions {
  /** Non-finite pixels: 'error' (default) or 'clip' (±Infinity to the finite range; NaN is still an error). */
  readonly nonFinite?: NonFinitePolicy;
}

const describePixel = (image: Image2D, i: number): string => `pixel ${i} (x ${i % image.width}, y ${Math.floor(i / image.width)})`;

/** The finite range of the data, or undefined when no value is finite. */
export const finiteRange = (data: Float32Array): { lo: number; hi: number } | undefined => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? { lo, hi } : undefined;
};

/**
 * `image` when every pixel is finite; with policy 'clip', ±Infinity replaced in place by the
 * finite extremes. Otherwise Left(DataError 'non-finite') naming `where` and the first bad pixel.
 */
export const checkFinitePixels = <I extends Image2D>(
  image: I,
  where: string,
  file: string | undefined,
  policy: NonFinitePolicy = 'error',
): E.Either<DataError, I> => {
  const { data } = image;
  let first = -1;
  let firstNaN = -1;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isFinite(v)) continue;
    count++;
    if (first < 0) first = i;
    if (firstNaN < 0 && Number.isNaN(v)) firstNaN = i;
  }
  if (count === 0) return E.right(image);
  const all = `${count} non-finite pixel${count === 1 ? '' : 's'} in all`;
  if (policy === 'clip') {
    const range = finiteRange(data);
    if (firstNaN >= 0 || range === undefined) {
      const i = firstNaN >= 0 ? firstNaN : first;
      return fail('non-finite', `${where}: ${describePixel(image, i)} is ${data[i]} (${all}); clipping handles ±Infinity only, and needs some finite pixel`, file);
    }
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v === Infinity) data[i] = range.hi;
      else if (v === -Infinity) data[i] = range.lo;
    }
    return E.right(image);
  }
  return fail(
    'non-finite',
    `${where}: ${describePixel(image, first)} is ${data[first]} (${all}); images must hold finite values (nonFinite: 'clip' clips ±Infinity to the image's finite range)`,
    file,
  );
};
