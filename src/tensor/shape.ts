/**
 * Shapes in types. A `Shape` is a readonly tuple of dimension literals (`[8, 1, 64, 64]`);
 * a dimension typed `number` is known only at run time and is checked there.
 *
 * Every rule here either computes the result shape or yields a named `ShapeMismatch`
 * carrying both shapes, so a compile error says what went wrong. Operations accept an
 * argument only when `Check<...>` is `unknown`; otherwise the parameter type becomes the
 * mismatch and the call does not compile.
 *
 * Type-level arithmetic is done with tuple lengths, which TypeScript handles cheaply up to
 * a thousand; a larger dimension falls back to `number` (checked at run time).
 */

export type Shape = readonly number[];
export type DType = 'f32' | 'f64';

declare const mismatchBrand: unique symbol;

/** A compile-time shape error: shows the operation's complaint and both shapes involved. */
export interface ShapeMismatch<Message extends string, Left, Right> {
  readonly [mismatchBrand]: { readonly message: Message; readonly left: Left; readonly right: Right };
}

/** A rule's result as a plain shape (the widest shape when the rule failed: the call is rejected by its Check anyway). */
export type AsShape<T> = T extends Shape ? T : number[];

/** `unknown` (accepts anything) when R is a shape, else the mismatch itself. */
export type Check<R> = R extends ShapeMismatch<string, unknown, unknown> ? R : unknown;

/** True when S is a tuple of statically known length. */
export type IsTuple<S extends Shape> = number extends S['length'] ? false : true;
/** True when a dimension is a literal (not the widened `number`). */
export type IsLiteral<N extends number> = number extends N ? false : true;

// ---------- tuple arithmetic on small non-negative integers ----------

type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';
type BuildTuple<N extends number, Acc extends 0[] = []> = Acc['length'] extends N ? Acc : BuildTuple<N, [...Acc, 0]>;
/** Literals below 1000: tuple arithmetic stays within TypeScript's recursion limit; larger ones fall back to number. */
type Small<N extends number> = IsLiteral<N> extends true
  ? `${N}` extends Digit | `${Digit}${Digit}` | `${Digit}${Digit}${Digit}`
    ? true
    : false
  : false;

/** A + B for small non-negative literals, else number. */
export type Add<A extends number, B extends number> = Small<A> extends true
  ? Small<B> extends true
    ? [...BuildTuple<A>, ...BuildTuple<B>]['length'] & number
    : number
  : number;

/** A − B for small literals; a negative result is `never` (callers turn that into a mismatch). */
export type Sub<A extends number, B extends number> = Small<A> extends true
  ? Small<B> extends true
    ? BuildTuple<A> extends [...BuildTuple<B>, ...infer Rest]
      ? Rest['length']
      : never
    : number
  : number;

type DivTuple<T extends 0[], D extends 0[], Count extends 0[] = []> = T extends [...D, ...infer Rest extends 0[]]
  ? DivTuple<Rest, D, [...Count, 0]>
  : Count['length'];
/** floor(A / B) for small literals with B ≥ 1, else number. */
export type FloorDiv<A extends number, B extends number> = Small<A> extends true
  ? Small<B> extends true
    ? B extends 0
      ? number
      : DivTuple<BuildTuple<A>, BuildTuple<B>>
    : number
  : number;

// ---------- tuples ----------

type Reverse<T extends readonly unknown[], Acc extends unknown[] = []> = T extends readonly [infer H, ...infer R]
  ? Reverse<R, [H, ...Acc]>
  : Acc;

/** Dimension equality where `number` is a wildcard; literals must match exactly. */
export type DimsCompatible<A extends number, B extends number> = IsLiteral<A> extends true
  ? IsLiteral<B> extends true
    ? [A] extends [B]
      ? true
      : false
    : true
  : true;

/** Join of two compatible dimensions: the literal one wins. */
type DimJoin<A extends number, B extends number> = IsLiteral<A> extends true ? A : B;

// ---------- broadcasting ----------

type BroadcastDim<A extends number, B extends number> = [A] extends [1]
  ? B
  : [B] extends [1]
    ? A
    : DimsCompatible<A, B> extends true
      ? DimJoin<A, B>
      : never;

type BroadcastRev<A extends readonly number[], B extends readonly number[], Acc extends number[], L, R> =
  A extends readonly [infer a extends number, ...infer RA extends number[]]
    ? B extends readonly [infer b extends number, ...infer RB extends number[]]
      ? [BroadcastDim<a, b>] extends [never]
        ? ShapeMismatch<'broadcast: incompatible dimensions', L, R>
        : BroadcastRev<RA, RB, [BroadcastDim<a, b>, ...Acc], L, R>
      : [...Reverse<A>, ...Acc]
    : [...Reverse<B>, ...Acc];

/** NumPy broadcasting of two shapes, right-aligned. */
export type Broadcast<A extends Shape, B extends Shape> = IsTuple<A> extends true
  ? IsTuple<B> extends true
    ? BroadcastRev<Reverse<A>, Reverse<B>, [], A, B>
    : number[]
  : number[];

/** The result shape of a broadcast, or the widest shape when the check fails (the call is rejected anyway). */
export type BroadcastShape<A extends Shape, B extends Shape> = Broadcast<A, B> extends infer R extends Shape ? R : number[];

// ---------- matmul ----------

type SplitLast2<S extends Shape> = S extends readonly [...infer Batch extends number[], infer M extends number, infer K extends number]
  ? { batch: Batch; m: M; k: K }
  : never;

/** Batched matmul [..., M, K] × [..., K, N] → [...broadcast batch, M, N]. */
export type Matmul<A extends Shape, B extends Shape> = IsTuple<A> extends true
  ? IsTuple<B> extends true
    ? [SplitLast2<A>] extends [never]
      ? ShapeMismatch<'matmul: operands need rank >= 2', A, B>
      : [SplitLast2<B>] extends [never]
        ? ShapeMismatch<'matmul: operands need rank >= 2', A, B>
        : DimsCompatible<SplitLast2<A>['k'], SplitLast2<B>['m']> extends true
          ? Broadcast<SplitLast2<A>['batch'], SplitLast2<B>['batch']> extends infer Batch
            ? Batch extends ShapeMismatch<string, unknown, unknown>
              ? ShapeMismatch<'matmul: batch dimensions do not broadcast', A, B>
              : Batch extends readonly number[]
                ? [...Batch, SplitLast2<A>['m'], SplitLast2<B>['k']]
                : never
            : never
          : ShapeMismatch<'matmul: inner dimensions differ', A, B>
    : number[]
  : number[];

// ---------- conv2d / pooling ----------

export type Padding = 'same' | 'valid' | number;

/** Output length of a convolution along one axis. */
export type ConvOutDim<In extends number, K extends number, S extends number, P extends Padding> = P extends 'same'
  ? FloorDiv<Sub<Add<In, S>, 1>, S>
  : P extends 'valid'
    ? ConvValid<In, K, S>
    : P extends number
      ? ConvValid<Add<In, Add<P, P>>, K, S>
      : number;
type ConvValid<In extends number, K extends number, S extends number> = [Sub<In, K>] extends [never]
  ? never
  : Add<FloorDiv<Sub<In, K>, S>, 1>;

/** conv2d: NCHW input, OIHW filter. */
export type Conv2d<X extends Shape, W extends Shape, S extends number, P extends Padding> = IsTuple<X> extends false
  ? number[]
  : X extends readonly [
  infer N extends number,
  infer C extends number,
  infer H extends number,
  infer Wd extends number,
]
  ? W extends readonly [infer O extends number, infer C2 extends number, infer KH extends number, infer KW extends number]
    ? DimsCompatible<C, C2> extends true
      ? [ConvOutDim<H, KH, S, P>] extends [never]
        ? ShapeMismatch<'conv2d: kernel larger than padded input', X, W>
        : [ConvOutDim<Wd, KW, S, P>] extends [never]
          ? ShapeMismatch<'conv2d: kernel larger than padded input', X, W>
          : [N, O, ConvOutDim<H, KH, S, P>, ConvOutDim<Wd, KW, S, P>]
      : ShapeMismatch<'conv2d: input channels differ from filter channels', X, W>
    : ShapeMismatch<'conv2d: filter must be [O, C, KH, KW]', X, W>
  : ShapeMismatch<'conv2d: input must be [N, C, H, W]', X, W>;

/** A pooling op (`Op` names it in the mismatch) with a square window and stride, no padding. */
export type Pool2d<X extends Shape, K extends number, S extends number, Op extends string> = IsTuple<X> extends false
  ? number[]
  : X extends readonly [
  infer N extends number,
  infer C extends number,
  infer H extends number,
  infer W extends number,
]
  ? [ConvValid<H, K, S>] extends [never]
    ? ShapeMismatch<`${Op}: window larger than input`, X, [K, K]>
    : [N, C, ConvValid<H, K, S>, ConvValid<W, K, S>]
  : ShapeMismatch<`${Op}: input must be [N, C, H, W]`, X, [K, K]>;

export type AvgPool2d<X extends Shape, K extends number, S extends number> = Pool2d<X, K, S, 'avgPool2d'>;
export type MaxPool2d<X extends Shape, K extends number, S extends number> = Pool2d<X, K, S, 'maxPool2d'>;

// ---------- reshape, transpose, reductions ----------

type ReplaceMinusOne<S extends Shape, Acc extends number[] = []> = S extends readonly [infer H extends number, ...infer R extends number[]]
  ? ReplaceMinusOne<R, [...Acc, H extends -1 ? number : H]>
  : Acc;
/** reshape's target with each -1 replaced by `number` (its size is solved at run time). */
export type Reshape<S2 extends Shape> = IsTuple<S2> extends true ? ReplaceMinusOne<S2> : number[];

type PermuteAcc<S extends Shape, P extends readonly number[], Acc extends number[]> = P extends readonly [
  infer I extends number,
  ...infer R extends number[],
]
  ? S[I] extends infer D extends number
    ? PermuteAcc<S, R, [...Acc, D]>
    : never
  : Acc;
type HasRepeat<P extends readonly number[], Seen = never> = P extends readonly [infer H extends number, ...infer R extends number[]]
  ? [H] extends [Seen]
    ? true
    : HasRepeat<R, Seen | H>
  : false;
type IndicesOf<S extends Shape> = { [K in keyof S]: K extends `${infer I extends number}` ? I : never }[number];
/** transpose by a permutation; the default reverses the axes. */
export type Transpose<S extends Shape, P extends readonly number[] | undefined> = IsTuple<S> extends true
  ? P extends readonly number[]
    ? IsTuple<P> extends true
      ? [P['length']] extends [S['length']]
        ? [Exclude<P[number], IndicesOf<S>>] extends [never]
          ? HasRepeat<P> extends true
            ? ShapeMismatch<'transpose: permutation repeats an axis', S, P>
            : PermuteAcc<S, P, []>
          : ShapeMismatch<'transpose: permutation names an axis out of range', S, P>
        : ShapeMismatch<'transpose: permutation length differs from rank', S, P>
      : number[]
    : Reverse<S>
  : number[];

/**
 * flip(x, axes) keeps the shape; on a tuple shape with literal axes, an axis out of range or a
 * repeated one is a mismatch (negative axes are checked at run time).
 */
export type Flip<S extends Shape, A extends readonly number[]> = IsTuple<S> extends true
  ? IsTuple<A> extends true
    ? [Exclude<A[number], IndicesOf<S>>] extends [never]
      ? HasRepeat<A> extends true
        ? ShapeMismatch<'flip: axes repeat an axis', S, A>
        : S
      : `${Exclude<A[number], IndicesOf<S>>}` extends `-${string}`
        ? S
        : ShapeMismatch<'flip: axis out of range', S, A>
    : S
  : S;

type ReduceAcc<S extends Shape, Axes extends number, Keep extends boolean, I extends 0[], Acc extends number[]> = S extends readonly [
  infer H extends number,
  ...infer R extends number[],
]
  ? I['length'] extends Axes
    ? ReduceAcc<R, Axes, Keep, [...I, 0], Keep extends true ? [...Acc, 1] : Acc>
    : ReduceAcc<R, Axes, Keep, [...I, 0], [...Acc, H]>
  : Acc;
/** Reduction over axes (all when undefined); negative or widened axes give a runtime-checked shape. */
export type Reduce<S extends Shape, Axes extends readonly number[] | undefined, Keep extends boolean> = Axes extends readonly number[]
  ? IsTuple<S> extends true
    ? IsTuple<Axes> extends true
      ? [Exclude<Axes[number], IndicesOf<S>>] extends [never]
        ? ReduceAcc<S, Axes[number], Keep, [], []>
        : `${Axes[number]}` extends `-${string}`
          ? number[]
          : ShapeMismatch<'reduce: axis out of range', S, Axes>
      : number[]
    : number[]
  : Keep extends true
    ? IsTuple<S> extends true
      ? { [K in keyof S]: 1 }
      : number[]
    : [];

// ---------- slice, pad, concat ----------

/** slice(x, begin, size): the result has shape `size` with -1 meaning "to the end" (number). */
export type Slice<S extends Shape, Size extends Shape> = IsTuple<S> extends true
  ? IsTuple<Size> extends true
    ? [Size['length']] extends [S['length']]
      ? ReplaceMinusOne<Size>
      : ShapeMismatch<'slice: size rank differs from tensor rank', S, Size>
    : number[]
  : number[];

type PadAcc<S extends Shape, P extends readonly (readonly [number, number])[], Acc extends number[]> = S extends readonly [
  infer H extends number,
  ...infer R extends number[],
]
  ? P extends readonly [readonly [infer B extends number, infer A extends number], ...infer PR extends (readonly [number, number])[]]
    ? PadAcc<R, PR, [...Acc, Add<H, Add<B, A>>]>
    : never
  : Acc;
/** pad(x, [[before, after], ...]) one pair per axis. */
export type Pad<S extends Shape, P extends readonly (readonly [number, number])[]> = IsTuple<S> extends true
  ? number extends P['length'] ? number[] : true extends true
    ? [P['length']] extends [S['length']]
      ? PadAcc<S, P, []>
      : ShapeMismatch<'pad: one [before, after] pair per axis is needed', S, P>
    : number[]
  : number[];

type SetAt<S extends Shape, Axis extends number, D extends number, I extends 0[] = [], Acc extends number[] = []> = S extends readonly [
  infer H extends number,
  ...infer R extends number[],
]
  ? SetAt<R, Axis, D, [...I, 0], [...Acc, I['length'] extends Axis ? D : H]>
  : Acc;
type SumAt<L extends readonly Shape[], Axis extends number, Acc extends number = 0> = L extends readonly [
  infer H extends Shape,
  ...infer R extends Shape[],
]
  ? SumAt<R, Axis, Add<Acc, H[Axis] & number>>
  : Acc;
type OffAxisAgree<L extends readonly Shape[], First extends Shape, Axis extends number> = L extends readonly [infer H extends Shape, ...infer R extends Shape[]]
  ? SameShape<SetAt<H, Axis, 0>, SetAt<First, Axis, 0>> extends ShapeMismatch<string, unknown, unknown>
    ? ShapeMismatch<'concat: shapes differ off the concatenation axis', First, H>
    : OffAxisAgree<R, First, Axis>
  : true;
/** concat along an axis: all other dimensions must agree; sizes along the axis add. */
export type Concat<L extends readonly Shape[], Axis extends number> = L extends readonly [infer First extends Shape, ...Shape[]]
  ? IsTuple<First> extends true
    ? IsLiteral<Axis> extends true
      ? OffAxisAgree<L, First, Axis> extends ShapeMismatch<infer M, infer A, infer B>
        ? ShapeMismatch<M, A, B>
        : SetAt<First, Axis, SumAt<L, Axis>>
      : number[]
    : number[]
  : number[];

/** broadcastTo: the source must broadcast to exactly the target. */
export type BroadcastTo<S extends Shape, T extends Shape> = Broadcast<S, T> extends infer R
  ? R extends ShapeMismatch<string, unknown, unknown>
    ? ShapeMismatch<'broadcastTo: cannot broadcast', S, T>
    : R extends Shape
      ? SameShape<R, T> extends ShapeMismatch<string, unknown, unknown>
        ? ShapeMismatch<'broadcastTo: cannot broadcast', S, T>
        : T
      : T
  : T;

/** Rank-equality check used by ops whose operands must share a shape exactly. */
export type SameShape<A extends Shape, B extends Shape> = IsTuple<A> extends true
  ? IsTuple<B> extends true
    ? [A['length']] extends [B['length']]
      ? AllCompatible<A, B> extends true
        ? A
        : ShapeMismatch<'shapes differ', A, B>
      : ShapeMismatch<'ranks differ', A, B>
    : A
  : B;
type AllCompatible<A extends Shape, B extends Shape> = A extends readonly [infer a extends number, ...infer RA extends number[]]
  ? B extends readonly [infer b extends number, ...infer RB extends number[]]
    ? DimsCompatible<a, b> extends true
      ? AllCompatible<RA, RB>
      : false
    : false
  : true;

// ---------- runtime shape helpers ----------

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
