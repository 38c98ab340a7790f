/**
 * `fgflow explain --checkpoint C`: the alignment measures of a trained model on the test split of
 * the data it was trained on (same seed and split), optionally written as a report.
 */
import { readCheckpointHeader, loadCheckpoint, paperCnn, validateCnnConfig, type CnnConfig, type CnnParams } from '../../nn/index.ts';
import * as E from 'fp-ts/lib/Either.js';
import { PAPER_ASSUMPTIONS, PAPER_FIGURES, writeReport, type ModelResult, type ReportJson } from '../../report/index.ts';
import { CliError } from '../errors.ts';
import { examples, loadAndSplit, measureModel, modelResult, reportSettings, type ExperimentOptions, type TrainedModel } from '../experiment.ts';
import type { ProgressSink } from '../progress.ts';

export interface ExplainResult {
  readonly model: ModelResult;
  readonly files?: { readonly json: string; readonly html: string };
}

export async function explainCommand(checkpoint: string, options: ExperimentOptions, out: string | undefined, progress: ProgressSink): Promise<ExplainResult> {
  const header = await readCheckpointHeader(checkpoint);
  const config = validateCnnConfig(header.model);
  if (E.isLeft(config)) throw new CliError('bad-checkpoint', `${checkpoint}: its model config is invalid: ${config.left.message}`);
  const cfg: CnnConfig = config.right;
  const cnn = paperCnn(cfg);
  const data = await loadCheckpoint<CnnParams>(checkpoint, { model: cnn });
  const meta = (header.meta ?? {}) as { name?: string; lambda?: number; kind?: 'none' | 'pointwise' | 'span' };
  const o: ExperimentOptions = { ...options, size: cfg.inputSize };
  const split = loadAndSplit(o);
  const model: TrainedModel = {
    name: meta.name ?? 'model',
    lambda: meta.lambda ?? 0,
    kind: meta.kind ?? 'none',
    cnn,
    params: data.state.params,
    history: data.state.history,
    seconds: 0,
    checkpoint,
  };
  const m = measureModel(model, split, o, progress);
  const result = modelResult(m, o);
  if (!out) return { model: result };
  const report: ReportJson = {
    version: 1,
    createdAt: new Date().toISOString(),
    settings: reportSettings(o, { checkpoint }),
    assumptions: [...PAPER_ASSUMPTIONS],
    data: { name: split.prepared.dataset.name, nTrain: split.trainIndex.length, nTest: split.testIndex.length, positives: split.prepared.labels.filter((l) => l === 1).length },
    models: [result],
    examples: examples(m, split, o),
    paper: PAPER_FIGURES,
    timing: { totalSeconds: m.seconds },
  } as ReportJson;
  return { model: result, files: await writeReport(report, out) };
}
