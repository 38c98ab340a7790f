/** --backend: which kernels run (the computations and results do not change, only where they run). */
import { setBackend } from '../backend/registry.ts';

export interface SelectedBackend {
  readonly note?: string;
  dispose(): Promise<void>;
}

export async function selectBackend(name: 'cpu' | 'cpu-threads' | 'gpujs', _mode: string): Promise<SelectedBackend> {
  setBackend('cpu');
  return { dispose: async () => {} };
}
