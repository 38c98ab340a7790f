/**
 * Bad input at run time (the type checker bypassed with casts): each case says which typed error
 * it gets, and that the message names the operation and the shapes involved. Nothing may throw a
 * bare TypeError/RangeError or return a tensor built from nonsense; fromArray returns Left instead
 * of throwing.
 */
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import * as F from '../../src/index.ts';
import { ArgumentError, DTypeError, FgflowError, ShapeError, type Tensor } from '../../src/index.ts';

// Every op through an untyped door, as JavaScript callers or data from outside would reach it.
const U = F as unknown as Record<string, (...args: unknown[]) => Tensor>;
const R = F.random as unknown as Record<string, (...args: unknown[]) => unknown>;

type ErrorClass = typeof ShapeError | typeof DTypeError | typeof ArgumentError | typeof FgflowError;

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/** Runs `fn`, which must throw `cls`, with `op` (a name or a pattern) and every shape in the message. */
function expectError(fn: () => unknown, cls: ErrorClass, op: string | RegExp, shapes: readonly (readonly number[])[] = []): void {
  let caught: unknown;
  let returned: unknown;
  try {
    returned = fn();
  } catch (e) {
    caught = e;
  }
  if (caught === undefined) throw new Error(`expected ${cls.name}, but the call returned ${String(returned)}`);
  if (!(caught instanceof cls)) throw new Error(`expected ${cls.name}, got ${(caught as Error)?.constructor?.name}: ${(caught as Error)?.message}`);
  const message = (caught as Error).message;
  if (typeof op === 'string') expect(message.startsWith(`${op}:`), `"${message}" should name ${op}`).toBe(true);
  else expect(message).toMatch(op);
  for (const s of shapes) expect(message, `"${message}" should name the shape ${fmt(s)}`).toContain(fmt(s));
}

describe('fromArray validates outside data and returns Left, never throws', () => {
  const lefts: [string, unknown, unknown][] = [
    ['fewer elements than the shape needs', [2, 3], [1, 2, 3]],
    ['more elements than the shape needs', [2], [1, 2, 3]],
    ['a negative dimension', [-1, 3], []],
    ['a fractional dimension', [1.5, 2], [1, 2, 3]],
    ['a NaN dimension', [NaN], []],
    ['an infinite dimension', [Infinity], []],
    ['a string element', [2], [1, 'a']],
    ['an undefined element', [2], [1, undefined]],
    ['a null element', [2], [1, null]],
    ['an object element', [1], [{}]],
    ['a boolean element', [2], [1, true]],
    ['a string as data', [3], 'abc'],
    ['null as data', [2], null],
    ['ragged nested rows whose total happens to fit', [2, 2], [[1, 2, 3], [4]]],
    ['nesting deeper than the shape', [2], [[1], [2]]],
  ];
  it.each(lefts)('%s → Left(ShapeError) naming fromArray and the shape', (_name, shape, data) => {
    let result: E.Either<ShapeError, Tensor> | undefined;
    expect(() => (result = F.fromArray(shape as number[], data as number[]) as E.Either<ShapeError, Tensor>)).not.toThrow();
    expect(E.isLeft(result!), `got Right(${E.isRight(result!) ? String(result.right) : ''})`).toBe(true);
    if (E.isLeft(result!)) {
      expect(result.left).toBeInstanceOf(ShapeError);
      expect(result.left.message.startsWith('fromArray:')).toBe(true);
      if (Array.isArray(shape) && shape.every(Number.isFinite)) expect(result.left.message).toContain(fmt(shape));
    }
  });

  it('a shape that is not an array → Left(ShapeError)', () => {
    const result = F.fromArray(3 as unknown as number[], [1, 2, 3]);
    expect(E.isLeft(result) && result.left instanceof ShapeError && result.left.message.startsWith('fromArray:')).toBe(true);
  });

  it('an unknown dtype → Left naming the dtype', () => {
    const result = F.fromArray([1], [1], { dtype: 'i32' as 'f32' });
    expect(E.isLeft(result) && result.left instanceof FgflowError && /i32/.test(result.left.message)).toBe(true);
  });

  it('valid data → Right with the values, flat, nested or typed', () => {
    const cases: [readonly number[], unknown, number[]][] = [
      [[2, 3], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]],
      [[2, 3], [[1, 2, 3], [4, 5, 6]], [1, 2, 3, 4, 5, 6]],
      [[2], new Float32Array([1.5, 2.5]), [1.5, 2.5]],
      [[], [7], [7]],
      [[0, 3], [], []],
    ];
    for (const [shape, data, want] of cases) {
      const r = F.fromArray(shape, data as number[]);
      expect(E.isRight(r)).toBe(true);
      if (E.isRight(r)) expect([r.right.shape, r.right.toFlatArray()]).toEqual([shape, want]);
    }
    const f64 = F.fromArray([2], new Float64Array([0.1, 0.2]), { dtype: 'f64' });
    expect(E.isRight(f64) && f64.right.dtype === 'f64' && f64.right.toFlatArray()[0] === 0.1).toBe(true);
  });

  it('tensor() throws the ShapeError that fromArray would return', () => {
    expectError(() => F.tensor([1, 2, 3], [2, 3]), ShapeError, 'fromArray', [[2, 3]]);
  });
});

describe('creation with bad dimensions or dtypes', () => {
  it.each([
    ['zeros', () => U.zeros!([-1, 2])],
    ['ones', () => U.ones!([1.5])],
    ['full', () => U.full!([NaN], 1)],
  ])('%s with a negative, fractional or NaN dimension → ShapeError', (_name, fn) => {
    expectError(fn, ShapeError, /^(zeros|ones|full): /);
  });

  it.each([
    ['random.normal, negative', () => R.normal!(F.random.key(1), [-1])],
    ['random.uniform, negative', () => R.uniform!(F.random.key(1), [2, -2])],
    ['random.normal, fractional', () => R.normal!(F.random.key(1), [2.5])],
    ['random.uniform, fractional', () => R.uniform!(F.random.key(1), [1.5])],
  ])('%s dimension → a typed error naming the sampler', (_name, fn) => {
    expectError(fn, FgflowError, /^random\.(normal|uniform): /);
  });

  it.each([
    ['zeros', () => U.zeros!([2], { dtype: 'i32' })],
    ['full', () => U.full!([2], 1, { dtype: 'i32' })],
    ['tensor', () => U.tensor!([1], [1], { dtype: 'i32' })],
    ['random.uniform', () => R.uniform!(F.random.key(1), [2], { dtype: 'i32' })],
    ['random.normal', () => R.normal!(F.random.key(1), [2], { dtype: 'i32' })],
    ['astype', () => U.astype!(F.zeros([2]), 'i32')],
  ])('%s with an unknown dtype → a typed error naming the dtype', (_name, fn) => {
    expectError(fn, FgflowError, /i32/);
  });

  it('random: permutation sizes must be non-negative integers; keys must be keys', () => {
    expectError(() => R.permutation!(F.random.key(1), -1), ArgumentError, 'random.permutation');
    expectError(() => R.permutation!(F.random.key(1), 2.5), ArgumentError, 'random.permutation');
    expectError(() => R.normal!([1], [2]), ArgumentError, 'random.normal');
  });

  it('random: bad seeds and split counts → ArgumentError', () => {
    expectError(() => F.random.key(NaN), ArgumentError, 'random.key');
    expectError(() => F.random.split(F.random.key(1), 0), ArgumentError, 'random.split');
    expectError(() => F.random.split(F.random.key(1), 1.5), ArgumentError, 'random.split');
  });

  it('arange with a zero step → ArgumentError', () => {
    expectError(() => F.arange(0, 3, 0), ArgumentError, 'arange');
  });
});

describe('item', () => {
  it.each([[[2]], [[0]], [[2, 3]]])('item() on shape %j → ShapeError naming item and the shape', (shape) => {
    expectError(() => F.zeros(shape).item(), ShapeError, 'item', [shape]);
  });

  it('item() on one-element tensors gives the value', () => {
    expect([F.scalar(3).item(), F.full([1, 1], 2).item()]).toEqual([3, 2]);
  });
});

describe('mixing dtypes without astype → DTypeError naming the op and both dtypes', () => {
  const a = F.ones([2, 2]);
  const b = F.ones([2, 2], { dtype: 'f64' });
  it.each([
    ['add', () => U.add!(a, b)],
    ['maximum', () => U.maximum!(b, a)],
    ['greater', () => U.greater!(a, b)],
    ['where', () => U.where!(b, a, a)],
    ['matmul', () => U.matmul!(a, b)],
    ['conv2d', () => U.conv2d!(F.ones([1, 1, 3, 3]), F.ones([1, 1, 2, 2], { dtype: 'f64' }))],
    ['concat', () => U.concat!([a, b], 0)],
  ])('%s', (op, fn) => {
    expectError(fn, DTypeError, op);
    expectError(fn, DTypeError, /f32.*f64|f64.*f32/);
  });

  it('astype makes the same operations work', () => {
    expect(F.add(a, F.astype(b, 'f32')).toFlatArray()).toEqual([2, 2, 2, 2]);
  });
});

describe('incompatible shapes at run time → ShapeError naming the op and the shapes', () => {
  const z = (...s: number[]) => F.zeros(s);
  it.each<[string, string, () => unknown, number[][]]>([
    ['add', '[2, 3] and [4]', () => U.add!(z(2, 3), z(4)), [[2, 3], [4]]],
    ['mul', '[2, 3, 4] and [2, 4]', () => U.mul!(z(2, 3, 4), z(2, 4)), [[2, 3, 4], [2, 4]]],
    ['greater', '[3] and [4]', () => U.greater!(z(3), z(4)), [[3], [4]]],
    ['where', 'a branch [4] against a condition [2, 3]', () => U.where!(z(2, 3), z(4), 0), [[2, 3], [4]]],
    ['matmul', 'inner dimensions 3 and 4', () => U.matmul!(z(2, 3), z(4, 5)), [[2, 3], [4, 5]]],
    ['matmul', 'a vector operand', () => U.matmul!(z(3), z(3, 5)), [[3], [3, 5]]],
    ['matmul', 'batches 2 and 3', () => U.matmul!(z(2, 2, 3), z(3, 3, 5)), [[2, 2, 3], [3, 3, 5]]],
    ['matmul', 'matmulT with transA and inner dimensions 2 and 4', () => U.matmulT!(z(2, 3), z(4, 5), { transA: true }), [[2, 3], [4, 5]]],
    ['conv2d', '2 input channels, filter for 1', () => U.conv2d!(z(1, 2, 4, 4), z(1, 1, 3, 3)), [[1, 2, 4, 4], [1, 1, 3, 3]]],
    ['conv2d', 'a rank-3 input', () => U.conv2d!(z(2, 4, 4), z(1, 1, 3, 3)), [[2, 4, 4], [1, 1, 3, 3]]],
    ['conv2d', 'a rank-3 filter', () => U.conv2d!(z(1, 1, 4, 4), z(1, 3, 3)), [[1, 1, 4, 4], [1, 3, 3]]],
    ['avgPool2d', 'a rank-3 input', () => U.avgPool2d!(z(1, 2, 2), { size: 1 }), [[1, 2, 2]]],
    ['concat', '[2, 3] and [4, 5] along axis 1', () => U.concat!([z(2, 3), z(4, 5)], 1), [[2, 3], [4, 5]]],
    ['concat', 'ranks 2 and 1', () => U.concat!([z(2, 3), z(2)], 0), [[2, 3], [2]]],
    ['broadcastTo', '[2, 3] to [4, 5]', () => U.broadcastTo!(z(2, 3), [4, 5]), [[2, 3], [4, 5]]],
    ['broadcastTo', '[2, 3] to the lower rank [3]', () => U.broadcastTo!(z(2, 3), [3]), [[2, 3], [3]]],
    ['conv2dInputAdjoint', 'a cotangent off the geometry', () => F.conv2dInputAdjoint(z(1, 2, 3, 3), z(1, 1, 2, 2), F.convParams('conv2d', [1, 1, 4, 4], [1, 1, 2, 2], 1, 'valid')), [[1, 2, 3, 3]]],
    ['avgPool2dAdjoint', 'a cotangent off the geometry', () => F.avgPool2dAdjoint(z(1, 1, 3, 3), F.poolParams('avgPool2d', [1, 1, 4, 4], 2, 2)), [[1, 1, 3, 3]]],
  ])('%s: %s', (op, _what, fn, shapes) => {
    expectError(fn, ShapeError, op, shapes);
  });

  it.each<[string, () => unknown, number[][]]>([
    ['a 3×3 kernel on a 2×2 input', () => U.conv2d!(F.zeros([1, 1, 2, 2]), F.zeros([1, 1, 3, 3])), [[1, 1, 2, 2], [1, 1, 3, 3]]],
    ['a 5×5 kernel on a 2×2 input padded by 1', () => U.conv2d!(F.zeros([1, 1, 2, 2]), F.zeros([1, 1, 5, 5]), { padding: 1 }), [[1, 1, 2, 2], [1, 1, 5, 5]]],
  ])('conv2d with %s → ShapeError naming conv2d and both shapes', (_name, fn, shapes) => {
    expectError(fn, ShapeError, 'conv2d', shapes);
  });

  it('avgPool2d with a window larger than the input → ShapeError', () => {
    expectError(() => U.avgPool2d!(F.zeros([1, 1, 2, 2]), { size: 3 }), ShapeError, 'avgPool2d', [[1, 1, 2, 2]]);
  });
});

describe('axes out of range → ShapeError naming the op, the axis and the shape', () => {
  const x = F.zeros([2, 3]);
  it.each<[string, unknown]>([
    ['sum', [2]],
    ['sum', [-3]],
    ['sum', [0.5]],
    ['mean', [5]],
    ['max', [-4]],
  ])('%s over axes %j', (op, axes) => {
    expectError(() => U[op]!(x, axes), ShapeError, op, [[2, 3]]);
  });

  it.each<[string, unknown]>([
    ['sum', [0, 0]],
    ['max', [1, -1]],
  ])('%s over repeated axes %j', (op, axes) => {
    expectError(() => U[op]!(x, axes), ShapeError, op, [[2, 3]]);
  });

  it.each([[2], [-3], [0.5]])('concat along axis %j', (axis) => {
    expectError(() => U.concat!([x, x], axis), ShapeError, 'concat', [[2, 3]]);
  });

  it('mean and max over an empty axis', () => {
    expectError(() => U.mean!(F.zeros([0, 3]), [0]), ShapeError, 'mean', [[0, 3]]);
    expectError(() => U.max!(F.zeros([0, 3]), [0]), ShapeError, 'max', [[0, 3]]);
  });
});

describe('bad permutations → ShapeError naming transpose and the shape', () => {
  it.each([[[0, 1, 1]], [[0, 1]], [[0, 1, 3]], [[-1, 0, 1]], [[0.5, 1, 2]], [[0, 1, 2, 3]]])('transpose by %j', (perm) => {
    expectError(() => U.transpose!(F.zeros([2, 3, 4]), perm), ShapeError, 'transpose', [[2, 3, 4]]);
  });
});

describe('bad flip axes → ShapeError naming flip and the shape', () => {
  it.each([[[0, 0]], [[3]], [[-4]], [[0.5]], [[1, -2]]])('flip along %j', (axes) => {
    expectError(() => U.flip!(F.zeros([2, 3, 4]), axes), ShapeError, 'flip', [[2, 3, 4]]);
  });
});

describe('slices out of bounds → ShapeError naming slice and the shape', () => {
  it.each<[string, number[], number[]]>([
    ['a size past the end', [1, 2], [5, 2]],
    ['a negative begin', [-1, 2], [1, 2]],
    ['a begin past the end with size -1', [1, 7], [1, -1]],
    ['a size below -1', [0, 0], [1, -2]],
    ['a fractional begin', [0.5, 0], [1, 1]],
    ['too few entries', [1], [1]],
  ])('%s', (_name, begin, size) => {
    expectError(() => U.slice!(F.zeros([5, 6]), begin, size), ShapeError, 'slice', [[5, 6]]);
  });
});

describe('reshape to a wrong size → ShapeError naming reshape and both shapes', () => {
  it.each([[[7]], [[-1, -1]], [[4, -1]], [[-2, -3]], [[1.5, 4]], [[NaN, 6]]])('reshape [2, 3] to %j', (target) => {
    expectError(() => U.reshape!(F.zeros([2, 3]), target), ShapeError, 'reshape', [[2, 3]]);
  });
});

describe('bad paddings → ShapeError naming pad and the shape', () => {
  it.each([[[[-1, 0], [0, 0]]], [[[0.5, 0], [0, 0]]], [[[1, 0]]], [[[0, 0], [0, 0], [0, 0]]]])('pad [2, 3] by %j', (pads) => {
    expectError(() => U.pad!(F.zeros([2, 3]), pads), ShapeError, 'pad', [[2, 3]]);
  });
});

describe('bad conv and pool arguments → ArgumentError naming the op', () => {
  const x = F.zeros([1, 1, 4, 4]);
  const w = F.zeros([1, 1, 3, 3]);
  it.each<[string, unknown]>([
    ['stride 0', { stride: 0 }],
    ['stride 1.5', { stride: 1.5 }],
    ["padding 'full'", { padding: 'full' }],
    ['padding -1', { padding: -1 }],
    ['padding 1.5', { padding: 1.5 }],
  ])('conv2d with %s', (_name, options) => {
    expectError(() => U.conv2d!(x, w, options), ArgumentError, 'conv2d');
  });

  it.each<[string, unknown]>([
    ['size 0', { size: 0 }],
    ['stride 0', { size: 2, stride: 0 }],
    ['stride 1.5', { size: 2, stride: 1.5 }],
    ['no size', {}],
  ])('avgPool2d with %s', (_name, options) => {
    expectError(() => U.avgPool2d!(x, options), ArgumentError, 'avgPool2d');
  });

  it('avgPool2d without options → a typed error, not a TypeError', () => {
    expectError(() => U.avgPool2d!(x), FgflowError, 'avgPool2d');
  });
});

describe('non-tensor operands and malformed arguments → typed errors, never a bare TypeError', () => {
  const x = F.zeros([2, 3]);
  it.each<[string, () => unknown]>([
    ['neg', () => U.neg!(null)],
    ['exp', () => U.exp!('1')],
    ['add', () => U.add!(x, null)],
    ['mul', () => U.mul!(undefined, x)],
    ['where', () => U.where!(null, x, x)],
    ['matmul', () => U.matmul!(null, x)],
    ['conv2d', () => U.conv2d!(null, F.zeros([1, 1, 1, 1]))],
    ['sum', () => U.sum!(null)],
    ['mean', () => U.mean!(undefined)],
    ['max', () => U.max!('x')],
    ['reshape', () => U.reshape!(null, [1])],
    ['transpose', () => U.transpose!(null)],
    ['slice', () => U.slice!(null, [0], [1])],
    ['pad', () => U.pad!(null, [[0, 0]])],
    ['concat', () => U.concat!([x, null], 0)],
    ['broadcastTo', () => U.broadcastTo!(null, [2])],
    ['astype', () => U.astype!(null, 'f64')],
    ['avgPool2d', () => U.avgPool2d!(null, { size: 1 })],
    ['flattenBatch', () => U.flattenBatch!(null)],
    ['flip', () => U.flip!(null, [0])],
  ])('%s with a non-tensor operand', (op, fn) => {
    expectError(fn, FgflowError, op);
  });

  it.each<[string, string, () => unknown]>([
    ['reshape', 'a number as the shape', () => U.reshape!(x, 6)],
    ['broadcastTo', 'a number as the shape', () => U.broadcastTo!(x, 3)],
    ['broadcastTo', 'a negative dimension', () => U.broadcastTo!(F.zeros([1]), [-1])],
    ['broadcastTo', 'a fractional dimension', () => U.broadcastTo!(F.zeros([1]), [1.5])],
    ['sum', 'a string as the axes', () => U.sum!(x, 'a')],
    ['pad', 'a flat pair instead of one pair per axis', () => U.pad!(x, [1, 2])],
    ['concat', 'a tensor instead of a list', () => U.concat!(x, 0)],
    ['transpose', 'a number as the permutation', () => U.transpose!(x, 5)],
    ['flip', 'a string as the axes', () => U.flip!(x, 'a')],
  ])('%s with %s', (op, _what, fn) => {
    expectError(fn, FgflowError, op);
  });
});
