/**
 * fgflow: feature gradient flow, typed tensors and composable autodiff in TypeScript.
 *
 * This entry is browser-safe: nothing in its module graph imports a Node built-in, so a bundler
 * for the browser takes it as it is. `fgflow/node` adds what needs Node: files, the loaders of
 * manifests and MNIST, checkpoints on disk, the report writer, the experiment, cpu-threads and
 * wasm. In Node, `import … from 'fgflow'` resolves to `fgflow/node` (package.json's "node" condition).
 */
export { Tensor, tensor, scalar, fromArray, zeros, ones, full, arange, isTensor, type NestedArray } from './tensor/tensor.ts';
export * as random from './tensor/random.ts';
export type { Key } from './tensor/random.ts';
export { FgflowError, ShapeError, DTypeError, ArgumentError } from './tensor/errors.ts';
export type * from './tensor/shape.ts';
export * from './ad/index.ts';
/**
 * Backends: `setBackend('cpu' | 'gpujs')` here, and `'cpu-threads' | 'wasm'` too when Node resolves
 * `fgflow` (its "node" export condition is `fgflow/node`). An unknown name is a BackendError
 * listing the available ones; selecting a backend starts it; `backendInfo()` says what really runs.
 */
export {
  availableBackends, getBackend, setBackend, withBackend, backendInfo, BackendError,
  useGpujs, disposeGpujs, gpujsInfo, gpujsModeUnavailable, GpujsError, GPUJS_BACKEND, GPUJS_MODES,
  type BackendInfo, type BackendName, type GpujsInfo, type GpujsMode, type GpujsOptions, type GpujsRunMode,
} from './backend/index.ts';
export { FgflowError as BaseError } from './errors.ts';

/** Neural networks: layers, the paper's CNN, losses, metrics, optimisers, training, checkpoints as bytes. */
export * as nn from './nn/index.ts';
/** Interpretability: features, S / A / F, noise baseline, alignment reward, attributions. */
export * from './interp/index.ts';
/** Data: the synthetic phantom, decoders of DICOM, NIfTI, PNG and IDX bytes, windowing, splits. */
export * as data from './data/index.ts';
/** The report: report.json schema and the self-contained report.html, as text. */
export * as report from './report/index.ts';
