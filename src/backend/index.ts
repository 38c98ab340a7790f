/**
 * Backend selection. `cpu` (pure TypeScript, one thread) is always there; `cpu-threads` splits
 * the large matmul and convolution calls over worker threads with bit-identical results; `gpujs`
 * runs the hot primitives as gpu.js kernels in the best mode available (see `backendInfo()` for
 * the mode that really runs). Every backend falls back to the cpu kernels for what it does not
 * cover, so model code never changes with the backend. This file holds what a browser can run
 * (cpu, gpujs); node.ts adds cpu-threads, which needs worker_threads.
 */
export {
  backendInfo, describeBackend, getBackend, registeredPrimitives, registerKernel, setBackend, unregisterBackend, withBackend,
  type BackendInfo, type BackendName, type KernelImpl,
} from './registry.ts';
export {
  disposeGpujs, gpujsInfo, gpujsModeUnavailable, GpujsError, GPUJS_BACKEND, GPUJS_MODES, useGpujs,
  type GpujsInfo, type GpujsMode, type GpujsOptions, type GpujsRunMode,
} from './gpujs.ts';
