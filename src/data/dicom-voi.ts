/**
 * The window a DICOM file carries, applied as DICOM's VOI transform (PS3.3 C.11.2.1.2): the
 * VOI LUT where the file has one, else WindowCenter/WindowWidth through VOILUTFunction (LINEAR,
 * LINEAR_EXACT or SIGMOID). The output is display brightness in [0, 1]. A MONOCHROME1 image was
 * inverted at load (dicom.ts), so the transform is applied to the original value and its output
 * inverted: exactly the display DICOM prescribes for MONOCHROME1.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { DicomImage } from './dicom.ts';
import { DataError, fail } from './errors.ts';
import type { Image2D } from './types.ts';

type Ramp = (v: number) => number;

function windowRamp(center: number, width: number, fn: string): Ramp | string {
  switch (fn) {
    case 'LINEAR':
      if (!(width >= 1)) return `WindowWidth ${width} is below 1, which the LINEAR function does not allow`;
      return (v) => Math.min(1, Math.max(0, (v - (center - 0.5)) / (width - 1) + 0.5));
    case 'LINEAR_EXACT':
      if (!(width > 0)) return `WindowWidth ${width} must be positive`;
      return (v) => Math.min(1, Math.max(0, (v - center) / width + 0.5));
    case 'SIGMOID':
      if (!(width > 0)) return `WindowWidth ${width} must be positive`;
      return (v) => 1 / (1 + Math.exp((-4 * (v - center)) / width));
    default:
      return `unknown VOILUTFunction ${fn} (LINEAR, LINEAR_EXACT or SIGMOID)`;
  }
}

/** The image as display brightness in [0, 1] through the VOI LUT or window its file carries. */
export function applyFileWindow(image: DicomImage, where: string, file?: string): E.Either<DataError, Image2D> {
  const { voiLut, window, voiFunction } = image.tags;
  const about = image.invertedAbout;
  let voi: Ramp;
  if (voiLut) {
    const top = 2 ** voiLut.bits - 1;
    const last = voiLut.entries.length - 1;
    voi = (v) => voiLut.entries[Math.min(last, Math.max(0, Math.round(v) - voiLut.firstMapped))]! / top;
  } else if (window) {
    const ramp = windowRamp(window.center, window.width, voiFunction ?? 'LINEAR');
    if (typeof ramp === 'string') return fail('unreadable', `${where}: ${ramp}`, file);
    voi = ramp;
  } else return fail('bad-option', `${where}: the file has no VOI LUT and no WindowCenter/WindowWidth to take the window from; give a window instead`, file);
  const display = about === undefined ? voi : (v: number) => 1 - voi(about - v);
  return E.right({ width: image.width, height: image.height, data: Float32Array.from(image.data, display) });
}
