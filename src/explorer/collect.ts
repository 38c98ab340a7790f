/**
 * The explorer's data (Node): the checkpoints of a report's jobs (`<dir>/jobs/<job>/checkpoint.ckpt`
 * beside its report.json) or the checkpoints given, each with test images of the split it was
 * trained with, rebuilt exactly as `fgflow explain` rebuilds them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { exampleRows } from '../experiment/examples.ts';
import { ExperimentError } from '../experiment/errors.ts';
import { channelOf } from '../experiment/measure.ts';
import { loadTrainedCheckpoint, type TrainedCheckpoint } from '../experiment/single.ts';
import { CHECKPOINT_FILE } from '../experiment/train-job.ts';
import { readReport } from '../report/files.ts';
import { bytesToBase64 } from '../report/png.ts';
import { floatsToBytes, type ExplorerImage, type ExplorerModel, type ExplorerPayload } from './payload.ts';

export interface ExplorerSource {
  /** A report.json of `fgflow experiment`: every job checkpoint beside it. */
  readonly report?: string;
  /** Checkpoints of `fgflow train` or of experiment jobs. */
  readonly checkpoints?: readonly string[];
  /** Test images per seed (default 8). */
  readonly images?: number;
}

/** The job checkpoints of the experiment whose report.json is `file`; the report must be valid. */
async function reportCheckpoints(file: string): Promise<string[]> {
  const report = await readReport(file);
  if (E.isLeft(report)) throw new ExperimentError('usage', report.left.join('; '));
  const jobs = join(dirname(file), 'jobs');
  const found = existsSync(jobs) ? readdirSync(jobs).sort().map((job) => join(jobs, job, CHECKPOINT_FILE)).filter((f) => existsSync(f)) : [];
  if (!found.length) throw new ExperimentError('usage', `${file}: no job checkpoints beside it (expected ${join(jobs, '<job>', CHECKPOINT_FILE)})`);
  return found;
}

function imagesOf(t: TrainedCheckpoint, count: number): ExplorerImage[] {
  const cts = channelOf(t.test.x, 0).data as Float32Array;
  const masks = channelOf(t.test.x, 1).data as Float32Array;
  const size = t.data.prepared.size;
  const plane = size * size;
  return exampleRows(t.test.y, count).map((row) => ({
    id: t.ids[row]!,
    label: t.test.y[row]! as 0 | 1,
    seed: t.meta.seed,
    size,
    ct: bytesToBase64(floatsToBytes(cts.subarray(row * plane, (row + 1) * plane))),
    mask: bytesToBase64(floatsToBytes(masks.subarray(row * plane, (row + 1) * plane))),
  }));
}

/** Everything the page needs; the checkpoints must share their measurement settings (features, flow). */
export async function collectExplorerData(source: ExplorerSource): Promise<ExplorerPayload> {
  const files = [...(source.report ? await reportCheckpoints(source.report) : []), ...(source.checkpoints ?? [])];
  if (!files.length) throw new ExperimentError('usage', 'explore needs --from <report.json> or --checkpoint <file>');
  const count = source.images ?? 8;
  const models: ExplorerModel[] = [];
  const images = new Map<string, ExplorerImage>();
  let first: TrainedCheckpoint | undefined;
  for (const file of files) {
    const t = await loadTrainedCheckpoint(file, {}, { out: dirname(file) }, { numerics: 'cpu' });
    first ??= t;
    if (t.options.features.join() !== first.options.features.join() || t.data.prepared.size !== first.data.prepared.size)
      throw new ExperimentError('mismatch', `${file} measures features ${t.options.features.join(',')} at size ${t.data.prepared.size}, ${files[0]} ${first.options.features.join(',')} at ${first.data.prepared.size}: explore them separately`);
    models.push({ name: t.meta.job, lambda: t.meta.lambda, seed: t.meta.seed, checkpoint: bytesToBase64(await readFile(file)) });
    for (const image of imagesOf(t, count)) images.set(`${image.seed}/${image.id}`, image);
  }
  const o = first!.options;
  return {
    format: 'fgflow-explorer',
    version: 1,
    source: source.report ?? files.join(', '),
    features: o.features,
    integrator: o.integrator,
    flowSteps: o.flowSteps,
    prepare: { size: o.size, ...(o.crop !== undefined ? { crop: o.crop } : {}), hounsfield: true },
    models,
    images: [...images.values()],
  };
}
