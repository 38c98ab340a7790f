/**
 * --backend: where the kernels run. `wasm` (the default where the engine has WebAssembly SIMD)
 * runs the hot kernels as SIMD WebAssembly on all cores and rounds like float32; cpu-threads
 * gives the same bits as cpu on all cores; gpu.js computes in float32. A backend that cannot
 * start says why in the log line, and the run continues on cpu-threads.
 */
import {
  backendInfo, disposeGpujs, disposeThreads, disposeWasm, setBackend, THREADS_BACKEND, useGpujs, WASM_BACKEND, wasmEngineProblem, type GpujsMode,
} from '../backend/index.ts';

export type BackendChoice = 'wasm' | 'cpu-threads' | 'cpu' | 'gpujs';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['wasm', 'cpu-threads', 'cpu', 'gpujs'];

/** wasm where WebAssembly SIMD exists, else cpu-threads. */
export function defaultBackend(): BackendChoice {
  return wasmEngineProblem() === null ? 'wasm' : 'cpu-threads';
}

export interface SelectedBackend {
  /** One line for the log: what runs, and why it differs from what was asked. */
  readonly note: string;
  dispose(): Promise<void>;
}

function threadCount(): string {
  const threads = (backendInfo(THREADS_BACKEND).details as { threads?: number } | undefined)?.threads ?? 1;
  return `${threads} thread${threads === 1 ? '' : 's'}`;
}

function useThreads(prefix = ''): SelectedBackend {
  setBackend(THREADS_BACKEND);
  const info = backendInfo();
  return { note: `${prefix}backend: cpu-threads, ${threadCount()}${info.reason ? ` (${info.reason})` : ''}`, dispose: disposeThreads };
}

export async function selectBackend(name: BackendChoice, mode: GpujsMode = 'auto'): Promise<SelectedBackend> {
  if (name === 'wasm') {
    setBackend(WASM_BACKEND);
    const info = backendInfo();
    if (info.actual === 'cpu') return useThreads(`backend: wasm cannot start (${info.reason}); `);
    return {
      note: `backend: wasm, ${info.actual}${info.reason ? ` (${info.reason})` : ''}`,
      dispose: async () => {
        disposeWasm();
        await disposeThreads();
      },
    };
  }
  if (name === 'cpu-threads') return useThreads();
  if (name === 'gpujs') {
    const info = useGpujs({ mode });
    return {
      note: `backend: gpu.js, requested ${info.requested}, running ${info.actual}${info.reason ? ` (${info.reason})` : ''}`,
      dispose: disposeGpujs,
    };
  }
  setBackend('cpu');
  return { note: 'backend: cpu, 1 thread', dispose: async () => {} };
}
