/** `fgflow report --from report.json`: re-renders report.html from a saved report (or a demo report). */
import * as E from 'fp-ts/lib/Either.js';
import { dirname } from 'node:path';
import { readReport, sampleReport, writeReport } from '../../report/index.ts';
import { CliError } from '../errors.ts';

export interface ReportCommandOptions {
  readonly from?: string;
  readonly out?: string;
  readonly demo?: boolean;
}

export async function renderReportCommand(options: ReportCommandOptions): Promise<{ json: string; html: string }> {
  if (options.demo) return writeReport(sampleReport(), options.out ?? './fgflow-report');
  if (!options.from) throw new CliError('usage', 'report needs --from report.json (or --demo)');
  const read = await readReport(options.from);
  if (E.isLeft(read)) throw new CliError('bad-report', `${options.from} is not a valid report:\n  - ${read.left.join('\n  - ')}`);
  return writeReport(read.right, options.out ?? dirname(options.from));
}
