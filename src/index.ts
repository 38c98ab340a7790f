/** fgflow: feature gradient flow, typed tensors and composable autodiff in TypeScript. */
export { Tensor, tensor, scalar, fromArray, zeros, ones, full, arange, isTensor, type NestedArray } from './tensor/tensor.ts';
export * as random from './tensor/random.ts';
export type { Key } from './tensor/random.ts';
export { FgflowError, ShapeError, DTypeError, ArgumentError } from './tensor/errors.ts';
export type * from './tensor/shape.ts';
export * from './ad/index.ts';
/**
 * Backends: `setBackend('cpu' | 'cpu-threads' | 'wasm' | 'gpujs')` selects one (an unknown name is a
 * BackendError listing the available ones) and starts it; `backendInfo()` says what really runs.
 */
export {
  availableBackends, backendInfo, BackendError, getBackend, setBackend, withBackend,
  disposeThreads, getThreads, setThreads, ThreadsError, THREADS_BACKEND,
  disposeWasm, useWasm, WasmError, WASM_BACKEND,
  disposeGpujs, GpujsError, GPUJS_BACKEND, useGpujs,
  type BackendInfo, type BackendName, type GpujsMode, type GpujsOptions, type ThreadsOptions, type WasmOptions,
} from './backend/index.ts';
export { FgflowError as BaseError } from './errors.ts';

/** Neural networks: layers, the paper's CNN, losses, metrics, optimisers, training, checkpoints. */
export * as nn from './nn/index.ts';
/** Interpretability: features, S / A / F, noise baseline, alignment reward, attributions. */
export * from './interp/index.ts';
/** Data: the synthetic phantom, loaders (DICOM, NIfTI, PNG, IDX, manifests), windowing, splits. */
export * as data from './data/index.ts';
/** The report: report.json schema and the self-contained report.html. */
export * as report from './report/index.ts';
export { runExperiment, defaultExperimentOptions, type ExperimentOptions } from './cli/experiment.ts';
