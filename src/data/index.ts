/** fgflow data layer: synthetic phantom, loaders, windowing, splits. Plain typed arrays only. */
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
  readDicom,
  readDicomOrThrow,
  decodeDicomMask,
  readDicomMask,
  readDicomMaskOrThrow,
  transferSyntaxName,
  isSupportedTransferSyntax,
  TRANSFER_SYNTAX,
} from './dicom.ts';
export type { DicomImage, DicomOptions, DicomMaskOptions } from './dicom.ts';
export { decodeNifti, readNifti, readNiftiOrThrow } from './nifti.ts';
export type { NiftiImage, NiftiOptions } from './nifti.ts';
export { decodePng, readPng, readPngOrThrow, encodePng, writePng, writePngOrThrow } from './png.ts';
export type { PngImage, PngReadOptions, PngWriteOptions } from './png.ts';
export {
  decodeIdx,
  readIdx,
  readIdxOrThrow,
  encodeIdx,
  writeIdx,
  writeIdxOrThrow,
  idxImage,
  idxImageCount,
} from './idx.ts';
export type { IdxArray, IdxData, IdxType } from './idx.ts';
export {
  readImageFile,
  readMaskFile,
  readImageFileOrThrow,
  readMaskFileOrThrow,
  formatFromName,
  sniffFormat,
} from './image.ts';
export type { ImageFormat, ImageFileOptions, MaskFileOptions } from './image.ts';
export { checkFinitePixels } from './finite.ts';
export type { NonFinitePolicy, PixelOptions } from './finite.ts';
export { toBinaryMask } from './mask.ts';
export type { MaskOptions } from './mask.ts';
export { readManifest, readManifestOrThrow, readManifestEntries, writeManifest, parseCsv, MANIFEST_FIELDS } from './manifest.ts';
export type { EntryReadOptions, ManifestEntries, ManifestEntry, ManifestOptions } from './manifest.ts';
export { loadMnist, loadMnistOrThrow } from './mnist.ts';
export type { MnistOptions } from './mnist.ts';
export { stratifiedSplit, stratifiedSplitOrThrow } from './split.ts';
export type { Split, SplitOptions } from './split.ts';
export { validateDataset, validateSample, subset, labelsOf, classCounts } from './dataset.ts';
export type { ValidateOptions } from './dataset.ts';
export { canonicalOrientation, reorient, volumeSlice } from './volume.ts';
export type { Vec3, Volume, VolumeGeometry, Reorientation } from './volume.ts';
export { decodeNiftiVolume, readNiftiVolume, readNiftiVolumeOrThrow } from './nifti-volume.ts';
export type { NiftiVolume, NiftiVolumeOptions } from './nifti-volume.ts';
export { assembleSeries } from './series.ts';
export type { CtSeries, SeriesSlice } from './series.ts';
export { decodeRtStruct, readRtStruct, readRtStructOrThrow, selectRois, roiMatcher, RTSTRUCT_SOP_CLASS } from './rtstruct.ts';
export type { Contour, Roi, RoiSelector, RtStruct } from './rtstruct.ts';
export { rasterizeRois, fillEvenOdd } from './rasterize.ts';
export type { RoiMask } from './rasterize.ts';
export { applyFileWindow } from './dicom-voi.ts';
export type { DicomSliceTags, VoiLut } from './dicom-tags.ts';
export { chooseSlices, sliceAreas, SLICE_CHOICES } from './slice-choice.ts';
export type { SliceChoice } from './slice-choice.ts';
export { loadDicomSubject, loadNiftiSubject, subjectSlices, listDicomSubjects, pairNiftiSubjects, niftiSubjectId, resampleSlice } from './subjects.ts';
export type { SubjectVolume, SubjectSlice, DicomSubjectOptions, NiftiSubjectOptions } from './subjects.ts';
export { readLabelTable } from './labels.ts';
export type { LabelTableOptions } from './labels.ts';
