/**
 * Finding, checking and instantiating the WebAssembly kernels (assembly/, built by `npm run
 * build` to build/kernels.wasm). The module imports one shared memory (`env.memory`): every
 * thread instantiates it over the same memory, and a shared memory never detaches when it grows
 * (a detached buffer anywhere in the process slows every typed-array access; see BENCHMARKS.md).
 *
 * Each reason the kernels cannot run here is one sentence, which the backend reports and the
 * CLI prints: WebAssembly or its SIMD extension missing, no shared memory, the file not built.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The kernels' exports (assembly/index.ts); pointers are byte addresses in the shared memory. */
export interface WasmKernels {
  gemm(a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, m: number, n: number, k: number, scratch: number): void;
  gemmScratchBytes(n: number, k: number): number;
  conv2dRows(
    x: number, w: number, out: number, c: number, h: number, wd: number, dilH: number, dilW: number,
    o: number, kh: number, kw: number, sh: number, sw: number, padTop: number, padLeft: number, outH: number, outW: number,
    oy0: number, oy1: number, scratch: number,
  ): void;
  conv2dScratchBytes(c: number, kh: number, kw: number, sh: number, sw: number, outW: number, rows: number): number;
  flipFilter(w: number, o: number, c: number, kh: number, kw: number, dst: number): void;
  conv2dFilterAdjoint(
    x: number, dy: number, dw: number, n: number, c: number, h: number, wd: number,
    o: number, kh: number, kw: number, sh: number, sw: number, padTop: number, padLeft: number, outH: number, outW: number,
    o0: number, o1: number, p0: number, p1: number, scratch: number,
  ): void;
  filterAdjointScratchBytes(c: number, kh: number, kw: number, sh: number, sw: number, outH: number, outW: number, o0: number, o1: number, p0: number, p1: number): number;
  avgPool2d(x: number, out: number, planes: number, h: number, wd: number, kh: number, kw: number, sh: number, sw: number, outH: number, outW: number): void;
  avgPool2dAdjoint(y: number, out: number, planes: number, h: number, wd: number, kh: number, kw: number, sh: number, sw: number, outH: number, outW: number): void;
  unary(op: number, x: number, out: number, len: number): void;
  binary(op: number, mode: number, a: number, b: number, out: number, len: number): void;
  where(scalars: number, cond: number, a: number, b: number, out: number, len: number): void;
  sumReduce(x: number, out: number, outer: number, count: number, inner: number): void;
  allFinite(x: number, len: number): number;
}

/*
 * The few WebAssembly JS API types used here (the project's lib setting has no DOM types, where
 * TypeScript declares them).
 */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
export type WasmModule = object;
/** The parts of the WebAssembly JS API the kernels use. */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The memory's limits in 64 KiB pages: 4 GiB, all a 32-bit wasm memory can address. */
export const MAX_PAGES = 65536;

/** A module using one SIMD instruction (`v128.const`): WebAssembly.validate says whether the engine has SIMD. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b, // code: v128.const 0
]);

/** The parts of the engine the kernels need (a parameter, so that tests can take parts away). */
export interface WasmEngine {
  readonly WebAssembly?: Pick<WasmApi, 'validate' | 'Memory'>;
}

function api(): WasmApi {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly!;
}

/** Why the kernels cannot run on this engine, or null when they can. */
export function wasmEngineProblem(engine: WasmEngine = globalThis as unknown as WasmEngine): string | null {
  const wasm = engine.WebAssembly;
  if (!wasm) return 'WebAssembly is not available';
  if (!wasm.validate(SIMD_PROBE)) return 'WebAssembly SIMD (128-bit) is not supported by this engine';
  try {
    new wasm.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (e) {
    return `shared WebAssembly memory is unavailable (${e instanceof Error ? e.message : String(e)})`;
  }
  return null;
}

/**
 * Where the built kernels are: an explicit path, else FGFLOW_WASM_KERNELS, else build/kernels.wasm
 * in the nearest folder above this module that has one (the package root for src/, dist/ and the
 * benchmarks' compiled copy).
 */
export function locateKernels(explicit?: string): { path: string | null; looked: string[] } {
  const wanted = explicit ?? process.env.FGFLOW_WASM_KERNELS;
  if (wanted) return { path: existsSync(wanted) ? resolve(wanted) : null, looked: [resolve(wanted)] };
  const looked: string[] = [];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'build', 'kernels.wasm');
    looked.push(candidate);
    if (existsSync(candidate)) return { path: candidate, looked };
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return { path: null, looked };
}

export interface LoadedKernels {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly kernels: WasmKernels;
  readonly path: string;
}

/** Compiles and instantiates the kernels over a new shared memory; returns the reason instead when it cannot. */
export function loadKernels(path?: string): LoadedKernels | string {
  const problem = wasmEngineProblem();
  if (problem) return problem;
  const found = locateKernels(path);
  if (!found.path) return `the WebAssembly kernels are not built: no ${found.looked[0]} (run \`npm run build\`)`;
  try {
    const { Module, Memory } = api();
    const module = new Module(readFileSync(found.path));
    const memory = new Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    const kernels = instantiate(module, memory);
    return { module, memory, kernels, path: found.path };
  } catch (e) {
    return `the WebAssembly kernels at ${found.path} could not be loaded: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** One thread's instance of the kernels over the shared memory. */
export function instantiate(module: WasmModule, memory: WasmMemory): WasmKernels {
  return new (api().Instance)(module, { env: { memory } }).exports as unknown as WasmKernels;
}
