/**
 * Labels from a clinical table (CSV): one row per subject, an id column and a label column whose
 * values are 1/0, yes/no, true/false or positive/negative (any case). A subject listed twice, a
 * missing column or an unreadable value is a DataError naming the file and the line.
 */
import * as E from 'fp-ts/lib/Either.js';
import { readCsvRecords } from './csv.ts';
import { DataError, fail } from './errors.ts';
import { excerpt } from './text.ts';

export interface LabelTableOptions {
  readonly idColumn?: string;
  readonly labelColumn?: string;
}

const POSITIVE = new Set(['1', 'yes', 'y', 'true', 'positive', 'pos']);
const NEGATIVE = new Set(['0', 'no', 'n', 'false', 'negative', 'neg']);

/** id → label from a CSV file (columns `id` and `label` unless named). */
export function readLabelTable(file: string, options: LabelTableOptions = {}): E.Either<DataError, Map<string, 0 | 1>> {
  const idColumn = options.idColumn ?? 'id';
  const labelColumn = options.labelColumn ?? 'label';
  const records = readCsvRecords({ file }, file, file);
  if (E.isLeft(records)) return records;
  const [header, ...rows] = records.right;
  if (!header) return fail('empty-dataset', `${file}: the label table is empty`, file);
  const idAt = header.cells.indexOf(idColumn);
  const labelAt = header.cells.indexOf(labelColumn);
  const missing = [idAt < 0 ? idColumn : undefined, labelAt < 0 ? labelColumn : undefined].filter((c) => c !== undefined);
  if (missing.length) return fail('bad-manifest', `${file}: no column ${missing.map((c) => excerpt(c!)).join(' or ')} (the header has ${header.cells.map((c) => excerpt(c)).join(', ')}); name them with --id-column and --label-column`, file);
  const labels = new Map<string, 0 | 1>();
  for (const { cells, line } of rows) {
    const id = (cells[idAt] ?? '').trim();
    const raw = (cells[labelAt] ?? '').trim().toLowerCase();
    if (id === '') continue;
    const label = POSITIVE.has(raw) ? 1 : NEGATIVE.has(raw) ? 0 : undefined;
    if (label === undefined) return fail('bad-label', `${file} line ${line}: ${excerpt(labelColumn)} of ${excerpt(id)} is ${excerpt(raw)}, not 1/0, yes/no, true/false or positive/negative`, file);
    if (labels.has(id)) return fail('duplicate', `${file} line ${line}: subject ${excerpt(id)} is listed twice`, file);
    labels.set(id, label);
  }
  return E.right(labels);
}
