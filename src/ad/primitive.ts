/**
 * What a primitive is. Its name, shape rule and CPU kernel are declared once, in
 * src/ad/primitives; its derivative rules are registered afterwards, in src/ad/rules.ts, so the
 * files that declare primitives never need each other's operations. Backends key their kernels
 * by the same objects (src/backend/registry.ts imports only these types).
 */
import type { Tensor } from '../tensor/tensor.ts';
import type { DType, Shape } from '../tensor/shape.ts';

export type MaybeTensor = Tensor | null;

/** The abstract value a shape rule computes: enough to check an operation before running it. */
export interface Aval {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** The part of a primitive its declaration gives: name, shape rule and CPU kernel. */
export interface PrimitiveDeclaration<P> {
  readonly name: string;
  /** Validates operands and computes the output's shape and dtype; throws a typed error. */
  shapeRule(args: readonly Aval[], params: P): Aval;
  /** The CPU kernel, on concrete tensors; `out` is what the shape rule computed for them. */
  impl(args: readonly Tensor[], params: P, out: Aval): Tensor;
}

/**
 * Derivative rules, written with the DSL's differentiable operations so that a derivative
 * differentiates again to any order.
 */
export interface DerivativeRules<P> {
  /** The output tangent, given primals, tangents (null: a symbolic zero) and the computed output. */
  jvp(primals: readonly Tensor[], tangents: readonly MaybeTensor[], params: P, out: Tensor): MaybeTensor;
  /** The cotangent of each operand whose `needs` flag is set (null elsewhere, or when it is zero). */
  vjp(cotangent: Tensor, primals: readonly Tensor[], params: P, out: Tensor, needs: readonly boolean[]): MaybeTensor[];
}

// Members are methods, not function-valued properties, so that a Primitive<ConvParams> is also a
// Primitive<unknown>: the table and the kernel registry hold primitives of every params type.
export interface Primitive<P = unknown> extends PrimitiveDeclaration<P> {
  /** Present once rules are registered; a primitive without them has no derivative (its outputs are constants). */
  readonly jvp?: DerivativeRules<P>['jvp'];
  readonly vjp?: DerivativeRules<P>['vjp'];
}
