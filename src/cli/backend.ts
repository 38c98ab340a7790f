/** --backend: where the kernels run. cpu-threads gives the same bits as cpu; gpu.js computes in float32 and differs within its rounding. */
import { availableParallelism } from 'node:os';
import { backendInfo, disposeGpujs, disposeThreads, setBackend, setThreads, THREADS_BACKEND, useGpujs, type GpujsMode } from '../backend/node.ts';

export interface SelectedBackend {
  /** One line for the log: what runs, and why it differs from what was asked. */
  readonly note?: string;
  /** What runs, in words, for the report. */
  readonly description: string;
  /** Backends that give the same bits share a class: results of different classes never mix. */
  readonly numerics: string;
  /** Threads each of `parallel` worker processes should use so that they share the cores. */
  threadsPerWorker(parallel: number): number;
  dispose(): Promise<void>;
}

const oneEach = () => 1;

export async function selectBackend(name: 'cpu' | 'cpu-threads' | 'gpujs', mode: GpujsMode = 'auto', threads?: number): Promise<SelectedBackend> {
  if (name === 'cpu-threads') {
    if (threads !== undefined) setThreads(threads);
    setBackend(THREADS_BACKEND);
    const info = backendInfo();
    const count = (info.details as { threads?: number } | undefined)?.threads ?? 1;
    const description = `cpu-threads, ${count} thread${count === 1 ? '' : 's'}${info.reason ? ` (${info.reason})` : ''}`;
    return { note: `backend: ${description}`, description, numerics: 'cpu', threadsPerWorker: (k) => Math.max(1, Math.floor(availableParallelism() / k)), dispose: disposeThreads };
  }
  if (name === 'gpujs') {
    const info = useGpujs({ mode });
    const description = `gpu.js, requested ${info.requested}, running ${info.actual}${info.reason ? ` (${info.reason})` : ''}`;
    return { note: `backend: ${description}`, description, numerics: `gpujs-${info.actual}`, threadsPerWorker: oneEach, dispose: disposeGpujs };
  }
  setBackend('cpu');
  return { description: 'cpu, 1 thread', numerics: 'cpu', threadsPerWorker: oneEach, dispose: async () => {} };
}
