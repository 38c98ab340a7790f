import { expect, expectTypeOf, it } from 'vitest';
import { add, avgPool2d, concat, conv2d, elu, matmul, pad, sum, transpose, where, zeros } from '../../src/index.ts';

it('results of shape-computing ops feed further ops with their shapes intact', () => {
  const n: number = 3;
  const m = matmul(zeros([2, 3]), zeros([3, 4]));
  expectTypeOf(add(m, zeros([4])).shape).toEqualTypeOf<[2, 4]>();
  expectTypeOf(add(m, m).shape).toEqualTypeOf<[2, 4]>();
  expectTypeOf(matmul(m, zeros([4, 6])).shape).toEqualTypeOf<[2, 6]>();
  // @ts-expect-error [2, 4] and [5] do not broadcast
  expect(() => add(m, zeros([5]))).toThrow();
  const c = conv2d(zeros([1, 1, 5, 5]), zeros([2, 1, 3, 3]), { padding: 'same' });
  const h = avgPool2d(elu(add(c, zeros([2, 1, 1]))), { size: 2 });
  expectTypeOf(h.shape).toEqualTypeOf<[1, 2, 2, 2]>();
  expectTypeOf(sum(c, [1]).shape).toEqualTypeOf<[1, 5, 5]>();
  expectTypeOf(transpose(c, [0, 2, 3, 1]).shape).toEqualTypeOf<[1, 5, 5, 2]>();
  expectTypeOf(transpose(m).shape).toEqualTypeOf<[4, 2]>();
  expectTypeOf(pad(m, [[1, 1], [0, 0]]).shape).toEqualTypeOf<[4, 4]>();
  expectTypeOf(concat([m, m], 0).shape).toEqualTypeOf<[4, 4]>();
  expectTypeOf(where(m, 1, 0).shape).toEqualTypeOf<[2, 4]>();
  expectTypeOf(sum(add(matmul(zeros([n, 4]), zeros([4, 2])), zeros([2])), [0]).shape).toEqualTypeOf<[2]>();
});
