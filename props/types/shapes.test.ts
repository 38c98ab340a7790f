/**
 * Type tests of the shape rules. `tsc --noEmit` (first half of `npm test`) checks every
 * `expectTypeOf` and every `@ts-expect-error` below: a rule that stops computing a shape, or stops
 * rejecting a mismatch (an unused `@ts-expect-error` is itself an error), breaks the build.
 * vitest then runs the same calls: an accepted call must produce the shape its type promises, and a
 * rejected call must also fail at run time with a ShapeError, so types and runtime checks agree.
 *
 * Rejected calls stay on one line each: `@ts-expect-error` covers only the next line.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  add, astype, avgPool2d, concat, conv2d, div, equal, flip, grad, greater, matmul, max, maximum, maxPool2d, mean, mul, pad, pow, reshape, sigmoid, slice, sub, sum,
  transpose, valueAndGrad, where, zeros, ShapeError, Tensor,
} from '../../src/index.ts';
import type {
  Add, AvgPool2d, Broadcast, Conv2d, ConvOutDim, DType, Flip, FloorDiv, Matmul, MaxPool2d, Pad, Reduce, Shape, ShapeMismatch, Slice, Sub, Transpose,
} from '../../src/index.ts';

/**
 * An op's result shape is `Rule<...> & Shape`; rebuilding it index by index strips the intersection
 * (and readonly) so `toEqualTypeOf` can compare it with a plain tuple.
 */
type Dims<S> = S extends ShapeMismatch<string, unknown, unknown> ? S : S extends Shape ? (number extends S['length'] ? number[] : BuildDims<S, []>) : never;
type BuildDims<S extends Shape, Acc extends number[]> = Acc['length'] extends S['length'] ? Acc : BuildDims<S, [...Acc, S[Acc['length']]]>;
function dims<S extends Shape>(t: Tensor<S, DType>): Dims<S> {
  return [...t.shape] as Dims<S>;
}

// Dimensions typed `number`: known only at run time (3 there).
const n: number = 3;

describe('broadcasting binary ops', () => {
  it('computes the broadcast shape, right-aligned', () => {
    const r1 = add(zeros([2, 3]), zeros([3]));
    expectTypeOf(dims(r1)).toEqualTypeOf<[2, 3]>();
    expect(dims(r1)).toEqual([2, 3]);

    const r2 = mul(zeros([4, 1, 3]), zeros([2, 3]));
    expectTypeOf(dims(r2)).toEqualTypeOf<[4, 2, 3]>();
    expect(dims(r2)).toEqual([4, 2, 3]);

    const r3 = maximum(zeros([1, 5]), zeros([6, 1]));
    expectTypeOf(dims(r3)).toEqualTypeOf<[6, 5]>();
    expect(dims(r3)).toEqual([6, 5]);

    const r4 = sub(zeros([]), zeros([2, 3]));
    expectTypeOf(dims(r4)).toEqualTypeOf<[2, 3]>();
    expect(dims(r4)).toEqual([2, 3]);
  });

  it('accepts plain numbers as scalars on either side', () => {
    const r1 = sub(zeros([2, 3]), 1);
    expectTypeOf(dims(r1)).toEqualTypeOf<[2, 3]>();
    const r2 = div(1, zeros([2, 3]));
    expectTypeOf(dims(r2)).toEqualTypeOf<[2, 3]>();
    expect([dims(r1), dims(r2)]).toEqual([[2, 3], [2, 3]]);
  });

  it('accepts `number` dimensions and lets a literal win the join', () => {
    const r1 = add(zeros([n, 3]), zeros([3]));
    expectTypeOf(dims(r1)).toEqualTypeOf<[number, 3]>();
    expect(dims(r1)).toEqual([3, 3]);

    const r2 = add(zeros([n, 3]), zeros([3, 1]));
    expectTypeOf(dims(r2)).toEqualTypeOf<[3, 3]>();
    expect(dims(r2)).toEqual([3, 3]);

    const r3 = mul(zeros([2, n]), zeros([2, 3]));
    expectTypeOf(dims(r3)).toEqualTypeOf<[2, 3]>();
    expect(dims(r3)).toEqual([2, 3]);
  });

  it('keeps the dtype', () => {
    const r = add(zeros([2], { dtype: 'f64' }), zeros([2], { dtype: 'f64' }));
    expectTypeOf(r.dtype).toEqualTypeOf<'f64'>();
    expect(r.dtype).toBe('f64');
  });

  it('rejects known mismatches, even when other dimensions are `number`', () => {
    // @ts-expect-error [2, 3] and [4] do not broadcast
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(ShapeError);
    // @ts-expect-error the trailing 3 ≠ 4 is known although the leading dimension is not
    expect(() => add(zeros([n, 3]), zeros([4]))).toThrow(ShapeError);
    // @ts-expect-error 5 ≠ 4 on the leading axis is known although the trailing one is not
    expect(() => mul(zeros([5, n]), zeros([4, 3]))).toThrow(ShapeError);
    // @ts-expect-error comparisons follow the same rule
    expect(() => greater(zeros([2, 3]), zeros([2]))).toThrow(ShapeError);
    // @ts-expect-error and so does pow
    expect(() => pow(zeros([3]), zeros([4]))).toThrow(ShapeError);
    // @ts-expect-error and equal, with the mismatch on a middle axis
    expect(() => equal(zeros([2, 3, 1]), zeros([4, 1]))).toThrow(ShapeError);
  });

  it('names the mismatch and both shapes in the type', () => {
    expectTypeOf<Broadcast<[2, 3], [4]>>().toEqualTypeOf<ShapeMismatch<'broadcast: incompatible dimensions', [2, 3], [4]>>();
    expectTypeOf<Broadcast<[number, 3], [4]>>().toEqualTypeOf<ShapeMismatch<'broadcast: incompatible dimensions', [number, 3], [4]>>();
    expectTypeOf<Broadcast<number[], [4]>>().toEqualTypeOf<number[]>();
  });
});

describe('where', () => {
  it('broadcasts the condition and both branches', () => {
    const r1 = where(zeros([2, 1]), zeros([3]), 0);
    expectTypeOf(dims(r1)).toEqualTypeOf<[2, 3]>();
    expect(dims(r1)).toEqual([2, 3]);

    const r2 = where(zeros([]), zeros([2, 1]), zeros([1, 4]));
    expectTypeOf(dims(r2)).toEqualTypeOf<[2, 4]>();
    expect(dims(r2)).toEqual([2, 4]);
  });

  it('rejects branches that do not broadcast with the condition or each other', () => {
    // @ts-expect-error the first branch [4] against the condition [2, 3]
    expect(() => where(zeros([2, 3]), zeros([4]), 0)).toThrow(ShapeError);
    // @ts-expect-error the second branch [2, 4] against [2, 3]
    expect(() => where(zeros([2, 3]), 1, zeros([2, 4]))).toThrow(ShapeError);
  });
});

describe('matmul', () => {
  it('multiplies [M, K] × [K, N]', () => {
    const r = matmul(zeros([2, 3]), zeros([3, 4]));
    expectTypeOf(dims(r)).toEqualTypeOf<[2, 4]>();
    expect(dims(r)).toEqual([2, 4]);
  });

  it('broadcasts batch dimensions', () => {
    const r1 = matmul(zeros([5, 1, 2, 3]), zeros([7, 3, 4]));
    expectTypeOf(dims(r1)).toEqualTypeOf<[5, 7, 2, 4]>();
    expect(dims(r1)).toEqual([5, 7, 2, 4]);

    const r2 = matmul(zeros([2, 3, 4]), zeros([4, 5]));
    expectTypeOf(dims(r2)).toEqualTypeOf<[2, 3, 5]>();
    expect(dims(r2)).toEqual([2, 3, 5]);

    const r3 = matmul(zeros([n, 2, 3]), zeros([3, 4]));
    expectTypeOf(dims(r3)).toEqualTypeOf<[number, 2, 4]>();
    expect(dims(r3)).toEqual([3, 2, 4]);
  });

  it('treats a `number` inner dimension as a wildcard', () => {
    const r = matmul(zeros([2, n]), zeros([3, 4]));
    expectTypeOf(dims(r)).toEqualTypeOf<[2, 4]>();
    expect(dims(r)).toEqual([2, 4]);
  });

  it('rejects differing inner dimensions, mismatched batches and rank < 2', () => {
    // @ts-expect-error inner 3 ≠ 4
    expect(() => matmul(zeros([2, 3]), zeros([4, 4]))).toThrow(ShapeError);
    // @ts-expect-error inner 3 ≠ 4 is known although the batch dimension is not
    expect(() => matmul(zeros([n, 2, 3]), zeros([4, 5]))).toThrow(ShapeError);
    // @ts-expect-error batch 2 vs 3 does not broadcast
    expect(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 4]))).toThrow(ShapeError);
    // @ts-expect-error a vector is not a matrix
    expect(() => matmul(zeros([3]), zeros([3, 4]))).toThrow(ShapeError);
  });

  it('names the mismatch in the type', () => {
    expectTypeOf<Matmul<[2, 3], [4, 4]>>().toEqualTypeOf<ShapeMismatch<'matmul: inner dimensions differ', [2, 3], [4, 4]>>();
    expectTypeOf<Matmul<[2, 2, 3], [3, 3, 4]>>().toEqualTypeOf<ShapeMismatch<'matmul: batch dimensions do not broadcast', [2, 2, 3], [3, 3, 4]>>();
  });
});

describe('conv2d (NCHW input, OIHW filter)', () => {
  it("computes 'valid' output sizes, with and without stride", () => {
    const r1 = conv2d(zeros([1, 3, 9, 9]), zeros([4, 3, 3, 3]));
    expectTypeOf(dims(r1)).toEqualTypeOf<[1, 4, 7, 7]>();
    expect(dims(r1)).toEqual([1, 4, 7, 7]);

    const r2 = conv2d(zeros([1, 3, 9, 9]), zeros([4, 3, 3, 3]), { stride: 2 });
    expectTypeOf(dims(r2)).toEqualTypeOf<[1, 4, 4, 4]>();
    expect(dims(r2)).toEqual([1, 4, 4, 4]);

    const r3 = conv2d(zeros([2, 1, 7, 5]), zeros([2, 1, 3, 5]), { padding: 'valid' });
    expectTypeOf(dims(r3)).toEqualTypeOf<[2, 2, 5, 1]>();
    expect(dims(r3)).toEqual([2, 2, 5, 1]);
  });

  it("computes 'same' output sizes: ceil(in / stride), even kernels included", () => {
    const r1 = conv2d(zeros([1, 3, 8, 8]), zeros([4, 3, 3, 3]), { padding: 'same' });
    expectTypeOf(dims(r1)).toEqualTypeOf<[1, 4, 8, 8]>();
    expect(dims(r1)).toEqual([1, 4, 8, 8]);

    const r2 = conv2d(zeros([1, 3, 9, 9]), zeros([4, 3, 3, 3]), { stride: 2, padding: 'same' });
    expectTypeOf(dims(r2)).toEqualTypeOf<[1, 4, 5, 5]>();
    expect(dims(r2)).toEqual([1, 4, 5, 5]);

    const r3 = conv2d(zeros([1, 3, 8, 7]), zeros([4, 3, 2, 4]), { stride: 3, padding: 'same' });
    expectTypeOf(dims(r3)).toEqualTypeOf<[1, 4, 3, 3]>();
    expect(dims(r3)).toEqual([1, 4, 3, 3]);
  });

  it('computes sizes for numeric padding', () => {
    const r1 = conv2d(zeros([1, 3, 9, 9]), zeros([4, 3, 3, 3]), { stride: 2, padding: 1 });
    expectTypeOf(dims(r1)).toEqualTypeOf<[1, 4, 5, 5]>();
    expect(dims(r1)).toEqual([1, 4, 5, 5]);

    const r2 = conv2d(zeros([2, 1, 4, 6]), zeros([3, 1, 5, 5]), { padding: 2 });
    expectTypeOf(dims(r2)).toEqualTypeOf<[2, 3, 4, 6]>();
    expect(dims(r2)).toEqual([2, 3, 4, 6]);

    // the kernel is larger than the input but not than the padded input
    const r3 = conv2d(zeros([1, 1, 2, 2]), zeros([1, 1, 3, 3]), { padding: 1 });
    expectTypeOf(dims(r3)).toEqualTypeOf<[1, 1, 2, 2]>();
    expect(dims(r3)).toEqual([1, 1, 2, 2]);
  });

  it('widens to `number` where a dimension, the stride or the padding is known only at run time', () => {
    const r1 = conv2d(zeros([n, 3, n, 8]), zeros([4, 3, 3, 3]), { padding: 'same' });
    expectTypeOf(dims(r1)).toEqualTypeOf<[number, 4, number, 8]>();
    expect(dims(r1)).toEqual([3, 4, 3, 8]);

    const r2 = conv2d(zeros([1, 3, 9, 9]), zeros([4, 3, 3, 3]), { stride: n });
    expectTypeOf(dims(r2)).toEqualTypeOf<[1, 4, number, number]>();
    expect(dims(r2)).toEqual([1, 4, 3, 3]);
  });

  it('rejects channel mismatches, kernels larger than the padded input and wrong ranks', () => {
    // @ts-expect-error 3 input channels, filter expects 2
    expect(() => conv2d(zeros([1, 3, 9, 9]), zeros([4, 2, 3, 3]))).toThrow(ShapeError);
    // @ts-expect-error the channel mismatch is known although N and H are not
    expect(() => conv2d(zeros([n, 3, n, 9]), zeros([4, 2, 3, 3]))).toThrow(ShapeError);
    // @ts-expect-error a 3×3 kernel on a 2×2 image without padding
    expect(() => conv2d(zeros([1, 3, 2, 2]), zeros([4, 3, 3, 3]))).toThrow(ShapeError);
    // @ts-expect-error a 5-wide kernel on a 2-wide image padded to 4
    expect(() => conv2d(zeros([1, 1, 2, 2]), zeros([1, 1, 1, 5]), { padding: 1 })).toThrow(ShapeError);
    // @ts-expect-error the input must be NCHW
    expect(() => conv2d(zeros([3, 9, 9]), zeros([4, 3, 3, 3]))).toThrow(ShapeError);
    // @ts-expect-error the filter must be OIHW
    expect(() => conv2d(zeros([1, 3, 9, 9]), zeros([3, 3, 3]))).toThrow(ShapeError);
  });

  it('computes output lengths at the type level', () => {
    expectTypeOf<ConvOutDim<8, 3, 1, 'same'>>().toEqualTypeOf<8>();
    expectTypeOf<ConvOutDim<9, 4, 2, 'same'>>().toEqualTypeOf<5>();
    expectTypeOf<ConvOutDim<9, 3, 2, 'valid'>>().toEqualTypeOf<4>();
    expectTypeOf<ConvOutDim<9, 3, 2, 1>>().toEqualTypeOf<5>();
    expectTypeOf<ConvOutDim<2, 3, 1, 'valid'>>().toEqualTypeOf<never>();
    expectTypeOf<Conv2d<[1, 3, 9, 9], [4, 2, 3, 3], 1, 'valid'>>().toEqualTypeOf<
      ShapeMismatch<'conv2d: input channels differ from filter channels', [1, 3, 9, 9], [4, 2, 3, 3]>
    >();
    expectTypeOf<[Add<5, 7>, Sub<7, 5>, FloorDiv<7, 2>]>().toEqualTypeOf<[12, 2, 3]>();
    expectTypeOf<Sub<5, 7>>().toEqualTypeOf<never>();
    expectTypeOf<Add<number, 1>>().toEqualTypeOf<number>();
  });
});

describe('avgPool2d', () => {
  it('computes the pooled shape for a window, with and without stride', () => {
    const r1 = avgPool2d(zeros([2, 3, 8, 8]), { size: 2 });
    expectTypeOf(dims(r1)).toEqualTypeOf<[2, 3, 4, 4]>();
    expect(dims(r1)).toEqual([2, 3, 4, 4]);

    const r2 = avgPool2d(zeros([2, 3, 9, 9]), { size: 3, stride: 2 });
    expectTypeOf(dims(r2)).toEqualTypeOf<[2, 3, 4, 4]>();
    expect(dims(r2)).toEqual([2, 3, 4, 4]);

    const r3 = avgPool2d(zeros([1, 1, 5, 7]), { size: 2, stride: 1 });
    expectTypeOf(dims(r3)).toEqualTypeOf<[1, 1, 4, 6]>();
    expect(dims(r3)).toEqual([1, 1, 4, 6]);

    // windows that would overrun the edge are dropped
    const r4 = avgPool2d(zeros([1, 1, 5, 5]), { size: 2 });
    expectTypeOf(dims(r4)).toEqualTypeOf<[1, 1, 2, 2]>();
    expect(dims(r4)).toEqual([1, 1, 2, 2]);

    const r5 = avgPool2d(zeros([n, 2, 6, n]), { size: 3 });
    expectTypeOf(dims(r5)).toEqualTypeOf<[number, 2, 2, number]>();
    expect(dims(r5)).toEqual([3, 2, 2, 1]);
  });

  it('rejects a window larger than the input and a non-NCHW input', () => {
    // @ts-expect-error a 3×3 window on 2×2
    expect(() => avgPool2d(zeros([2, 3, 2, 2]), { size: 3 })).toThrow(ShapeError);
    // @ts-expect-error rank 3
    expect(() => avgPool2d(zeros([3, 8, 8]), { size: 2 })).toThrow(ShapeError);
    expectTypeOf<AvgPool2d<[1, 1, 2, 2], 3, 3>>().toEqualTypeOf<ShapeMismatch<'avgPool2d: window larger than input', [1, 1, 2, 2], [3, 3]>>();
  });
});

describe('maxPool2d', () => {
  it('computes the pooled shape as avgPool2d does, and keeps each window’s maximum', () => {
    const r1 = maxPool2d(zeros([2, 3, 8, 8]), { size: 2 });
    expectTypeOf(dims(r1)).toEqualTypeOf<[2, 3, 4, 4]>();
    expect(dims(r1)).toEqual([2, 3, 4, 4]);
    const r2 = maxPool2d(Tensor.fromBuffer([1, 1, 3, 3] as const, 'f32', Float32Array.from([1, 9, 2, 4, 3, 8, 7, 6, 5])), { size: 2, stride: 1 });
    expectTypeOf(dims(r2)).toEqualTypeOf<[1, 1, 2, 2]>();
    expect(Array.from(r2.data)).toEqual([9, 9, 7, 8]);
  });

  it('rejects a window larger than the input and a non-NCHW input, naming maxPool2d', () => {
    // @ts-expect-error a 3×3 window on 2×2
    expect(() => maxPool2d(zeros([2, 3, 2, 2]), { size: 3 })).toThrow(ShapeError);
    // @ts-expect-error rank 3
    expect(() => maxPool2d(zeros([3, 8, 8]), { size: 2 })).toThrow(/maxPool2d/);
    expectTypeOf<MaxPool2d<[1, 1, 2, 2], 3, 3>>().toEqualTypeOf<ShapeMismatch<'maxPool2d: window larger than input', [1, 1, 2, 2], [3, 3]>>();
  });
});

describe('reshape', () => {
  it('takes the target shape, with -1 as a run-time-solved `number`', () => {
    const r1 = reshape(zeros([2, 3, 4]), [6, -1]);
    expectTypeOf(dims(r1)).toEqualTypeOf<[6, number]>();
    expect(dims(r1)).toEqual([6, 4]);

    const r2 = reshape(zeros([2, 3]), [3, 2]);
    expectTypeOf(dims(r2)).toEqualTypeOf<[3, 2]>();
    expect(dims(r2)).toEqual([3, 2]);

    const r3 = reshape(zeros([2, 3]), [-1]);
    expectTypeOf(dims(r3)).toEqualTypeOf<[number]>();
    expect(dims(r3)).toEqual([6]);
  });
});

describe('transpose', () => {
  it('reverses axes by default and permutes by a literal permutation', () => {
    const r1 = transpose(zeros([2, 3, 4]));
    expectTypeOf(dims(r1)).toEqualTypeOf<[4, 3, 2]>();
    expect(dims(r1)).toEqual([4, 3, 2]);

    const r2 = transpose(zeros([2, 3, 4]), [0, 2, 1]);
    expectTypeOf(dims(r2)).toEqualTypeOf<[2, 4, 3]>();
    expect(dims(r2)).toEqual([2, 4, 3]);

    const r3 = transpose(zeros([2, n, 4]), [2, 0, 1]);
    expectTypeOf(dims(r3)).toEqualTypeOf<[4, 2, number]>();
    expect(dims(r3)).toEqual([4, 2, 3]);

    const perm: number[] = [1, 0];
    const r4 = transpose(zeros([2, 3]), perm);
    expectTypeOf(dims(r4)).toEqualTypeOf<number[]>();
    expect(dims(r4)).toEqual([3, 2]);
  });

  it('rejects a permutation naming a missing axis or of the wrong length', () => {
    // @ts-expect-error axis 3 of a rank-3 tensor
    expect(() => transpose(zeros([2, 3, 4]), [0, 3, 1])).toThrow(ShapeError);
    // @ts-expect-error two axes for rank 3
    expect(() => transpose(zeros([2, 3, 4]), [0, 1])).toThrow(ShapeError);
    expectTypeOf<Transpose<[2, 3], [0, 2]>>().toEqualTypeOf<ShapeMismatch<'transpose: permutation names an axis out of range', [2, 3], [0, 2]>>();
  });
});

describe('flip', () => {
  it('keeps the shape and the dtype, for literal, negative and widened axes', () => {
    const r1 = flip(zeros([2, 3, 4]), [0, 2]);
    expectTypeOf(dims(r1)).toEqualTypeOf<[2, 3, 4]>();
    expect(dims(r1)).toEqual([2, 3, 4]);
    const r2 = flip(zeros([2, n], { dtype: 'f64' }), [-1]);
    expectTypeOf(dims(r2)).toEqualTypeOf<[2, number]>();
    expectTypeOf(r2.dtype).toEqualTypeOf<'f64'>();
    const axes: number[] = [1];
    expectTypeOf(dims(flip(zeros([2, 3]), axes))).toEqualTypeOf<[2, 3]>();
  });

  it('rejects an axis out of range or a repeated axis', () => {
    // @ts-expect-error axis 3 of a rank-3 tensor
    expect(() => flip(zeros([2, 3, 4]), [3])).toThrow(ShapeError);
    // @ts-expect-error axis 1 twice
    expect(() => flip(zeros([2, 3, 4]), [1, 1])).toThrow(ShapeError);
    expectTypeOf<Flip<[2, 3], [0, 2]>>().toEqualTypeOf<ShapeMismatch<'flip: axis out of range', [2, 3], [0, 2]>>();
    expectTypeOf<Flip<[2, 3], [1, 1]>>().toEqualTypeOf<ShapeMismatch<'flip: axes repeat an axis', [2, 3], [1, 1]>>();
  });
});

describe('reductions', () => {
  it('drops or keeps the reduced axes', () => {
    const r1 = sum(zeros([2, 3, 4]), [1]);
    expectTypeOf(dims(r1)).toEqualTypeOf<[2, 4]>();
    expect(dims(r1)).toEqual([2, 4]);

    const r2 = sum(zeros([2, 3, 4]), [0, 2], { keepDims: true });
    expectTypeOf(dims(r2)).toEqualTypeOf<[1, 3, 1]>();
    expect(dims(r2)).toEqual([1, 3, 1]);

    const r3 = max(zeros([2, 3, 4]), [2]);
    expectTypeOf(dims(r3)).toEqualTypeOf<[2, 3]>();
    expect(dims(r3)).toEqual([2, 3]);

    const r4 = mean(zeros([n, 3]), [1], { keepDims: true });
    expectTypeOf(dims(r4)).toEqualTypeOf<[number, 1]>();
    expect(dims(r4)).toEqual([3, 1]);
  });

  it('reduces everything without axes', () => {
    const r1 = sum(zeros([2, 3, 4]));
    expectTypeOf(dims(r1)).toEqualTypeOf<[]>();
    expect(dims(r1)).toEqual([]);

    const r2 = mean(zeros([2, 3, 4]), undefined, { keepDims: true });
    expectTypeOf(dims(r2)).toEqualTypeOf<[1, 1, 1]>();
    expect(dims(r2)).toEqual([1, 1, 1]);
  });

  it('leaves negative axes to the run time', () => {
    const r = max(zeros([2, 3, 4]), [-1]);
    expectTypeOf(dims(r)).toEqualTypeOf<number[]>();
    expect(dims(r)).toEqual([2, 3]);
  });

  it('names an out-of-range axis in the rule', () => {
    expectTypeOf<Reduce<[2, 3], [2], false>>().toEqualTypeOf<ShapeMismatch<'reduce: axis out of range', [2, 3], [2]>>();
  });
});

describe('concat, slice, pad', () => {
  it('adds sizes along the concatenation axis', () => {
    const r1 = concat([zeros([2, 3]), zeros([2, 5])], 1);
    expectTypeOf(dims(r1)).toEqualTypeOf<[2, 8]>();
    expect(dims(r1)).toEqual([2, 8]);

    const r2 = concat([zeros([1, 3]), zeros([2, 3]), zeros([4, 3])], 0);
    expectTypeOf(dims(r2)).toEqualTypeOf<[7, 3]>();
    expect(dims(r2)).toEqual([7, 3]);

    const axis: number = 0;
    const r3 = concat([zeros([1, 3]), zeros([2, 3])], axis);
    expectTypeOf(dims(r3)).toEqualTypeOf<number[]>();
    expect(dims(r3)).toEqual([3, 3]);
  });

  it('slices to the size given, -1 running to the end', () => {
    const r1 = slice(zeros([5, 6]), [1, 2], [3, -1]);
    expectTypeOf(dims(r1)).toEqualTypeOf<[3, number]>();
    expect(dims(r1)).toEqual([3, 4]);

    const r2 = slice(zeros([5, 6]), [0, 0], [2, 2]);
    expectTypeOf(dims(r2)).toEqualTypeOf<[2, 2]>();
    expect(dims(r2)).toEqual([2, 2]);
  });

  it('rejects a slice size of the wrong rank', () => {
    // @ts-expect-error one size for a rank-2 tensor
    expect(() => slice(zeros([5, 6]), [1, 2], [3])).toThrow(ShapeError);
    expectTypeOf<Slice<[5, 6], [3]>>().toEqualTypeOf<ShapeMismatch<'slice: size rank differs from tensor rank', [5, 6], [3]>>();
  });

  it('pads each axis by [before, after]', () => {
    const r1 = pad(zeros([5, 6]), [[1, 2], [0, 3]]);
    expectTypeOf(dims(r1)).toEqualTypeOf<[8, 9]>();
    expect(dims(r1)).toEqual([8, 9]);

    const r2 = pad(zeros([n]), [[2, 2]]);
    expectTypeOf(dims(r2)).toEqualTypeOf<[number]>();
    expect(dims(r2)).toEqual([7]);
  });

  it('rejects a padding list of the wrong length', () => {
    // @ts-expect-error one pair for a rank-2 tensor
    expect(() => pad(zeros([5, 6]), [[1, 2]])).toThrow(ShapeError);
    expectTypeOf<Pad<[5], [[1, 1], [1, 1]]>>().toEqualTypeOf<ShapeMismatch<'pad: one [before, after] pair per axis is needed', [5], [[1, 1], [1, 1]]>>();
  });
});

describe('dtypes', () => {
  it('astype changes the dtype and keeps the shape; unary ops keep both', () => {
    const x = astype(zeros([2, 3]), 'f64');
    expectTypeOf(x).toEqualTypeOf<Tensor<readonly [2, 3], 'f64'>>();
    expect([x.dtype, dims(x)]).toEqual(['f64', [2, 3]]);

    const y = sigmoid(x);
    expectTypeOf(y).toEqualTypeOf<Tensor<readonly [2, 3], 'f64'>>();
    expect([y.dtype, dims(y)]).toEqual(['f64', [2, 3]]);
  });
});

describe('transforms over pytrees', () => {
  const params = { w: zeros([3, 2], { dtype: 'f64' }), b: zeros([2], { dtype: 'f64' }) };
  type Params = typeof params;
  const x = zeros([4, 3], { dtype: 'f64' });
  const loss = (p: Params, input: typeof x) => sum(add(matmul(input, p.w), p.b));

  it("grad returns the params' record type", () => {
    const g = grad(loss)(params, x);
    expectTypeOf(g).toEqualTypeOf<{ w: Tensor<readonly [3, 2], 'f64'>; b: Tensor<readonly [2], 'f64'> }>();
    expect([dims(g.w), dims(g.b)]).toEqual([[3, 2], [2]]);
  });

  it('grad with several argnums returns a tuple of their types', () => {
    const [gp, gx] = grad(loss, { argnums: [0, 1] })(params, x);
    expectTypeOf(gp).toEqualTypeOf<Params>();
    expectTypeOf(gx).toEqualTypeOf<Tensor<readonly [4, 3], 'f64'>>();
    expect(dims(gx)).toEqual([4, 3]);
  });

  it('valueAndGrad returns the gradient with the params type', () => {
    const [value, g] = valueAndGrad(loss)(params, x);
    expectTypeOf(g).toEqualTypeOf<Params>();
    expect([value.size, dims(g.w)]).toEqual([1, [3, 2]]);
  });
});
