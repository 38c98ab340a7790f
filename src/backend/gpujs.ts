/**
 * The `gpujs` backend: gpu.js kernels for matmul, conv2d and its two adjoints, average pooling
 * and its adjoint, and large elementwise maps. Everything else, every f64 call (gpu.js computes
 * in float32 only) and every call below the size thresholds runs the primitive's cpu kernel.
 *
 * Mode: gpu.js silently substitutes backends (a 'gpu' instance without GL runs WebAssembly and
 * still reports 'gpu'), so the mode is chosen here from explicit availability checks, and after
 * each call the class of the kernel that actually ran is read back and reported by
 * `backendInfo()`. WebGPU never qualifies: gpu.js WebGPU kernels return Promises and fgflow's
 * evaluation interpreter is synchronous.
 *
 * Kernels are compiled on first use for each geometry and kept in a bounded cache; the GPU
 * instance and every kernel belong to the backend and are released by `disposeGpujs()`.
 *
 * In a browser, gpu.js runs WebGL2 or WebGL where the page has them; load gpu.js there first
 * (`import 'gpu.js'` in the bundle, or its script tag): its browser build defines `GPU`.
 */
import type { GPU as GPUClass, IGPUKernelSettings, IKernelRunShortcut } from 'gpu.js';
import { ArgumentError, FgflowError } from '../tensor/errors.ts';
import { broadcastShapes, convGeometry, matmulGeometry, type ConvSpatial as ConvParams, type MatmulFlags } from '../tensor/geometry.ts';

type PoolParams = Omit<Pool2dGeometry, 'n' | 'c'>;
const make = Tensor.fromBuffer;
import type { Conv2dGeometry, MatmulGeometry, Pool2dGeometry } from '../tensor/kernels/types.ts';
import { shapeSize, type Shape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import {
  avgPool2dAdjointSource, avgPool2dSource, BINARY_OPS, binarySource, conv2dFilterAdjointSource, conv2dInputAdjointSource, conv2dSource,
  matmulSource, UNARY_BODIES, unarySource, type KernelSource,
} from './gpujs-kernels.ts';
import type { Primitive } from '../ad/primitive.ts';
import { BINARY_PRIMITIVES } from '../ad/primitives/binary.ts';
import { conv2dFilterAdjointPrim, conv2dInputAdjointPrim, conv2dPrim } from '../ad/primitives/conv.ts';
import { matmulPrim } from '../ad/primitives/matmul.ts';
import { avgPool2dAdjointPrim, avgPool2dPrim } from '../ad/primitives/pool.ts';
import { UNARY_PRIMITIVES } from '../ad/primitives/unary.ts';
import { defineBackend, describeBackend, registerKernel, setBackend, unregisterBackend, type BackendInfo } from './registry.ts';

export const GPUJS_BACKEND = 'gpujs';

export type GpujsMode = 'auto' | 'webgpu' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu';
export type GpujsRunMode = Exclude<GpujsMode, 'auto'>;
export const GPUJS_MODES: readonly GpujsMode[] = ['auto', 'webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];
const MODES = GPUJS_MODES;

export interface GpujsOptions {
  /** Which gpu.js mode to run (default 'auto': in a browser webgl2, else webgl; in Node headlessgl; else webasm, else cpu). */
  readonly mode?: GpujsMode;
  /** Multiply-adds (matmul, conv) or window sums (pooling) below which the cpu kernel runs (default 2^15). */
  readonly minWork?: number;
  /** Elements below which elementwise ops run on the cpu (default 2^16). */
  readonly elementwiseMinSize?: number;
  /** Compiled kernels kept; the least recently used is destroyed beyond this (default 64). */
  readonly maxKernels?: number;
  /** Make 'gpujs' the current backend (default true). */
  readonly select?: boolean;
}

export interface GpujsInfo extends BackendInfo {
  readonly requested: GpujsMode;
  /** The mode really running, from the last kernel's class once one has run; 'none' before useGpujs and after dispose. */
  readonly actual: GpujsRunMode | 'none';
}

/** gpu.js could not be loaded or no mode could be started. */
export class GpujsError extends FgflowError {
  constructor(message: string) {
    super('gpujs', message);
  }
}

/** gpu.js arrays are float32 and GL indexes in float32: sizes beyond 2^24 are not addressed exactly. */
const MAX_ELEMENTS = 1 << 24;

const KERNEL_CLASS_MODE: Readonly<Record<string, GpujsRunMode>> = {
  CPUKernel: 'cpu',
  WebAssemblyKernel: 'webasm',
  HeadlessGLKernel: 'headlessgl',
  WebGL2Kernel: 'webgl2',
  WebGLKernel: 'webgl',
  WebGPUKernel: 'webgpu',
};

interface State {
  readonly gpu: GPUClass;
  readonly requested: GpujsMode;
  actual: GpujsRunMode;
  kernelClass: string | null;
  reason: string | null;
  readonly minWork: number;
  readonly elementwiseMinSize: number;
  readonly maxKernels: number;
  readonly cache: Map<string, IKernelRunShortcut>;
  readonly gpuCalls: Record<string, number>;
  readonly cpuCalls: Record<string, number>;
}

let state: State | undefined;
let disposed: { requested: GpujsMode } | undefined;
/** Why gpu.js could not start on selection, if it could not. */
let startFailure: string | null = null;

type GpuModule = typeof import('gpu.js');
let gpuModule: GpuModule | undefined;

type Require = (id: string) => unknown;
type NodeProcess = { getBuiltinModule?: (id: string) => { createRequire(url: string): Require } | undefined };

/**
 * gpu.js, loaded on first use so that a program that never selects it does not pay for loading it
 * (~0.1 s). Node: through require, reached with process.getBuiltinModule so that no Node built-in
 * is imported and a bundle for the browser needs none. A browser: the `GPU` its build defines.
 */
function loadGpu(): GpuModule {
  if (!gpuModule) {
    try {
      const nodeModule = (globalThis as { process?: NodeProcess }).process?.getBuiltinModule?.('node:module');
      const browserGpu = (globalThis as unknown as { GPU?: GpuModule }).GPU;
      if (nodeModule) gpuModule = nodeModule.createRequire(import.meta.url)('gpu.js') as GpuModule;
      else if (browserGpu?.GPU) gpuModule = browserGpu;
      else throw new Error("not in Node, and no global GPU: load gpu.js's browser build first (import 'gpu.js')");
    } catch (e) {
      throw new GpujsError(`gpu.js could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return gpuModule;
}

const inBrowser = typeof (globalThis as { document?: unknown }).document !== 'undefined';

/** Why a mode cannot run here, or null when it can. */
export function gpujsModeUnavailable(mode: GpujsRunMode): string | null {
  const { GPU } = loadGpu();
  switch (mode) {
    case 'webgpu': {
      const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
      const surface = nav?.gpu ? '' : '; besides, navigator.gpu is not set (no WebGPU implementation is loaded)';
      return `gpu.js WebGPU kernels return Promises and fgflow's evaluation interpreter is synchronous${surface}`;
    }
    case 'webgl2':
      return GPU.isWebGL2Supported ? null : 'WebGL2 is not available (it needs a browser whose canvas gives a webgl2 context)';
    case 'webgl':
      return GPU.isWebGLSupported ? null : 'WebGL is not available (it needs a browser whose canvas gives a webgl context)';
    case 'headlessgl':
      return GPU.isHeadlessGLSupported ? null : 'headless-gl (the optional `gl` package) is not installed or cannot create a context';
    case 'webasm':
      return GPU.isWebAssemblySupported ? null : 'WebAssembly is not available';
    case 'cpu':
      return null;
  }
}

/** The modes to try for a request, best first: GL where it can be (the browser's or headless-gl), then WebAssembly, then plain JavaScript. */
function candidates(mode: GpujsMode): GpujsRunMode[] {
  const gl: GpujsRunMode[] = inBrowser ? ['webgl2', 'webgl'] : ['headlessgl'];
  switch (mode) {
    case 'auto':
      return [...gl, 'webasm', 'cpu'];
    case 'webgpu':
      return ['webgpu', ...gl, 'webasm', 'cpu'];
    case 'webgl2':
      return ['webgl2', 'webgl', 'webasm', 'cpu'];
    case 'webgl':
    case 'headlessgl':
      return [mode, 'webasm', 'cpu'];
    case 'webasm':
      return ['webasm', 'cpu'];
    case 'cpu':
      return ['cpu'];
  }
}

function checkCount(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new ArgumentError('useGpujs', `${name} must be an integer >= ${min}, got ${v}`);
}

/**
 * Starts gpu.js in the requested mode, or the next one that works (webgpu → headlessgl → webasm
 * → cpu), registers its kernels as backend 'gpujs' and, unless `select: false`, makes it current.
 * A previous instance is disposed first. Returns what runs and why it differs from the request.
 */
export function useGpujs(options: GpujsOptions = {}): GpujsInfo {
  const requested = options.mode ?? 'auto';
  if (!MODES.includes(requested)) throw new ArgumentError('useGpujs', `mode must be one of ${MODES.join(', ')}; got ${String(requested)}`);
  checkCount('minWork', options.minWork, 0);
  checkCount('elementwiseMinSize', options.elementwiseMinSize, 0);
  checkCount('maxKernels', options.maxKernels, 1);
  const { GPU } = loadGpu();
  if (state) void disposeGpujs();
  const skipped: string[] = [];
  let gpu: GPUClass | undefined;
  let actual: GpujsRunMode | undefined;
  for (const mode of candidates(requested)) {
    const why = gpujsModeUnavailable(mode);
    if (why !== null) {
      skipped.push(`${mode}: ${why}`);
      continue;
    }
    try {
      gpu = new GPU({ mode });
      actual = mode;
      break;
    } catch (e) {
      skipped.push(`${mode}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!gpu || !actual) throw new GpujsError(`no gpu.js mode could start (${skipped.join('; ')})`);
  state = {
    gpu,
    requested,
    actual,
    kernelClass: null,
    reason: skipped.length ? skipped.join('; ') : null,
    minWork: options.minWork ?? 1 << 15,
    elementwiseMinSize: options.elementwiseMinSize ?? 1 << 16,
    maxKernels: options.maxKernels ?? 64,
    cache: new Map(),
    gpuCalls: {},
    cpuCalls: {},
  };
  disposed = undefined;
  startFailure = null;
  register();
  if (options.select ?? true) setBackend(GPUJS_BACKEND);
  return gpujsInfo();
}

/** Destroys every kernel and the GPU instance and unregisters the backend's kernels (calls then run on the cpu). */
export async function disposeGpujs(): Promise<void> {
  const s = state;
  if (!s) return;
  state = undefined;
  disposed = { requested: s.requested };
  unregisterBackend(GPUJS_BACKEND);
  describeBackend(GPUJS_BACKEND, gpujsInfo);
  s.cache.clear();
  await s.gpu.destroy();
}

export function gpujsInfo(): GpujsInfo {
  const s = state;
  if (!s) {
    return {
      backend: GPUJS_BACKEND,
      requested: disposed?.requested ?? 'auto',
      actual: 'none',
      kernelClass: null,
      reason: startFailure ?? (disposed ? 'disposed: every primitive runs its cpu kernel' : 'not started: call useGpujs() first; every primitive runs its cpu kernel'),
    };
  }
  return {
    backend: GPUJS_BACKEND,
    requested: s.requested,
    actual: s.actual,
    kernelClass: s.kernelClass,
    reason: s.reason,
    details: { gpuCalls: { ...s.gpuCalls }, cpuCalls: { ...s.cpuCalls }, cachedKernels: s.cache.size, minWork: s.minWork, elementwiseMinSize: s.elementwiseMinSize },
  };
}

// ---------------------------------------------------------------- running kernels

/** Declines a call: the registry then runs the primitive's cpu kernel. */
function cpu(name: string, _args: readonly Tensor[], _params: unknown): undefined {
  const s = state;
  if (s) s.cpuCalls[name] = (s.cpuCalls[name] ?? 0) + 1;
  return undefined;
}

function eligible(args: readonly Tensor[], outSize: number): boolean {
  if (outSize === 0 || outSize >= MAX_ELEMENTS) return false;
  for (const a of args) if (a.dtype !== 'f32' || a.size === 0 || a.size >= MAX_ELEMENTS) return false;
  return true;
}

/** How every fgflow kernel is compiled: one flat float32 output of fixed size, precise arithmetic. */
export function kernelSettings(src: KernelSource): IGPUKernelSettings {
  // loopMaxIterations bounds GL loops; gpu.js reads it though its typings omit it
  const settings: IGPUKernelSettings & { loopMaxIterations: number } = {
    output: [src.size],
    constants: src.constants,
    precision: 'single',
    tactic: 'precision',
    loopMaxIterations: src.maxLoop,
    dynamicOutput: false,
    dynamicArguments: false,
  };
  return settings;
}

/** Runs the cached kernel for `key` (compiling it from `build` on first use) and records which kernel class ran. */
function run(s: State, name: string, key: string, build: () => KernelSource, inputs: readonly Float32Array[]): Float32Array {
  let k = s.cache.get(key);
  if (k) {
    s.cache.delete(key);
    s.cache.set(key, k);
  } else {
    const src = build();
    k = s.gpu.createKernel(src.source, kernelSettings(src));
    s.cache.set(key, k);
    if (s.cache.size > s.maxKernels) {
      const [oldKey, old] = s.cache.entries().next().value as [string, IKernelRunShortcut];
      s.cache.delete(oldKey);
      old.destroy();
    }
  }
  const result = (k as unknown as (...a: Float32Array[]) => unknown)(...inputs);
  observe(s, k);
  s.gpuCalls[name] = (s.gpuCalls[name] ?? 0) + 1;
  if (!(result instanceof Float32Array)) throw new GpujsError(`${name}: gpu.js returned ${Object.prototype.toString.call(result)}, expected a Float32Array`);
  return result;
}

/** Reads the class of the kernel that ran: gpu.js may have swapped in another one (a fallback to its CPU kernel). */
function observe(s: State, k: IKernelRunShortcut): void {
  const inner = (k as unknown as { kernel?: { constructor: { name: string }; fallbackReason?: string } }).kernel;
  const cls = inner?.constructor.name ?? 'unknown';
  if (cls === s.kernelClass) return;
  s.kernelClass = cls;
  const mode = KERNEL_CLASS_MODE[cls];
  if (mode && mode !== s.actual) {
    const why = `gpu.js switched to ${cls}${inner?.fallbackReason ? `: ${inner.fallbackReason}` : ''}`;
    s.reason = s.reason ? `${s.reason}; ${why}` : why;
    s.actual = mode;
  }
}

// ---------------------------------------------------------------- primitives

type MatmulParams = MatmulFlags;


const f32 = (t: Tensor) => t.data as Float32Array;

function register(): void {
  registerKernel(GPUJS_BACKEND, matmulPrim, (args, p: MatmulParams) => {
    const s = state!;
    const [a, b] = args as [Tensor, Tensor];
    const { g, shape } = matmulGeometry(a.shape, b.shape, p);
    if (!eligible(args, g.batch * g.m * g.n) || g.k === 0 || g.batch * g.m * g.n * g.k < s.minWork) return cpu('matmul', args, p);
    const out = run(s, 'matmul', `matmul:${JSON.stringify(g)}`, () => matmulSource(g), [f32(a), f32(b)]);
    return make(shape, 'f32', out);
  });

  const conv = (prim: Primitive<ConvParams>, source: (g: Conv2dGeometry) => KernelSource, geometry: (a: Tensor, b: Tensor, p: ConvParams) => Conv2dGeometry, outShape: (g: Conv2dGeometry) => number[]) =>
    registerKernel(GPUJS_BACKEND, prim, (args, p: ConvParams) => {
      const name = prim.name;
      const s = state!;
      const [a, b] = args as [Tensor, Tensor];
      const g = geometry(a, b, p);
      const shape = outShape(g);
      const work = g.n * g.o * g.c * g.kh * g.kw * g.outH * g.outW;
      if (!eligible(args, shapeSize(shape)) || work < s.minWork) return cpu(name, args, p);
      return make(shape, 'f32', run(s, name, `${name}:${JSON.stringify(g)}`, () => source(g), [f32(a), f32(b)]));
    });
  conv(conv2dPrim, conv2dSource, (x, w, p) => convGeometry(x.shape[0]!, x.shape[1]!, w.shape[0]!, p), (g) => [g.n, g.o, g.outH, g.outW]);
  conv(conv2dInputAdjointPrim, conv2dInputAdjointSource, (y, w, p) => convGeometry(y.shape[0]!, w.shape[1]!, w.shape[0]!, p), (g) => [g.n, g.c, g.h, g.w]);
  conv(conv2dFilterAdjointPrim, conv2dFilterAdjointSource, (x, y, p) => convGeometry(x.shape[0]!, x.shape[1]!, y.shape[1]!, p), (g) => [g.o, g.c, g.kh, g.kw]);

  const pool = (prim: Primitive<PoolParams>, source: (g: Pool2dGeometry) => KernelSource, outShape: (g: Pool2dGeometry) => number[]) =>
    registerKernel(GPUJS_BACKEND, prim, (args, p: PoolParams) => {
      const name = prim.name;
      const s = state!;
      const [x] = args as [Tensor];
      const g: Pool2dGeometry = { n: x.shape[0]!, c: x.shape[1]!, ...p };
      const shape = outShape(g);
      if (!eligible(args, shapeSize(shape)) || g.n * g.c * g.outH * g.outW * g.kh * g.kw < s.minWork) return cpu(name, args, p);
      return make(shape, 'f32', run(s, name, `${name}:${JSON.stringify(g)}`, () => source(g), [f32(x)]));
    });
  pool(avgPool2dPrim, avgPool2dSource, (g) => [g.n, g.c, g.outH, g.outW]);
  pool(avgPool2dAdjointPrim, avgPool2dAdjointSource, (g) => [g.n, g.c, g.h, g.w]);

  for (const prim of UNARY_PRIMITIVES.filter((q) => q.name in UNARY_BODIES)) {
    const op = prim.name;
    registerKernel(GPUJS_BACKEND, prim, (args, p) => {
      const s = state!;
      const [x] = args as [Tensor];
      if (!eligible(args, x.size) || x.size < s.elementwiseMinSize) return cpu(op, args, p);
      return make(x.shape, 'f32', run(s, op, `${op}:${x.size}`, () => unarySource(op, x.size), [f32(x)]));
    });
  }
  for (const prim of BINARY_PRIMITIVES.filter((q) => q.name in BINARY_OPS)) {
    const op = prim.name;
    registerKernel(GPUJS_BACKEND, prim, (args, p) => {
      const s = state!;
      const [a, b] = args as [Tensor, Tensor];
      const shape = broadcastShapes(op, a.shape, b.shape);
      const size = shapeSize(shape);
      if (!eligible(args, size) || size < s.elementwiseMinSize || shape.length > 6) return cpu(op, args, p);
      const key = `${op}:${a.shape.join('x')}:${b.shape.join('x')}`;
      return make(shape, 'f32', run(s, op, key, () => binarySource(op, a.shape, b.shape, shape), [f32(a), f32(b)]));
    });
  }
  describeBackend(GPUJS_BACKEND, gpujsInfo);
}

describeBackend(GPUJS_BACKEND, gpujsInfo);

/**
 * Selecting 'gpujs' (setBackend, withBackend) starts gpu.js in 'auto' mode unless useGpujs has
 * started it; when gpu.js cannot be loaded, gpujsInfo() says so and the cpu kernels run.
 */
function activate(): void {
  if (state) return;
  try {
    useGpujs({ select: false });
  } catch (e) {
    disposed = { requested: 'auto' };
    startFailure = e instanceof Error ? e.message : String(e);
  }
}
defineBackend(GPUJS_BACKEND, { activate, describe: gpujsInfo });
