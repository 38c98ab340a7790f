/**
 * The `wasm` backend: WebAssembly SIMD kernels (assembly/, built to build/kernels.wasm) for
 * matmul, conv2d and both of its adjoints, average pooling and its adjoint, the large
 * elementwise maps, binary operations, `where`, and sums. Matmul and the convolutions split over
 * the cpu-threads worker pool, each worker running its parts on its own instance of the kernels
 * over the same shared memory. Every f64 call, every call below the size thresholds, and every
 * primitive without a kernel here runs the primitive's TypeScript kernel (the reference).
 *
 * Results equal the reference within float32 rounding: products are summed in f32 (the
 * reference sums in f64), exp and expm1 are polynomials within a few ulps, and +, −, ×, ÷, √,
 * min, max and comparisons are exact. Non-finite values pass through exactly as in the
 * reference: the elementwise kernels follow its branches for NaN, ±Inf and ±0, and matmul and
 * the convolutions, whose padding and tile edges would multiply by zeros the reference never
 * reads, hand any call with a non-finite operand to the reference kernel.
 *
 * Results are views of the shared memory (nothing is copied out); a view's block is freed once
 * the view is collected (wasm-calls.ts), so a result's `data` is valid while the tensor or that
 * array is reachable — copy it (`slice()`) to keep the values beyond that.
 *
 * The backend starts on its first selection (setBackend / withBackend / useWasm). When it cannot
 * (no WebAssembly SIMD, no shared memory, the kernels not built), it says why in backendInfo()
 * and a process warning, and every primitive runs its TypeScript kernel.
 *
 *   wasm.ts          options, start and stop, backendInfo
 *   wasm-kernels.ts  the primitive → kernel table
 *   wasm-calls.ts    one call's use of the memory, the pool split, counters
 *   wasm-work.ts     how a call splits into parts, and one part (workers run it too)
 *   wasm-memory.ts   the heap and the resident copies
 *   wasm-module.ts   finding and instantiating the built kernels
 *   wasm-ops.ts      elementwise operation codes, broadcast runs
 */
import { ArgumentError } from '../tensor/errors.ts';
import { clearKernels, defineBackend, registerKernel, setBackend, type BackendInfo } from './registry.ts';
import { getThreads, threadsInfo } from './threads.ts';
import { counters, FOUR_GIB, state, type Settings } from './wasm-calls.ts';
import { registerWasmKernels } from './wasm-kernels.ts';
import { Residents, WasmHeap } from './wasm-memory.ts';
import { loadKernels } from './wasm-module.ts';

export { WasmError } from './wasm-calls.ts';

export const WASM_BACKEND = 'wasm';

export interface WasmOptions {
  /** Threads for matmul and the convolutions, the calling one included (default: all the pool's, os.availableParallelism()). */
  readonly threads?: number;
  /** Multiply-adds below which matmul and the convolutions run the TypeScript kernel (default 2^12). */
  readonly minWork?: number;
  /** Multiply-adds each thread's part must hold (default 2^20, ≈ 60 µs of work): fewer parts for small calls. */
  readonly minPartWork?: number;
  /** Elements below which elementwise calls, pooling and sums run the TypeScript kernel (default 2^14). */
  readonly elementwiseMinSize?: number;
  /** Bytes the shared memory may grow to (default: the smaller of 4 GiB and half the machine's memory). */
  readonly memoryLimit?: number;
  /** Bytes of resident operand copies kept between calls (default: half of memoryLimit). */
  readonly residentLimit?: number;
  /** The built kernels (default: build/kernels.wasm above this module, or FGFLOW_WASM_KERNELS). */
  readonly kernels?: string;
}

function checkCount(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new ArgumentError('useWasm', `${name} must be an integer >= ${min}, got ${v}`);
}

/**
 * Sets the backend's options and starts it (loading the kernels if needed); with `select` (the
 * default), makes it current. Returns what runs: check `reason` when `actual` is 'cpu'.
 */
export function useWasm(options: WasmOptions & { readonly select?: boolean } = {}): BackendInfo {
  if (typeof options !== 'object' || options === null) throw new ArgumentError('useWasm', `expected an options object, got ${String(options)}`);
  checkCount('threads', options.threads, 1);
  checkCount('minWork', options.minWork, 0);
  checkCount('minPartWork', options.minPartWork, 0);
  checkCount('elementwiseMinSize', options.elementwiseMinSize, 0);
  checkCount('memoryLimit', options.memoryLimit, 1 << 20);
  checkCount('residentLimit', options.residentLimit, 0);
  if (options.memoryLimit !== undefined && options.memoryLimit > FOUR_GIB) throw new ArgumentError('useWasm', `memoryLimit must be at most ${FOUR_GIB} (4 GiB less a page), got ${options.memoryLimit}`);
  const next: Settings = { ...state.settings };
  for (const key of ['threads', 'minWork', 'minPartWork', 'elementwiseMinSize', 'memoryLimit', 'residentLimit'] as const) {
    const v = options[key];
    if (v !== undefined) next[key] = v;
  }
  if (options.memoryLimit !== undefined && options.residentLimit === undefined) next.residentLimit = Math.floor(next.memoryLimit / 2);
  if (options.kernels !== undefined) next.kernels = options.kernels;
  const restart = next.kernels !== state.settings.kernels || next.memoryLimit !== state.settings.memoryLimit || next.residentLimit !== state.settings.residentLimit;
  state.settings = next;
  if (restart) disposeWasm();
  start();
  if (options.select ?? true) setBackend(WASM_BACKEND);
  return wasmInfo();
}

/** Loads the kernels unless they run or failed; records why when they cannot start. */
function start(): void {
  if (state.running || state.failure !== null) return;
  const loaded = loadKernels(state.settings.kernels);
  if (typeof loaded === 'string') {
    state.failure = loaded;
    clearKernels(WASM_BACKEND);
    warn(`fgflow: the wasm backend cannot start (${loaded}); every primitive runs its TypeScript kernel`);
    return;
  }
  const heap = new WasmHeap(loaded.memory, state.settings.memoryLimit);
  state.running = { loaded, heap, residents: new Residents(heap, state.settings.residentLimit), setupKey: `wasm:${++state.loads}`, scratch: [], handedOut: 0 };
  registerKernels();
}

function warn(message: string): void {
  const p = (globalThis as { process?: { emitWarning?: (m: string) => void } }).process;
  if (p?.emitWarning) p.emitWarning(message);
  else console.warn(message);
}

/** Frees the memory and forgets the kernels; the next selection loads them again (a failed start is retried). */
export function disposeWasm(): void {
  state.running = undefined;
  state.failure = null;
  clearKernels(WASM_BACKEND);
}

/** What runs: the kernels and their thread count, or 'cpu' and the reason. */
export function wasmInfo(): BackendInfo {
  const pool = threadsInfo();
  const poolThreads = (pool.details as { running?: number } | undefined)?.running ?? 1;
  const threads = Math.min(state.settings.threads, getThreads().threads);
  const actualThreads = Math.min(threads, poolThreads);
  const r = state.running;
  const reason = state.failure
    ?? (!r ? 'not started: selecting the backend (setBackend, withBackend, useWasm) loads the kernels; until then every primitive runs its TypeScript kernel' : null)
    ?? (actualThreads < state.settings.threads ? threadsReason(pool, threads) : null);
  return {
    backend: WASM_BACKEND,
    requested: `wasm SIMD, ${plural(state.settings.threads)}`,
    actual: r ? `wasm SIMD, ${plural(actualThreads)}` : 'cpu',
    kernelClass: null,
    reason,
    details: {
      started: r !== undefined,
      kernels: r?.loaded.path ?? null,
      threads: actualThreads,
      memoryBytes: r?.heap.committed ?? 0,
      residentBytes: r?.residents.bytes ?? 0,
      residentCopies: r?.residents.count ?? 0,
      ownedBytes: r?.residents.ownedBytes ?? 0,
      minWork: state.settings.minWork,
      minPartWork: state.settings.minPartWork,
      elementwiseMinSize: state.settings.elementwiseMinSize,
      ...structuredClone(counters),
    },
  };
}

function threadsReason(pool: BackendInfo, threads: number): string {
  if (threads < state.settings.threads) return `the worker pool has ${plural(getThreads().threads)} (setThreads)`;
  return pool.reason ?? 'the worker pool is not running';
}

function plural(n: number): string {
  return `${n} thread${n === 1 ? '' : 's'}`;
}

/** Clears the call counters (benchmarks and tests read differences anyway). */
export function resetWasmCounters(): void {
  counters.wasmCalls = {};
  counters.cpuCalls = {};
  counters.declined = {};
  counters.threadedCalls = 0;
  counters.copiedInBytes = 0;
  counters.copyInMs = counters.kernelMs = 0;
  counters.collections = 0;
}

function registerKernels(): void {
  registerWasmKernels((primitive, impl) => registerKernel(WASM_BACKEND, primitive, impl));
}

defineBackend(WASM_BACKEND, { activate: start, describe: wasmInfo });
