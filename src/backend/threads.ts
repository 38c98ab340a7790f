/**
 * The `cpu-threads` backend: matmul, conv2d and both conv adjoints split across worker_threads
 * that share the operands and the output through SharedArrayBuffers; every other primitive, and
 * every call below a size threshold, runs the single-thread cpu kernel. Results are bit-identical
 * to one thread (see threads-work.ts for why each split preserves the rounding).
 *
 * The registry's kernels are synchronous, so the main thread posts the parts, computes one part
 * itself and waits for the others with Atomics.wait. The pool starts on the first call that is
 * large enough; its workers are unref'ed, so an idle pool never keeps a process alive.
 *
 * Workers run the same TypeScript kernels: a worker entry ending in `.ts` is loaded after
 * registering tsx's ESM hooks inside the worker (workers do not inherit the parent's loader
 * hooks on Node 20); a compiled `.js` entry loads directly.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { ArgumentError, FgflowError } from '../tensor/errors.ts';
import { convGeometry, matmulGeometry, type ConvSpatial as ConvParams, type MatmulFlags } from '../tensor/geometry.ts';

const make = Tensor.fromBuffer;
import type { Conv2dGeometry, FloatArray, MatmulGeometry } from '../tensor/kernels/types.ts';
import { shapeSize, type DType, type Shape } from '../tensor/shape.ts';
import { Tensor, type ArrayFor } from '../tensor/tensor.ts';
import { conv2dFilterAdjointPrim, conv2dInputAdjointPrim, conv2dPrim } from '../ad/primitives/conv.ts';
import { matmulPrim } from '../ad/primitives/matmul.ts';
import { describeBackend, registerKernel, requestSharedAllocation, type BackendInfo } from './registry.ts';
import { partCount, runPart, workOf, type Task, type TaskShape } from './threads-work.ts';
import type { WasmTask } from './wasm-work.ts';
import { BOOTING, BUSY, DONE, DOWN, FAILED, READY, SLOT_WIDTH, STATE, UP, type Job, type WorkerBoot } from './threads-worker.ts';

export const THREADS_BACKEND = 'cpu-threads';

/** A worker failed to start or to finish its part. */
export class ThreadsError extends FgflowError {
  constructor(message: string) {
    super('threads', message);
  }
}

export interface ThreadsOptions {
  /** Threads in all, the calling thread included (default: os.availableParallelism()). 1 disables the pool. */
  readonly threads?: number;
  /** Multiply-adds below which a call runs on one thread (default 2^21 ≈ 1 ms of work). */
  readonly minWork?: number;
  /** Multiply-adds each part must hold (default 2^19): fewer parts when the call is small. */
  readonly minPartWork?: number;
  /** How long the first call waits for the workers to start before running on one thread (ms, default 30 000). */
  readonly bootTimeoutMs?: number;
  /** How long a part may take before the pool is declared broken (ms, default 600 000). */
  readonly jobTimeoutMs?: number;
}

export interface ThreadsConfig {
  threads: number;
  minWork: number;
  minPartWork: number;
  bootTimeoutMs: number;
  jobTimeoutMs: number;
}

const defaults = (): ThreadsConfig => ({
  threads: Math.max(1, availableParallelism()),
  minWork: 1 << 21,
  minPartWork: 1 << 19,
  bootTimeoutMs: 30_000,
  jobTimeoutMs: 600_000,
});

let config: ThreadsConfig = defaults();

interface Slot {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** Keys of the setup messages this worker has received. */
  readonly setups: Set<string>;
}

interface Pool {
  readonly ctrl: Int32Array;
  readonly slots: Slot[];
}

let pool: Pool | undefined;
/** Why the pool is not running, once it has failed; calls then run on one thread. */
let failure: string | null = null;
const counters = { threadedCalls: 0, singleCalls: 0 };

function checkCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new ArgumentError('setThreads', `${name} must be an integer >= ${min}, got ${v}`);
}

/**
 * Sets the thread count and thresholds (a number sets only the count). Changing the count
 * restarts the pool lazily; a pool that failed gets another chance.
 */
export function setThreads(options: number | ThreadsOptions): void {
  const o: ThreadsOptions = typeof options === 'number' ? { threads: options } : options;
  if (typeof o !== 'object' || o === null) throw new ArgumentError('setThreads', `expected a thread count or an options object, got ${String(options)}`);
  const next: ThreadsConfig = { ...config };
  const minimum: Record<keyof ThreadsConfig, number> = { threads: 1, minWork: 0, minPartWork: 0, bootTimeoutMs: 1, jobTimeoutMs: 1 };
  for (const key of Object.keys(minimum) as (keyof ThreadsConfig)[]) {
    const v = o[key];
    if (v === undefined) continue;
    checkCount(key, v, minimum[key]);
    next[key] = v;
  }
  if (next.threads !== config.threads) {
    void stopPool();
    failure = null;
  }
  config = next;
}

/** The thread count and thresholds now in force. */
export function getThreads(): Readonly<ThreadsConfig> {
  return { ...config };
}

/** Terminates the workers; the next large call starts a new pool. Settings are kept. */
export async function disposeThreads(): Promise<void> {
  failure = null;
  await stopPool();
}

function stopPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  if (!p) return Promise.resolve();
  return Promise.all(
    p.slots.map((s) => {
      s.port.close();
      return s.worker.terminate();
    }),
  ).then(() => undefined);
}

/** Workers boot through this CommonJS snippet: register tsx when the entry is TypeScript, then import it. */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((e) => {
  const ctrl = new Int32Array(workerData.ctrl);
  workerData.port.postMessage({ message: 'worker failed to start: ' + (e && e.message ? e.message : String(e)) });
  Atomics.store(ctrl, workerData.slot * ${SLOT_WIDTH} + ${READY}, ${DOWN});
  Atomics.notify(ctrl, workerData.slot * ${SLOT_WIDTH} + ${READY});
});
`;

function workerEntry(): { entry: string; tsx: string | undefined } {
  const here = import.meta.url;
  const typescript = here.endsWith('.ts');
  const entry = new URL(typescript ? './threads-worker.ts' : './threads-worker.js', here).href;
  return { entry, tsx: typescript ? tsxEsmApi() : undefined };
}

/** The file URL of tsx's ESM API, resolved through tsx's own exports map (its CommonJS twin cannot register ESM hooks). */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: Record<string, unknown> };
  const api = pkg.exports?.['./esm/api'] as { import?: { default?: string } | string } | undefined;
  const rel = typeof api?.import === 'string' ? api.import : api?.import?.default;
  if (!rel) throw new ThreadsError(`tsx at ${dirname(pkgFile)} has no ./esm/api export`);
  return pathToFileURL(join(dirname(pkgFile), rel)).href;
}

/** Starts the workers and waits (blocking) until every one is up; returns undefined and records why when that fails. */
function startPool(): Pool | undefined {
  const helpers = config.threads - 1;
  let where: { entry: string; tsx: string | undefined };
  try {
    where = workerEntry();
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    return undefined;
  }
  const ctrl = new Int32Array(new SharedArrayBuffer(helpers * SLOT_WIDTH * 4));
  const slots: Slot[] = [];
  for (let i = 0; i < helpers; i++) {
    const { port1, port2 } = new MessageChannel();
    const boot: WorkerBoot & { entry: string; tsx: string | undefined } = { ctrl: ctrl.buffer as SharedArrayBuffer, slot: i, port: port2, ...where };
    const worker = new Worker(BOOTSTRAP, { eval: true, execArgv: [], workerData: boot, transferList: [port2] });
    worker.unref();
    port1.unref();
    // an uncaught error is already reported through the control block; this keeps it from crashing the process
    worker.on('error', () => undefined);
    slots.push({ worker, port: port1, setups: new Set() });
  }
  const deadline = Date.now() + config.bootTimeoutMs;
  let problem: string | null = null;
  for (let i = 0; i < helpers && problem === null; i++) {
    const at = i * SLOT_WIDTH + READY;
    while (Atomics.load(ctrl, at) === BOOTING) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(ctrl, at, BOOTING, left);
    }
    const state = Atomics.load(ctrl, at);
    if (state === DOWN) problem = messageFrom(slots[i]!.port) ?? 'worker failed to start';
    else if (state !== UP) problem = `workers did not start within ${config.bootTimeoutMs} ms`;
  }
  const p: Pool = { ctrl, slots };
  if (problem !== null) {
    failure = problem;
    pool = p;
    void stopPool();
    return undefined;
  }
  return p;
}

function messageFrom(port: MessagePort): string | undefined {
  const m = receiveMessageOnPort(port)?.message as { message?: string } | undefined;
  return m?.message;
}

/** @internal The pool's control block (one READY and one STATE word per worker), for tests; undefined before the pool starts. */
export function threadsControlBlock(): Int32Array | undefined {
  return pool?.ctrl;
}

function getPool(): Pool | undefined {
  if (config.threads < 2 || failure !== null) return undefined;
  pool ??= startPool();
  return pool;
}

/** Runs the task over the pool (or on this thread when it is small or the pool is unavailable). */
function execute(task: Task): void {
  const limit = config.threads;
  const parts = limit > 1 && workOf(task) >= config.minWork ? partCount(task, limit, config.minPartWork) : 1;
  if (parts > 1 && runOnPool(task, parts, (part) => runPart(task, part, parts))) {
    counters.threadedCalls++;
    return;
  }
  counters.singleCalls++;
  runPart(task, 0, 1);
}

/** What a worker can run: a cpu-threads task, or a wasm backend task (on the worker's own instance of the kernels). */
export type PoolTask = Task | WasmTask;

/** A message each worker of a pool must have received once before it runs a task (e.g. the wasm module and memory). */
export interface PoolSetup {
  readonly key: string;
  readonly message: unknown;
}

/**
 * Runs parts 1 … parts−1 of `task` on the pool's workers and part 0 here (`runHere(0)`), and
 * waits for all of them; a failed part is a ThreadsError. Returns false, having run nothing, when
 * the pool is not available (one thread configured, or it failed to start): the caller then runs
 * the task on this thread. `parts` must not exceed the configured thread count.
 */
export function runOnPool(task: PoolTask, parts: number, runHere: (part: number) => void, setup?: PoolSetup): boolean {
  if (parts < 2 || parts > config.threads) return false;
  const p = getPool();
  if (!p) return false;
  const { ctrl, slots } = p;
  for (let i = 1; i < parts; i++) {
    const slot = slots[i - 1]!;
    if (setup && !slot.setups.has(setup.key)) {
      slot.worker.postMessage(setup.message);
      slot.setups.add(setup.key);
    }
    Atomics.store(ctrl, (i - 1) * SLOT_WIDTH + STATE, BUSY);
    const job: Job = { task, part: i, parts };
    slot.worker.postMessage(job);
  }
  let mine: unknown;
  try {
    runHere(0);
  } catch (e) {
    mine = e;
  }
  // the workers write into the output until they finish, so wait for them even when this part threw
  const errors: string[] = [];
  const deadline = Date.now() + config.jobTimeoutMs;
  for (let i = 1; i < parts; i++) {
    const s = (i - 1) * SLOT_WIDTH + STATE;
    const state = awaitPart(ctrl, s, deadline);
    if (state === FAILED) errors.push(messageFrom(slots[i - 1]!.port) ?? 'worker failed');
    else if (state !== DONE) {
      errors.push(`worker ${i} did not finish within ${config.jobTimeoutMs} ms`);
      failure = 'a worker stopped answering; the pool was shut down';
      void stopPool();
    }
  }
  if (mine !== undefined) throw mine;
  if (errors.length) throw new ThreadsError(`${task.kind}: ${errors.join('; ')}`);
  return true;
}

/**
 * Waits until the part at `s` leaves BUSY or the deadline passes; returns its state. A wake-up
 * alone proves nothing: a worker's notify for an earlier call can arrive late (it was descheduled
 * between storing DONE and notifying, while this thread saw DONE and went on), so the state is
 * re-read after every wake-up.
 */
function awaitPart(ctrl: Int32Array, s: number, deadline: number): number {
  let state: number;
  while ((state = Atomics.load(ctrl, s)) === BUSY) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    Atomics.wait(ctrl, s, BUSY, left);
  }
  return state;
}

// ---------------------------------------------------------------- kernels

/** Declines a call that stays on this thread: the registry then runs the primitive's own kernel. */
function single(): undefined {
  counters.singleCalls++;
  return undefined;
}

/**
 * Shared copies of operands, keyed by their (immutable) buffers: a weight used by several calls
 * of a step (forward, input gradient, double backprop) is copied once.
 */
const sharedCopies = new WeakMap<FloatArray, FloatArray>();

/** The operand as a typed array on shared memory (copied unless it already is, e.g. an earlier threaded output). */
function shared(t: Tensor): FloatArray {
  const d = t.data as FloatArray;
  if (d.buffer instanceof SharedArrayBuffer) return d;
  let s = sharedCopies.get(d);
  if (!s) {
    s = newShared(t.dtype, d.length);
    s.set(d);
    sharedCopies.set(d, s);
  }
  return s;
}

function newShared<D extends DType>(dtype: D, size: number): ArrayFor<D> {
  const bytes = dtype === 'f64' ? 8 : 4;
  const buf = new SharedArrayBuffer(size * bytes);
  return (dtype === 'f64' ? new Float64Array(buf) : new Float32Array(buf)) as ArrayFor<D>;
}

/**
 * Whether a call goes to the pool: threads wanted, the pool not failed, enough work, and a
 * geometry that splits into more than one part (the same rule execute() applies).
 */
function threaded(shape: TaskShape): boolean {
  return config.threads > 1 && failure === null && workOf(shape) >= config.minWork
    && partCount(shape, config.threads, config.minPartWork) > 1;
}

type MatmulParams = MatmulFlags;

function matmulKernel(args: readonly Tensor[], params: MatmulParams): Tensor | undefined {
  const [a, b] = args as [Tensor, Tensor];
  const { g, shape } = matmulGeometry(a.shape, b.shape, params);
  if (!threaded({ kind: 'matmul', g })) return single();
  const out = newShared(a.dtype, g.batch * g.m * g.n);
  execute({ kind: 'matmul', a: shared(a), b: shared(b), out, g });
  return make(shape, a.dtype, out);
}

function conv2dKernel(args: readonly Tensor[], p: ConvParams): Tensor | undefined {
  const [x, w] = args as [Tensor, Tensor];
  const g = convGeometry(x.shape[0]!, x.shape[1]!, w.shape[0]!, p);
  if (!threaded({ kind: 'conv2d', g })) return single();
  const out = newShared(x.dtype, g.n * g.o * g.outH * g.outW);
  execute({ kind: 'conv2d', x: shared(x), w: shared(w), out, g });
  return make([g.n, g.o, g.outH, g.outW], x.dtype, out);
}

function inputAdjointKernel(args: readonly Tensor[], p: ConvParams): Tensor | undefined {
  const [y, w] = args as [Tensor, Tensor];
  const g = convGeometry(y.shape[0]!, w.shape[1]!, w.shape[0]!, p);
  if (!threaded({ kind: 'conv2dInputAdjoint', g })) return single();
  const out = newShared(y.dtype, g.n * g.c * g.h * g.w);
  execute({ kind: 'conv2dInputAdjoint', y: shared(y), w: shared(w), out, g });
  return make([g.n, g.c, g.h, g.w], y.dtype, out);
}

function filterAdjointKernel(args: readonly Tensor[], p: ConvParams): Tensor | undefined {
  const [x, y] = args as [Tensor, Tensor];
  const g = convGeometry(x.shape[0]!, x.shape[1]!, y.shape[1]!, p);
  if (!threaded({ kind: 'conv2dFilterAdjoint', g })) return single();
  const out = newShared(x.dtype, g.o * g.c * g.kh * g.kw);
  execute({ kind: 'conv2dFilterAdjoint', x: shared(x), y: shared(y), out, g });
  return make([g.o, g.c, g.kh, g.kw], x.dtype, out);
}

// The large activations (≥ 2^18 elements: the ones threaded kernels read) live on shared memory while
// this backend runs, so threaded calls need no copy. Smaller buffers stay on plain memory: sharing
// every buffer (threshold 2^14) made the rewarded 128² step 116 ms/image, this 90–95.
requestSharedAllocation(THREADS_BACKEND, 1 << 18);
registerKernel(THREADS_BACKEND, matmulPrim, matmulKernel);
registerKernel(THREADS_BACKEND, conv2dPrim, conv2dKernel);
registerKernel(THREADS_BACKEND, conv2dInputAdjointPrim, inputAdjointKernel);
registerKernel(THREADS_BACKEND, conv2dFilterAdjointPrim, filterAdjointKernel);

/** The backend's state: requested vs running threads, and why the pool is not running when it is not. */
export function threadsInfo(): BackendInfo {
  // before the first large call the pool has not started; it is expected to, unless it failed before
  const running = failure !== null ? 1 : pool ? pool.slots.length + 1 : config.threads;
  return {
    backend: THREADS_BACKEND,
    requested: plural(config.threads),
    actual: plural(running),
    kernelClass: null,
    reason: failure === null ? null : `running on one thread: ${failure}`,
    details: { threads: config.threads, running, poolStarted: pool !== undefined, minWork: config.minWork, minPartWork: config.minPartWork, ...counters },
  };
}

function plural(threads: number): string {
  return `${threads} thread${threads === 1 ? '' : 's'}`;
}

describeBackend(THREADS_BACKEND, threadsInfo);
