/** `fgflow explore`: the explorer page for a report's models or for checkpoints. */
import { dirname } from 'node:path';
import { collectExplorerData } from '../../explorer/collect.ts';
import { writeExplorer } from '../../explorer/write.ts';
import { ExperimentError } from '../../experiment/errors.ts';

export interface ExploreCommandOptions {
  readonly from?: string;
  readonly checkpoint?: readonly string[];
  readonly out?: string;
  readonly images?: number;
}

/** Writes explorer.html into `--out` (default: beside the report.json or the first checkpoint); returns its path. */
export async function exploreCommand(options: ExploreCommandOptions): Promise<string> {
  if (options.from === undefined && !options.checkpoint?.length) throw new ExperimentError('usage', 'explore needs --from <report.json> or --checkpoint <file...>');
  if (options.images !== undefined && options.images < 1) throw new ExperimentError('usage', `--images must be at least 1, got ${options.images}`);
  const payload = await collectExplorerData({
    ...(options.from !== undefined ? { report: options.from } : {}),
    ...(options.checkpoint ? { checkpoints: options.checkpoint } : {}),
    ...(options.images !== undefined ? { images: options.images } : {}),
  });
  return writeExplorer(payload, options.out ?? dirname(options.from ?? options.checkpoint![0]!));
}
