/**
 * The report layer: `report.json` (validated, versioned) and a self-contained
 * `report.html`, written atomically.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { renderHtml } from './html.ts';
import { validateReport, type ReportJson } from './schema.ts';

export * from './schema.ts';
export { renderHtml, headlineComparison, SECTIONS, type Headline } from './html.ts';
export { html, escapeText, isMarkup, ReportRenderError, type Markup } from './markup.ts';
export { PAPER_ASSUMPTIONS } from './assumptions.ts';

export const REPORT_JSON = 'report.json';
export const REPORT_HTML = 'report.html';

/**
 * JSON text of a report: objects indented by two spaces, arrays of numbers or
 * strings kept on one line (image data would otherwise take a line per pixel).
 */
export const stringifyReport = (report: ReportJson): string => {
  const walk = (v: unknown, indent: string): string => {
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      if (v.every((x) => x === null || typeof x !== 'object')) return `[${v.map((x) => JSON.stringify(x) ?? 'null').join(',')}]`;
      const inner = indent + '  ';
      return `[\n${v.map((x) => inner + walk(x, inner)).join(',\n')}\n${indent}]`;
    }
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
      if (entries.length === 0) return '{}';
      const inner = indent + '  ';
      return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${walk(x, inner)}`).join(',\n')}\n${indent}}`;
    }
    return JSON.stringify(v) ?? 'null';
  };
  return `${walk(report, '')}\n`;
};

/** Write `text` to `file` via a temporary file in the same folder and a rename. */
const writeAtomic = async (file: string, text: string): Promise<void> => {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.writeFile(tmp, text, 'utf8');
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
};

/**
 * Validate `report` and write `report.json` and `report.html` into `outDir`
 * (created if missing), each atomically. Rejects with every validation
 * problem listed when the report is invalid; nothing is written then.
 */
export const writeReport = async (report: ReportJson, outDir: string): Promise<{ json: string; html: string }> => {
  const checked = validateReport(report);
  if (E.isLeft(checked)) {
    throw new Error(`invalid report (${checked.left.length} problem${checked.left.length === 1 ? '' : 's'}):\n  ${checked.left.join('\n  ')}`);
  }
  const html = renderHtml(checked.right);
  await fs.mkdir(outDir, { recursive: true });
  const jsonFile = path.resolve(outDir, REPORT_JSON);
  const htmlFile = path.resolve(outDir, REPORT_HTML);
  await writeAtomic(jsonFile, stringifyReport(checked.right));
  await writeAtomic(htmlFile, html);
  return { json: jsonFile, html: htmlFile };
};

/** Read and validate a report.json; Left lists the problems (including a missing file or bad JSON). */
export const readReport = async (file: string): Promise<E.Either<string[], ReportJson>> => {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    return E.left([code === 'ENOENT' ? `${file}: file not found` : `${file}: cannot read (${e instanceof Error ? e.message : String(e)})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return E.left([`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`]);
  }
  return E.mapLeft((problems: string[]) => problems.map((p) => `${file}: ${p}`))(validateReport(parsed));
};
