/** --backend: where the kernels run. cpu-threads gives the same bits as cpu; gpu.js computes in float32 and differs within its rounding. */
import { backendInfo, disposeGpujs, disposeThreads, setBackend, THREADS_BACKEND, useGpujs, type GpujsMode } from '../backend/index.ts';

export interface SelectedBackend {
  /** One line for the log: what runs, and why it differs from what was asked. */
  readonly note?: string;
  dispose(): Promise<void>;
}

export async function selectBackend(name: 'cpu' | 'cpu-threads' | 'gpujs', mode: GpujsMode = 'auto'): Promise<SelectedBackend> {
  if (name === 'cpu-threads') {
    setBackend(THREADS_BACKEND);
    const info = backendInfo();
    const threads = (info.details as { threads?: number } | undefined)?.threads ?? 1;
    return { note: `backend: cpu-threads, ${threads} thread${threads === 1 ? '' : 's'}${info.reason ? ` (${info.reason})` : ''}`, dispose: disposeThreads };
  }
  if (name === 'gpujs') {
    const info = useGpujs({ mode });
    return {
      note: `backend: gpu.js, requested ${info.requested}, running ${info.actual}${info.reason ? ` (${info.reason})` : ''}`,
      dispose: disposeGpujs,
    };
  }
  setBackend('cpu');
  return { dispose: async () => {} };
}
