/**
 * conv2d and its two adjoints form a closed family: each one's derivative with respect to
 * either operand is another member (../rules.ts), so derivatives of any order stay within
 * three kernels.
 */
import * as K from '../../tensor/kernels/conv.ts';
import type { Conv2dGeometry } from '../../tensor/kernels/types.ts';
import { ArgumentError, ShapeError } from '../../tensor/errors.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { AsShape, Check, Conv2d, DType, Padding, Shape } from '../../tensor/shape.ts';
import { bind, definePrimitive, type Aval } from '../core.ts';
import { produce, sameDType, toTensors } from './util.ts';

/** The spatial geometry shared by the family; batch and channel counts come from the operands. */
export type ConvParams = Omit<Conv2dGeometry, 'n' | 'c' | 'o'>;

function expectRank4(op: string, a: Aval, what: string, others: readonly Aval[]): void {
  if (a.shape.length !== 4) throw new ShapeError(op, `${what} must have rank 4`, others.map((o) => o.shape));
}

/** The kernel geometry from the input's and the filter's shapes (batch and channel counts) and the spatial params. */
function geometryOf(x: Shape, w: Shape, p: ConvParams): Conv2dGeometry {
  return { n: x[0]!, c: x[1]!, h: p.h, w: p.w, o: w[0]!, kh: p.kh, kw: p.kw, strideH: p.strideH, strideW: p.strideW, padTop: p.padTop, padLeft: p.padLeft, outH: p.outH, outW: p.outW };
}

function check(op: string, cond: boolean, msg: string, shapes: readonly Shape[]): void {
  if (!cond) throw new ShapeError(op, msg, shapes);
}

export const conv2dPrim = definePrimitive<ConvParams>({
  name: 'conv2d',
  shapeRule: ([x, w], p) => {
    expectRank4('conv2d', x!, 'input', [x!, w!]);
    expectRank4('conv2d', w!, 'filter', [x!, w!]);
    check('conv2d', x!.shape[1] === w!.shape[1], 'input channels differ from filter channels', [x!.shape, w!.shape]);
    check('conv2d', x!.shape[2] === p.h && x!.shape[3] === p.w && w!.shape[2] === p.kh && w!.shape[3] === p.kw, 'operands do not match the geometry', [x!.shape, w!.shape]);
    return { shape: [x!.shape[0]!, w!.shape[0]!, p.outH, p.outW], dtype: sameDType('conv2d', [x!, w!]) };
  },
  impl: ([x, w], p, out) => {
    const g = geometryOf(x!.shape, w!.shape, p);
    return produce(out, (buf) => K.conv2d(x!.data, w!.data, g, buf));
  },
});

export const conv2dInputAdjointPrim = definePrimitive<ConvParams>({
  name: 'conv2dInputAdjoint',
  shapeRule: ([y, w], p) => {
    expectRank4('conv2dInputAdjoint', y!, 'output cotangent', [y!, w!]);
    expectRank4('conv2dInputAdjoint', w!, 'filter', [y!, w!]);
    check('conv2dInputAdjoint', y!.shape[1] === w!.shape[0] && y!.shape[2] === p.outH && y!.shape[3] === p.outW, 'operands do not match the geometry', [y!.shape, w!.shape]);
    return { shape: [y!.shape[0]!, w!.shape[1]!, p.h, p.w], dtype: sameDType('conv2dInputAdjoint', [y!, w!]) };
  },
  impl: ([y, w], p, out) => {
    const g = geometryOf(out.shape, w!.shape, p);
    return produce(out, (buf) => K.conv2dInputAdjoint(y!.data, w!.data, g, buf));
  },
});

export const conv2dFilterAdjointPrim = definePrimitive<ConvParams>({
  name: 'conv2dFilterAdjoint',
  shapeRule: ([x, y], p) => {
    expectRank4('conv2dFilterAdjoint', x!, 'input', [x!, y!]);
    expectRank4('conv2dFilterAdjoint', y!, 'output cotangent', [x!, y!]);
    check('conv2dFilterAdjoint', x!.shape[0] === y!.shape[0] && x!.shape[2] === p.h && x!.shape[3] === p.w && y!.shape[2] === p.outH && y!.shape[3] === p.outW, 'operands do not match the geometry', [x!.shape, y!.shape]);
    return { shape: [y!.shape[1]!, x!.shape[1]!, p.kh, p.kw], dtype: sameDType('conv2dFilterAdjoint', [x!, y!]) };
  },
  impl: ([x, y], p, out) => {
    const g = geometryOf(x!.shape, out.shape, p);
    return produce(out, (buf) => K.conv2dFilterAdjoint(x!.data, y!.data, g, buf));
  },
});

export interface Conv2dOptions<S extends number = 1, P extends Padding = 'valid'> {
  readonly stride?: S;
  readonly padding?: P;
}

/** Output length and leading padding along one axis; 'same' follows TensorFlow (out = ceil(in / stride)). */
export function convAxis(op: string, size: number, k: number, stride: number, padding: Padding, shapes: readonly Shape[] = []): { out: number; before: number } {
  if (!Number.isInteger(stride) || stride < 1) throw new ArgumentError(op, `stride must be a positive integer, got ${stride}`);
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + k - size, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const p = padding === 'valid' ? 0 : padding;
  if (!Number.isInteger(p) || p < 0) throw new ArgumentError(op, `padding must be 'same', 'valid' or a non-negative integer, got ${String(padding)}`);
  const span = size + 2 * p - k;
  if (span < 0) throw new ShapeError(op, `kernel ${k} is larger than the padded input ${size + 2 * p}`, shapes);
  return { out: Math.floor(span / stride) + 1, before: p };
}

export function convParams(op: string, x: Shape, w: Shape, stride: number, padding: Padding): ConvParams {
  if (x.length !== 4) throw new ShapeError(op, 'input must be [N, C, H, W]', [x, w]);
  if (w.length !== 4) throw new ShapeError(op, 'filter must be [O, C, KH, KW]', [x, w]);
  if (x[1] !== w[1]) throw new ShapeError(op, 'input channels differ from filter channels', [x, w]);
  const ah = convAxis(op, x[2]!, w[2]!, stride, padding, [x, w]);
  const aw = convAxis(op, x[3]!, w[3]!, stride, padding, [x, w]);
  return { h: x[2]!, w: x[3]!, kh: w[2]!, kw: w[3]!, strideH: stride, strideW: stride, padTop: ah.before, padLeft: aw.before, outH: ah.out, outW: aw.out };
}

/** 2-D cross-correlation like PyTorch's conv2d: x [N, C, H, W], w [O, C, KH, KW]. */
export function conv2d<X extends Shape, W extends Shape, D extends DType, S extends number = 1, P extends Padding = 'valid'>(
  x: Tensor<X, D>,
  w: Tensor<W, D> & Check<Conv2d<X, W, S, P>>,
  options: Conv2dOptions<S, P> = {},
): Tensor<AsShape<Conv2d<X, W, S, P>>, D> {
  const [xt, wt] = toTensors('conv2d', [x, w as Tensor<W, D>]) as [Tensor, Tensor];
  const p = convParams('conv2d', xt.shape, wt.shape, options.stride ?? 1, options.padding ?? 'valid');
  return bind(conv2dPrim, [xt, wt], p) as Tensor<AsShape<Conv2d<X, W, S, P>>, D>;
}

/** The adjoint of conv2d in its input: ⟨conv2d(x, w), y⟩ = ⟨x, conv2dInputAdjoint(y, w)⟩. */
export function conv2dInputAdjoint<D extends DType>(y: Tensor<Shape, D>, w: Tensor<Shape, D>, params: ConvParams): Tensor<Shape, D> {
  return bind(conv2dInputAdjointPrim, toTensors('conv2dInputAdjoint', [y, w]), params) as Tensor<Shape, D>;
}

/** The adjoint of conv2d in its filter: ⟨conv2d(x, w), y⟩ = ⟨w, conv2dFilterAdjoint(x, y)⟩. */
export function conv2dFilterAdjoint<D extends DType>(x: Tensor<Shape, D>, y: Tensor<Shape, D>, params: ConvParams): Tensor<Shape, D> {
  return bind(conv2dFilterAdjointPrim, toTensors('conv2dFilterAdjoint', [x, y]), params) as Tensor<Shape, D>;
}
