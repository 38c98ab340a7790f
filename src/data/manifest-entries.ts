/**
 * A manifest's rows as checked entries, before any image is loaded.
 *
 * JSON: either an array of entries or `{ "name"?, "description"?, "samples": [...] }`.
 * CSV (or TSV): a header row naming the columns, then one entry per line (RFC 4180 quoting;
 * blank lines and lines starting with '#' are skipped), streamed through csv-parse.
 *
 * Every field name must be one of MANIFEST_FIELDS: a typo such as `imageIntercpt` would
 * otherwise be ignored and silently change every image, so it is an error that suggests the
 * nearest known name. Text quoted from the file is escaped and shortened.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { peekText, readCsvRecords, readJsonText, type ChunkSource, type CsvRecord } from './csv.ts';
import { withRelated } from './dataset.ts';
import { DataError, describeThrown, fail } from './errors.ts';
import { escapeText, excerpt, unknownNameHint } from './text.ts';

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
  /** Pixel size in mm: between rows and between columns (DICOM's PixelSpacing order). */
  readonly rowSpacing?: number;
  readonly columnSpacing?: number;
}

/** The fields (CSV columns, JSON keys) an entry may have. */
export const MANIFEST_FIELDS = ['id', 'image', 'mask', 'label', 'imageIndex', 'maskIndex', 'imageSlope', 'imageIntercept', 'rowSpacing', 'columnSpacing'] as const;
const REQUIRED_FIELDS = ['image', 'mask', 'label'] as const;
/** The keys a JSON manifest object may have around its entries. */
const JSON_DOCUMENT_KEYS = ['name', 'description', 'samples', 'entries'] as const;

export interface EntryReadOptions {
  /** 'json' or 'csv'; default from the extension (.json, .csv, .tsv), else by content. */
  readonly format?: 'json' | 'csv';
  /** [ours] Longest CSV line in bytes (default 65,536); a longer one is an error, read no further. */
  readonly maxLineBytes?: number;
}

interface RawRow {
  readonly row: string; // "entry 3" or "line 5"
  readonly fields: Readonly<Record<string, unknown>>;
}

interface RawManifest {
  readonly rows: RawRow[];
  readonly name?: string;
  readonly description?: string;
}

const isKnownField = (k: string): boolean => (MANIFEST_FIELDS as readonly string[]).includes(k);

/** One error per distinct unknown key, naming where it first occurs and how often. */
const unknownKeyErrors = (file: string, rows: readonly RawRow[], what: string): DataError[] => {
  const seen = new Map<string, { first: string; count: number }>();
  for (const { row, fields } of rows)
    for (const k of Object.keys(fields)) {
      if (isKnownField(k)) continue;
      const s = seen.get(k);
      if (s) s.count++;
      else seen.set(k, { first: row, count: 1 });
    }
  return [...seen].map(
    ([k, { first, count }]) =>
      new DataError(
        'bad-manifest',
        `${file}: unknown ${what} ${excerpt(k)} in ${first}${count > 1 ? ` and ${count - 1} more` : ''} (${unknownNameHint(k, MANIFEST_FIELDS)})`,
        { file },
      ),
  );
};

const jsonRows = (file: string, text: string): E.Either<DataError, RawManifest> => {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail('bad-manifest', `${file}: invalid JSON (${escapeText(describeThrown(e), 120)})`, file, e);
  }
  const o = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  const entries: unknown = Array.isArray(doc) ? doc : (o?.['samples'] ?? o?.['entries']);
  if (!Array.isArray(entries))
    return fail('bad-manifest', `${file}: a JSON manifest must be an array of entries or an object with a "samples" array`, file);
  const extra = o ? Object.keys(o).filter((k) => !(JSON_DOCUMENT_KEYS as readonly string[]).includes(k)) : [];
  if (extra.length > 0)
    return fail('bad-manifest', `${file}: unknown key ${excerpt(extra[0]!)} in the manifest object (${unknownNameHint(extra[0]!, JSON_DOCUMENT_KEYS)})`, file);
  const rows: RawRow[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e: unknown = entries[i];
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return fail('bad-manifest', `${file}: entry ${i} is not an object`, file);
    rows.push({ row: `entry ${i}`, fields: e as Record<string, unknown> });
  }
  const unknown = unknownKeyErrors(file, rows, 'field');
  if (unknown.length > 0) return E.left(withRelated(unknown));
  const name = typeof o?.['name'] === 'string' ? o['name'] : undefined;
  const description = typeof o?.['description'] === 'string' ? o['description'] : undefined;
  return E.right({ rows, ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}) });
};

/** The header's problems: unknown names (with the nearest known one), repeats, missing required columns. */
const headerErrors = (file: string, header: CsvRecord): DataError[] => {
  const cols = header.cells;
  const at = `CSV header (line ${header.line})`;
  // An unknown name usually explains a missing one ('img' for 'image'): report it alone.
  const unknown = unknownKeyErrors(file, [{ row: at, fields: Object.fromEntries(cols.map((c) => [c, true])) }], 'column');
  if (unknown.length > 0) return unknown;
  const repeated = cols.find((c, i) => cols.indexOf(c) !== i);
  if (repeated !== undefined) return [new DataError('bad-manifest', `${file}: ${at} names the column ${excerpt(repeated)} twice`, { file })];
  return REQUIRED_FIELDS.filter((req) => !cols.includes(req)).map(
    (req) => new DataError('bad-manifest', `${file}: ${at} lacks a '${req}' column (has: ${cols.map((c) => excerpt(c)).join(', ')})`, { file }),
  );
};

const csvRows = (file: string, source: ChunkSource, maxLineBytes: number | undefined): E.Either<DataError, RawManifest> => {
  const records = readCsvRecords(source, file, file, maxLineBytes !== undefined ? { maxLineBytes } : {});
  if (E.isLeft(records)) return records;
  const [header, ...body] = records.right;
  if (header === undefined) return E.right({ rows: [] });
  const problems = headerErrors(file, header);
  if (problems.length > 0) return E.left(withRelated(problems));
  const cols = header.cells;
  const rows: RawRow[] = [];
  for (const { cells, line } of body) {
    if (cells.length !== cols.length)
      return fail('bad-manifest', `${file}: line ${line} has ${cells.length} fields but the header has ${cols.length}`, file);
    rows.push({ row: `line ${line}`, fields: Object.fromEntries(cols.map((c, j) => [c, cells[j]])) });
  }
  return E.right({ rows });
};

const formatOf = (file: string, options: EntryReadOptions): 'json' | 'csv' => {
  if (options.format) return options.format;
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) return 'csv';
  return /^\uFEFF?\s*[[{]/.test(peekText(file)) ? 'json' : 'csv';
};

const readRows = (file: string, options: EntryReadOptions): E.Either<DataError, RawManifest> => {
  const st = statOf(file);
  if (E.isLeft(st)) return st;
  const source = { file };
  if (formatOf(file, options) === 'csv') return csvRows(file, source, options.maxLineBytes);
  const text = readJsonText(source, file, file);
  return E.isLeft(text) ? text : jsonRows(file, text.right);
};

const statOf = (file: string): E.Either<DataError, fs.Stats> => {
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined) return fail('missing-file', `manifest not found: ${file}`, file);
    if (st.isDirectory()) return fail('unreadable', `expected a manifest file but found a directory: ${file}`, file);
    return E.right(st);
  } catch (e) {
    return fail('unreadable', `cannot read manifest ${file}: ${describeThrown(e)}`, file, e);
  }
};

/** A field as it appears in a message: escaped, short, 'nothing' when absent. */
const shown = (v: unknown): string => (v === undefined ? 'nothing' : excerpt(typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))));

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

/** One row's fields as an entry (paths resolved against `dir`), or what is wrong with them. */
const parseEntry = (file: string, dir: string, { row, fields }: RawRow): ManifestEntry | DataError => {
  const bad = (code: 'bad-manifest' | 'bad-label', what: string) => new DataError(code, `${file} ${row}: ${what}`, { file });
  const { image, mask } = fields;
  if (typeof image !== 'string' || image.trim() === '') return bad('bad-manifest', "missing or empty 'image' path");
  if (typeof mask !== 'string' || mask.trim() === '') return bad('bad-manifest', "missing or empty 'mask' path");
  const label = parseLabel(fields['label']);
  if (label === undefined) return bad('bad-label', `label must be 0 or 1, got ${shown(fields['label'])}`);
  const imageIndex = parseIndex(fields['imageIndex']);
  const maskIndex = parseIndex(fields['maskIndex']);
  if (imageIndex === null || maskIndex === null) return bad('bad-manifest', 'imageIndex/maskIndex must be non-negative integers');
  const imageSlope = parseNumber(fields['imageSlope']);
  const imageIntercept = parseNumber(fields['imageIntercept']);
  if (imageSlope === null || imageIntercept === null) return bad('bad-manifest', 'imageSlope/imageIntercept must be finite numbers');
  const rowSpacing = parseNumber(fields['rowSpacing']);
  const columnSpacing = parseNumber(fields['columnSpacing']);
  if (rowSpacing === null || columnSpacing === null || (rowSpacing ?? 1) <= 0 || (columnSpacing ?? 1) <= 0 || (rowSpacing === undefined) !== (columnSpacing === undefined))
    return bad('bad-manifest', `rowSpacing and columnSpacing must both be given as positive numbers (mm), or neither; got ${shown(fields['rowSpacing'])} and ${shown(fields['columnSpacing'])}`);
  const idRaw = fields['id'];
  const id = typeof idRaw === 'string' && idRaw.trim() !== '' ? idRaw.trim() : typeof idRaw === 'number' ? String(idRaw) : undefined;
  return {
    ...(id !== undefined ? { id } : {}),
    image: path.resolve(dir, image.trim()),
    mask: path.resolve(dir, mask.trim()),
    label,
    ...(imageIndex !== undefined ? { imageIndex } : {}),
    ...(maskIndex !== undefined ? { maskIndex } : {}),
    ...(imageSlope !== undefined ? { imageSlope } : {}),
    ...(imageIntercept !== undefined ? { imageIntercept } : {}),
    ...(rowSpacing !== undefined && columnSpacing !== undefined ? { rowSpacing, columnSpacing } : {}),
  };
};

export interface ManifestEntries {
  readonly entries: ManifestEntry[];
  /** Where each entry is in the file ("line 5", "entry 3"), in the order of `entries`. */
  readonly rows: string[];
  readonly name?: string;
  readonly description?: string;
}

/** Parse and check manifest entries without loading any image. */
export const readManifestEntries = (file: string, options: EntryReadOptions = {}): E.Either<DataError, ManifestEntries> => {
  const parsed = readRows(file, options);
  if (E.isLeft(parsed)) return parsed;
  const dir = path.dirname(path.resolve(file));
  const errors: DataError[] = [];
  const entries: ManifestEntry[] = [];
  const rows: string[] = [];
  for (const raw of parsed.right.rows) {
    const entry = parseEntry(file, dir, raw);
    if (entry instanceof DataError) errors.push(entry);
    else {
      entries.push(entry);
      rows.push(raw.row);
    }
  }
  if (errors.length > 0) return E.left(withRelated(errors));
  if (entries.length === 0) return fail('empty-dataset', `${file}: manifest has no entries`, file);
  const { name, description } = parsed.right;
  return E.right({ entries, rows, ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}) });
};

/**
 * Parse CSV text into rows of fields and the line each starts on (RFC 4180 quotes; delimiter ','
 * or tab; blank and '#' lines skipped). Throws a DataError on malformed text.
 */
export const parseCsv = (text: string, delimiter?: string): { rows: string[][]; lines: number[] } => {
  const r = readCsvRecords({ text }, '<CSV text>', undefined, delimiter !== undefined ? { delimiter } : {});
  if (E.isLeft(r)) throw r.left;
  return { rows: r.right.map((x) => [...x.cells]), lines: r.right.map((x) => x.line) };
};
