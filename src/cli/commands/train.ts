/** `fgflow train`: one model (λ = 0 is plain BCE) on the data's train split, checkpointed in --out. */
import { mkdirSync } from 'node:fs';
import { loadAndSplit, trainModel, type ExperimentOptions } from '../experiment.ts';
import { predict, scoreLogits, type SplitMetrics } from '../../nn/index.ts';
import type { ProgressSink } from '../progress.ts';

export interface TrainCommandResult {
  readonly name: string;
  readonly checkpoint: string;
  readonly seconds: number;
  readonly test: SplitMetrics;
  readonly history: readonly unknown[];
}

export async function trainCommand(options: ExperimentOptions, lambda: number, progress: ProgressSink): Promise<TrainCommandResult> {
  mkdirSync(options.out, { recursive: true });
  const split = loadAndSplit(options);
  const model = await trainModel({ lambda, options, split, checkpointDir: options.out, progress });
  const test = scoreLogits(predict(model.cnn, model.params, split.test.x), split.test.y);
  return { name: model.name, checkpoint: model.checkpoint, seconds: model.seconds, test, history: model.history };
}
