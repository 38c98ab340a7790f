/**
 * One sample as the model sees it: the CT cropped around the tumour, windowed to [0, 1] and
 * resized to the model's size, with its mask resized alike. No Node built-ins: the explorer
 * prepares a dropped image in the browser exactly as the experiment prepared its data.
 */
import * as E from 'fp-ts/lib/Either.js';
import { cropAroundMask, resizeBilinear, resizeMask, windowHU, type DataError, type Image2D } from '../data/index.ts';

export interface PrepareOptions {
  /** Side of the square model input. */
  readonly size: number;
  /** CT window centre and width in HU (soft tissue: 40 / 400). */
  readonly windowCenter?: number;
  readonly windowWidth?: number;
  /** Side of the crop around the mask's centroid, in source pixels; by default the whole image is resized. */
  readonly crop?: number;
  /** Whether images are in HU and need the CT window (phantom, DICOM); otherwise they are min-max scaled. */
  readonly hounsfield?: boolean;
}

function minMax(img: Image2D): Image2D {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of img.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo || 1;
  return { width: img.width, height: img.height, data: img.data.map((v) => (v - lo) / span) };
}

/** The windowed, cropped and resized image and mask of one sample (each `size`²). */
export function prepareSample(source: Image2D, sourceMask: Image2D, options: PrepareOptions): E.Either<DataError, { image: Image2D; mask: Image2D }> {
  const { size } = options;
  let image = source;
  let mask = sourceMask;
  if (options.crop !== undefined) {
    const fill = options.hounsfield === false ? 0 : -1000;
    const cropped = cropAroundMask(image, mask, { width: options.crop, fill });
    if (E.isLeft(cropped)) return cropped;
    image = cropped.right.image;
    mask = cropped.right.mask;
  }
  const windowed = options.hounsfield === false ? minMax(image) : windowHU(image, { center: options.windowCenter ?? 40, width: options.windowWidth ?? 400 });
  const img = windowed.width === size && windowed.height === size ? windowed : resizeBilinear(windowed, size, size);
  const msk = mask.width === size && mask.height === size ? mask : resizeMask(mask, size, size);
  return E.right({ image: img, mask: msk });
}
