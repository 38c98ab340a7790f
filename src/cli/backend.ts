/**
 * --backend: where the kernels run. `wasm` (the default where the engine has WebAssembly SIMD)
 * runs the hot kernels as SIMD WebAssembly on all cores and rounds like float32; cpu-threads gives
 * the same bits as cpu on all cores; gpu.js computes in float32. A wasm backend that cannot start
 * says why in the log line, and the run continues on cpu-threads.
 */
import { availableParallelism } from 'node:os';
import {
  backendInfo, disposeGpujs, disposeThreads, disposeWasm, setBackend, setThreads, THREADS_BACKEND, useGpujs, useWasm, WASM_BACKEND, wasmEngineProblem,
  type GpujsMode,
} from '../backend/node.ts';

export type BackendChoice = 'wasm' | 'cpu-threads' | 'cpu' | 'gpujs';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['wasm', 'cpu-threads', 'cpu', 'gpujs'];

/** wasm where WebAssembly SIMD exists, else cpu-threads. */
export function defaultBackend(): BackendChoice {
  return wasmEngineProblem() === null ? 'wasm' : 'cpu-threads';
}

export interface SelectedBackend {
  /** One line for the log: what runs, and why it differs from what was asked. */
  readonly note: string;
  /** What runs, in words, for the report. */
  readonly description: string;
  /** Backends that give the same bits share a class: results of different classes never mix. */
  readonly numerics: string;
  /** Threads each of `parallel` worker processes should use so that they share the cores. */
  threadsPerWorker(parallel: number): number;
  dispose(): Promise<void>;
}

const oneEach = () => 1;
const shareCores = (k: number) => Math.max(1, Math.floor(availableParallelism() / k));

function threadCount(): string {
  const threads = (backendInfo(THREADS_BACKEND).details as { threads?: number } | undefined)?.threads ?? 1;
  return `${threads} thread${threads === 1 ? '' : 's'}`;
}

function useThreads(prefix = ''): SelectedBackend {
  setBackend(THREADS_BACKEND);
  const info = backendInfo();
  const description = `cpu-threads, ${threadCount()}${info.reason ? ` (${info.reason})` : ''}`;
  return { note: `${prefix}backend: ${description}`, description, numerics: 'cpu', threadsPerWorker: shareCores, dispose: disposeThreads };
}

function useWasmBackend(threads?: number): SelectedBackend {
  // a job worker's share of the cores: the wasm kernels split over as many threads as its pool has
  if (threads !== undefined) useWasm({ threads, select: false });
  setBackend(WASM_BACKEND);
  const info = backendInfo();
  if (info.actual === 'cpu') return useThreads(`backend: wasm cannot start (${info.reason}); `);
  const description = `wasm, ${info.actual}${info.reason ? ` (${info.reason})` : ''}`;
  return {
    note: `backend: ${description}`,
    description,
    numerics: 'wasm',
    threadsPerWorker: shareCores,
    dispose: async () => {
      disposeWasm();
      await disposeThreads();
    },
  };
}

export async function selectBackend(name: BackendChoice, mode: GpujsMode = 'auto', threads?: number): Promise<SelectedBackend> {
  if (threads !== undefined && (name === 'wasm' || name === 'cpu-threads')) setThreads(threads);
  if (name === 'wasm') return useWasmBackend(threads);
  if (name === 'cpu-threads') return useThreads();
  if (name === 'gpujs') {
    const info = useGpujs({ mode });
    const description = `gpu.js, requested ${info.requested}, running ${info.actual}${info.reason ? ` (${info.reason})` : ''}`;
    return { note: `backend: ${description}`, description, numerics: `gpujs-${info.actual}`, threadsPerWorker: oneEach, dispose: disposeGpujs };
  }
  setBackend('cpu');
  return { note: 'backend: cpu, 1 thread', description: 'cpu, 1 thread', numerics: 'cpu', threadsPerWorker: oneEach, dispose: async () => {} };
}
