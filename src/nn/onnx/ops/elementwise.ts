/** Activations, arithmetic with broadcasting, Softmax/LogSoftmax, Dropout and Identity. */
import { add, div, elu, exp, greater, logSumExp, mul, relu, reshape, sigmoid, sub, tanh, where } from '../../../ad/ops.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import type { NodeContext, OpImplementation } from './values.ts';

type Binary = (a: Tensor, b: Tensor) => Tensor;
const binary = (f: (a: never, b: never) => unknown): OpImplementation => (ctx) => [(f as unknown as Binary)(ctx.tensor(0), ctx.tensor(1))];
const unary = (f: (x: Tensor) => Tensor): OpImplementation => (ctx) => [f(ctx.tensor(0))];

/** ONNX's negative slope: x for x > 0, alpha·x otherwise. */
const leakyRelu: OpImplementation = (ctx) => {
  const x = ctx.tensor(0);
  return [where(greater(x, 0), x, mul(x, ctx.float('alpha', 0.01)) as never) as Tensor];
};

/** x for x > 0, alpha·(eˣ − 1) otherwise; elu(x) is eˣ − 1 there. */
const eluOp: OpImplementation = (ctx) => {
  const x = ctx.tensor(0);
  const alpha = ctx.float('alpha', 1);
  return [alpha === 1 ? elu(x) : (where(greater(x, 0), x, mul(elu(x), alpha) as never) as Tensor)];
};

/**
 * log softmax along the node's axis. Before opset 13 the input is seen as 2-D, [rows up to the
 * axis, the rest], and normalised over the whole second part; from 13 on, over the one axis (default −1).
 */
function logSoftmax(ctx: NodeContext): Tensor {
  const x = ctx.tensor(0);
  const rank = x.shape.length;
  const axis = ctx.axis(ctx.int('axis', ctx.opset >= 13 ? -1 : 1), rank);
  if (ctx.opset >= 13) return sub(x, reshape(logSumExp(x, [axis]), x.shape.map((d, i) => (i === axis ? 1 : d))) as never) as Tensor;
  const rows = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const flat = reshape(x, [rows, -1]) as Tensor;
  return reshape(sub(flat, reshape(logSumExp(flat, [1]), [rows, 1]) as never) as Tensor, x.shape) as Tensor;
}

/** Dropout at inference is the identity; a graph that reads its mask output was exported for training. */
const dropout: OpImplementation = (ctx) => {
  if (ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '') ctx.unsupported('the mask output of Dropout is not supported (export the model in eval mode)');
  return [ctx.inputs[0] ?? ctx.fail('input 0 is missing')];
};

export const ELEMENTWISE_OPS: Readonly<Record<string, OpImplementation>> = {
  Relu: unary(relu),
  LeakyRelu: leakyRelu,
  Elu: eluOp,
  Sigmoid: unary(sigmoid),
  Tanh: unary(tanh),
  Add: binary(add),
  Sub: binary(sub),
  Mul: binary(mul),
  Div: binary(div),
  Softmax: (ctx) => [exp(logSoftmax(ctx))],
  LogSoftmax: (ctx) => [logSoftmax(ctx)],
  Dropout: dropout,
  Identity: (ctx) => [ctx.inputs[0] ?? ctx.fail('input 0 is missing')],
};
