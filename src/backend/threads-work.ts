/**
 * How the cpu-threads backend splits one kernel call into parts, and how one part runs. The main
 * thread and every worker import this module and derive the same split from (task, part, parts),
 * so a message only carries the task and two integers.
 *
 * Every part writes a disjoint slice of the output and computes each of its elements exactly as
 * the single-thread kernel does (same accumulation order, same rounding), so the result is
 * bit-identical to one thread whatever the thread count:
 *   matmul               whole batch items, or row or column slices of every item (each output
 *                        element's sum depends only on the k-blocking, not on which rows or
 *                        columns share a call); columns when n > m, since each part re-packs
 *                        the operand it does not split and the narrower one is cheaper;
 *   conv2d               whole batch items, or ranges of output pixels of every item, computed in
 *                        place (each part packs only its pixels' im2col columns; splitting
 *                        output channels instead would make every part re-pack all of them);
 *   conv2dInputAdjoint   whole batch items, or input-channel slices of every item (the rows
 *                        (ic, ky, kx) of Wᵀ·dy scatter only into plane ic, and the kernel's
 *                        column chunks depend on the whole geometry, not on the slice, so each
 *                        pixel receives its terms in the same order);
 *   conv2dFilterAdjoint  input-channel or output-channel slices, whichever operand is wider
 *                        (batch items and pixels are summed into every element, so neither
 *                        may be split).
 */
import { conv2d, conv2dFilterAdjoint, conv2dInputAdjoint } from '../tensor/kernels/conv.ts';
import { gemm, gemmPacked, matmul, packPanelA, packPanelB } from '../tensor/kernels/matmul.ts';
import type { Conv2dGeometry, FloatArray, MatmulGeometry } from '../tensor/kernels/types.ts';

export type Task =
  | { readonly kind: 'matmul'; readonly a: FloatArray; readonly b: FloatArray; readonly out: FloatArray; readonly g: MatmulGeometry }
  | { readonly kind: 'conv2d'; readonly x: FloatArray; readonly w: FloatArray; readonly out: FloatArray; readonly g: Conv2dGeometry }
  | { readonly kind: 'conv2dInputAdjoint'; readonly y: FloatArray; readonly w: FloatArray; readonly out: FloatArray; readonly g: Conv2dGeometry }
  | { readonly kind: 'conv2dFilterAdjoint'; readonly x: FloatArray; readonly y: FloatArray; readonly out: FloatArray; readonly g: Conv2dGeometry };

/** What the split depends on: the kind of call and its geometry (a Task without its buffers). */
export type TaskShape =
  | { readonly kind: 'matmul'; readonly g: MatmulGeometry }
  | { readonly kind: 'conv2d' | 'conv2dInputAdjoint' | 'conv2dFilterAdjoint'; readonly g: Conv2dGeometry };

/**
 * The fewest multiply-adds a row slice of one matrix may hold. gemm switches to a plain loop for
 * small products (4096 multiply-adds today), and a slice must take the same path as the whole
 * matrix to round the same way; this floor keeps every slice far above that cutoff (column
 * slices call the blocked driver directly, which the whole matrix also takes above the cutoff).
 */
export const MIN_SLICE_MACS = 1 << 15;

/** Rows of the micro-kernel tile: slices aligned to it keep full tiles. */
const ALIGN = 4;

/** Multiply-adds of one call: the measure that decides whether threads pay. */
export function workOf(task: TaskShape): number {
  if (task.kind === 'matmul') {
    const g = task.g;
    return g.batch * g.m * g.n * g.k;
  }
  const g = task.g;
  return g.n * g.o * g.c * g.kh * g.kw * g.outH * g.outW;
}

/** How many parts the task can be split into, at most `limit`, each holding at least `minPart` multiply-adds. */
export function partCount(task: TaskShape, limit: number, minPart: number): number {
  let p = Math.min(limit, Math.floor(workOf(task) / Math.max(minPart, 1)));
  switch (task.kind) {
    case 'matmul': {
      const g = task.g;
      if (p <= g.batch) break;
      const [split, other] = g.n > g.m ? [g.n, g.m] : [g.m, g.n];
      p = Math.min(p, Math.ceil(split / ALIGN));
      while (p > g.batch && p > 1 && smallestSlice(split, p) * other * g.k < MIN_SLICE_MACS) p--;
      break;
    }
    case 'conv2d':
      if (p > task.g.n) p = Math.min(p, Math.ceil((task.g.outH * task.g.outW) / ALIGN));
      break;
    case 'conv2dInputAdjoint':
      if (p > task.g.n) p = Math.min(p, task.g.c);
      break;
    case 'conv2dFilterAdjoint':
      if (!splitsFilterChannels(task.g, p)) p = Math.min(p, Math.ceil(task.g.o / ALIGN));
      break;
  }
  return Math.max(1, p);
}

function smallestSlice(total: number, parts: number): number {
  let min = total;
  for (let i = 0; i < parts; i++) {
    const [lo, hi] = range(total, i, parts, ALIGN);
    if (hi - lo < min) min = hi - lo;
  }
  return min;
}

/** [lo, hi) of part `part` of `parts` over 0..total, boundaries on multiples of `align` where possible. */
export function range(total: number, part: number, parts: number, align = 1): [number, number] {
  const units = Math.ceil(total / align);
  const lo = Math.min(total, Math.floor((units * part) / parts) * align);
  const hi = part === parts - 1 ? total : Math.min(total, Math.floor((units * (part + 1)) / parts) * align);
  return [lo, hi];
}

/** Computes part `part` of `parts` of the task into its slice of `task.out`. */
export function runPart(task: Task, part: number, parts: number): void {
  switch (task.kind) {
    case 'matmul':
      return matmulPart(task.a, task.b, task.out, task.g, part, parts);
    case 'conv2d':
      return conv2dPart(task.x, task.w, task.out, task.g, part, parts);
    case 'conv2dInputAdjoint':
      return inputAdjointPart(task.y, task.w, task.out, task.g, part, parts);
    case 'conv2dFilterAdjoint':
      return filterAdjointPart(task.x, task.y, task.out, task.g, part, parts);
  }
}

function matmulPart(a: FloatArray, b: FloatArray, out: FloatArray, g: MatmulGeometry, part: number, parts: number): void {
  const { batch, m, n, k, transA, transB, aBatchStride, bBatchStride } = g;
  if (parts === 1) return matmul(a, b, out, g);
  if (batch >= parts) {
    const [b0, b1] = range(batch, part, parts);
    if (b1 === b0) return;
    matmul(
      a.subarray(b0 * aBatchStride),
      b.subarray(b0 * bBatchStride),
      out.subarray(b0 * m * n, b1 * m * n),
      { ...g, batch: b1 - b0 },
    );
    return;
  }
  const ars = transA ? 1 : k, acs = transA ? m : 1;
  const brs = transB ? 1 : n, bcs = transB ? k : 1;
  if (n > m) {
    const [j0, j1] = range(n, part, parts, ALIGN);
    if (j1 === j0) return;
    for (let bt = 0; bt < batch; bt++) {
      const aOff = bt * aBatchStride, bOff = bt * bBatchStride + j0 * bcs;
      // the packing closures gemm itself builds, over this part's columns and writing with the full row stride n
      gemmPacked(
        m, j1 - j0, k,
        (dst, i0, mc, p0, kc, mr) => packPanelA(a, aOff + i0 * ars + p0 * acs, ars, acs, mc, kc, dst, mr),
        (dst, p0, kc, jb, nc) => packPanelB(b, bOff + p0 * brs + jb * bcs, brs, bcs, kc, nc, dst),
        out, bt * m * n + j0, n, false,
      );
    }
    return;
  }
  const [r0, r1] = range(m, part, parts, ALIGN);
  if (r1 === r0) return;
  for (let bt = 0; bt < batch; bt++) {
    gemm(a, bt * aBatchStride + r0 * ars, ars, acs, b, bt * bBatchStride, brs, bcs, out, bt * m * n + r0 * n, r1 - r0, n, k);
  }
}

function conv2dPart(x: FloatArray, w: FloatArray, out: FloatArray, g: Conv2dGeometry, part: number, parts: number): void {
  const { n, c, h, o, outH, outW } = g;
  if (parts === 1) return conv2d(x, w, g, out);
  const xs = c * h * g.w, P = outH * outW;
  if (n >= parts) {
    const [b0, b1] = range(n, part, parts);
    if (b1 === b0) return;
    conv2d(x.subarray(b0 * xs, b1 * xs), w, { ...g, n: b1 - b0 }, out.subarray(b0 * o * P, b1 * o * P));
    return;
  }
  // output pixels [j0, j1) of every image, computed in place (whole micro-kernel tiles per part)
  const [j0, j1] = range(P, part, parts, ALIGN);
  conv2d(x, w, g, out, j0, j1);
}

function newLike(a: FloatArray, len: number): FloatArray {
  return a instanceof Float64Array ? new Float64Array(len) : new Float32Array(len);
}

function inputAdjointPart(y: FloatArray, w: FloatArray, out: FloatArray, g: Conv2dGeometry, part: number, parts: number): void {
  const { n, c, h, o, outH, outW } = g;
  if (parts === 1) return conv2dInputAdjoint(y, w, g, out);
  const xs = c * h * g.w, ys = o * outH * outW;
  if (n >= parts) {
    const [b0, b1] = range(n, part, parts);
    if (b1 === b0) return;
    conv2dInputAdjoint(y.subarray(b0 * ys, b1 * ys), w, { ...g, n: b1 - b0 }, out.subarray(b0 * xs, b1 * xs));
    return;
  }
  // input channels [c0, c1) of every image: the kernel computes them in place, in the same order
  const [c0, c1] = range(c, part, parts);
  if (c1 > c0) conv2dInputAdjoint(y, w, g, out, c0, c1);
}

function filterAdjointPart(x: FloatArray, y: FloatArray, out: FloatArray, g: Conv2dGeometry, part: number, parts: number): void {
  const { n, c, h, o, kh, kw, outH, outW } = g;
  if (parts === 1) return conv2dFilterAdjoint(x, y, g, out);
  const P = outH * outW, K = c * kh * kw, khw = kh * kw, plane = h * g.w;
  if (splitsFilterChannels(g, parts)) {
    // input channels [c0, c1): the columns (ic, ky, kx) of dW that read only those channels of x
    const [c0, c1] = range(c, part, parts);
    if (c1 === c0) return;
    const cs = c1 - c0;
    let xs: FloatArray;
    if (n === 1) xs = x.subarray(c0 * plane, c1 * plane);
    else {
      xs = newLike(x, n * cs * plane);
      for (let b = 0; b < n; b++) xs.set(x.subarray((b * c + c0) * plane, (b * c + c1) * plane), b * cs * plane);
    }
    const tmp = newLike(out, o * cs * khw);
    conv2dFilterAdjoint(xs, y, { ...g, c: cs }, tmp);
    for (let oc = 0; oc < o; oc++) out.set(tmp.subarray(oc * cs * khw, (oc + 1) * cs * khw), oc * K + c0 * khw);
    return;
  }
  const [o0, o1] = range(o, part, parts, ALIGN);
  if (o1 === o0) return;
  const os = o1 - o0;
  let ys: FloatArray;
  if (n === 1) {
    ys = y.subarray(o0 * P, o1 * P);
  } else {
    // the kernel wants [n, os, P] contiguous: gather this part's channels of every batch item
    ys = newLike(y, n * os * P);
    for (let b = 0; b < n; b++) ys.set(y.subarray((b * o + o0) * P, (b * o + o1) * P), b * os * P);
  }
  conv2dFilterAdjoint(x, ys, { ...g, o: os }, out.subarray(o0 * K, o1 * K));
}

/**
 * Whether the filter adjoint splits input channels (else output channels). Each part re-packs
 * the operand it does not split, so split the wider one: channels when the im2col width
 * c·kh·kw exceeds o.
 */
function splitsFilterChannels(g: Conv2dGeometry, parts: number): boolean {
  return g.c * g.kh * g.kw >= g.o && g.c >= parts;
}
