/**
 * From a data-layer Dataset (images in HU, masks) to model inputs: CT window to [0, 1],
 * crop around the tumour and resize to the model's size, stacked as [N, 2, S, S]
 * (channel 0 the windowed CT, channel 1 the mask, as in PAPER.md [ours]).
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
  return E.right({
    dataset,
    x: Tensor.fromBuffer([n, 2, size, size] as const, 'f32', buf) as PreparedData['x'],
    labels: dataset.samples.map((s) => s.label),
    ids: dataset.samples.map((s) => s.id),
    size,
  });
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
