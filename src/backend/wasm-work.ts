/**
 * How the wasm backend splits one kernel call into parts, and how one part runs. The calling
 * thread and every pool worker import this module; each runs its parts on its own instance of
 * the kernels over the shared memory, so a part is a message of pointers and integers.
 *
 * Every part writes a disjoint slice of the output, with scratch of its own:
 *   matmul               whole batch items, or row (m ≥ n) or column slices of every item;
 *   conv2d               whole images, or ranges of output rows of every image;
 *   conv2dInputAdjoint   whole images, or ranges of input rows (the adjoint is a convolution of
 *                        dy with the flipped filter, computed row by row like the forward);
 *   conv2dFilterAdjoint  groups of 4 output channels, or pairs of taps (c·kh·kw), of the whole
 *                        filter gradient, each summed over every image and pixel.
 * The split never changes a value: each element is computed by the same loop whichever part
 * computes it (a matmul slice re-packs its operand panels at the same depth blocking).
 */
import type { Conv2dGeometry, MatmulGeometry } from '../tensor/kernels/types.ts';
import { instantiate, type WasmKernels, type WasmMemory, type WasmModule } from './wasm-module.ts';

interface TaskBase {
  /** Scratch block (byte address) of each part. */
  readonly scratch: readonly number[];
}

export type WasmTask = TaskBase & (
  | { readonly kind: 'wasm:matmul'; readonly a: number; readonly b: number; readonly out: number; readonly g: MatmulGeometry }
  | { readonly kind: 'wasm:conv2d'; readonly x: number; readonly w: number; readonly out: number; readonly g: Conv2dGeometry }
  /** `w` is the flipped, channel-transposed filter (flipFilter). */
  | { readonly kind: 'wasm:conv2dInputAdjoint'; readonly y: number; readonly w: number; readonly out: number; readonly g: Conv2dGeometry }
  | { readonly kind: 'wasm:conv2dFilterAdjoint'; readonly x: number; readonly y: number; readonly out: number; readonly g: Conv2dGeometry }
);

/** A task without its scratch: what the split depends on. */
export type WasmTaskShape = WasmTask extends infer T ? (T extends TaskBase ? Omit<T, 'scratch'> : never) : never;

/** [lo, hi) of part `part` of `parts` over 0..total, on multiples of `align`. */
export function span(total: number, part: number, parts: number, align = 1): [number, number] {
  const units = Math.ceil(total / align);
  const lo = Math.min(total, Math.floor((units * part) / parts) * align);
  const hi = part === parts - 1 ? total : Math.min(total, Math.floor((units * (part + 1)) / parts) * align);
  return [lo, hi];
}

/** Rows per matmul slice and columns per slice: the micro-kernel tile (4 × 8). */
const ROW_ALIGN = 4;
const COL_ALIGN = 8;
/** Output channels per filter-adjoint part and taps per part: its register tile (4 × 2). */
const CHANNEL_ALIGN = 4;
const TAP_ALIGN = 2;

/** A batch of matrices sharing B with contiguous, untransposed A blocks is one tall product. */
export function flatten(g: MatmulGeometry): MatmulGeometry {
  if (g.batch > 1 && g.bBatchStride === 0 && !g.transA && g.aBatchStride === g.m * g.k) {
    return { ...g, batch: 1, m: g.batch * g.m, aBatchStride: 0 };
  }
  return g;
}

/** Multiply-adds of the call. */
export function workOf(t: WasmTaskShape): number {
  if (t.kind === 'wasm:matmul') return t.g.batch * t.g.m * t.g.n * t.g.k;
  const g = t.g;
  return g.n * g.o * g.c * g.kh * g.kw * g.outH * g.outW;
}

/** The units a task splits into (at most this many parts). */
function units(t: WasmTaskShape): number {
  const g = t.g;
  switch (t.kind) {
    case 'wasm:matmul': {
      const m = t.g;
      return Math.max(m.batch, m.m >= m.n ? Math.ceil(m.m / ROW_ALIGN) : Math.ceil(m.n / COL_ALIGN));
    }
    case 'wasm:conv2d':
      return Math.max((g as Conv2dGeometry).n, (g as Conv2dGeometry).outH);
    case 'wasm:conv2dInputAdjoint':
      return Math.max((g as Conv2dGeometry).n, (g as Conv2dGeometry).h);
    case 'wasm:conv2dFilterAdjoint': {
      const c = g as Conv2dGeometry;
      return Math.max(Math.ceil(c.o / CHANNEL_ALIGN), Math.ceil((c.c * c.kh * c.kw) / TAP_ALIGN));
    }
  }
}

/** How many parts the task runs in: at most `limit`, each holding at least `minPartWork` multiply-adds. */
export function partCount(t: WasmTaskShape, limit: number, minPartWork: number): number {
  return Math.max(1, Math.min(limit, Math.floor(workOf(t) / Math.max(1, minPartWork)), units(t)));
}

/** Whether a matmul of `parts` parts splits batch items (else rows or columns of each). */
function matmulSplit(g: MatmulGeometry, parts: number): 'batch' | 'rows' | 'cols' {
  if (g.batch >= parts) return 'batch';
  return g.m >= g.n ? 'rows' : 'cols';
}

/** Whether a filter adjoint of `parts` parts splits output channels (else taps). */
function splitsChannels(g: Conv2dGeometry, parts: number): boolean {
  return Math.ceil(g.o / CHANNEL_ALIGN) >= parts;
}

/** The scratch bytes each of `parts` parts needs (the largest part's). */
export function scratchBytes(k: WasmKernels, t: WasmTaskShape, parts: number): number {
  const g = t.g;
  switch (t.kind) {
    case 'wasm:matmul':
      return k.gemmScratchBytes(t.g.n, t.g.k);
    case 'wasm:conv2d': {
      const c = g as Conv2dGeometry;
      const rows = c.n >= parts ? c.outH : Math.ceil(c.outH / parts) + 1;
      return k.conv2dScratchBytes(c.c, c.kh, c.kw, c.strideH, c.strideW, c.outW, rows);
    }
    case 'wasm:conv2dInputAdjoint': {
      const c = g as Conv2dGeometry;
      const rows = c.n >= parts ? c.h : Math.ceil(c.h / parts) + 1;
      return k.conv2dScratchBytes(c.o, c.kh, c.kw, 1, 1, c.w, rows);
    }
    case 'wasm:conv2dFilterAdjoint': {
      const c = g as Conv2dGeometry;
      let most = 0;
      for (let part = 0; part < parts; part++) {
        const [o0, o1, p0, p1] = filterSlice(c, part, parts);
        most = Math.max(most, k.filterAdjointScratchBytes(c.c, c.kh, c.kw, c.strideH, c.strideW, c.outH, c.outW, o0, o1, p0, p1));
      }
      return most;
    }
  }
}

function filterSlice(g: Conv2dGeometry, part: number, parts: number): [number, number, number, number] {
  const K = g.c * g.kh * g.kw;
  if (parts === 1) return [0, g.o, 0, K];
  if (splitsChannels(g, parts)) {
    const [o0, o1] = span(g.o, part, parts, CHANNEL_ALIGN);
    return [o0, o1, 0, K];
  }
  const [p0, p1] = span(K, part, parts, TAP_ALIGN);
  return [0, g.o, p0, p1];
}

/** Computes part `part` of `parts` of the task into its slice of the output. */
export function runWasmPart(k: WasmKernels, t: WasmTask, part: number, parts: number): void {
  const scratch = t.scratch[part]!;
  switch (t.kind) {
    case 'wasm:matmul':
      return matmulPart(k, t.a, t.b, t.out, t.g, part, parts, scratch);
    case 'wasm:conv2d': {
      const g = t.g, xImage = g.c * g.h * g.w * 4, outImage = g.o * g.outH * g.outW * 4;
      const [b0, b1, r0, r1] = g.n >= parts ? [...span(g.n, part, parts), 0, g.outH] : [0, g.n, ...span(g.outH, part, parts)];
      for (let b = b0; b < b1; b++) {
        k.conv2dRows(t.x + b * xImage, t.w, t.out + b * outImage, g.c, g.h, g.w, 1, 1, g.o, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW, r0, r1, scratch);
      }
      return;
    }
    case 'wasm:conv2dInputAdjoint': {
      const g = t.g, yImage = g.o * g.outH * g.outW * 4, outImage = g.c * g.h * g.w * 4;
      const [b0, b1, r0, r1] = g.n >= parts ? [...span(g.n, part, parts), 0, g.h] : [0, g.n, ...span(g.h, part, parts)];
      for (let b = b0; b < b1; b++) {
        // dy dilated by the strides, padded by k − 1 − pad, against the flipped filter: a stride-1 convolution
        k.conv2dRows(
          t.y + b * yImage, t.w, t.out + b * outImage, g.o, g.outH, g.outW, g.strideH, g.strideW,
          g.c, g.kh, g.kw, 1, 1, g.kh - 1 - g.padTop, g.kw - 1 - g.padLeft, g.h, g.w, r0, r1, scratch,
        );
      }
      return;
    }
    case 'wasm:conv2dFilterAdjoint': {
      const g = t.g;
      const [o0, o1, p0, p1] = filterSlice(g, part, parts);
      k.conv2dFilterAdjoint(t.x, t.y, t.out, g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW, o0, o1, p0, p1, scratch);
      return;
    }
  }
}

function matmulPart(k: WasmKernels, a: number, b: number, out: number, g: MatmulGeometry, part: number, parts: number, scratch: number): void {
  const { batch, m, n, transA, transB, aBatchStride, bBatchStride } = g;
  const kk = g.k;
  const ars = transA ? 1 : kk, acs = transA ? m : 1;
  const brs = transB ? 1 : n, bcs = transB ? kk : 1;
  const split = parts === 1 ? 'batch' : matmulSplit(g, parts);
  const [b0, b1] = split === 'batch' ? span(batch, part, parts) : [0, batch];
  const [r0, r1] = split === 'rows' ? span(m, part, parts, ROW_ALIGN) : [0, m];
  const [j0, j1] = split === 'cols' ? span(n, part, parts, COL_ALIGN) : [0, n];
  if (r1 <= r0 || j1 <= j0) return;
  for (let bt = b0; bt < b1; bt++) {
    k.gemm(
      a + (bt * aBatchStride + r0 * ars) * 4, ars, acs,
      b + (bt * bBatchStride + j0 * bcs) * 4, brs, bcs,
      out + (bt * m * n + r0 * n + j0) * 4, n, r1 - r0, j1 - j0, kk, scratch,
    );
  }
}

// ---------------------------------------------------------------- this thread's instance

let kernels: WasmKernels | undefined;
let setupError: string | undefined;

/** The message that gives a pool worker its instance of the kernels. */
export interface WasmSetup {
  readonly wasmSetup: { readonly module: WasmModule; readonly memory: WasmMemory };
}

export function isWasmSetup(m: unknown): m is WasmSetup {
  return typeof m === 'object' && m !== null && 'wasmSetup' in m;
}

/** Instantiates the kernels in this thread (a worker, on its setup message). */
export function setUpWasm(m: WasmSetup): void {
  try {
    kernels = instantiate(m.wasmSetup.module, m.wasmSetup.memory);
    setupError = undefined;
  } catch (e) {
    kernels = undefined;
    setupError = e instanceof Error ? e.message : String(e);
  }
}

/** Runs a part in a worker, on the instance its setup message created. */
export function runWasmPartHere(t: WasmTask, part: number, parts: number): void {
  if (!kernels) throw new Error(`the worker has no WebAssembly kernels${setupError ? `: ${setupError}` : ''}`);
  runWasmPart(kernels, t, part, parts);
}

export function isWasmTask(t: { readonly kind: string }): t is WasmTask {
  return t.kind.startsWith('wasm:');
}
