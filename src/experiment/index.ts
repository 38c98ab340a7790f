/**
 * The experiment as stages: plan (options → data, splits, jobs) → train and measure (one job per
 * (λ, seed), resumable, in this process or in worker processes) → assemble (results → report).
 * The command line only parses options and draws progress; tests and programs call this module.
 */
export { defaultExperimentOptions, validateOptions, parseSeeds, parseShard, type ExperimentOptions, type Shard } from './options.ts';
export { ExperimentError, type ExperimentErrorCode } from './errors.ts';
export { silentProgress, type ProgressSink } from './progress.ts';
export type { JobResult } from './job.ts';
export type { WorkerLauncher } from './runner.ts';
export { INPUT_MODES, type InputMode } from './model.ts';
export { mergeShards } from './merge.ts';
export { sampleReport, type SampleOptions } from './demo.ts';
export { planExperiment, type Environment } from './context.ts';
export { trainOne, explainCheckpoint, explainOnnx, type TrainOneResult, type ExplainResult } from './single.ts';
export { runRecoveryStudy, CAUSES, type StudyResult } from './recovery.ts';

export { runExperiment, writeReportFiles, PLAN_FILE, type ExperimentResult } from './run.ts';
export { serveJobs } from './worker.ts';
export { parseResultFile, RESULT_FILE } from './job.ts';
