/**
 * fgflow data layer: synthetic phantom, decoders of image bytes, windowing, splits. Plain typed
 * arrays only, and no Node built-ins: the readers of files, manifests and MNIST are in node.ts.
 */
export type { Dataset, GroundTruth, Image2D, PhantomFeature, Sample } from './types.ts';
export { image2D } from './types.ts';
export { DataError, isDataError, orThrow } from './errors.ts';
export type { DataErrorCode } from './errors.ts';
export { Rng, rng, deriveSeed, hashString, mix32 } from './rng.ts';
export {
  phantom,
  makePhantom,
  PHANTOM_FEATURES,
  DEFAULT_PHANTOM_WEIGHTS,
  DEFAULT_PREVALENCE,
  PHANTOM_FEATURE_DEFINITIONS,
  PHANTOM_FIELD_OF_VIEW_MM,
} from './phantom.ts';
export type { PhantomOptions, PhantomRule } from './phantom.ts';
export { windowHU, maskCentroid, cropAt, cropAroundMask, resizeBilinear, resizeMask, binarize } from './window.ts';
export type { WindowOptions, CropOptions } from './window.ts';
export {
  decodeDicom,
  decodeDicomMask,
  transferSyntaxName,
  isSupportedTransferSyntax,
  TRANSFER_SYNTAX,
} from './dicom.ts';
export type { DicomImage, DicomOptions, DicomMaskOptions } from './dicom.ts';
export { decodeNifti } from './nifti.ts';
export type { NiftiImage, NiftiOptions } from './nifti.ts';
export { decodePng, encodePng } from './png.ts';
export type { PngImage, PngReadOptions, PngWriteOptions } from './png.ts';
export {
  decodeIdx,
  encodeIdx,
  idxImage,
  idxImageCount,
} from './idx.ts';
export type { IdxArray, IdxData, IdxType } from './idx.ts';
export {
  decodeImage,
  formatFromName,
  sniffFormat,
} from './image.ts';
export type { ImageFormat, ImageFileOptions, MaskFileOptions } from './image.ts';
export { checkFinitePixels } from './finite.ts';
export type { NonFinitePolicy, PixelOptions } from './finite.ts';
export { toBinaryMask } from './mask.ts';
export type { MaskOptions } from './mask.ts';
export { stratifiedSplit, stratifiedSplitOrThrow } from './split.ts';
export type { Split, SplitOptions } from './split.ts';
export { validateDataset, validateSample, subset, labelsOf, classCounts } from './dataset.ts';
export type { ValidateOptions } from './dataset.ts';
export { canonicalOrientation, reorient, volumeSlice } from './volume.ts';
export type { Vec3, Volume, VolumeGeometry, Reorientation } from './volume.ts';
export { decodeNiftiVolume } from './nifti-volume.ts';
export type { NiftiVolume, NiftiVolumeOptions } from './nifti-volume.ts';
export { assembleSeries } from './series.ts';
export type { CtSeries, SeriesSlice } from './series.ts';
export { decodeRtStruct, selectRois, roiMatcher, RTSTRUCT_SOP_CLASS } from './rtstruct.ts';
export type { Contour, Roi, RoiSelector, RtStruct } from './rtstruct.ts';
export { rasterizeRois, fillEvenOdd } from './rasterize.ts';
export type { RoiMask } from './rasterize.ts';
export { applyFileWindow } from './dicom-voi.ts';
export type { DicomSliceTags, VoiLut } from './dicom-tags.ts';
export { chooseSlices, sliceAreas, SLICE_CHOICES } from './slice-choice.ts';
export type { SliceChoice } from './slice-choice.ts';
