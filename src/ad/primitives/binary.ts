/**
 * Elementwise binary primitives with NumPy broadcasting, comparisons (masks of 0/1 with no
 * derivative) and `where`. Reverse rules sum cotangents back to each operand's shape with
 * `unbroadcast`, itself made of differentiable ops.
 */
import { compileBinary, mapTernary } from '../../tensor/kernels/elementwise.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { sameShape, type Broadcast, type BroadcastShape, type Check, type DType, type Shape } from '../../tensor/shape.ts';
import { bind, definePrimitive, type MaybeTensor, type Primitive } from '../core.ts';
import { broadcastTo, sum } from './reduce.ts';
import { reshape } from './layout.ts';
import { log, neg } from './unary.ts';
import { broadcastShapes, make, newBuffer, sameDType, toTensors, type Operand } from './util.ts';

/** Sums `x` over the axes along which `shape` was broadcast to x's shape, giving a tensor of `shape`. */
export function unbroadcast(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const lead = x.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? sum(x, axes, { keepDims: true }) : x;
  return reshape(summed, shape);
}

function expandTo(t: Tensor, shape: Shape): Tensor {
  return sameShape(t.shape, shape) ? t : broadcastTo(t, shape);
}

type BinaryRules = {
  jvp?: (a: Tensor, b: Tensor, ta: MaybeTensor, tb: MaybeTensor, out: Tensor) => MaybeTensor;
  vjp?: (ct: Tensor, a: Tensor, b: Tensor, out: Tensor, needs: readonly boolean[]) => [MaybeTensor, MaybeTensor];
};

/** `expr` computes the result from `a` and `b` (JavaScript, compiled once into the kernel's loops). */
function binaryPrimitive(name: string, expr: string, rules: BinaryRules): Primitive<void> {
  const kernel = compileBinary(expr);
  return definePrimitive<void>({
    name,
    shapeRule: ([a, b]) => ({ shape: broadcastShapes(name, a!.shape, b!.shape), dtype: sameDType(name, [a!, b!]) }),
    impl: ([a, b]) => {
      const shape = broadcastShapes(name, a!.shape, b!.shape);
      const out = newBuffer(a!.dtype, shape.reduce((p, d) => p * d, 1));
      kernel(a!.data, a!.shape, b!.data, b!.shape, shape, out);
      return make(shape, a!.dtype, out);
    },
    ...(rules.jvp ? { jvp: ([a, b], [ta, tb], _p, out) => rules.jvp!(a!, b!, ta!, tb!, out) } : {}),
    ...(rules.vjp
      ? {
          vjp: (ct, [a, b], _p, out, needs) => {
            const [ga, gb] = rules.vjp!(ct, a!, b!, out, needs);
            return [ga && unbroadcast(ga, a!.shape), gb && unbroadcast(gb, b!.shape)];
          },
        }
      : {}),
  });
}

export const addPrim = binaryPrimitive('add', 'a + b', {
  jvp: (_a, _b, ta, tb, out) => (ta && tb ? add(ta, tb) : expandTo((ta ?? tb)!, out.shape)),
  vjp: (ct, _a, _b, _o, needs) => [needs[0] ? ct : null, needs[1] ? ct : null],
});
export const subPrim = binaryPrimitive('sub', 'a - b', {
  jvp: (_a, _b, ta, tb, out) => (ta && tb ? sub(ta, tb) : ta ? expandTo(ta, out.shape) : expandTo(neg(tb!), out.shape)),
  vjp: (ct, _a, _b, _o, needs) => [needs[0] ? ct : null, needs[1] ? neg(ct) : null],
});
export const mulPrim = binaryPrimitive('mul', 'a * b', {
  jvp: (a, b, ta, tb) => (ta && tb ? add(mul(ta, b), mul(a, tb)) : ta ? mul(ta, b) : mul(a, tb!)),
  vjp: (ct, a, b, _o, needs) => [needs[0] ? mul(ct, b) : null, needs[1] ? mul(ct, a) : null],
});
export const divPrim = binaryPrimitive('div', 'a / b', {
  jvp: (_a, b, ta, tb, out) => {
    const fromB = tb && neg(div(mul(tb, out), b));
    return ta ? (fromB ? add(div(ta, b), fromB) : div(ta, b)) : fromB;
  },
  vjp: (ct, _a, b, out, needs) => [needs[0] ? div(ct, b) : null, needs[1] ? neg(div(mul(ct, out), b)) : null],
});
// d(a^b) = b·a^(b−1)·da + a^b·log(a)·db; the log term is only built when b is differentiated.
export const powPrim = binaryPrimitive('pow', 'Math.pow(a, b)', {
  jvp: (a, b, ta, tb, out) => {
    const fromA = ta && mul(ta, mul(b, pow(a, sub(b, 1))));
    const fromB = tb && mul(tb, mul(out, log(a)));
    return fromA && fromB ? add(fromA, fromB) : (fromA ?? fromB ?? null);
  },
  vjp: (ct, a, b, out, needs) => [needs[0] ? mul(ct, mul(b, pow(a, sub(b, 1)))) : null, needs[1] ? mul(ct, mul(out, log(a))) : null],
});
// Ties send the derivative to the first operand, like the subgradient most libraries pick.
export const maximumPrim = binaryPrimitive('maximum', 'Math.max(a, b)', {
  jvp: (a, b, ta, tb, out) => selectTangent(greaterEqual(a, b), ta, tb, out),
  vjp: (ct, a, b, _o, needs) => selectCotangent(ct, greaterEqual(a, b), needs),
});
export const minimumPrim = binaryPrimitive('minimum', 'Math.min(a, b)', {
  jvp: (a, b, ta, tb, out) => selectTangent(lessEqual(a, b), ta, tb, out),
  vjp: (ct, a, b, _o, needs) => selectCotangent(ct, lessEqual(a, b), needs),
});

function selectTangent(mask: Tensor, ta: MaybeTensor, tb: MaybeTensor, out: Tensor): Tensor {
  return expandTo(where(mask, ta ?? 0, tb ?? 0), out.shape);
}
function selectCotangent(ct: Tensor, mask: Tensor, needs: readonly boolean[]): [MaybeTensor, MaybeTensor] {
  return [needs[0] ? where(mask, ct, 0) : null, needs[1] ? where(mask, 0, ct) : null];
}

export const greaterPrim = binaryPrimitive('greater', 'a > b ? 1 : 0', {});
export const greaterEqualPrim = binaryPrimitive('greaterEqual', 'a >= b ? 1 : 0', {});
export const lessPrim = binaryPrimitive('less', 'a < b ? 1 : 0', {});
export const lessEqualPrim = binaryPrimitive('lessEqual', 'a <= b ? 1 : 0', {});
export const equalPrim = binaryPrimitive('equal', 'a === b ? 1 : 0', {});
export const notEqualPrim = binaryPrimitive('notEqual', 'a !== b ? 1 : 0', {});

/** where(cond, a, b): a where cond ≠ 0, else b; cond is a constant mask (no derivative flows into it). */
export const wherePrim = definePrimitive<void>({
  name: 'where',
  shapeRule: ([c, a, b]) => ({
    shape: broadcastShapes('where', broadcastShapes('where', c!.shape, a!.shape), b!.shape),
    dtype: sameDType('where', [c!, a!, b!]),
  }),
  impl: ([c, a, b]) => {
    const shape = broadcastShapes('where', broadcastShapes('where', c!.shape, a!.shape), b!.shape);
    const out = newBuffer(a!.dtype, shape.reduce((p, d) => p * d, 1));
    mapTernary(c!.data, c!.shape, a!.data, a!.shape, b!.data, b!.shape, shape, out);
    return make(shape, a!.dtype, out);
  },
  jvp: ([c, a, b], [, ta, tb], _p, out) => (ta || tb ? expandTo(where(c!, ta ?? zeroLike(a!), tb ?? zeroLike(b!)), out.shape) : null),
  vjp: (ct, [c, a, b], _p, _o, needs) => [
    null,
    needs[1] ? unbroadcast(where(c!, ct, 0), a!.shape) : null,
    needs[2] ? unbroadcast(where(c!, 0, ct), b!.shape) : null,
  ],
});

function zeroLike(x: Tensor): Tensor {
  return toTensors('where', [x, 0])[1]!;
}

type BinaryOp = <A extends Shape = [], B extends Shape = [], D extends DType = 'f32'>(
  a: Operand<A, D>,
  b: Operand<B, D> & Check<Broadcast<A, B>>,
) => Tensor<BroadcastShape<A, B>, D>;

function binary(prim: Primitive<void>): BinaryOp {
  return ((a: Operand, b: Operand) => bind(prim, toTensors(prim.name, [a, b]), undefined)) as BinaryOp;
}

export const add = binary(addPrim);
export const sub = binary(subPrim);
export const mul = binary(mulPrim);
export const div = binary(divPrim);
export const pow = binary(powPrim);
export const maximum = binary(maximumPrim);
export const minimum = binary(minimumPrim);
/** Comparisons give masks of 0/1 in the operands' dtype; they have no derivative. */
export const greater = binary(greaterPrim);
export const greaterEqual = binary(greaterEqualPrim);
export const less = binary(lessPrim);
export const lessEqual = binary(lessEqualPrim);
export const equal = binary(equalPrim);
export const notEqual = binary(notEqualPrim);

export function where<C extends Shape = [], A extends Shape = [], B extends Shape = [], D extends DType = 'f32'>(
  cond: Operand<C, D>,
  a: Operand<A, D> & Check<Broadcast<C, A>>,
  b: Operand<B, D> & Check<Broadcast<BroadcastShape<C, A>, B>>,
): Tensor<BroadcastShape<BroadcastShape<C, A>, B>, D> {
  return bind(wherePrim, toTensors('where', [cond, a, b]), undefined) as Tensor<BroadcastShape<BroadcastShape<C, A>, B>, D>;
}
