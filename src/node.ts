/**
 * fgflow for Node: everything `fgflow` has, and what needs Node. `nn`, `data` and `report` are
 * the browser entry's namespaces with their files added (saveCheckpoint / loadCheckpoint; the
 * readers of image files, manifests and MNIST; writeReport / readReport); `experiment` runs the
 * whole pipeline; the cpu-threads backend uses worker_threads.
 */
export * from './index.ts';
export {
  disposeThreads, getThreads, setThreads, threadsInfo, ThreadsError, THREADS_BACKEND, type ThreadsConfig, type ThreadsOptions,
} from './backend/threads.ts';

/** Neural networks, with checkpoints on disk. */
export * as nn from './nn/node.ts';
/** Data, with the readers of files, manifests and MNIST. */
export * as data from './data/node.ts';
/** The report, with writeReport / readReport. */
export * as report from './report/node.ts';
/** The experiment: options, plan, resumable jobs over seeds, paired statistics, the report. */
export * as experiment from './experiment/index.ts';
