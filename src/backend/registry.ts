/**
 * The kernel registry: for each primitive, the kernels each backend provides. `cpu` is every
 * primitive's own implementation (its `impl`); other backends register overrides for the
 * primitives they accelerate, keyed by the primitive object itself, so a kernel's params are the
 * primitive's own type. A kernel may also decline a call (by returning undefined), and the
 * primitive's cpu kernel runs it: AD, nn and interp code never change with the backend.
 */
import type { Aval, Primitive } from '../ad/primitive.ts';
import { FgflowError } from '../tensor/errors.ts';
import { setSharedAllocation, type Tensor } from '../tensor/tensor.ts';

export type BackendName = 'cpu' | 'cpu-threads' | 'wasm' | 'gpujs' | (string & {});

/** A backend name that is not registered (the message lists the available ones). */
export class BackendError extends FgflowError {
  constructor(message: string) {
    super('backend', message);
  }
}
/**
 * A backend's kernel for a primitive with params P; `out` is the aval the shape rule computed.
 * Returning undefined declines the call (too small, f64, …) and the cpu kernel runs it.
 */
export type KernelImpl<P> = (args: readonly Tensor[], params: P, out: Aval) => Tensor | undefined;

// Each entry pairs a primitive with a kernel of its own params type (registerKernel's signature
// keeps that invariant); `never` is what every KernelImpl<P> is assignable to.
const overrides = new Map<BackendName, Map<Primitive<never>, KernelImpl<never>>>();
let current: BackendName = 'cpu';

export function registerKernel<P>(backend: BackendName, primitive: Primitive<P>, impl: KernelImpl<P>): void {
  let table = overrides.get(backend);
  if (!table) overrides.set(backend, (table = new Map()));
  table.set(primitive, impl);
}

export function unregisterBackend(backend: BackendName): void {
  overrides.delete(backend);
  describers.delete(backend);
}

/** Removes a backend's kernels (it stays selectable: its primitives then run their cpu kernels). */
export function clearKernels(backend: BackendName): void {
  overrides.delete(backend);
}

/** What selecting a backend starts (loading its kernels, a worker pool, a GPU context): idempotent, and never throws for a backend that cannot start. */
const activators = new Map<BackendName, () => void>();

/** Declares a backend that starts on selection, and how it reports its state. */
export function defineBackend(backend: BackendName, definition: { readonly activate?: () => void; readonly describe?: () => BackendInfo }): void {
  if (definition.activate) activators.set(backend, definition.activate);
  if (definition.describe) describers.set(backend, definition.describe);
}

/** Every selectable backend: cpu, and each that has kernels, a description or an activation. */
export function availableBackends(): BackendName[] {
  return [...new Set<BackendName>(['cpu', ...overrides.keys(), ...describers.keys(), ...activators.keys()])];
}

/** Checks that `name` is a registered backend and starts it. */
function prepare(name: BackendName, op: string): void {
  if (typeof name !== 'string' || !availableBackends().includes(name)) {
    throw new BackendError(`${op}: unknown backend ${JSON.stringify(name)}; available: ${availableBackends().join(', ')}`);
  }
  activators.get(name)?.();
}

/** The backend's kernel for a primitive, or undefined when it has none (the caller runs the cpu kernel). */
export function lookupKernel<P>(primitive: Primitive<P>): KernelImpl<P> | undefined {
  if (current === 'cpu') return undefined;
  return overrides.get(current)?.get(primitive) as KernelImpl<P> | undefined;
}

export function getBackend(): BackendName {
  return current;
}

/** Per backend, the buffer size from which tensors are allocated on shared memory (a threaded backend's wish). */
const sharedAllocation = new Map<BackendName, number>();

export function requestSharedAllocation(backend: BackendName, minElements: number): void {
  sharedAllocation.set(backend, minElements);
  if (backend === current) setSharedAllocation(minElements);
}

function select(name: BackendName): void {
  current = name;
  setSharedAllocation(sharedAllocation.get(name) ?? Infinity);
}

/** Makes `name` the current backend, starting it if needed; an unknown name is a BackendError listing the available ones. */
export function setBackend(name: BackendName): void {
  prepare(name, 'setBackend');
  select(name);
}

/** Runs `fn` with `name` as the backend, restoring the previous one afterwards (also on throw). */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  prepare(name, 'withBackend');
  const previous = current;
  select(name);
  try {
    return fn();
  } finally {
    select(previous);
  }
}

/** The primitives a backend has kernels for, in registration order. */
export function registeredPrimitives(backend: BackendName): Primitive[] {
  return [...(overrides.get(backend)?.keys() ?? [])] as Primitive[];
}

/**
 * What a backend really runs. Backends that can silently degrade (gpu.js picks another mode when
 * the requested one is missing; a worker pool may fail to start) say so here, so benchmarks and
 * reports never attribute a number to the wrong engine.
 */
export interface BackendInfo {
  readonly backend: BackendName;
  /** What the caller asked for (a gpu.js mode, a thread count, or the backend's name). */
  readonly requested: string;
  /** What actually runs; 'cpu' when the backend has no kernels registered. */
  readonly actual: string;
  /** For gpu.js: the class of the kernel that last ran (`kernel.kernel.constructor.name`), null before the first call. */
  readonly kernelClass: string | null;
  /** Why `actual` differs from `requested`, or null when it does not. */
  readonly reason: string | null;
  /** Anything else the backend wants to report (thread counts, call counters). */
  readonly details?: Readonly<Record<string, unknown>>;
}

const describers = new Map<BackendName, () => BackendInfo>();

/** Lets a backend report its state through `backendInfo`. */
export function describeBackend(backend: BackendName, describe: () => BackendInfo): void {
  describers.set(backend, describe);
}

/** The state of `backend` (the current one by default). */
export function backendInfo(backend: BackendName = current): BackendInfo {
  const describe = describers.get(backend);
  if (describe) return describe();
  if (backend === 'cpu') return { backend, requested: 'cpu', actual: 'cpu', kernelClass: null, reason: null };
  const registered = overrides.get(backend)?.size ?? 0;
  return {
    backend,
    requested: backend,
    actual: registered > 0 ? backend : 'cpu',
    kernelClass: null,
    reason: registered > 0 ? null : `no kernels are registered for backend '${backend}': every primitive runs its cpu kernel`,
  };
}
