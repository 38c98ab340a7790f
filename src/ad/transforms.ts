/**
 * The public transforms. Each opens a fresh trace, so they compose with each other to any
 * depth; all of them take and return pytrees.
 */
import { ArgumentError, ShapeError } from '../tensor/errors.ts';
import { allocate, Tensor } from '../tensor/tensor.ts';
import type { DType, Shape } from '../tensor/shape.ts';
import { JvpTrace } from './jvp.ts';
import { backward, VjpTrace } from './vjp.ts';
import { describe, flatten, PytreeError, sameStructure, unflatten, type Pytree } from './pytree.ts';
import { add as addTensors } from './primitives/binary.ts';
import { concat, reshape, transpose } from './primitives/layout.ts';

function zerosLike(x: Tensor): Tensor {
  return Tensor.fromBuffer(x.shape, x.dtype, allocate(x.dtype, x.size));
}

function oneHot(shape: Shape, dtype: DType, index: number): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const buf = allocate(dtype, size);
  buf[index] = 1;
  return Tensor.fromBuffer(shape, dtype, buf);
}

// ------------------------------------------------------------------ jvp

// Pytree arguments are typed loosely (interfaces have no index signature, so they would not fit
// `Pytree`); every leaf is checked at run time and a non-tensor leaf is a PytreeError naming its path.

/**
 * Forward mode: the value of f at `primals` and its directional derivative along `tangents`
 * (a pytree of the primals' structure, leaf shapes and dtypes).
 */
export function jvp<const Args extends readonly unknown[], R>(
  f: (...args: Args) => R,
  primals: Args,
  tangents: Args,
): [R, R] {
  if (!Array.isArray(primals) || !Array.isArray(tangents)) throw new PytreeError('jvp', 'primals and tangents must be arrays of arguments');
  const p = flatten(primals, 'jvp');
  const t = flatten(tangents, 'jvp');
  if (!sameStructure(p.def, t.def)) throw new PytreeError('jvp', `tangents' structure ${describe(t.def)} differs from primals' ${describe(p.def)}`);
  const trace = new JvpTrace();
  const inputs = p.leaves.map((x, i) => trace.lift(x, t.leaves[i]!));
  const out = f(...unflatten<Args>(p.def, inputs));
  const o = flatten(out, 'jvp output');
  const primalsOut = o.leaves.map((x) => {
    const pl = x.tracer as { trace?: unknown; primal?: Tensor } | undefined;
    return pl && pl.trace === trace ? pl.primal! : x;
  });
  const tangentsOut = o.leaves.map((x) => trace.tangentOf(x) ?? zerosLike(x));
  return [unflatten<R>(o.def, primalsOut), unflatten<R>(o.def, tangentsOut)];
}

// ------------------------------------------------------------------ vjp

type Cotangents<Args extends readonly unknown[]> = { -readonly [K in keyof Args]: Args[K] };

/**
 * Reverse mode: f's value at `primals` and a pullback mapping an output cotangent to the
 * cotangents of every argument (pytrees of the arguments' structure).
 */
export function vjp<const Args extends readonly unknown[], R>(
  f: (...args: Args) => R,
  ...primals: Args
): [R, (cotangent: R) => Cotangents<Args>] {
  const p = flatten(primals, 'vjp');
  const trace = new VjpTrace();
  const inputs = p.leaves.map((x) => trace.leaf(x));
  const out = f(...unflatten<Args>(p.def, inputs));
  const o = flatten(out, 'vjp output');
  const outPrimals = o.leaves.map((x) => primalOf(trace, x));
  const pullback = (cotangent: R): Cotangents<Args> => {
    const c = flatten(cotangent, 'vjp pullback');
    if (!sameStructure(o.def, c.def)) throw new PytreeError('vjp', `cotangent structure ${describe(c.def)} differs from the output's ${describe(o.def)}`);
    const total: (Tensor | null)[] = inputs.map(() => null);
    o.leaves.forEach((leaf, i) => {
      const grads = backward(trace, leaf, c.leaves[i]!, inputs);
      grads.forEach((g, j) => {
        if (!g) return;
        const prev = total[j];
        total[j] = prev ? addTensors(prev, g) : g;
      });
    });
    return unflatten<Cotangents<Args>>(p.def, total.map((g, j) => g ?? zerosLike(p.leaves[j]!)));
  };
  return [unflatten<R>(o.def, outPrimals), pullback];
}

/** Replaces every tensor inside arrays and plain records; anything else passes through unchanged. */
function mapTensors(x: unknown, fn: (t: Tensor) => Tensor): unknown {
  if (x instanceof Tensor) return fn(x);
  if (Array.isArray(x)) return x.map((v) => mapTensors(v, fn));
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype)
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, mapTensors(v, fn)]));
  return x;
}

function primalOf(trace: VjpTrace, x: Tensor): Tensor {
  return trace.nodeOf(x) ? (x.tracer as { primal: Tensor }).primal : x;
}

// ------------------------------------------------------------------ grad

export type Argnums = number | readonly number[];
type Picked<Args extends readonly unknown[], N extends Argnums> = N extends number
  ? Args[N]
  : { -readonly [K in keyof N]: N[K] extends number ? Args[N[K]] : never };

export interface GradOptions<N extends Argnums> {
  /** Which arguments to differentiate (default 0); an array returns a tuple of gradients. */
  readonly argnums?: N;
}

export interface ValueAndGradOptions<N extends Argnums, A extends boolean> extends GradOptions<N> {
  /** When true, f returns [loss, aux] and aux is passed through undifferentiated. */
  readonly hasAux?: A;
}

type Output<A extends boolean> = A extends true ? readonly [Tensor, unknown] : Tensor;
type ValueOf<F, A extends boolean> = A extends true ? (F extends readonly [Tensor, infer Aux] ? [Tensor, Aux] : never) : Tensor;

function checkArgnums(op: string, argnums: Argnums, count: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  if (list.length === 0) throw new ArgumentError(op, 'argnums is empty');
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= count) throw new ArgumentError(op, `argnums ${a} is out of range for a call with ${count} argument(s)`);
  }
  if (new Set(list).size !== list.length) throw new ArgumentError(op, `argnums ${JSON.stringify(list)} repeats an argument`);
  return list;
}

function scalarLoss(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor)) throw new PytreeError(op, `the function must return a scalar tensor, got ${out === null ? 'null' : typeof out}`);
  if (out.size !== 1) throw new ShapeError(op, `the function must return a scalar (one element) to take a gradient; use vjp or jacrev for outputs with ${out.size} elements`, [out.shape]);
  return out;
}

/**
 * valueAndGrad(f)(...args): f's scalar value and its gradient with respect to the arguments named by
 * `argnums` (pytrees of those arguments' structure). With `hasAux`, f returns [loss, aux].
 */
export function valueAndGrad<Args extends readonly unknown[], const N extends Argnums = 0, A extends boolean = false, F extends Output<A> = Output<A>>(
  f: (...args: Args) => F,
  options: ValueAndGradOptions<N, A> = {},
): (...args: Args) => [ValueOf<F, A>, Picked<Args, N>] {
  const op = options.hasAux ? 'valueAndGrad (hasAux)' : 'valueAndGrad';
  return (...args: Args) => {
    const argnums = checkArgnums(op, options.argnums ?? 0, args.length);
    const chosen = argnums.map((i) => args[i]) as Pytree[];
    const p = flatten(chosen, op);
    const trace = new VjpTrace();
    const inputs = p.leaves.map((x) => trace.leaf(x));
    const traced = unflatten<Pytree[]>(p.def, inputs);
    const full = [...args];
    argnums.forEach((a, j) => (full[a] = traced[j]));
    const result = f(...(full as unknown as Args));
    let loss: Tensor;
    let aux: unknown;
    if (options.hasAux) {
      if (!Array.isArray(result) || result.length !== 2) throw new PytreeError(op, 'with hasAux the function must return [loss, aux]');
      loss = scalarLoss(op, result[0]);
      aux = result[1];
    } else loss = scalarLoss(op, result);
    const seed = oneHot(loss.shape, loss.dtype, 0);
    const grads = backward(trace, loss, seed, inputs).map((g, j) => g ?? zerosLike(p.leaves[j]!));
    const tree = unflatten<Pytree[]>(p.def, grads);
    const value = primalOf(trace, loss);
    const picked = typeof (options.argnums ?? 0) === 'number' ? tree[0] : tree;
    // Tensors in aux were computed under this trace; hand back their primals so an outer transform still sees through them.
    const auxOut = options.hasAux ? mapTensors(aux, (t) => primalOf(trace, t)) : undefined;
    return [(options.hasAux ? [value, auxOut] : value) as ValueOf<F, A>, picked as Picked<Args, N>];
  };
}

/** grad(f)(...args): the gradient of scalar f with respect to argument 0 (or `argnums`), of that argument's structure. */
export function grad<Args extends readonly unknown[], const N extends Argnums = 0>(
  f: (...args: Args) => Tensor,
  options: GradOptions<N> = {},
): (...args: Args) => Picked<Args, N> {
  const vg = valueAndGrad<Args, N, false, Tensor>(f, options);
  return (...args: Args) => vg(...args)[1];
}

/** Hessian-vector product of scalar f at x along v, by forward-over-reverse. */
export function hvp<T>(f: (x: T) => Tensor, x: T, v: T): T {
  const g = grad(f);
  return jvp((y: T) => g(y), [x], [v])[1] as T;
}

/** Jacobian by reverse mode (one pullback per output element): shape [...out, ...in]. */
export function jacrev<S extends Shape, D extends DType>(f: (x: Tensor<S, D>) => Tensor): (x: Tensor<S, D>) => Tensor<Shape, D> {
  return (x) => {
    const [out, pullback] = vjp((y: Tensor) => f(y as Tensor<S, D>), x);
    const rows: Tensor[] = [];
    for (let i = 0; i < out.size; i++) rows.push(reshape(pullback(oneHot(out.shape, out.dtype, i))[0] as Tensor, [1, ...x.shape]));
    const stacked = rows.length ? concat(rows, 0) : zerosLike(Tensor.fromBuffer([0, ...x.shape], x.dtype, allocate(x.dtype, 0)));
    return reshape(stacked, [...out.shape, ...x.shape]) as unknown as Tensor<Shape, D>;
  };
}

/** Jacobian by forward mode (one tangent per input element): shape [...out, ...in]. */
export function jacfwd<S extends Shape, D extends DType>(f: (x: Tensor<S, D>) => Tensor): (x: Tensor<S, D>) => Tensor<Shape, D> {
  return (x) => {
    const cols: Tensor[] = [];
    let outShape: Shape = [];
    for (let j = 0; j < x.size; j++) {
      const [out, t] = jvp((y: Tensor) => f(y as Tensor<S, D>), [x], [oneHot(x.shape, x.dtype, j)]);
      outShape = out.shape;
      cols.push(reshape(t, [1, out.size]));
    }
    if (cols.length === 0) throw new ShapeError('jacfwd', 'input has no elements', [x.shape]);
    const stacked = concat(cols, 0); // [in, out]
    return reshape(transpose(stacked, [1, 0]), [...outShape, ...x.shape]) as unknown as Tensor<Shape, D>;
  };
}
