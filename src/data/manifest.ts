/**
 * Manifests pairing images with masks and labels.
 *
 * JSON: either an array of entries or `{ "name"?, "description"?, "samples": [...] }`.
 * CSV (or TSV): a header row naming the columns, then one entry per line
 * (RFC 4180 quoting; blank lines and lines starting with '#' are skipped).
 *
 * Entry fields: `image` and `mask` (paths, relative ones resolved against the
 * manifest's folder), `label` (0 or 1), optional `id`, `imageIndex` and
 * `maskIndex` (DICOM frame / NIfTI slice / IDX image; e.g. the segment frame
 * of a DICOM SEG), `imageSlope` / `imageIntercept` (applied to the loaded
 * image, for formats that do not carry a rescale, e.g. PNGs storing HU + 1024).
 * Each file is loaded by extension (see image.ts); masks are binarized
 * (value > 0 → 1).
 *
 * Validation: missing files, unreadable files, image/mask size mismatch,
 * labels other than 0/1, empty masks, an empty manifest and (unless
 * `requireBothClasses: false`) a dataset with one class. Every problem in the
 * manifest is collected; the first is returned with the rest in `related`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { classCounts, withRelated } from './dataset.ts';
import { DataError, describeThrown, fail, guard, orThrow } from './errors.ts';
import { readImageFile, readMaskFile } from './image.ts';
import type { Dataset, Sample } from './types.ts';

export interface ManifestEntry {
  readonly id?: string;
  readonly image: string;
  readonly mask: string;
  readonly label: 0 | 1;
  readonly imageIndex?: number;
  readonly maskIndex?: number;
  /** Applied to the loaded image: value · imageSlope + imageIntercept (e.g. a 16-bit PNG holding HU + 1024: intercept −1024). */
  readonly imageSlope?: number;
  readonly imageIntercept?: number;
}

export interface ManifestOptions {
  /** Require both classes (default true). */
  readonly requireBothClasses?: boolean;
  /** Accept all-zero masks (default false). */
  readonly allowEmptyMask?: boolean;
  /** 'json' or 'csv'; default from the extension (.json, .csv, .tsv), else by content. */
  readonly format?: 'json' | 'csv';
}

interface RawRow {
  readonly row: string; // "entry 3" or "line 5"
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Parse CSV text into rows of fields (RFC 4180 quotes; delimiter ',' or tab). */
export const parseCsv = (text: string, delimiter?: string): { rows: string[][]; lines: number[] } => {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = src.split(/\r?\n/, 1)[0] ?? '';
  const d = delimiter ?? (firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',');
  const rows: string[][] = [];
  const lines: number[] = [];
  let field = '';
  let row: string[] = [];
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  let sawAny = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (inQuotes) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field.length === 0) {
      inQuotes = true;
      sawAny = true;
    } else if (c === d) {
      row.push(field);
      field = '';
      sawAny = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      lines.push(rowLine);
      row = [];
      field = '';
      sawAny = false;
      line++;
      rowLine = line;
    } else {
      field += c;
      sawAny = true;
    }
  }
  if (sawAny || field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
    lines.push(rowLine);
  }
  return { rows, lines };
};

const readManifestRows = (
  file: string,
  text: string,
  format: 'json' | 'csv',
): E.Either<DataError, { rows: RawRow[]; name?: string; description?: string }> => {
  if (format === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      return fail('bad-manifest', `${file}: invalid JSON (${describeThrown(e)})`, file, e);
    }
    let entries: unknown;
    let name: string | undefined;
    let description: string | undefined;
    if (Array.isArray(doc)) entries = doc;
    else if (typeof doc === 'object' && doc !== null) {
      const o = doc as Record<string, unknown>;
      entries = o['samples'] ?? o['entries'];
      if (typeof o['name'] === 'string') name = o['name'];
      if (typeof o['description'] === 'string') description = o['description'];
    }
    if (!Array.isArray(entries))
      return fail('bad-manifest', `${file}: a JSON manifest must be an array of entries or an object with a "samples" array`, file);
    const rows: RawRow[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e: unknown = entries[i];
      if (typeof e !== 'object' || e === null || Array.isArray(e))
        return fail('bad-manifest', `${file}: entry ${i} is not an object`, file);
      rows.push({ row: `entry ${i}`, fields: e as Record<string, unknown> });
    }
    return E.right({ rows, ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}) });
  }
  const { rows: all, lines } = parseCsv(text);
  const keep: { cells: string[]; line: number }[] = [];
  all.forEach((cells, k) => {
    const joined = cells.join('').trim();
    if (joined === '' || (cells[0] ?? '').trimStart().startsWith('#')) return;
    keep.push({ cells: cells.map((c) => c.trim()), line: lines[k] as number });
  });
  const header = keep.shift();
  if (header === undefined) return E.right({ rows: [] });
  const cols = header.cells.map((c) => c.trim());
  for (const req of ['image', 'mask', 'label'])
    if (!cols.includes(req))
      return fail('bad-manifest', `${file}: CSV header (line ${header.line}) lacks a '${req}' column (has: ${cols.join(', ')})`, file);
  const rows: RawRow[] = [];
  for (const { cells, line } of keep) {
    if (cells.length !== cols.length)
      return fail('bad-manifest', `${file}: line ${line} has ${cells.length} fields but the header has ${cols.length}`, file);
    const fields: Record<string, unknown> = {};
    cols.forEach((c, j) => (fields[c] = cells[j]));
    rows.push({ row: `line ${line}`, fields });
  }
  return E.right({ rows });
};

const parseLabel = (v: unknown): 0 | 1 | undefined => {
  if (v === 0 || v === '0') return 0;
  if (v === 1 || v === '1') return 1;
  return undefined;
};

const parseNumber = (v: unknown): number | undefined | null => {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
  return Number.isFinite(n) ? n : null;
};

const parseIndex = (v: unknown): number | undefined | null => {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : null;
};

/** Parse and check manifest entries without loading any image. */
export const readManifestEntries = (
  file: string,
  options: Pick<ManifestOptions, 'format'> = {},
): E.Either<DataError, { entries: ManifestEntry[]; rows: string[]; name?: string; description?: string }> => {
  let text: string;
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined) return fail('missing-file', `manifest not found: ${file}`, file);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return fail('unreadable', `cannot read manifest ${file}: ${describeThrown(e)}`, file, e);
  }
  const lower = file.toLowerCase();
  const format =
    options.format ??
    (lower.endsWith('.json') ? 'json' : lower.endsWith('.csv') || lower.endsWith('.tsv') ? 'csv' : /^\s*[[{]/.test(text) ? 'json' : 'csv');
  const parsed = readManifestRows(file, text, format);
  if (E.isLeft(parsed)) return parsed;
  const dir = path.dirname(path.resolve(file));
  const errors: DataError[] = [];
  const entries: ManifestEntry[] = [];
  const rows: string[] = [];
  for (const { row, fields } of parsed.right.rows) {
    const image = fields['image'];
    const mask = fields['mask'];
    if (typeof image !== 'string' || image.trim() === '') {
      errors.push(new DataError('bad-manifest', `${file} ${row}: missing or empty 'image' path`, { file }));
      continue;
    }
    if (typeof mask !== 'string' || mask.trim() === '') {
      errors.push(new DataError('bad-manifest', `${file} ${row}: missing or empty 'mask' path`, { file }));
      continue;
    }
    const label = parseLabel(fields['label']);
    if (label === undefined) {
      errors.push(
        new DataError('bad-label', `${file} ${row}: label must be 0 or 1, got ${JSON.stringify(fields['label']) ?? 'nothing'}`, {
          file,
        }),
      );
      continue;
    }
    const imageIndex = parseIndex(fields['imageIndex']);
    const maskIndex = parseIndex(fields['maskIndex']);
    if (imageIndex === null || maskIndex === null) {
      errors.push(new DataError('bad-manifest', `${file} ${row}: imageIndex/maskIndex must be non-negative integers`, { file }));
      continue;
    }
    const imageSlope = parseNumber(fields['imageSlope']);
    const imageIntercept = parseNumber(fields['imageIntercept']);
    if (imageSlope === null || imageIntercept === null) {
      errors.push(new DataError('bad-manifest', `${file} ${row}: imageSlope/imageIntercept must be finite numbers`, { file }));
      continue;
    }
    const idRaw = fields['id'];
    const id = typeof idRaw === 'string' && idRaw.trim() !== '' ? idRaw.trim() : typeof idRaw === 'number' ? String(idRaw) : undefined;
    entries.push({
      ...(id !== undefined ? { id } : {}),
      image: path.resolve(dir, image.trim()),
      mask: path.resolve(dir, mask.trim()),
      label,
      ...(imageIndex !== undefined ? { imageIndex } : {}),
      ...(maskIndex !== undefined ? { maskIndex } : {}),
      ...(imageSlope !== undefined ? { imageSlope } : {}),
      ...(imageIntercept !== undefined ? { imageIntercept } : {}),
    });
    rows.push(row);
  }
  if (errors.length > 0) return E.left(withRelated(errors));
  if (entries.length === 0) return fail('empty-dataset', `${file}: manifest has no entries`, file);
  return E.right({
    entries,
    rows,
    ...(parsed.right.name !== undefined ? { name: parsed.right.name } : {}),
    ...(parsed.right.description !== undefined ? { description: parsed.right.description } : {}),
  });
};

const inRow = (e: DataError, manifest: string, row: string): DataError =>
  new DataError(e.code, `${e.message} (manifest ${manifest}, ${row})`, {
    ...(e.file !== undefined ? { file: e.file } : {}),
    cause: e,
  });

/** Load every image and mask a manifest lists, as a Dataset. */
export const readManifest = (file: string, options: ManifestOptions = {}): E.Either<DataError, Dataset> =>
  guard(file, file, () => readManifestUnguarded(file, options));

const readManifestUnguarded = (file: string, options: ManifestOptions): E.Either<DataError, Dataset> => {
  const parsed = readManifestEntries(file, options);
  if (E.isLeft(parsed)) return parsed;
  const { entries, rows } = parsed.right;
  const errors: DataError[] = [];
  const samples: Sample[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, k) => {
    const row = rows[k] as string;
    const img = readImageFile(entry.image, entry.imageIndex !== undefined ? { index: entry.imageIndex } : {});
    const msk = readMaskFile(entry.mask, entry.maskIndex !== undefined ? { index: entry.maskIndex } : {});
    if (E.isLeft(img)) errors.push(inRow(img.left, file, row));
    if (E.isLeft(msk)) errors.push(inRow(msk.left, file, row));
    if (E.isLeft(img) || E.isLeft(msk)) return;
    let image = img.right;
    const mask = msk.right;
    const slope = entry.imageSlope ?? 1;
    const intercept = entry.imageIntercept ?? 0;
    if (slope !== 1 || intercept !== 0) {
      const d = Float32Array.from(image.data, (v) => v * slope + intercept);
      image = { width: image.width, height: image.height, data: d };
    }
    if (image.width !== mask.width || image.height !== mask.height) {
      errors.push(
        new DataError(
          'size-mismatch',
          `${entry.image} is ${image.width}×${image.height} but its mask ${entry.mask} is ${mask.width}×${mask.height} (manifest ${file}, ${row})`,
          { file: entry.mask },
        ),
      );
      return;
    }
    if (!options.allowEmptyMask && !mask.data.some((v) => v !== 0)) {
      errors.push(new DataError('bad-mask', `${entry.mask}: mask is empty (manifest ${file}, ${row})`, { file: entry.mask }));
      return;
    }
    let id = entry.id ?? path.basename(entry.image).replace(/\.(nii\.gz|[^.]+)$/i, '');
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    if (n > 0) id = `${id}#${n}`;
    samples.push({ id, image, mask, label: entry.label, source: entry.image });
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
      const lines = ['id,image,mask,label,imageIndex,maskIndex,imageSlope,imageIntercept'];
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
