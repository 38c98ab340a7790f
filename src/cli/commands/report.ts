/** `fgflow report`: re-renders report.html from a saved report.json, assembles one from shards, or writes a demo report. */
import * as E from 'fp-ts/lib/Either.js';
import { dirname } from 'node:path';
import { mergeShards, sampleReport, writeReportFiles } from '../../experiment/index.ts';
import { ExperimentError } from '../../experiment/errors.ts';
import { readReport } from '../../report/node.ts';

export interface ReportCommandOptions {
  readonly from?: string;
  readonly merge?: readonly string[];
  readonly out?: string;
  readonly demo?: boolean;
}

export async function renderReportCommand(options: ReportCommandOptions): Promise<{ json: string; html: string }> {
  const given = [options.from !== undefined, options.merge !== undefined, options.demo === true].filter(Boolean).length;
  if (given !== 1) throw new ExperimentError('usage', 'report needs exactly one of --from report.json, --merge DIR…, or --demo');
  if (options.demo) return writeReportFiles(sampleReport(), options.out ?? './fgflow-report');
  if (options.merge) {
    if (!options.out) throw new ExperimentError('usage', 'report --merge needs --out, the folder the merged report goes to');
    return writeReportFiles(await mergeShards(options.merge), options.out);
  }
  const read = await readReport(options.from!);
  if (E.isLeft(read)) throw new ExperimentError('usage', `${options.from} is not a valid report: ${read.left.slice(0, 5).join('; ')}${read.left.length > 5 ? `; and ${read.left.length - 5} more` : ''}`);
  return writeReportFiles(read.right, options.out ?? dirname(options.from!));
}
