/**
 * The autodiff core: the primitive table and interpreters with identity-tagged values (after
 * JAX's autodidax and HIPS autograd). Every operation goes through `bind`. A traced tensor
 * belongs to exactly one trace; `bind` hands the call to the highest-level trace among its
 * arguments, which unpacks only its own tracers and treats everything else as a constant, then
 * binds again one level down. With no tracers, the evaluation interpreter runs the kernel. There
 * is no global tape: a trace lives only in the tracers it made.
 */
import { lookupKernel } from '../backend/registry.ts';
import { ArgumentError, DTypeError } from '../tensor/errors.ts';
import type { Tensor, TracerPayload } from '../tensor/tensor.ts';
import type { DerivativeRules, Primitive, PrimitiveDeclaration } from './primitive.ts';

export type { Aval, DerivativeRules, MaybeTensor, Primitive, PrimitiveDeclaration } from './primitive.ts';

const table = new Map<string, Primitive>();

/** Adds a primitive to the table; its derivative rules, if it has any, come later through `defineRules`. */
export function definePrimitive<P>(declaration: PrimitiveDeclaration<P>): Primitive<P> {
  if (table.has(declaration.name)) throw new ArgumentError('definePrimitive', `primitive ${declaration.name} is defined twice`);
  const prim: Primitive<P> = { name: declaration.name, shapeRule: declaration.shapeRule, impl: declaration.impl };
  table.set(prim.name, prim);
  return prim;
}

type Mutable<P> = { -readonly [K in keyof Primitive<P>]: Primitive<P>[K] };

/** Registers a primitive's jvp and vjp rules, once. */
export function defineRules<P>(prim: Primitive<P>, rules: DerivativeRules<P>): void {
  if (table.get(prim.name) !== prim) throw new ArgumentError('defineRules', `primitive ${prim.name} is not in the table (declare it with definePrimitive)`);
  if (prim.jvp || prim.vjp) throw new ArgumentError('defineRules', `primitive ${prim.name} already has derivative rules`);
  const target = prim as Mutable<P>;
  target.jvp = rules.jvp;
  target.vjp = rules.vjp;
}

export function primitives(): ReadonlyMap<string, Primitive> {
  return table;
}

// ---------------------------------------------------------------- traces

export abstract class Trace {
  private static nextLevel = 1;
  /** Later traces get higher levels; a trace opened inside another's function is always above it. */
  readonly level = Trace.nextLevel++;
  abstract process<P>(prim: Primitive<P>, args: readonly Tensor[], params: P): Tensor;
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

/** The shape rule checks the operands and gives the output's aval, which the kernel builds its output from. */
function evaluate<P>(prim: Primitive<P>, args: readonly Tensor[], params: P): Tensor {
  const aval = prim.shapeRule(args, params);
  const out = lookupKernel(prim)?.(args, params, aval) ?? prim.impl(args, params, aval);
  if (out.dtype !== aval.dtype) throw new DTypeError(prim.name, `kernel returned ${out.dtype}, expected ${aval.dtype}`);
  return out;
}
