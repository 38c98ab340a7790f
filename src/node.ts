/**
 * fgflow for Node: everything `fgflow` has, and what needs Node. `nn`, `data` and `report` are
 * the browser entry's namespaces with their files added (saveCheckpoint / loadCheckpoint; the
 * readers of image files, manifests and MNIST; writeReport / readReport); `experiment` runs the
 * whole pipeline; the cpu-threads backend uses worker_threads, and wasm runs its SIMD kernels on the
 * same pool. Node resolves `import … from 'fgflow'` to this entry.
 */
export * from './index.ts';
export {
  disposeThreads, getThreads, setThreads, threadsInfo, ThreadsError, THREADS_BACKEND, type ThreadsConfig, type ThreadsOptions,
  disposeWasm, resetWasmCounters, useWasm, wasmInfo, WasmError, WASM_BACKEND, wasmEngineProblem, type WasmApi, type WasmEngine, type WasmMemory, type WasmModule, type WasmOptions,
} from './backend/node.ts';

/** Neural networks, with checkpoints on disk. */
export * as nn from './nn/node.ts';
/** Data, with the readers of files, manifests and MNIST. */
export * as data from './data/node.ts';
/** The report, with writeReport / readReport. */
export * as report from './report/node.ts';
/** The experiment: options, plan, resumable jobs over seeds, paired statistics, the report. */
export * as experiment from './experiment/index.ts';
