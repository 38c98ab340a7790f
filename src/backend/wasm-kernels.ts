/**
 * The one place that maps primitives to the wasm kernels: for each, when it runs (f32, above the
 * size thresholds, a layout the kernels take) and how its geometry becomes a kernel call.
 */
import { broadcastShapes, convGeometry, matmulGeometry, type ConvSpatial, type MatmulFlags } from '../tensor/geometry.ts';
import type { Pool2dGeometry } from '../tensor/kernels/types.ts';
import { shapeSize } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Primitive } from '../ad/primitive.ts';
import { BINARY_PRIMITIVES, wherePrim } from '../ad/primitives/binary.ts';
import { conv2dFilterAdjointPrim, conv2dInputAdjointPrim, conv2dPrim } from '../ad/primitives/conv.ts';
import { matmulPrim } from '../ad/primitives/matmul.ts';
import { avgPool2dAdjointPrim, avgPool2dPrim } from '../ad/primitives/pool.ts';
import { sumPrim } from '../ad/primitives/reduce.ts';
import { UNARY_PRIMITIVES } from '../ad/primitives/unary.ts';
import type { KernelImpl } from './registry.ts';
import { decline, f32Only, runSplit, state, WasmError, withCall } from './wasm-calls.ts';
import { BINARY_CODES, BOTH, broadcastRuns, reductionTriple, SCALAR_A, SCALAR_B, UNARY_CODES } from './wasm-ops.ts';
import { flatten, workOf, type WasmTaskShape } from './wasm-work.ts';

function matmulKernel(args: readonly Tensor[], p: MatmulFlags): Tensor | undefined {
  const [a, b] = args as [Tensor, Tensor];
  if (!f32Only(args)) return decline('matmul', 'f64 or empty');
  const { g, shape } = matmulGeometry(a.shape, b.shape, p);
  if (g.batch * g.m * g.n === 0 || g.k === 0) return decline('matmul', 'f64 or empty');
  const shapeOnly: WasmTaskShape = { kind: 'wasm:matmul', a: 0, b: 0, out: 0, g: flatten(g) };
  if (workOf(shapeOnly) < state.settings.minWork) return decline('matmul', 'small');
  return withCall('matmul', args, shape, true, (r, [pa, pb], out) => runSplit(r, { ...shapeOnly, a: pa!, b: pb!, out }));
}

function convKernel(kind: 'conv2d' | 'conv2dInputAdjoint' | 'conv2dFilterAdjoint'): KernelImpl<ConvSpatial> {
  return (args, p) => {
    const [u, v] = args as [Tensor, Tensor];
    if (!f32Only(args)) return decline(kind, 'f64 or empty');
    const g = kind === 'conv2d' ? convGeometry(u.shape[0]!, u.shape[1]!, v.shape[0]!, p)
      : kind === 'conv2dInputAdjoint' ? convGeometry(u.shape[0]!, v.shape[1]!, v.shape[0]!, p)
      : convGeometry(u.shape[0]!, u.shape[1]!, v.shape[1]!, p);
    const shape = kind === 'conv2d' ? [g.n, g.o, g.outH, g.outW] : kind === 'conv2dInputAdjoint' ? [g.n, g.c, g.h, g.w] : [g.o, g.c, g.kh, g.kw];
    if (shapeSize(shape) === 0 || g.outH * g.outW === 0) return decline(kind, 'f64 or empty');
    const shapeOnly = { kind: `wasm:${kind}`, g } as const;
    if (workOf({ ...shapeOnly, x: 0, w: 0, out: 0 } as WasmTaskShape) < state.settings.minWork) return decline(kind, 'small');
    return withCall(kind, args, shape, true, (r, [pu, pv], out) => {
      if (kind === 'conv2d') return runSplit(r, { kind: 'wasm:conv2d', x: pu!, w: pv!, out, g });
      if (kind === 'conv2dFilterAdjoint') return runSplit(r, { kind: 'wasm:conv2dFilterAdjoint', x: pu!, y: pv!, out, g });
      // the input adjoint convolves dy with the flipped filter, built once per call
      const flipped = r.residents.allocate(v.size * 4);
      if (flipped === null) throw new WasmError(`${kind}: no memory for the flipped filter (memoryLimit ${state.settings.memoryLimit} bytes)`);
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

function poolKernel(kind: 'avgPool2d' | 'avgPool2dAdjoint'): KernelImpl<PoolParams> {
  return (args, p) => {
    const [x] = args as [Tensor];
    if (!f32Only(args)) return decline(kind, 'f64 or empty');
    const [n, c] = x.shape as [number, number];
    const shape = kind === 'avgPool2d' ? [n, c, p.outH, p.outW] : [n, c, p.h, p.w];
    if (Math.max(x.size, shapeSize(shape)) < state.settings.elementwiseMinSize) return decline(kind, 'small');
    return withCall(kind, args, shape, false, (r, [px], out) => {
      const k = r.loaded.kernels;
      (kind === 'avgPool2d' ? k.avgPool2d : k.avgPool2dAdjoint)(px!, out, n * c, p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.outH, p.outW);
    });
  };
}

function unaryKernel(name: string, code: number): KernelImpl<void> {
  return (args) => {
    const [x] = args as [Tensor];
    if (!f32Only(args)) return decline(name, 'f64 or empty');
    if (x.size < state.settings.elementwiseMinSize) return decline(name, 'small');
    return withCall(name, args, x.shape, false, (r, [px], out) => r.loaded.kernels.unary(code, px!, out, x.size));
  };
}

/** The kernel's operand layout for a run in which a and b advance by stepA and stepB (0: one repeated value). */
function runMode(stepA: number, stepB: number): number {
  return stepA === 0 ? SCALAR_A : stepB === 0 ? SCALAR_B : BOTH;
}

function binaryKernel(name: string, code: number): KernelImpl<void> {
  return (args) => {
    const [a, b] = args as [Tensor, Tensor];
    if (!f32Only(args)) return decline(name, 'f64 or empty');
    const shape = broadcastShapes(name, a.shape, b.shape);
    if (shapeSize(shape) < state.settings.elementwiseMinSize) return decline(name, 'small');
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
  if (shapeSize(shape) < state.settings.elementwiseMinSize) return decline('where', 'small');
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
  if (x.size < state.settings.elementwiseMinSize) return decline('sum', 'small');
  const triple = reductionTriple(x.shape, p.axes);
  if (!triple) return decline('sum', 'kept axes not adjacent');
  const shape: number[] = [];
  x.shape.forEach((d, i) => {
    if (!p.axes.includes(i)) shape.push(d);
    else if (p.keepDims) shape.push(1);
  });
  return withCall('sum', args, shape, false, (r, [px], out) => r.loaded.kernels.sumReduce(px!, out, triple.outer, triple.count, triple.inner));
}

/** Registers one kernel; the signature ties the kernel's params to its primitive's. */
export type KernelRegistrar = <P>(primitive: Primitive<P>, impl: KernelImpl<P>) => void;

/** Hands the kernel of each primitive the backend accelerates to `register`. */
export function registerWasmKernels(register: KernelRegistrar): void {
  register(matmulPrim, matmulKernel);
  register(conv2dPrim, convKernel('conv2d'));
  register(conv2dInputAdjointPrim, convKernel('conv2dInputAdjoint'));
  register(conv2dFilterAdjointPrim, convKernel('conv2dFilterAdjoint'));
  register(avgPool2dPrim, poolKernel('avgPool2d'));
  register(avgPool2dAdjointPrim, poolKernel('avgPool2dAdjoint'));
  register(wherePrim, whereKernel);
  register(sumPrim, sumKernel);
  for (const prim of UNARY_PRIMITIVES) {
    const code = UNARY_CODES[prim.name];
    if (code !== undefined) register(prim, unaryKernel(prim.name, code));
  }
  for (const prim of BINARY_PRIMITIVES) {
    const code = BINARY_CODES[prim.name];
    if (code !== undefined) register(prim, binaryKernel(prim.name, code));
  }
}
