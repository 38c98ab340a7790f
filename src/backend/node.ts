/** The backends with worker threads (Node): index.ts's, and cpu-threads. */
export * from './index.ts';
export {
  disposeThreads, getThreads, setThreads, threadsInfo, ThreadsError, THREADS_BACKEND, type ThreadsConfig, type ThreadsOptions,
} from './threads.ts';
