/**
 * Pixel spacing: the physical size of a pixel, [row, column] (millimetres for CT), so that
 * features measure in physical units when the data says how large its pixels are.
 */
import { ArgumentError } from '../tensor/errors.ts';
import { DEFAULTS } from './defaults.ts';

/** Pixel size as [row, column] (e.g. millimetres); [1, 1] measures in pixels. */
export type Spacing = readonly [number, number];

function isSpacing(s: unknown): s is Spacing {
  return Array.isArray(s) && s.length === 2 && s.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0);
}

/** `spacing` itself when it is two positive finite numbers; anything else gets an ArgumentError naming `op` and `what`. */
export function checkSpacing(op: string, spacing: unknown, what = 'spacing'): Spacing {
  if (!isSpacing(spacing)) throw new ArgumentError(op, `${what} must be two positive finite numbers [row, column], got ${JSON.stringify(spacing)}`);
  return spacing;
}

/** `spacing`, or the default [1, 1] (pixels) when it is undefined. */
export function resolveSpacing(op: string, spacing: Spacing | undefined, what = 'spacing'): Spacing {
  return checkSpacing(op, spacing ?? DEFAULTS.spacing, what);
}
