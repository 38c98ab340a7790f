/**
 * One or more derivative-check cases for every primitive in the table, each with a domain
 * where the primitive is smooth enough for central differences. The coverage test checks
 * that every primitive of `primitives()` appears here (and really is bound by its case), so a
 * primitive added without a case fails the suite.
 */
import fc from 'fast-check';
import {
  abs, add, astype, avgPool2d, avgPool2dAdjoint, broadcastTo, concat, conv2d, conv2dFilterAdjoint, conv2dInputAdjoint, convParams, div, elu,
  equal, exp, greater, greaterEqual, less, lessEqual, log, log1p, matmul, matmulT, max, maximum, maxPool2d, maxPool2dArgmax, maxPool2dRoute, maxPool2dRouteAdjoint, minimum, mul, neg, notEqual, pad, poolParams,
  pow, reciprocal, relu, flip, reshape, sigmoid, sign, slice, softplus, sqrt, square, stopGradient, sub, sum, tanh, transpose, where,
  type Shape, type Tensor,
} from '../../src/index.ts';
import {
  awayFromZero, broadcastableTo, broadcastPair, convConfig, distinctValues, dyadic, lattice, PADDING_MODES, poolConfig, real, shape, tensorOf, type ConvConfig, type Elem,
} from './arbitraries.ts';
import { f64, shapeSize, type T64 } from './numeric.ts';

/** Concrete inputs of one case: `xs` are differentiated, `consts` are closed over. */
export interface Sample {
  readonly xs: T64[];
  readonly consts: Tensor[];
  /** Static parameters of the operation (axes, permutation, geometry), drawn with the data. */
  readonly params?: unknown;
}

export interface PrimitiveCase {
  /** The primitive this case checks (bound at the top of `apply`). */
  readonly primitive: string;
  readonly label: string;
  readonly sample: fc.Arbitrary<Sample>;
  readonly apply: (xs: readonly Tensor[], consts: readonly Tensor[], params?: unknown) => Tensor;
  /** Checked to third order too (elementwise nonlinearities, conv2d, avgPool2d). */
  readonly third?: boolean;
  /** Inputs, directions and step on the exact dyadic grid (see tolerance.ts GRID). */
  readonly grid?: boolean;
}

type Ts = readonly Tensor[];
const T = (x: unknown): Tensor => x as Tensor;

function inputs(...parts: fc.Arbitrary<T64>[]): fc.Arbitrary<Sample> {
  return fc.tuple(...parts).map((xs) => ({ xs, consts: [] }));
}

// ------------------------------------------------------------ elementwise unary

const UNARY: readonly [string, (x: Tensor) => Tensor, Elem][] = [
  ['neg', (x) => neg(x), real(-3, 3)],
  ['exp', (x) => exp(x), real(-2, 2)],
  ['log', (x) => log(x), real(0.2, 3)],
  ['log1p', (x) => log1p(x), real(-0.5, 3)],
  ['sqrt', (x) => sqrt(x), real(0.2, 3)],
  ['abs', (x) => abs(x), awayFromZero(0.05, 3)],
  ['square', (x) => square(x), real(-3, 3)],
  ['reciprocal', (x) => reciprocal(x), awayFromZero(0.3, 3)],
  ['sigmoid', (x) => sigmoid(x), real(-4, 4)],
  ['tanh', (x) => tanh(x), real(-3, 3)],
  // elu'' and relu' jump at 0: keep inputs off the kink.
  ['elu', (x) => elu(x), awayFromZero(0.05, 3)],
  ['relu', (x) => relu(x), awayFromZero(0.05, 3)],
  ['softplus', (x) => softplus(x), real(-4, 4)],
];

const unaryCases: PrimitiveCase[] = UNARY.map(([name, f, elem]) => ({
  primitive: name,
  label: name,
  sample: shape({ maxRank: 3, maxDim: 3 }).chain((s) => inputs(tensorOf(s, elem))),
  apply: ([x]) => f(x!),
  third: true,
}));

// ------------------------------------------------------------ elementwise binary (broadcasting)

type Binary = (a: Tensor, b: Tensor) => Tensor;
const bin = (f: (a: never, b: never) => unknown): Binary => (a, b) => T(f(a as never, b as never));

const BINARY: readonly [string, Binary, Elem, Elem][] = [
  ['add', bin(add), real(-2, 2), real(-2, 2)],
  ['sub', bin(sub), real(-2, 2), real(-2, 2)],
  ['mul', bin(mul), real(-2, 2), real(-2, 2)],
  ['div', bin(div), real(-2, 2), awayFromZero(0.3, 2)],
  ['pow', bin(pow), real(0.3, 2.5), real(-2, 2.5)],
  // Operands on interleaved lattices never tie, so the selected operand is stable under the step.
  ['maximum', bin(maximum), lattice(0), lattice(1)],
  ['minimum', bin(minimum), lattice(0), lattice(1)],
];

function binarySample(ea: Elem, eb: Elem): fc.Arbitrary<[T64, T64]> {
  return broadcastPair({ maxRank: 3, maxDim: 3 }).chain(([sa, sb]) => fc.tuple(tensorOf(sa, ea), tensorOf(sb, eb)));
}

const binaryCases: PrimitiveCase[] = BINARY.flatMap(([name, f, ea, eb]): PrimitiveCase[] => [
  { primitive: name, label: `${name} (broadcasting)`, sample: binarySample(ea, eb).map((xs) => ({ xs, consts: [] })), apply: ([a, b]) => f(a!, b!), third: true },
  // One operand constant: the rule meets a symbolic-zero tangent/cotangent on the other.
  { primitive: name, label: `${name} (first operand only)`, sample: binarySample(ea, eb).map(([a, b]) => ({ xs: [a], consts: [b] })), apply: ([a], [b]) => f(a!, b!), third: true },
  { primitive: name, label: `${name} (second operand only)`, sample: binarySample(ea, eb).map(([a, b]) => ({ xs: [b], consts: [a] })), apply: ([b], [a]) => f(a!, b!), third: true },
]);

const whereCase: PrimitiveCase = {
  primitive: 'where',
  label: 'where (condition constant; condition and both branches broadcasting)',
  sample: shape({ maxRank: 3, maxDim: 3 }).chain((full) =>
    fc
      .tuple(broadcastableTo(full), broadcastableTo(full), broadcastableTo(full))
      .chain(([sa, sb, sc]) => fc.tuple(tensorOf(sa, real(-2, 2)), tensorOf(sb, real(-2, 2)), tensorOf(sc, fc.constantFrom(0, 1))))
      .map(([a, b, c]) => ({ xs: [a, b], consts: [c] })),
  ),
  apply: ([a, b], [c]) => T(where(c!, a!, b! as never)),
  third: true,
};

// ------------------------------------------------------------ reductions and broadcasting

function axesOf(rank: number): fc.Arbitrary<number[] | undefined> {
  return fc.option(fc.subarray(Array.from({ length: rank }, (_, i) => i)), { nil: undefined });
}

/** A case whose static parameters (axes, permutations, geometry) are drawn with its data. */
function withParams<P>(primitive: string, label: string, sample: fc.Arbitrary<{ xs: T64[]; p: P }>, apply: (xs: Ts, p: P) => Tensor, third = false): PrimitiveCase {
  return {
    primitive,
    label,
    third,
    sample: sample.map(({ xs, p }) => ({ xs, consts: [], params: p })),
    apply: (xs, _c, params) => apply(xs, params as P),
  };
}

const reduceCases: PrimitiveCase[] = [
  withParams(
    'sum',
    'sum (random axes, keepDims)',
    shape({ minRank: 1, maxRank: 3 }).chain((s) =>
      fc.tuple(tensorOf(s, real(-2, 2)), axesOf(s.length), fc.boolean()).map(([x, axes, keepDims]) => ({ xs: [x], p: { axes, keepDims } })),
    ),
    ([x], { axes, keepDims }) => T(sum(x!, axes, { keepDims })),
  ),
  withParams(
    'max',
    'max (unique maxima, random axes, keepDims)',
    shape({ minRank: 1, maxRank: 3 }).chain((s) =>
      fc
        .tuple(distinctValues(shapeSize(s)), axesOf(s.length), fc.boolean())
        .map(([d, axes, keepDims]) => ({ xs: [f64(d, s)], p: { axes, keepDims } })),
    ),
    ([x], { axes, keepDims }) => T(max(x!, axes, { keepDims })),
  ),
  withParams(
    'broadcastTo',
    'broadcastTo (new leading axes and size-1 axes)',
    shape({ maxRank: 3, maxDim: 3 }).chain((full) =>
      broadcastableTo(full).chain((small) => tensorOf(small, real(-2, 2)).map((x) => ({ xs: [x], p: full }))),
    ),
    ([x], full) => T(broadcastTo(x!, full)),
  ),
];

// ------------------------------------------------------------ layout

const layoutCases: PrimitiveCase[] = [
  withParams(
    'reshape',
    'reshape (flatten, unsqueeze, regroup)',
    shape({ minRank: 1, maxRank: 3 })
      .filter((s) => shapeSize(s) > 1)
      .chain((s) =>
        fc.tuple(tensorOf(s, real(-2, 2)), fc.constantFrom('flat', 'unsqueeze', 'regroup')).map(([x, kind]) => {
          const n = shapeSize(s);
          const target = kind === 'flat' ? [n] : kind === 'unsqueeze' ? [1, ...s, 1] : [-1, s[s.length - 1]!, 1];
          return { xs: [x], p: target };
        }),
      ),
    ([x], target) => T(reshape(x!, target)),
  ),
  withParams(
    'transpose',
    'transpose (random non-identity permutation)',
    shape({ minRank: 2, maxRank: 4 }).chain((s) =>
      fc
        .tuple(tensorOf(s, real(-2, 2)), fc.uniqueArray(fc.integer({ min: 0, max: s.length - 1 }), { minLength: s.length, maxLength: s.length }))
        .filter(([, perm]) => perm.some((p, i) => p !== i))
        .map(([x, perm]) => ({ xs: [x], p: perm })),
    ),
    ([x], perm) => T(transpose(x!, perm as never)),
  ),
  withParams(
    'flip',
    'flip (random non-empty set of axes)',
    shape({ minRank: 1, maxRank: 4, maxDim: 3 }).chain((s) =>
      fc.tuple(tensorOf(s, real(-2, 2)), fc.subarray([...s.keys()], { minLength: 1 })).map(([x, axes]) => ({ xs: [x], p: axes })),
    ),
    ([x], axes) => T(flip(x!, axes as never)),
  ),
  withParams(
    'slice',
    'slice (random window)',
    shape({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((s) =>
      fc
        .tuple(
          tensorOf(s, real(-2, 2)),
          fc.tuple(...s.map((d) => fc.integer({ min: 0, max: d - 1 }).chain((b) => fc.integer({ min: 1, max: d - b }).map((z) => [b, z] as const)))),
        )
        .map(([x, win]) => ({ xs: [x], p: { begin: win.map((w) => w[0]), size: win.map((w) => w[1]) } })),
    ),
    ([x], { begin, size }) => T(slice(x!, begin, size as never)),
  ),
  withParams(
    'pad',
    'pad (random widths)',
    shape({ minRank: 1, maxRank: 3 }).chain((s) =>
      fc
        .tuple(tensorOf(s, real(-2, 2)), fc.tuple(...s.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))))
        .map(([x, pads]) => ({ xs: [x], p: pads as [number, number][] })),
    ),
    ([x], pads) => T(pad(x!, pads as never)),
  ),
  withParams(
    'concat',
    'concat (2–3 operands, random axis)',
    shape({ minRank: 1, maxRank: 3 }).chain((s) =>
      fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
        fc
          .array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 })
          .chain((lens) => fc.tuple(...lens.map((l) => tensorOf(s.map((d, i) => (i === axis ? l : d)), real(-2, 2)))))
          .map((xs) => ({ xs, p: axis })),
      ),
    ),
    (xs, axis) => T(concat(xs as Tensor[], axis)),
  ),
  {
    primitive: 'astype',
    label: 'astype (f64 → f32 → f64 on an exact grid)',
    sample: shape({ maxRank: 3 }).chain((s) => inputs(tensorOf(s, dyadic()))),
    apply: ([x]) => T(astype(astype(x as Tensor<Shape, 'f32'>, 'f32'), 'f64')),
    grid: true,
  },
];

// ------------------------------------------------------------ matmul

const dim = fc.integer({ min: 1, max: 4 });

const matmulCases: PrimitiveCase[] = [
  withParams(
    'matmul',
    'matmulT (transpose flags, optional batch, single-matrix broadcast)',
    fc
      .record({ m: dim, k: dim, n: dim, transA: fc.boolean(), transB: fc.boolean(), batch: fc.integer({ min: 1, max: 3 }), ba: fc.boolean(), bb: fc.boolean() })
      .chain((g) => {
        const sa = [...(g.ba ? [g.batch] : []), ...(g.transA ? [g.k, g.m] : [g.m, g.k])];
        const sb = [...(g.bb ? [g.batch] : []), ...(g.transB ? [g.n, g.k] : [g.k, g.n])];
        return fc.tuple(tensorOf(sa, real(-2, 2)), tensorOf(sb, real(-2, 2))).map((xs) => ({ xs, p: g }));
      }),
    ([a, b], g) => T(matmulT(a!, b!, { transA: g.transA, transB: g.transB })),
  ),
  withParams(
    'matmul',
    'matmul (broadcast batch dimensions)',
    fc.record({ m: dim, k: dim, n: dim, b1: fc.integer({ min: 1, max: 2 }), b2: fc.integer({ min: 1, max: 3 }) }).chain((g) =>
      fc.tuple(tensorOf([g.b1, 1, g.m, g.k], real(-2, 2)), tensorOf([g.b2, g.k, g.n], real(-2, 2))).map((xs) => ({ xs, p: g })),
    ),
    ([a, b]) => T(matmul(a!, b! as never)),
  ),
];

// ------------------------------------------------------------ convolution family and pooling

function convShapes(g: ConvConfig) {
  const xs = [g.n, g.c, g.h, g.w];
  const ws = [g.o, g.c, g.kh, g.kw];
  const p = convParams('conv2d', xs, ws, g.stride, g.padding);
  return { xs, ws, ys: [g.n, g.o, p.outH, p.outW], p };
}

const convCases: PrimitiveCase[] = [
  // One case per padding mode, so each is checked whatever the random draw.
  ...(['same', 'valid', 'explicit'] as const).map((mode) =>
    withParams(
      'conv2d',
      `conv2d (padding ${mode}, strides 1–2, kernels 1–5)`,
      convConfig(7, PADDING_MODES[mode]).chain((g) => {
        const s = convShapes(g);
        return fc.tuple(tensorOf(s.xs, real(-1, 1)), tensorOf(s.ws, real(-1, 1))).map((xs) => ({ xs, p: g }));
      }),
      ([x, w], g) => T(conv2d(x!, w! as never, { stride: g.stride, padding: g.padding })),
      true,
    ),
  ),
  withParams(
    'conv2dInputAdjoint',
    'conv2dInputAdjoint (as a primitive of its own)',
    convConfig().chain((g) => {
      const s = convShapes(g);
      return fc.tuple(tensorOf(s.ys, real(-1, 1)), tensorOf(s.ws, real(-1, 1))).map((xs) => ({ xs, p: s.p }));
    }),
    ([y, w], p) => T(conv2dInputAdjoint(y!, w!, p)),
    true,
  ),
  withParams(
    'conv2dFilterAdjoint',
    'conv2dFilterAdjoint (as a primitive of its own)',
    convConfig().chain((g) => {
      const s = convShapes(g);
      return fc.tuple(tensorOf(s.xs, real(-1, 1)), tensorOf(s.ys, real(-1, 1))).map((xs) => ({ xs, p: s.p }));
    }),
    ([x, y], p) => T(conv2dFilterAdjoint(x!, y!, p)),
    true,
  ),
  withParams(
    'avgPool2d',
    'avgPool2d (windows 1–3, strides 1–3, overlapping and gapped)',
    poolConfig().chain((g) => tensorOf([g.n, g.c, g.h, g.w], real(-2, 2)).map((x) => ({ xs: [x], p: g }))),
    ([x], g) => T(avgPool2d(x! as never, { size: g.size, stride: g.stride })),
    true,
  ),
  withParams(
    'avgPool2dAdjoint',
    'avgPool2dAdjoint (as a primitive of its own)',
    poolConfig().chain((g) => {
      const p = poolParams('avgPool2d', [g.n, g.c, g.h, g.w], g.size, g.stride);
      return tensorOf([g.n, g.c, p.outH, p.outW], real(-2, 2)).map((y) => ({ xs: [y], p }));
    }),
    ([y], p) => T(avgPool2dAdjoint(y!, p)),
    true,
  ),
];

// ------------------------------------------------------------ max pooling (away from ties)

/** A pooling geometry with an input whose values are distinct (gaps ≥ 0.1, far above the step): no window ties. */
function untiedPoolSample() {
  return poolConfig().chain((g) => {
    const shape = [g.n, g.c, g.h, g.w];
    return distinctValues(shapeSize(shape)).map((d) => ({ g, x: f64(d, shape), p: poolParams('maxPool2d', shape, g.size, g.stride) }));
  });
}

const maxPoolCases: PrimitiveCase[] = [
  withParams(
    'maxPool2d',
    'maxPool2d (distinct values, windows 1–3, strides 1–3, overlapping and gapped)',
    untiedPoolSample().map(({ g, x }) => ({ xs: [x], p: g })),
    ([x], g) => T(maxPool2d(x! as never, { size: g.size, stride: g.stride })),
    true,
  ),
  {
    primitive: 'maxPool2dRoute',
    label: 'maxPool2dRoute (the gather through a fixed argmax, as a primitive of its own)',
    sample: untiedPoolSample().chain(({ g, x, p }) =>
      tensorOf([g.n, g.c, g.h, g.w], real(-2, 2)).map((t) => ({ xs: [t], consts: [maxPool2dArgmax(x, p)], params: p })),
    ),
    apply: ([t], [index], p) => maxPool2dRoute(t!, index!, p as never),
    third: true,
  },
  {
    primitive: 'maxPool2dRouteAdjoint',
    label: 'maxPool2dRouteAdjoint (the scatter through a fixed argmax, as a primitive of its own)',
    sample: untiedPoolSample().chain(({ g, x, p }) =>
      tensorOf([g.n, g.c, p.outH, p.outW], real(-2, 2)).map((y) => ({ xs: [y], consts: [maxPool2dArgmax(x, p)], params: p })),
    ),
    apply: ([y], [index], p) => maxPool2dRouteAdjoint(y!, index!, p as never),
    third: true,
  },
];

export const DIFFERENTIABLE_CASES: readonly PrimitiveCase[] = [
  ...unaryCases,
  ...binaryCases,
  whereCase,
  ...reduceCases,
  ...layoutCases,
  ...matmulCases,
  ...convCases,
  ...maxPoolCases,
];

// ------------------------------------------------------------ primitives with no derivative

export interface ConstantCase {
  readonly primitive: string;
  readonly sample: fc.Arbitrary<T64[]>;
  readonly apply: (xs: readonly Tensor[]) => Tensor;
}

/** Dyadic operands make ties frequent, so masks hold both values. */
function comparison(name: string, f: (a: never, b: never) => unknown): ConstantCase {
  return {
    primitive: name,
    sample: broadcastPair({ maxRank: 3, maxDim: 3 }).chain(([sa, sb]) => fc.tuple(tensorOf(sa, dyadic()), tensorOf(sb, dyadic()))),
    apply: ([a, b]) => T(f(a as never, b as never)),
  };
}

export const CONSTANT_CASES: readonly ConstantCase[] = [
  comparison('greater', greater),
  comparison('greaterEqual', greaterEqual),
  comparison('less', less),
  comparison('lessEqual', lessEqual),
  comparison('equal', equal),
  comparison('notEqual', notEqual),
  { primitive: 'sign', sample: shape().chain((s) => fc.tuple(tensorOf(s, dyadic()))), apply: ([x]) => sign(x!) },
  {
    // Dyadic values tie often: the first maximum of a window is the one recorded. 2×2 windows at
    // stride 1 over x padded by one row and column keep x's shape, as the constant checks need.
    primitive: 'maxPool2dArgmax',
    sample: poolConfig().chain((g) => fc.tuple(tensorOf([g.n, g.c, g.h, g.w], dyadic()))),
    apply: ([x]) => {
      const padded = pad(x as never, [[0, 0], [0, 0], [0, 1], [0, 1]]) as Tensor;
      return maxPool2dArgmax(padded, poolParams('maxPool2dArgmax', padded.shape, 2, 1));
    },
  },
  { primitive: 'stopGradient', sample: shape().chain((s) => fc.tuple(tensorOf(s, real(-2, 2)))), apply: ([x]) => stopGradient(x!) },
];
