/** Gemm and MatMul: the matrix products, with ONNX's transpose flags and scaling. */
import { add, matmul, matmulT, mul, reshape } from '../../../ad/ops.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import type { OpImplementation } from './values.ts';

/** alpha·op(A)·op(B) + beta·C, C broadcast to the product. */
const gemm: OpImplementation = (ctx) => {
  const a = ctx.tensor(0), b = ctx.tensor(1);
  if (a.shape.length !== 2 || b.shape.length !== 2) ctx.fail(`A and B must be matrices, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  const alpha = ctx.float('alpha', 1), beta = ctx.float('beta', 1);
  let y = matmulT(a, b, { transA: ctx.int('transA', 0) === 1, transB: ctx.int('transB', 0) === 1 });
  if (alpha !== 1) y = mul(y, alpha) as Tensor;
  const c = ctx.optionalTensor(2);
  if (c === undefined || beta === 0) return [y];
  return [add(y, (beta === 1 ? c : mul(c, beta)) as never) as Tensor];
};

/** numpy.matmul: a 1-D operand is a row (first) or a column (second) vector, dropped from the result. */
const matmulOp: OpImplementation = (ctx) => {
  const a = ctx.tensor(0), b = ctx.tensor(1);
  const a2 = a.shape.length === 1 ? (reshape(a, [1, a.shape[0]!]) as Tensor) : a;
  const b2 = b.shape.length === 1 ? (reshape(b, [b.shape[0]!, 1]) as Tensor) : b;
  const y = matmul(a2 as never, b2 as never) as Tensor;
  if (a.shape.length > 1 && b.shape.length > 1) return [y];
  const shape = y.shape.filter((_, i) => !((a.shape.length === 1 && i === y.shape.length - 2) || (b.shape.length === 1 && i === y.shape.length - 1)));
  return [reshape(y, shape) as Tensor];
};

export const LINEAR_OPS: Readonly<Record<string, OpImplementation>> = { Gemm: gemm, MatMul: matmulOp };
