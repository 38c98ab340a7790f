/**
 * Manifests pairing images with masks and labels, loaded as a Dataset (see manifest-entries.ts
 * for the file formats and the fields).
 *
 * Each file is loaded by extension (see image.ts). Masks must be binary (0 and one positive
 * value) unless `maskThreshold` is given; pixels must be finite unless `nonFinite: 'clip'`
 * (which clips ±Infinity only). Each sample appears once: a repeated row, or an id that two
 * rows share (ids default to the image file name), is an error rather than a renamed copy.
 *
 * Validation: missing files, unreadable files, non-finite pixels, grey masks, image/mask size
 * mismatch, labels other than 0/1, empty masks, repeated samples or ids, an empty manifest and
 * (unless `requireBothClasses: false`) a dataset with one class. Every problem in the manifest
 * is collected; the first is returned with the rest in `related`. Nothing partial is returned.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { classCounts, withRelated } from './dataset.ts';
import { DataError, describeThrown, fail, guard, orThrow } from './errors.ts';
import { checkFinitePixels, type PixelOptions } from './finite.ts';
import { readImageFile, readMaskFile } from './files.ts';
import { MANIFEST_FIELDS, readManifestEntries, type EntryReadOptions, type ManifestEntry } from './manifest-entries.ts';
import type { MaskOptions } from './mask.ts';
import { excerpt } from './text.ts';
import type { Dataset, Image2D, Sample } from './types.ts';

export { MANIFEST_FIELDS, parseCsv, readManifestEntries } from './manifest-entries.ts';
export type { EntryReadOptions, ManifestEntries, ManifestEntry } from './manifest-entries.ts';

export interface ManifestOptions extends EntryReadOptions, PixelOptions, MaskOptions {
  /** Require both classes (default true). */
  readonly requireBothClasses?: boolean;
  /** Accept all-zero masks (default false). */
  readonly allowEmptyMask?: boolean;
}

const inRow = (e: DataError, manifest: string, row: string): DataError =>
  new DataError(e.code, `${e.message} (manifest ${manifest}, ${row})`, {
    ...(e.file !== undefined ? { file: e.file } : {}),
    cause: e,
  });

/** Remembers which row first used each sample (files and indices) and each id. */
class UniqueSamples {
  private readonly byFiles = new Map<string, string>();
  private readonly byId = new Map<string, string>();

  constructor(readonly manifest: string) {}

  /** The error for a row that repeats an earlier sample or id; undefined (and remembered) otherwise. */
  claim(entry: ManifestEntry, id: string, row: string): DataError | undefined {
    const files = JSON.stringify([entry.image, entry.imageIndex ?? null, entry.mask, entry.maskIndex ?? null]);
    const sameFiles = this.byFiles.get(files);
    if (sameFiles !== undefined)
      return new DataError('duplicate', `${this.manifest} ${row}: repeats ${sameFiles} (image ${entry.image}, mask ${entry.mask}); each sample may appear once`, { file: this.manifest });
    const sameId = this.byId.get(id);
    if (sameId !== undefined) {
      const why = entry.id === undefined ? '; without an id column, ids are the image file names: give each row an id' : '';
      return new DataError('duplicate', `${this.manifest} ${row}: id ${excerpt(id)} is already the id of ${sameId}; ids must be unique${why}`, { file: this.manifest });
    }
    this.byFiles.set(files, row);
    this.byId.set(id, row);
    return undefined;
  }
}

/** The image with the entry's slope and intercept applied, checked again (a large slope overflows float32). */
const rescaled = (image: Image2D, entry: ManifestEntry, options: PixelOptions): E.Either<DataError, Image2D> => {
  const slope = entry.imageSlope ?? 1;
  const intercept = entry.imageIntercept ?? 0;
  if (slope === 1 && intercept === 0) return E.right(image);
  const data = Float32Array.from(image.data, (v) => v * slope + intercept);
  return checkFinitePixels({ width: image.width, height: image.height, data }, `${entry.image} after imageSlope ${slope} and imageIntercept ${intercept}`, entry.image, options.nonFinite);
};

/** [row, column] mm: the manifest's columns, else what the file says (DICOM PixelSpacing, NIfTI pixdim). */
const spacingOf = (entry: ManifestEntry, loaded: E.Either<DataError, Image2D>): readonly [number, number] | undefined => {
  if (entry.rowSpacing !== undefined && entry.columnSpacing !== undefined) return [entry.rowSpacing, entry.columnSpacing];
  if (E.isLeft(loaded)) return undefined;
  const file = loaded.right as Image2D & { pixelSpacing?: readonly [number, number]; dims?: readonly number[] };
  if (!file.pixelSpacing || !file.pixelSpacing.every((s) => Number.isFinite(s) && s > 0)) return undefined;
  // NIfTI's pixdim is [i, j] = [column, row]; DICOM's PixelSpacing is already [row, column].
  return file.dims !== undefined ? [file.pixelSpacing[1], file.pixelSpacing[0]] : file.pixelSpacing;
};

/** Load one entry's image and mask as a sample, or every problem with them. */
const loadEntry = (file: string, entry: ManifestEntry, id: string, row: string, options: ManifestOptions): Sample | DataError[] => {
  const pixels = options.nonFinite !== undefined ? { nonFinite: options.nonFinite } : {};
  const img = readImageFile(entry.image, { ...pixels, ...(entry.imageIndex !== undefined ? { index: entry.imageIndex } : {}) });
  const msk = readMaskFile(entry.mask, {
    ...pixels,
    ...(entry.maskIndex !== undefined ? { index: entry.maskIndex } : {}),
    ...(options.maskThreshold !== undefined ? { maskThreshold: options.maskThreshold } : {}),
  });
  const image = E.isRight(img) ? rescaled(img.right, entry, options) : img;
  const failures = [image, msk].flatMap((r) => (E.isLeft(r) ? [inRow(r.left, file, row)] : []));
  if (E.isLeft(image) || E.isLeft(msk)) return failures;
  const { width, height } = image.right;
  const mask = msk.right;
  if (width !== mask.width || height !== mask.height)
    return [
      new DataError(
        'size-mismatch',
        `${entry.image} is ${width}×${height} but its mask ${entry.mask} is ${mask.width}×${mask.height} (manifest ${file}, ${row})`,
        { file: entry.mask },
      ),
    ];
  if (!options.allowEmptyMask && !mask.data.some((v) => v !== 0))
    return [new DataError('bad-mask', `${entry.mask}: mask is empty (manifest ${file}, ${row})`, { file: entry.mask })];
  const spacing = spacingOf(entry, img);
  return { id, image: image.right, mask, label: entry.label, source: entry.image, ...(spacing ? { spacing } : {}) };
};

/** Load every image and mask a manifest lists, as a Dataset. */
export const readManifest = (file: string, options: ManifestOptions = {}): E.Either<DataError, Dataset> =>
  guard(file, file, () => readManifestUnguarded(file, options));

const readManifestUnguarded = (file: string, options: ManifestOptions): E.Either<DataError, Dataset> => {
  const parsed = readManifestEntries(file, options);
  if (E.isLeft(parsed)) return parsed;
  const { entries, rows } = parsed.right;
  const errors: DataError[] = [];
  const samples: Sample[] = [];
  const unique = new UniqueSamples(file);
  entries.forEach((entry, k) => {
    const row = rows[k]!;
    const id = entry.id ?? path.basename(entry.image).replace(/\.(nii\.gz|[^.]+)$/i, '');
    const repeated = unique.claim(entry, id, row);
    if (repeated) return void errors.push(repeated);
    const loaded = loadEntry(file, entry, id, row, options);
    if (Array.isArray(loaded)) errors.push(...loaded);
    else samples.push(loaded);
  });
  if (errors.length > 0) return E.left(withRelated(errors));
  const { negatives, positives } = classCounts(samples.map((s) => s.label));
  if ((options.requireBothClasses ?? true) && (negatives === 0 || positives === 0))
    return fail(
      'single-class',
      `${file}: manifest has only one class (${negatives} with label 0, ${positives} with label 1); a classifier needs both`,
      file,
    );
  return E.right({
    name: parsed.right.name ?? path.basename(file).replace(/\.[^.]+$/, ''),
    samples,
    description: parsed.right.description ?? `Loaded from manifest ${file} (${samples.length} samples, ${positives} positive)`,
  });
};

export const readManifestOrThrow = (file: string, options: ManifestOptions = {}): Dataset => orThrow(readManifest(file, options));

/** Write a manifest (JSON or CSV by extension) listing entries; paths are written as given. */
export const writeManifest = (file: string, entries: readonly ManifestEntry[]): E.Either<DataError, void> => {
  try {
    if (file.toLowerCase().endsWith('.csv')) {
      const q = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
      const lines = [MANIFEST_FIELDS.join(',')];
      for (const e of entries)
        lines.push(
          [
            e.id ?? '',
            e.image,
            e.mask,
            String(e.label),
            e.imageIndex?.toString() ?? '',
            e.maskIndex?.toString() ?? '',
            e.imageSlope?.toString() ?? '',
            e.imageIntercept?.toString() ?? '',
            e.rowSpacing?.toString() ?? '',
            e.columnSpacing?.toString() ?? '',
          ]
            .map(q)
            .join(','),
        );
      fs.writeFileSync(file, lines.join('\n') + '\n');
    } else {
      fs.writeFileSync(file, JSON.stringify({ samples: entries }, null, 2) + '\n');
    }
    return E.right(undefined);
  } catch (e) {
    return fail('write-failed', `cannot write manifest ${file}: ${describeThrown(e)}`, file, e);
  }
};
