/**
 * The kernel registry: for each primitive name, the kernels each backend provides.
 * `cpu` is every primitive's own implementation (registered by the primitive table);
 * other backends register overrides for the primitives they accelerate and fall back
 * to `cpu` for the rest, so AD, nn and interp code never change with the backend.
 */
import type { Tensor } from '../tensor/tensor.ts';

export type BackendName = 'cpu' | 'gpujs' | (string & {});
export type KernelImpl = (args: readonly Tensor[], params: any) => Tensor;

const overrides = new Map<BackendName, Map<string, KernelImpl>>();
let current: BackendName = 'cpu';

export function registerKernel(backend: BackendName, primitive: string, impl: KernelImpl): void {
  let table = overrides.get(backend);
  if (!table) overrides.set(backend, (table = new Map()));
  table.set(primitive, impl);
}

export function unregisterBackend(backend: BackendName): void {
  overrides.delete(backend);
}

/** The backend's kernel for a primitive, or undefined when it has none (the caller runs the cpu kernel). */
export function lookupKernel(primitive: string): KernelImpl | undefined {
  if (current === 'cpu') return undefined;
  return overrides.get(current)?.get(primitive);
}

export function getBackend(): BackendName {
  return current;
}

export function setBackend(name: BackendName): void {
  current = name;
}

/** Runs `fn` with `name` as the backend, restoring the previous one afterwards (also on throw). */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  const previous = current;
  current = name;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

export function registeredPrimitives(backend: BackendName): string[] {
  return [...(overrides.get(backend)?.keys() ?? [])];
}
