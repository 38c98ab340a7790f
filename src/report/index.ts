/**
 * The report layer: `report.json` (validated, versioned) and a self-contained `report.html`, as
 * text (no Node built-ins: a browser renders a report too); files.ts writes them, atomically.
 */
import * as E from 'fp-ts/lib/Either.js';
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

/** Parse and validate the text of a report.json; Left lists the problems, each prefixed with `file`. */
export const parseReport = (text: string, file: string): E.Either<string[], ReportJson> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return E.left([`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`]);
  }
  return E.mapLeft((problems: string[]) => problems.map((p) => `${file}: ${p}`))(validateReport(parsed));
};
