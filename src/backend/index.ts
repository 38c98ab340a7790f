/**
 * Backend selection, the part a browser can run. `cpu` (pure TypeScript, one thread) is always
 * there; `gpujs` runs the hot primitives as gpu.js kernels in the best mode available. node.ts adds
 * `cpu-threads` (worker threads, bit-identical to cpu) and `wasm` (WebAssembly SIMD kernels on all
 * cores, float32 rounding), which need worker_threads and the kernels' file. `backendInfo()` says
 * what really runs. Every backend falls back to the cpu kernels for what it does not cover, so
 * model code never changes with the backend.
 */
export {
  availableBackends, backendInfo, BackendError, clearKernels, defineBackend, describeBackend, getBackend, registeredPrimitives, registerKernel,
  setBackend, unregisterBackend, withBackend, type BackendInfo, type BackendName, type KernelImpl,
} from './registry.ts';
export {
  disposeGpujs, gpujsInfo, gpujsModeUnavailable, GpujsError, GPUJS_BACKEND, GPUJS_MODES, useGpujs,
  type GpujsInfo, type GpujsMode, type GpujsOptions, type GpujsRunMode,
} from './gpujs.ts';
