/**
 * The wasm backend's calls: its state (settings, the loaded kernels and their memory), how one
 * kernel call uses the memory (operands copied in unless resident, the output handed out as a
 * view), the pool split, garbage collection of result buffers, and the call counters.
 */
import { availableParallelism, totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FgflowError } from '../tensor/errors.ts';
import { shapeSize, type Shape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { getThreads, runOnPool } from './threads.ts';
import type { Resident, Residents, WasmHeap } from './wasm-memory.ts';
import type { LoadedKernels } from './wasm-module.ts';
import { partCount, runWasmPart, scratchBytes, type WasmTask, type WasmTaskShape } from './wasm-work.ts';

/** The wasm backend could not do what was asked (bad options are ArgumentErrors). */
export class WasmError extends FgflowError {
  constructor(message: string) {
    super('wasm', message);
  }
}

export interface Settings {
  threads: number;
  minWork: number;
  minPartWork: number;
  elementwiseMinSize: number;
  memoryLimit: number;
  residentLimit: number;
  kernels: string | undefined;
}

export const FOUR_GIB = 2 ** 32 - 65536;

export function defaults(): Settings {
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

export interface Running {
  readonly loaded: LoadedKernels;
  readonly heap: WasmHeap;
  readonly residents: Residents;
  readonly setupKey: string;
  /** Each part's scratch block. */
  readonly scratch: { ptr: number; bytes: number }[];
  /** Bytes handed out as result buffers since the last collection. */
  handedOut: number;
}

/** The backend's state, shared by wasm.ts (which starts and stops it) and the kernels. */
export const state: { settings: Settings; running: Running | undefined; failure: string | null; loads: number } = {
  settings: defaults(),
  running: undefined,
  /** Why the kernels are not running, once a start failed. */
  failure: null,
  loads: 0,
};

export const counters = {
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

export function bump(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

/** Declines the call: the registry then runs the primitive's TypeScript kernel. */
export function decline(name: string, why: string): undefined {
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
export function withCall(
  name: string, inputs: readonly Tensor[], shape: Shape, finiteOnly: boolean,
  run: (r: Running, ptrs: number[], out: number) => void,
): Tensor | undefined {
  const r = state.running;
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

export function collectGarbage(r: Running): void {
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
  return Math.max(64 << 20, Math.floor(state.settings.memoryLimit / 8));
}

export function f32Only(args: readonly Tensor[]): boolean {
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
export function runSplit(r: Running, shape: WasmTaskShape): void {
  const threads = Math.min(state.settings.threads, getThreads().threads);
  let parts = threads > 1 ? partCount(shape, threads, state.settings.minPartWork) : 1;
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
  if (!scratch) throw new WasmError(`${shape.kind}: no memory for the kernel's scratch (memoryLimit ${state.settings.memoryLimit} bytes)`);
  runWasmPart(r.loaded.kernels, { ...shape, scratch } as WasmTask, 0, 1);
}

