/**
 * The autodiff core: a primitive table and interpreters with identity-tagged values
 * (after JAX's autodidax and HIPS autograd). Every operation goes through `bind`.
 * A traced tensor belongs to exactly one trace; `bind` hands the call to the highest-level
 * trace among its arguments, which unpacks only its own tracers and treats everything else
 * as a constant, then binds again one level down. With no tracers, the evaluation
 * interpreter runs the kernel. There is no global tape: a trace lives only in the tracers
 * it made.
 */
import { lookupKernel } from '../backend/registry.ts';
import { DTypeError } from '../tensor/errors.ts';
import { Tensor, type TracerPayload } from '../tensor/tensor.ts';
import type { DType, Shape } from '../tensor/shape.ts';

export type MaybeTensor = Tensor | null;

/** The abstract value a shape rule computes: enough to check an operation before running it. */
export interface Aval {
  readonly shape: Shape;
  readonly dtype: DType;
}

export interface Primitive<P = any> {
  readonly name: string;
  /** Validates operands and computes the output's shape and dtype; throws a typed error. */
  readonly shapeRule: (args: readonly Aval[], params: P) => Aval;
  /** The CPU kernel, on concrete tensors. */
  readonly impl: (args: readonly Tensor[], params: P) => Tensor;
  /**
   * Forward rule: the output tangent, given primals, tangents (null = symbolic zero) and the
   * already computed output. Written with differentiable ops, so it differentiates again.
   * Undefined for primitives with no derivative (their outputs are constants).
   */
  readonly jvp?: (primals: readonly Tensor[], tangents: readonly MaybeTensor[], params: P, out: Tensor) => MaybeTensor;
  /**
   * Reverse rule: the cotangent for each operand whose `needs` flag is set (null elsewhere or when zero).
   * Also written with differentiable ops.
   */
  readonly vjp?: (cotangent: Tensor, primals: readonly Tensor[], params: P, out: Tensor, needs: readonly boolean[]) => MaybeTensor[];
}

const table = new Map<string, Primitive>();

export function definePrimitive<P>(prim: Primitive<P>): Primitive<P> {
  if (table.has(prim.name)) throw new Error(`primitive ${prim.name} is defined twice`);
  table.set(prim.name, prim);
  return prim;
}

export function primitives(): ReadonlyMap<string, Primitive> {
  return table;
}

// ---------------------------------------------------------------- traces

export abstract class Trace {
  private static nextLevel = 1;
  /** Later traces get higher levels; a trace opened inside another's function is always above it. */
  readonly level = Trace.nextLevel++;
  abstract process(prim: Primitive, args: readonly Tensor[], params: unknown): Tensor;
}

export interface AdPayload extends TracerPayload {
  readonly trace: Trace;
}

export function traceOf(x: Tensor): Trace | undefined {
  return (x.tracer as AdPayload | undefined)?.trace;
}

/** The value of `x` as seen by `trace`: its primal if `trace` tagged it, else itself (a constant there). */
export function primalFor(x: Tensor, trace: Trace): Tensor {
  const p = x.tracer as AdPayload | undefined;
  return p && p.trace === trace ? p.primal : x;
}

export function bind<P>(prim: Primitive<P>, args: readonly Tensor[], params: P): Tensor {
  let top: Trace | undefined;
  for (const a of args) {
    const t = traceOf(a);
    if (t && (!top || t.level > top.level)) top = t;
  }
  if (top) return top.process(prim, args, params);
  return evaluate(prim, args, params);
}

function evaluate<P>(prim: Primitive<P>, args: readonly Tensor[], params: P): Tensor {
  const aval = prim.shapeRule(args, params);
  const out = lookupKernel(prim.name)?.(args, params) ?? prim.impl(args, params);
  if (out.dtype !== aval.dtype) throw new DTypeError(prim.name, `kernel returned ${out.dtype}, expected ${aval.dtype}`);
  return out;
}

/** Runs only the shape rule (used by traces to validate before recursing). */
export function abstractEval<P>(prim: Primitive<P>, args: readonly Aval[], params: P): Aval {
  return prim.shapeRule(args, params);
}
