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
 * The backend starts on its first selection (setBackend / withBackend / useWasm). When it cannot
 * (no WebAssembly SIMD, no shared memory, the kernels not built), it says why in backendInfo()
 * and a process warning, and every primitive runs its TypeScript kernel.
 */
import { availableParallelism, totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ArgumentError, FgflowError } from '../tensor/errors.ts';
import { broadcastShapes, convGeometry, matmulGeometry, type ConvSpatial, type MatmulFlags } from '../tensor/geometry.ts';
import type { Pool2dGeometry } from '../tensor/kernels/types.ts';
import { shapeSize, type Shape } from '../tensor/shape.ts';
import { allocate, Tensor } from '../tensor/tensor.ts';
import { clearKernels, defineBackend, registerKernel, setBackend, type BackendInfo, type KernelImpl } from './registry.ts';
import { getThreads, runOnPool, threadsInfo } from './threads.ts';
import { BINARY_CODES, BOTH, broadcastRuns, reductionTriple, SCALAR_A, SCALAR_B, UNARY_CODES } from './wasm-ops.ts';
import { Residents, WasmHeap, type Resident } from './wasm-memory.ts';
import { loadKernels, type LoadedKernels } from './wasm-module.ts';
import { flatten, partCount, runWasmPart, scratchBytes, workOf, type WasmTask, type WasmTaskShape } from './wasm-work.ts';

export const WASM_BACKEND = 'wasm';

/** The wasm backend could not do what was asked (bad options are ArgumentErrors). */
export class WasmError extends FgflowError {
  constructor(message: string) {
    super('wasm', message);
  }
}

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

interface Settings {
  threads: number;
  minWork: number;
  minPartWork: number;
  elementwiseMinSize: number;
  memoryLimit: number;
  residentLimit: number;
  kernels: string | undefined;
}

const FOUR_GIB = 2 ** 32 - 65536;

function defaults(): Settings {
  const memoryLimit = Math.min(FOUR_GIB, Math.floor(totalmem() / 2));
  return {
    threads: Math.max(1, availableParallelism()),
    minWork: 1 << 12,
    minPartWork: 1 << 20,
    elementwiseMinSize: 1 << 14,
    memoryLimit,
    residentLimit: Math.floor(memoryLimit / 2),
    kernels: undefined,
  };
}

interface Running {
  readonly loaded: LoadedKernels;
  readonly heap: WasmHeap;
  readonly residents: Residents;
  readonly setupKey: string;
  /** Each part's scratch block. */
  readonly scratch: { ptr: number; bytes: number }[];
  /** Bytes handed out as result buffers since the last collection. */
  handedOut: number;
}

let settings = defaults();
let running: Running | undefined;
/** Why the kernels are not running, once a start failed. */
let failure: string | null = null;
let loads = 0;

const counters = {
  wasmCalls: {} as Record<string, number>,
  cpuCalls: {} as Record<string, number>,
  declined: {} as Record<string, number>,
  threadedCalls: 0,
  copiedInBytes: 0,
  /** Milliseconds spent copying operands in, and in the kernels (pool parts included). */
  copyInMs: 0,
  kernelMs: 0,
  /** Garbage collections requested to free result buffers (see collectGarbage). */
  collections: 0,
};

function bump(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
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
  const next: Settings = { ...settings };
  for (const key of ['threads', 'minWork', 'minPartWork', 'elementwiseMinSize', 'memoryLimit', 'residentLimit'] as const) {
    const v = options[key];
    if (v !== undefined) next[key] = v;
  }
  if (options.memoryLimit !== undefined && options.residentLimit === undefined) next.residentLimit = Math.floor(next.memoryLimit / 2);
  if (options.kernels !== undefined) next.kernels = options.kernels;
  const restart = next.kernels !== settings.kernels || next.memoryLimit !== settings.memoryLimit || next.residentLimit !== settings.residentLimit;
  settings = next;
  if (restart) disposeWasm();
  start();
  if (options.select ?? true) setBackend(WASM_BACKEND);
  return wasmInfo();
}

/** Loads the kernels unless they run or failed; records why when they cannot start. */
function start(): void {
  if (running || failure !== null) return;
  const loaded = loadKernels(settings.kernels);
  if (typeof loaded === 'string') {
    failure = loaded;
    clearKernels(WASM_BACKEND);
    warn(`fgflow: the wasm backend cannot start (${loaded}); every primitive runs its TypeScript kernel`);
    return;
  }
  const heap = new WasmHeap(loaded.memory, settings.memoryLimit);
  running = { loaded, heap, residents: new Residents(heap, settings.residentLimit), setupKey: `wasm:${++loads}`, scratch: [], handedOut: 0 };
  registerKernels();
}

function warn(message: string): void {
  const p = (globalThis as { process?: { emitWarning?: (m: string) => void } }).process;
  if (p?.emitWarning) p.emitWarning(message);
  else console.warn(message);
}

/** Frees the memory and forgets the kernels; the next selection loads them again (a failed start is retried). */
export function disposeWasm(): void {
  running = undefined;
  failure = null;
  clearKernels(WASM_BACKEND);
}

/** What runs: the kernels and their thread count, or 'cpu' and the reason. */
export function wasmInfo(): BackendInfo {
  const pool = threadsInfo();
  const poolThreads = (pool.details as { running?: number } | undefined)?.running ?? 1;
  const threads = Math.min(settings.threads, getThreads().threads);
  const actualThreads = Math.min(threads, poolThreads);
  const r = running;
  const reason = failure ?? (r && actualThreads < settings.threads ? threadsReason(pool, threads) : null);
  return {
    backend: WASM_BACKEND,
    requested: `wasm SIMD, ${plural(settings.threads)}`,
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
      minWork: settings.minWork,
      minPartWork: settings.minPartWork,
      elementwiseMinSize: settings.elementwiseMinSize,
      ...structuredClone(counters),
    },
  };
}

function threadsReason(pool: BackendInfo, threads: number): string {
  if (threads < settings.threads) return `the worker pool has ${plural(getThreads().threads)} (setThreads)`;
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

// ---------------------------------------------------------------- calls

/** Declines the call: the registry then runs the primitive's TypeScript kernel. */
function decline(name: string, why: string): undefined {
  bump(counters.cpuCalls, name);
  bump(counters.declined, why);
  return undefined;
}

/** One kernel call's use of the memory: pinned operands and blocks to free at the end. */
class Call {
  private readonly pinned: Resident[] = [];
  private readonly blocks: number[] = [];
  constructor(readonly r: Running) {}

  /** The address of a resident copy of t's values (copied in now unless one is there), or null when the memory is full. */
  operand(t: Tensor): Resident | null {
    const data = t.data as Float32Array;
    let res = this.r.residents.lookup(data);
    if (!res) {
      const bytes = data.length * 4;
      const ptr = this.r.residents.allocate(bytes);
      if (ptr === null) return null;
      const t0 = performance.now();
      this.r.heap.write(ptr, data);
      counters.copyInMs += performance.now() - t0;
      counters.copiedInBytes += bytes;
      res = this.r.residents.adopt(data, ptr, bytes, true);
    } else {
      res.pins++;
    }
    this.pinned.push(res);
    return res;
  }

  finite(res: Resident, length: number): boolean {
    res.finite ??= this.r.loaded.kernels.allFinite(res.ptr, length) === 1;
    return res.finite;
  }

  block(bytes: number): number | null {
    const ptr = this.r.residents.allocate(bytes);
    if (ptr !== null) this.blocks.push(ptr);
    return ptr;
  }

  /**
   * The output at ptr as a tensor: a view of the memory that owns the block (freed when the view
   * is collected), so results stay where the next kernel reads them and nothing is copied out.
   */
  result(ptr: number, size: number, shape: Shape): Tensor {
    const view = this.r.heap.f32(ptr, size);
    this.blocks.splice(this.blocks.indexOf(ptr), 1);
    this.r.residents.own(view, ptr, size * 4);
    this.r.handedOut += size * 4;
    return Tensor.fromBuffer([...shape], 'f32', view);
  }

  release(): void {
    for (const p of this.pinned) p.pins--;
    for (const b of this.blocks) this.r.heap.release(b);
  }
}

/**
 * Runs a kernel on f32 operands: copies them in (unless resident), checks them for non-finite
 * values when `finiteOnly`, allocates the output, lets `run` compute it, and returns it as a
 * tensor; declines (undefined) when the memory is full or an operand is not finite.
 */
function withCall(
  name: string, inputs: readonly Tensor[], shape: Shape, finiteOnly: boolean,
  run: (r: Running, ptrs: number[], out: number) => void,
): Tensor | undefined {
  const r = running;
  if (!r) return decline(name, 'not started');
  const call = new Call(r);
  try {
    const ptrs: number[] = [];
    for (const t of inputs) {
      const res = call.operand(t);
      if (!res) return decline(name, 'memory full');
      if (finiteOnly && !call.finite(res, t.size)) return decline(name, 'non-finite operand');
      ptrs.push(res.ptr);
    }
    const size = shapeSize(shape);
    if (r.handedOut >= collectionInterval()) collectGarbage(r);
    const out = call.block(size * 4);
    if (out === null) {
      // dead result views free their blocks once collected, when this job (a training step) ends
      collectGarbage(r);
      return decline(name, 'memory full');
    }
    const t0 = performance.now();
    run(r, ptrs, out);
    counters.kernelMs += performance.now() - t0;
    bump(counters.wasmCalls, name);
    return call.result(out, size, shape);
  } finally {
    call.release();
  }
}

/**
 * Result buffers are views of the wasm memory, freed by a FinalizationRegistry when collected.
 * V8 sees only the views (a few dozen bytes each), not the megabytes behind them, so nothing
 * prompts it to collect them: measured over ten rewarded 128² steps, not one was freed. So the
 * backend asks for a full collection (≈ 5 ms here) each time it has handed out an eighth of its
 * memory limit, and when an allocation fails; the finalizers then run when the current job (a
 * training step) ends. The collector is V8's `gc`, exposed for this process by setting
 * --expose-gc at run time (it only adds `gc` to new contexts); where that is not possible,
 * memory that fills makes calls run the TypeScript kernels until the collector gets round to it.
 */
let collector: (() => void) | null | undefined;

function collectGarbage(r: Running): void {
  r.handedOut = 0;
  if (collector === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collector = runInNewContext('gc') as () => void;
    } catch {
      collector = null;
    }
  }
  if (!collector) return;
  collector();
  counters.collections++;
}

function collectionInterval(): number {
  return Math.max(64 << 20, Math.floor(settings.memoryLimit / 8));
}

function f32Only(args: readonly Tensor[]): boolean {
  for (const a of args) if (a.dtype !== 'f32' || a.size === 0) return false;
  return true;
}

/** The scratch block of each of `parts` parts, at least `bytes` each. */
function scratchFor(r: Running, parts: number, bytes: number): number[] | null {
  for (let i = 0; i < parts; i++) {
    const s = r.scratch[i];
    if (s && s.bytes >= bytes) continue;
    if (s) r.heap.release(s.ptr);
    const ptr = r.residents.allocate(bytes);
    if (ptr === null) {
      for (const rest of r.scratch.slice(i + 1)) r.heap.release(rest.ptr);
      r.scratch.length = i;
      return null;
    }
    r.scratch[i] = { ptr, bytes };
  }
  return r.scratch.slice(0, parts).map((s) => s.ptr);
}

/** Runs a splittable task over the pool (or on this thread), with each part's scratch. */
function runSplit(r: Running, shape: WasmTaskShape): void {
  const threads = Math.min(settings.threads, getThreads().threads);
  let parts = threads > 1 ? partCount(shape, threads, settings.minPartWork) : 1;
  if (parts > 1) {
    const scratch = scratchFor(r, parts, scratchBytes(r.loaded.kernels, shape, parts));
    if (scratch) {
      const task = { ...shape, scratch } as WasmTask;
      const setup = { key: r.setupKey, message: { wasmSetup: { module: r.loaded.module, memory: r.loaded.memory } } };
      if (runOnPool(task, parts, (part) => runWasmPart(r.loaded.kernels, task, part, parts), setup)) {
        counters.threadedCalls++;
        return;
      }
    }
    parts = 1;
  }
  const scratch = scratchFor(r, 1, scratchBytes(r.loaded.kernels, shape, 1));
  if (!scratch) throw new WasmError(`${shape.kind}: no memory for the kernel's scratch (memoryLimit ${settings.memoryLimit} bytes)`);
  runWasmPart(r.loaded.kernels, { ...shape, scratch } as WasmTask, 0, 1);
}

// ---------------------------------------------------------------- kernels

function matmulKernel(args: readonly Tensor[], p: MatmulFlags): Tensor | undefined {
  const [a, b] = args as [Tensor, Tensor];
  if (!f32Only(args)) return decline('matmul', 'f64 or empty');
  const { g, shape } = matmulGeometry(a.shape, b.shape, p);
  if (g.batch * g.m * g.n === 0 || g.k === 0) return decline('matmul', 'f64 or empty');
  const shapeOnly: WasmTaskShape = { kind: 'wasm:matmul', a: 0, b: 0, out: 0, g: flatten(g) };
  if (workOf(shapeOnly) < settings.minWork) return decline('matmul', 'small');
  return withCall('matmul', args, shape, true, (r, [pa, pb], out) => runSplit(r, { ...shapeOnly, a: pa!, b: pb!, out }));
}

function convKernel(kind: 'conv2d' | 'conv2dInputAdjoint' | 'conv2dFilterAdjoint'): KernelImpl {
  return (args, p: ConvSpatial) => {
    const [u, v] = args as [Tensor, Tensor];
    if (!f32Only(args)) return decline(kind, 'f64 or empty');
    const g = kind === 'conv2d' ? convGeometry(u.shape[0]!, u.shape[1]!, v.shape[0]!, p)
      : kind === 'conv2dInputAdjoint' ? convGeometry(u.shape[0]!, v.shape[1]!, v.shape[0]!, p)
      : convGeometry(u.shape[0]!, u.shape[1]!, v.shape[1]!, p);
    const shape = kind === 'conv2d' ? [g.n, g.o, g.outH, g.outW] : kind === 'conv2dInputAdjoint' ? [g.n, g.c, g.h, g.w] : [g.o, g.c, g.kh, g.kw];
    if (shapeSize(shape) === 0 || g.outH * g.outW === 0) return decline(kind, 'f64 or empty');
    const shapeOnly = { kind: `wasm:${kind}`, g } as const;
    if (workOf({ ...shapeOnly, x: 0, w: 0, out: 0 } as WasmTaskShape) < settings.minWork) return decline(kind, 'small');
    return withCall(kind, args, shape, true, (r, [pu, pv], out) => {
      if (kind === 'conv2d') return runSplit(r, { kind: 'wasm:conv2d', x: pu!, w: pv!, out, g });
      if (kind === 'conv2dFilterAdjoint') return runSplit(r, { kind: 'wasm:conv2dFilterAdjoint', x: pu!, y: pv!, out, g });
      // the input adjoint convolves dy with the flipped filter, built once per call
      const flipped = r.residents.allocate(v.size * 4);
      if (flipped === null) throw new WasmError(`${kind}: no memory for the flipped filter (memoryLimit ${settings.memoryLimit} bytes)`);
      try {
        r.loaded.kernels.flipFilter(pv!, g.o, g.c, g.kh, g.kw, flipped);
        runSplit(r, { kind: 'wasm:conv2dInputAdjoint', y: pu!, w: flipped, out, g });
      } finally {
        r.heap.release(flipped);
      }
    });
  };
}

type PoolParams = Omit<Pool2dGeometry, 'n' | 'c'>;

function poolKernel(kind: 'avgPool2d' | 'avgPool2dAdjoint'): KernelImpl {
  return (args, p: PoolParams) => {
    const [x] = args as [Tensor];
    if (!f32Only(args)) return decline(kind, 'f64 or empty');
    const [n, c] = x.shape as [number, number];
    const shape = kind === 'avgPool2d' ? [n, c, p.outH, p.outW] : [n, c, p.h, p.w];
    if (Math.max(x.size, shapeSize(shape)) < settings.elementwiseMinSize) return decline(kind, 'small');
    return withCall(kind, args, shape, false, (r, [px], out) => {
      const k = r.loaded.kernels;
      (kind === 'avgPool2d' ? k.avgPool2d : k.avgPool2dAdjoint)(px!, out, n * c, p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.outH, p.outW);
    });
  };
}

function unaryKernel(name: string, code: number): KernelImpl {
  return (args) => {
    const [x] = args as [Tensor];
    if (!f32Only(args)) return decline(name, 'f64 or empty');
    if (x.size < settings.elementwiseMinSize) return decline(name, 'small');
    return withCall(name, args, x.shape, false, (r, [px], out) => r.loaded.kernels.unary(code, px!, out, x.size));
  };
}

/** The kernel's operand layout for a run in which a and b advance by stepA and stepB (0: one repeated value). */
function runMode(stepA: number, stepB: number): number {
  return stepA === 0 ? SCALAR_A : stepB === 0 ? SCALAR_B : BOTH;
}

function binaryKernel(name: string, code: number): KernelImpl {
  return (args) => {
    const [a, b] = args as [Tensor, Tensor];
    if (!f32Only(args)) return decline(name, 'f64 or empty');
    const shape = broadcastShapes(name, a.shape, b.shape);
    if (shapeSize(shape) < settings.elementwiseMinSize) return decline(name, 'small');
    const runs = broadcastRuns([a.shape, b.shape], shape, 16);
    if (!runs || (runs.steps[0] === 0 && runs.steps[1] === 0)) return decline(name, 'short broadcast runs');
    const mode = runMode(runs.steps[0]!, runs.steps[1]!);
    const [offA, offB] = runs.offsets as [Int32Array, Int32Array];
    return withCall(name, args, shape, false, (r, [pa, pb], out) => {
      const k = r.loaded.kernels;
      for (let i = 0; i < runs.rows; i++) k.binary(code, mode, pa! + offA[i]! * 4, pb! + offB[i]! * 4, out + i * runs.length * 4, runs.length);
    });
  };
}

function whereKernel(args: readonly Tensor[]): Tensor | undefined {
  const [c, a, b] = args as [Tensor, Tensor, Tensor];
  if (!f32Only(args)) return decline('where', 'f64 or empty');
  const shape = broadcastShapes('where', broadcastShapes('where', c.shape, a.shape), b.shape);
  if (shapeSize(shape) < settings.elementwiseMinSize) return decline('where', 'small');
  const runs = broadcastRuns([c.shape, a.shape, b.shape], shape, 16);
  if (!runs) return decline('where', 'short broadcast runs');
  const scalars = (runs.steps[0] === 0 ? 1 : 0) | (runs.steps[1] === 0 ? 2 : 0) | (runs.steps[2] === 0 ? 4 : 0);
  const [offC, offA, offB] = runs.offsets as [Int32Array, Int32Array, Int32Array];
  return withCall('where', args, shape, false, (r, [pc, pa, pb], out) => {
    const k = r.loaded.kernels;
    for (let i = 0; i < runs.rows; i++) k.where(scalars, pc! + offC[i]! * 4, pa! + offA[i]! * 4, pb! + offB[i]! * 4, out + i * runs.length * 4, runs.length);
  });
}

function sumKernel(args: readonly Tensor[], p: { readonly axes: readonly number[]; readonly keepDims: boolean }): Tensor | undefined {
  const [x] = args as [Tensor];
  if (!f32Only(args)) return decline('sum', 'f64 or empty');
  if (x.size < settings.elementwiseMinSize) return decline('sum', 'small');
  const triple = reductionTriple(x.shape, p.axes);
  if (!triple) return decline('sum', 'kept axes not adjacent');
  const shape: number[] = [];
  x.shape.forEach((d, i) => {
    if (!p.axes.includes(i)) shape.push(d);
    else if (p.keepDims) shape.push(1);
  });
  return withCall('sum', args, shape, false, (r, [px], out) => r.loaded.kernels.sumReduce(px!, out, triple.outer, triple.count, triple.inner));
}

/** The one place that maps primitives to wasm kernels. */
function kernelTable(): Record<string, KernelImpl> {
  const table: Record<string, KernelImpl> = {
    matmul: matmulKernel as KernelImpl,
    conv2d: convKernel('conv2d'),
    conv2dInputAdjoint: convKernel('conv2dInputAdjoint'),
    conv2dFilterAdjoint: convKernel('conv2dFilterAdjoint'),
    avgPool2d: poolKernel('avgPool2d'),
    avgPool2dAdjoint: poolKernel('avgPool2dAdjoint'),
    where: whereKernel,
    sum: sumKernel as KernelImpl,
  };
  for (const [name, code] of Object.entries(UNARY_CODES)) table[name] = unaryKernel(name, code);
  for (const [name, code] of Object.entries(BINARY_CODES)) table[name] = binaryKernel(name, code);
  return table;
}

function registerKernels(): void {
  for (const [name, impl] of Object.entries(kernelTable())) registerKernel(WASM_BACKEND, name, impl);
}

defineBackend(WASM_BACKEND, { activate: start, describe: wasmInfo });
