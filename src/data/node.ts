/** The data layer with the file system (Node): index.ts's decoders as readers of files, manifests, MNIST. */
export * from './index.ts';
export {
  readDicom, readDicomOrThrow, readDicomMask, readDicomMaskOrThrow, readNifti, readNiftiOrThrow,
  readPng, readPngOrThrow, writePng, writePngOrThrow, readIdx, readIdxOrThrow, writeIdx, writeIdxOrThrow,
  readImageFile, readMaskFile, readImageFileOrThrow, readMaskFileOrThrow,
  readNiftiVolume, readNiftiVolumeOrThrow, readRtStruct, readRtStructOrThrow,
} from './files.ts';
export { loadDicomSubject, loadNiftiSubject, subjectSlices, listDicomSubjects, pairNiftiSubjects, niftiSubjectId, resampleSlice } from './subjects.ts';
export type { SubjectVolume, SubjectSlice, DicomSubjectOptions, NiftiSubjectOptions } from './subjects.ts';
export { readManifest, readManifestOrThrow, readManifestEntries, writeManifest, parseCsv, MANIFEST_FIELDS } from './manifest.ts';
export type { EntryReadOptions, ManifestEntries, ManifestEntry, ManifestOptions } from './manifest.ts';
export { loadMnist, loadMnistOrThrow } from './mnist.ts';
export type { MnistOptions } from './mnist.ts';
export { readLabelTable } from './labels.ts';
export type { LabelTableOptions } from './labels.ts';
