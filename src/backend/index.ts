/**
 * Backend selection. `cpu` (pure TypeScript, one thread) is always there; `cpu-threads` splits
 * the large matmul and convolution calls over worker threads with bit-identical results; `wasm`
 * runs the hot primitives as WebAssembly SIMD kernels on all cores (float32 rounding); `gpujs`
 * runs them as gpu.js kernels in the best mode available. `backendInfo()` says what really runs.
 * Every backend falls back to the cpu kernels for what it does not cover, so model code never
 * changes with the backend.
 */
export {
  availableBackends, backendInfo, BackendError, clearKernels, defineBackend, describeBackend, getBackend, registeredPrimitives, registerKernel,
  setBackend, unregisterBackend, withBackend, type BackendInfo, type BackendName, type KernelImpl,
} from './registry.ts';
export {
  disposeThreads, getThreads, setThreads, threadsInfo, ThreadsError, THREADS_BACKEND, type ThreadsConfig, type ThreadsOptions,
} from './threads.ts';
export {
  disposeGpujs, gpujsInfo, gpujsModeUnavailable, GpujsError, GPUJS_BACKEND, useGpujs,
  type GpujsInfo, type GpujsMode, type GpujsOptions, type GpujsRunMode,
} from './gpujs.ts';
export { disposeWasm, resetWasmCounters, useWasm, wasmInfo, WasmError, WASM_BACKEND, type WasmOptions } from './wasm.ts';
export { wasmEngineProblem } from './wasm-module.ts';
