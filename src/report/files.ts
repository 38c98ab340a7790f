/** report.json and report.html on disk (Node): validated, then each written atomically. */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { renderHtml } from './html.ts';
import { parseReport, REPORT_HTML, REPORT_JSON, stringifyReport } from './index.ts';
import { validateReport, type ReportJson } from './schema.ts';

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
  return parseReport(text, file);
};
