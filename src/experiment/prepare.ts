/**
 * From a data-layer Dataset (images in HU, masks) to model inputs: CT window to [0, 1],
 * crop around the tumour and resize to the model's size, stacked as [N, 2, S, S]
 * (channel 0 the windowed CT, channel 1 the mask, as in METHOD.md [ours]).
 */
import * as E from 'fp-ts/lib/Either.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  DataError,
  phantom,
  readManifest,
  type Dataset,
  type ManifestOptions,
  type PhantomOptions,
} from '../data/node.ts';
import { Tensor } from '../tensor/tensor.ts';
import { prepareSample, type PrepareOptions } from './prepare-sample.ts';

export type { PrepareOptions } from './prepare-sample.ts';

export interface PreparedData {
  readonly dataset: Dataset;
  /** [N, 2, S, S] f32: windowed CT and mask. */
  readonly x: Tensor<readonly [number, 2, number, number], 'f32'>;
  readonly labels: readonly (0 | 1)[];
  readonly ids: readonly string[];
  readonly size: number;
  /** [row, column] mm per model-input pixel when every sample's spacing is known and they agree after cropping and resizing. */
  readonly spacing?: readonly [number, number];
  /** Units of the extent-like features: 'mm' with `spacing`, 'px' otherwise, and why. */
  readonly units: string;
}

export function prepare(dataset: Dataset, options: PrepareOptions): E.Either<DataError, PreparedData> {
  const { size } = options;
  const n = dataset.samples.length;
  if (n === 0) return E.left(new DataError('empty-dataset', `dataset ${dataset.name} has no samples`));
  const buf = new Float32Array(n * 2 * size * size);
  const plane = size * size;
  for (let i = 0; i < n; i++) {
    const s = dataset.samples[i]!;
    const one = prepareSample(s.image, s.mask, options);
    if (E.isLeft(one)) return one;
    const { image: img, mask: msk } = one.right;
    buf.set(img.data, (2 * i) * plane);
    buf.set(msk.data, (2 * i + 1) * plane);
  }
  const { spacing, units } = inputSpacing(dataset, options);
  return E.right({
    dataset,
    x: Tensor.fromBuffer([n, 2, size, size] as const, 'f32', buf) as PreparedData['x'],
    labels: dataset.samples.map((s) => s.label),
    ids: dataset.samples.map((s) => s.id),
    size,
    ...(spacing ? { spacing } : {}),
    units,
  });
}

/**
 * The pixel size of the model's inputs: each sample's spacing scaled by the crop (or the whole
 * image) over the input side. One spacing for all, so the features are in mm, when every sample
 * has one and they agree to 0.1%; pixels otherwise, saying why.
 */
export function inputSpacing(dataset: Dataset, options: Pick<PrepareOptions, 'size' | 'crop'>): { spacing?: readonly [number, number]; units: string } {
  const scaled = dataset.samples.map((s) => {
    if (!s.spacing) return undefined;
    const [rows, cols] = options.crop !== undefined ? [options.crop, options.crop] : [s.image.height, s.image.width];
    return [(s.spacing[0] * rows) / options.size, (s.spacing[1] * cols) / options.size] as const;
  });
  const missing = scaled.findIndex((s) => s === undefined);
  if (missing >= 0) return { units: `px (sample '${dataset.samples[missing]!.id}' has no pixel spacing)` };
  const first = scaled[0]!;
  const differs = scaled.findIndex((s) => Math.abs(s![0] - first[0]) > 1e-3 * first[0] || Math.abs(s![1] - first[1]) > 1e-3 * first[1]);
  if (differs >= 0) return { units: `px (pixel spacing differs: ${first.map((v) => v.toFixed(3)).join('×')} mm in '${dataset.samples[0]!.id}', ${scaled[differs]!.map((v) => v.toFixed(3)).join('×')} mm in '${dataset.samples[differs]!.id}')` };
  return { spacing: first, units: 'mm' };
}

export interface DataSource {
  /** A manifest (JSON/CSV) or a directory holding manifest.json or manifest.csv; undefined: the phantom. */
  readonly data?: string;
  readonly phantom?: PhantomOptions;
  /** How a manifest's images and masks are read: clip ±Infinity pixels, binarise grey masks above a threshold. */
  readonly manifest?: ManifestOptions;
}

/** Loads the phantom (default) or a manifest; a directory is searched for manifest.json / manifest.csv. */
export function loadDataset(source: DataSource): E.Either<DataError, Dataset> {
  if (source.data === undefined) return E.right(phantom(source.phantom));
  let file = source.data;
  if (!existsSync(file)) return E.left(new DataError('missing-file', 'no such file or directory', { file }));
  if (statSync(file).isDirectory()) {
    const found = ['manifest.json', 'manifest.csv'].map((m) => join(file, m)).find((f) => existsSync(f));
    if (!found) return E.left(new DataError('bad-manifest', 'directory has no manifest.json or manifest.csv', { file }));
    file = found;
  }
  return readManifest(file, source.manifest);
}
