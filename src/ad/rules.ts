/**
 * The derivative rules of every differentiable primitive, in one table, registered after the
 * primitives are declared (the arrangement of HIPS autograd's numpy_vjps.py and tinygrad's
 * gradient.py): the files that declare primitives import nothing of each other, and every rule
 * here may use any operation. Rules are written in the DSL's own differentiable operations, so a
 * derivative differentiates again to any order. Primitives with no entry (comparisons, sign,
 * stopGradient) have no derivative: their outputs are constants.
 *
 * The interpreters (jvp.ts, vjp.ts) import this module, so the rules are in place whenever a
 * transform runs.
 */
import { allocate, Tensor } from '../tensor/tensor.ts';
import { bind, defineRules, type DerivativeRules, type MaybeTensor, type Primitive } from './core.ts';
import { expandTo, unbroadcast } from './composite.ts';
import * as B from './primitives/binary.ts';
import { add, div, equal, greater, greaterEqual, lessEqual, mul, pow, sub, where } from './primitives/binary.ts';
import * as U from './primitives/unary.ts';
import { neg } from './primitives/unary.ts';
import { broadcastTo, broadcastToPrim, keptShape, maxPrim, sumPrim, type ReduceParams } from './primitives/reduce.ts';
import * as L from './primitives/layout.ts';
import { matmulPrim } from './primitives/matmul.ts';
import { conv2dFilterAdjointPrim, conv2dInputAdjointPrim, conv2dPrim } from './primitives/conv.ts';
import { avgPool2dAdjointPrim, avgPool2dPrim } from './primitives/pool.ts';
import { maxPool2dArgmax, maxPool2dPrim, maxPool2dRoute, maxPool2dRouteAdjoint, maxPool2dRouteAdjointPrim, maxPool2dRoutePrim } from './primitives/maxpool.ts';

// ------------------------------------------------------------ elementwise

/**
 * t ↦ t·∂f/∂xᵢ for one operand of an elementwise primitive. The Jacobian is diagonal, so this one
 * map is the operand's whole calculus: applied to its tangent it is its share of the jvp, and
 * applied to the output's cotangent (then summed over the axes it was broadcast along) it is its
 * cotangent. null: no derivative flows into that operand.
 */
type Partial = ((t: Tensor, args: readonly Tensor[], out: Tensor) => Tensor) | null;

/** Registers an elementwise primitive's jvp and vjp, both derived from its partial derivatives. */
function elementwise(prim: Primitive<void>, ...partials: Partial[]): void {
  // Plain loops, no per-call closures or arrays beyond the result: these run once per node of every trace.
  defineRules(prim, {
    jvp: (args, tangents, _p, out) => {
      let total: MaybeTensor = null;
      for (let i = 0; i < partials.length; i++) {
        const partial = partials[i], t = tangents[i];
        if (!partial || !t) continue;
        const term = partial(t, args, out);
        total = total ? add(total, term) : term;
      }
      return total && expandTo(total, out.shape);
    },
    vjp: (ct, args, _p, out, needs) => {
      const grads = new Array<MaybeTensor>(partials.length);
      for (let i = 0; i < partials.length; i++) {
        const partial = partials[i];
        grads[i] = partial && needs[i] ? partial(ct, args, out) : null;
      }
      // Summed back to each operand's shape after all partials are built (the order of the ops an outer trace records).
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i];
        if (g) grads[i] = unbroadcast(g, args[i]!.shape);
      }
      return grads;
    },
  });
}

/**
 * f = mask ? args[i] : args[j], elementwise: each operand's partial is the mask (or its
 * complement), so the derivative follows the selected operand. The mask is a constant.
 */
function selection(prim: Primitive<void>, mask: (args: readonly Tensor[]) => Tensor, i: number, j: number): void {
  defineRules(prim, {
    jvp: (args, tangents, _p, out) => {
      const ti = tangents[i], tj = tangents[j];
      return ti || tj ? expandTo(where(mask(args), ti ?? 0, tj ?? 0), out.shape) : null;
    },
    vjp: (ct, args, _p, _o, needs) => {
      const m = mask(args);
      const grads: MaybeTensor[] = args.map(() => null);
      if (needs[i]) grads[i] = where(m, ct, 0);
      if (needs[j]) grads[j] = where(m, 0, ct);
      if (grads[i]) grads[i] = unbroadcast(grads[i]!, args[i]!.shape);
      if (grads[j]) grads[j] = unbroadcast(grads[j]!, args[j]!.shape);
      return grads;
    },
  });
}

// Unary: t ↦ t·f'(x), f'(x) written from x = xs[0] and y = f(x).
elementwise(U.negPrim, (t) => neg(t));
elementwise(U.expPrim, (t, _xs, y) => mul(t, y));
elementwise(U.logPrim, (t, xs) => mul(t, U.reciprocal(xs[0]!)));
elementwise(U.log1pPrim, (t, xs) => mul(t, U.reciprocal(add(xs[0]!, 1))));
elementwise(U.sqrtPrim, (t, _xs, y) => mul(t, div(0.5, y)));
elementwise(U.absPrim, (t, xs) => mul(t, U.sign(xs[0]!)));
elementwise(U.squarePrim, (t, xs) => mul(t, mul(xs[0]!, 2)));
elementwise(U.reciprocalPrim, (t, _xs, y) => mul(t, neg(U.square(y))));
elementwise(U.sigmoidPrim, (t, _xs, y) => mul(t, mul(y, sub(1, y))));
elementwise(U.tanhPrim, (t, _xs, y) => mul(t, sub(1, U.square(y))));
// elu'(x) = 1 for x > 0 and exp(x) = elu(x) + 1 below; written with `where` so it differentiates again.
elementwise(U.eluPrim, (t, xs, y) => mul(t, where(greater(xs[0]!, 0), 1, add(y, 1))));
elementwise(U.reluPrim, (t, xs) => mul(t, greater(xs[0]!, 0)));
elementwise(U.softplusPrim, (t, xs) => mul(t, U.sigmoid(xs[0]!)));

elementwise(B.addPrim, (t) => t, (t) => t);
elementwise(B.subPrim, (t) => t, (t) => neg(t));
elementwise(B.mulPrim, (t, ab) => mul(t, ab[1]!), (t, ab) => mul(t, ab[0]!));
elementwise(B.divPrim, (t, ab) => div(t, ab[1]!), (t, ab, out) => neg(div(mul(t, out), ab[1]!)));
// d(a^b) = b·a^(b−1)·da + a^b·log(a)·db; the log term is only built when b is differentiated.
elementwise(B.powPrim, (t, [a, b]) => mul(t, mul(b!, pow(a!, sub(b!, 1)))), (t, ab, out) => mul(t, mul(out, U.log(ab[0]!))));
// Ties send the derivative to the first operand, like the subgradient most libraries pick.
selection(B.maximumPrim, ([a, b]) => greaterEqual(a!, b!), 0, 1);
selection(B.minimumPrim, ([a, b]) => lessEqual(a!, b!), 0, 1);
selection(B.wherePrim, ([c]) => c!, 1, 2);

// ------------------------------------------------------------ reductions and broadcasting

defineRules(sumPrim, {
  jvp: (_x, [t], p) => (t ? bind(sumPrim, [t], p) : null),
  vjp: (ct, [x], p) => [broadcastTo(L.reshape(ct, keptShape(x!.shape, p.axes)), x!.shape)],
});

/** 1/(number of ties) at each maximum, 0 elsewhere: a constant weighting, so derivatives stay exact where the max is unique. */
function argmaxShare(x: Tensor, y: Tensor, p: ReduceParams): Tensor {
  const mask = equal(x, L.reshape(y, keptShape(x.shape, p.axes)));
  return div(mask, L.reshape(bind(sumPrim, [mask], { axes: p.axes, keepDims: true }), keptShape(x.shape, p.axes)));
}

defineRules(maxPrim, {
  jvp: ([x], [t], p, y) => (t ? bind(sumPrim, [mul(t, argmaxShare(x!, y, p))], p) : null),
  vjp: (ct, [x], p, y) => [mul(broadcastTo(L.reshape(ct, keptShape(x!.shape, p.axes)), x!.shape), argmaxShare(x!, y, p))],
});

defineRules(broadcastToPrim, {
  jvp: (_x, [t], p) => (t ? broadcastTo(t, p.shape) : null),
  vjp: (ct, [x]) => [unbroadcast(ct, x!.shape)],
});

// ------------------------------------------------------------ layout (all linear)

defineRules(L.reshapePrim, {
  jvp: (_x, [t], { shape }) => (t ? L.reshape(t, shape) : null),
  vjp: (ct, [x]) => [L.reshape(ct, x!.shape)],
});

defineRules(L.transposePrim, {
  jvp: (_x, [t], { perm }) => (t ? L.transpose(t, perm) : null),
  vjp: (ct, _x, { perm }) => [L.transpose(ct, L.inversePermutation(perm))],
});

defineRules(L.slicePrim, {
  jvp: (_x, [t], p) => (t ? bind(L.slicePrim, [t], p) : null),
  vjp: (ct, [x], { begin, size }) => [bind(L.padPrim, [ct], { pads: x!.shape.map((d, i) => [begin[i]!, d - begin[i]! - size[i]!] as const) })],
});

defineRules(L.padPrim, {
  jvp: (_x, [t], p) => (t ? bind(L.padPrim, [t], p) : null),
  vjp: (ct, [x], { pads }) => [bind(L.slicePrim, [ct], { begin: pads.map((q) => q[0]), size: x!.shape })],
});

defineRules(L.concatPrim, {
  jvp: (xs, ts, p) => (ts.some((t) => t) ? bind(L.concatPrim, ts.map((t, i) => t ?? zerosOf(xs[i]!)), p) : null),
  vjp: (ct, xs, { axis }, _o, needs) => {
    let offset = 0;
    return xs.map((x, i) => {
      const begin = ct.shape.map((_, j) => (j === axis ? offset : 0));
      offset += x.shape[axis]!;
      return needs[i] ? bind(L.slicePrim, [ct], { begin, size: x.shape }) : null;
    });
  },
});

function zerosOf(x: Tensor): Tensor {
  return Tensor.fromBuffer(x.shape, x.dtype, allocate(x.dtype, x.size));
}

defineRules(L.astypePrim, {
  jvp: (_x, [t], { dtype }) => (t ? L.astype(t, dtype) : null),
  vjp: (ct, [x]) => [L.astype(ct, x!.dtype)],
});

// ------------------------------------------------------------ bilinear families: matmul, conv2d and its adjoints

function sumMaybe(a: MaybeTensor | undefined, b: MaybeTensor | undefined): MaybeTensor {
  return a && b ? add(a, b) : (a ?? b ?? null);
}

/** The jvp of a bilinear primitive f(u, v): f(du, v) + f(u, dv). */
function bilinearJvp<P>(prim: Primitive<P>): DerivativeRules<P>['jvp'] {
  return ([u, v], [tu, tv], p) => sumMaybe(tu && bind(prim, [tu, v!], p), tv && bind(prim, [u!, tv], p));
}

function mm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  return bind(matmulPrim, [a, b], { transA, transB });
}

defineRules(matmulPrim, {
  jvp: bilinearJvp(matmulPrim),
  vjp: (ct, [a, b], { transA, transB }, _o, needs) => {
    // C = op(A)·op(B): d op(A) = ct·op(B)ᵀ and d op(B) = op(A)ᵀ·ct, written back through the flags.
    const ga = needs[0] ? (transA ? mm(b!, ct, transB, true) : mm(ct, b!, false, !transB)) : null;
    const gb = needs[1] ? (transB ? mm(ct, a!, true, transA) : mm(a!, ct, !transA, false)) : null;
    return [ga && unbroadcast(ga, a!.shape), gb && unbroadcast(gb, b!.shape)];
  },
});

// The convolution family is closed under transposition:
//   y = conv(x, w):        dx = inAdj(ct, w),  dw = filtAdj(x, ct)
//   x = inAdj(y, w):       dy = conv(ct, w),   dw = filtAdj(ct, y)
//   w = filtAdj(x, y):     dx = inAdj(y, ct),  dy = conv(x, ct)
defineRules(conv2dPrim, {
  jvp: bilinearJvp(conv2dPrim),
  vjp: (ct, [x, w], p, _o, needs) => [needs[0] ? bind(conv2dInputAdjointPrim, [ct, w!], p) : null, needs[1] ? bind(conv2dFilterAdjointPrim, [x!, ct], p) : null],
});
defineRules(conv2dInputAdjointPrim, {
  jvp: bilinearJvp(conv2dInputAdjointPrim),
  vjp: (ct, [y, w], p, _o, needs) => [needs[0] ? bind(conv2dPrim, [ct, w!], p) : null, needs[1] ? bind(conv2dFilterAdjointPrim, [ct, y!], p) : null],
});
defineRules(conv2dFilterAdjointPrim, {
  jvp: bilinearJvp(conv2dFilterAdjointPrim),
  vjp: (ct, [x, y], p, _o, needs) => [needs[0] ? bind(conv2dInputAdjointPrim, [y!, ct], p) : null, needs[1] ? bind(conv2dPrim, [x!, ct], p) : null],
});

// ------------------------------------------------------------ linear primitives that are each other's transposes

/** A linear primitive whose transpose is another primitive with the same params: jvp is itself, vjp the transpose. */
function transposePair<P>(prim: Primitive<P>, transposed: Primitive<P>): void {
  defineRules(prim, {
    jvp: (_x, [t], p) => (t ? bind(prim, [t], p) : null),
    vjp: (ct, _x, p) => [bind(transposed, [ct], p)],
  });
}

transposePair(avgPool2dPrim, avgPool2dAdjointPrim);
transposePair(avgPool2dAdjointPrim, avgPool2dPrim);

// ------------------------------------------------------------ max pooling: routed through the argmax

// The argmax is a constant of the primal; the gather and the scatter through it are each other's transposes.
defineRules(maxPool2dPrim, {
  jvp: ([x], [t], p) => (t ? maxPool2dRoute(t, maxPool2dArgmax(x!, p), p) : null),
  vjp: (ct, [x], p) => [maxPool2dRouteAdjoint(ct, maxPool2dArgmax(x!, p), p)],
});
defineRules(maxPool2dRoutePrim, {
  jvp: ([, index], [t], p) => (t ? maxPool2dRoute(t, index!, p) : null),
  vjp: (ct, [, index], p, _o, needs) => [needs[0] ? maxPool2dRouteAdjoint(ct, index!, p) : null, null],
});
defineRules(maxPool2dRouteAdjointPrim, {
  jvp: ([, index], [t], p) => (t ? maxPool2dRouteAdjoint(t, index!, p) : null),
  vjp: (ct, [, index], p, _o, needs) => [needs[0] ? maxPool2dRoute(ct, index!, p) : null, null],
});

// Reversing twice is the identity, and ⟨flip x, y⟩ = ⟨x, flip y⟩: flip is its own transpose.
transposePair(L.flipPrim, L.flipPrim);
