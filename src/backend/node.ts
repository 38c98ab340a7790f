/** The backends Node adds to index.ts's: cpu-threads (worker_threads) and wasm (its kernels' file, and the same pool). */
export * from './index.ts';
export {
  disposeThreads, getThreads, setThreads, threadsInfo, ThreadsError, THREADS_BACKEND, type ThreadsConfig, type ThreadsOptions,
} from './threads.ts';
export { disposeWasm, resetWasmCounters, useWasm, wasmInfo, WasmError, WASM_BACKEND, type WasmOptions } from './wasm.ts';
export { wasmEngineProblem, type WasmApi, type WasmEngine, type WasmMemory, type WasmModule } from './wasm-module.ts';
