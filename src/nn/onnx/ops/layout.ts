/**
 * Layout and shape ops: Flatten, Reshape, Transpose, Concat, Pad, Squeeze, Unsqueeze, and the
 * integer plumbing PyTorch exports around them (Constant, Shape, Gather), e.g. for
 * `x.view(x.size(0), -1)`. Integer tensors stay plain numbers; float ones go through the DSL.
 */
import { add, concat, pad, reshape, sub, transpose } from '../../../ad/ops.ts';
import { Tensor } from '../../../tensor/tensor.ts';
import type { OnnxTensor } from '../decode.ts';
import { IntTensor, type NodeContext, type OpImplementation, type Value } from './values.ts';

const size = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
const dimsOf = (v: Value): readonly number[] => (v instanceof IntTensor ? v.dims : v.shape);

/** A Constant's or initializer's value: a float tensor in the model's dtype, or an IntTensor. */
export function constantValue(t: OnnxTensor, dtype: 'f32' | 'f64'): Value {
  if (t.kind === 'int') return new IntTensor(t.dims, t.data as readonly number[]);
  return Tensor.fromBuffer(t.dims, dtype, dtype === 'f64' ? Float64Array.from(t.data as Float64Array) : Float32Array.from(t.data as Float64Array));
}

function reshapeValue(v: Value, dims: readonly number[]): Value {
  return v instanceof IntTensor ? new IntTensor(dims, v.values) : (reshape(v, dims) as Tensor);
}

const flatten: OpImplementation = (ctx) => {
  const x = ctx.inputs[0] ?? ctx.fail('input 0 is missing');
  const dims = dimsOf(x);
  const axis = ctx.int('axis', 1);
  const a = axis < 0 ? axis + dims.length : axis;
  if (a < 0 || a > dims.length) ctx.fail(`axis ${axis} is out of range for rank ${dims.length}`);
  return [reshapeValue(x, [size(dims.slice(0, a)), size(dims.slice(a))])];
};

/** The target shape: 0 copies the input's dimension (unless allowzero), −1 is solved for. */
function targetShape(ctx: NodeContext, input: readonly number[], requested: readonly number[]): number[] {
  const allowZero = ctx.int('allowzero', 0) === 1;
  const dims = requested.map((d, i) => (d === 0 && !allowZero ? (input[i] ?? ctx.fail(`shape entry ${i} is 0 but the input has rank ${input.length}`)) : d));
  const unknown = dims.filter((d) => d === -1).length;
  if (unknown > 1 || dims.some((d) => d < -1)) ctx.fail(`invalid shape [${requested.join(', ')}]`);
  const known = size(dims.filter((d) => d !== -1));
  const total = size(input);
  const solved = dims.map((d) => (d === -1 ? total / known : d));
  if (size(solved) !== total || solved.some((d) => !Number.isInteger(d))) ctx.fail(`cannot reshape [${input.join(', ')}] to [${requested.join(', ')}]`);
  return solved;
}

const reshapeOp: OpImplementation = (ctx) => {
  const x = ctx.inputs[0] ?? ctx.fail('input 0 is missing');
  return [reshapeValue(x, targetShape(ctx, dimsOf(x), ctx.intInput(1).values))];
};

const transposeOp: OpImplementation = (ctx) => {
  const x = ctx.tensor(0);
  const perm = ctx.ints('perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i);
  return [transpose(x as never, perm as never) as Tensor];
};

/** Integer tensors concatenate as numbers (shape vectors); float ones through the DSL. */
const concatOp: OpImplementation = (ctx) => {
  const present = ctx.inputs.filter((v): v is Value => v !== undefined);
  if (present.length === 0) ctx.fail('has no inputs');
  if (present.every((v) => v instanceof IntTensor)) {
    const parts = present as IntTensor[];
    if (parts.some((p) => p.dims.length !== 1)) ctx.unsupported('concatenating integer tensors of rank other than 1 is not supported');
    const values = parts.flatMap((p) => p.values);
    return [new IntTensor([values.length], values)];
  }
  const tensors = present.map((_, i) => ctx.tensor(ctx.inputs.indexOf(present[i]!)));
  return [concat(tensors as never, ctx.axis(ctx.int('axis', 0), tensors[0]!.shape.length) as never) as Tensor];
};

/** Constant-mode padding with pads [x1_begin, x2_begin, …, x1_end, x2_end, …] (an input from opset 11, an attribute before). */
const padOp: OpImplementation = (ctx) => {
  const x = ctx.tensor(0);
  const mode = ctx.string('mode', 'constant');
  if (mode !== 'constant') ctx.unsupported(`Pad mode ${mode} is not supported (only constant)`);
  const pads = ctx.opset >= 11 ? ctx.intInput(1).values : (ctx.ints('pads') ?? ctx.fail('pads are required'));
  const rank = x.shape.length;
  if (pads.length !== 2 * rank || pads.some((p) => !Number.isInteger(p) || p < 0)) ctx.unsupported(`pads [${pads.join(', ')}] must be 2·rank non-negative integers (negative pads, i.e. cropping, are not supported)`);
  const value = ctx.opset >= 11 ? (ctx.optionalTensor(2)?.data[0] ?? 0) : ctx.float('value', 0);
  const pairs = x.shape.map((_, i) => [pads[i]!, pads[i + rank]!] as const);
  if (value === 0) return [pad(x as never, pairs as never) as Tensor];
  return [add(pad(sub(x, value) as never, pairs as never) as never, value) as Tensor];
};

/** Axes from the input (opset 13 on) or the attribute (before), normalised for the given rank. */
function axesOf(ctx: NodeContext, rank: number): number[] | undefined {
  const axes = ctx.opset >= 13 ? ctx.optionalIntInput(1)?.values : ctx.ints('axes');
  return axes?.map((a) => ctx.axis(a, rank));
}

const unsqueeze: OpImplementation = (ctx) => {
  const x = ctx.inputs[0] ?? ctx.fail('input 0 is missing');
  const dims = [...dimsOf(x)];
  const axes = axesOf(ctx, dims.length + (ctx.opset >= 13 ? (ctx.optionalIntInput(1)?.values.length ?? 0) : (ctx.ints('axes')?.length ?? 0)));
  if (!axes) return ctx.fail('axes are required');
  for (const a of [...axes].sort((p, q) => p - q)) dims.splice(a, 0, 1);
  return [reshapeValue(x, dims)];
};

const squeeze: OpImplementation = (ctx) => {
  const x = ctx.inputs[0] ?? ctx.fail('input 0 is missing');
  const dims = dimsOf(x);
  const axes = axesOf(ctx, dims.length) ?? dims.flatMap((d, i) => (d === 1 ? [i] : []));
  if (axes.some((a) => dims[a] !== 1)) ctx.fail(`cannot squeeze axes [${axes.join(', ')}] of shape [${dims.join(', ')}]`);
  return [reshapeValue(x, dims.filter((_, i) => !axes.includes(i)))];
};

const shapeOp: OpImplementation = (ctx) => {
  const dims = dimsOf(ctx.inputs[0] ?? ctx.fail('input 0 is missing'));
  const start = ctx.int('start', 0), end = ctx.int('end', dims.length);
  const values = dims.slice(start, end);
  return [new IntTensor([values.length], values)];
};

/** Gather of integer tensors (a shape entry, say): indices along axis 0 of a vector. */
const gather: OpImplementation = (ctx) => {
  const data = ctx.inputs[0];
  if (!(data instanceof IntTensor) || data.dims.length !== 1 || ctx.int('axis', 0) !== 0) return ctx.unsupported('Gather is supported on integer vectors known before the data (shape arithmetic) only');
  const index = ctx.intInput(1);
  const values = index.values.map((i) => data.values[i < 0 ? i + data.values.length : i] ?? ctx.fail(`index ${i} is out of range for ${data.values.length} values`));
  return [new IntTensor(index.dims, values)];
};

const constant: OpImplementation = (ctx) => {
  const a = ctx.node.attributes.get('value');
  if (a?.kind === 'tensor') return [constantValue(a.value, ctx.dtype)];
  const f = ctx.node.attributes.get('value_float') ?? ctx.node.attributes.get('value_floats');
  if (f?.kind === 'float') return [Tensor.fromBuffer([], ctx.dtype, ctx.dtype === 'f64' ? Float64Array.of(f.value) : Float32Array.of(f.value))];
  if (f?.kind === 'floats') return [Tensor.fromBuffer([f.value.length], ctx.dtype, ctx.dtype === 'f64' ? Float64Array.from(f.value) : Float32Array.from(f.value))];
  const i = ctx.node.attributes.get('value_int') ?? ctx.node.attributes.get('value_ints');
  if (i?.kind === 'int') return [new IntTensor([], [i.value])];
  if (i?.kind === 'ints') return [new IntTensor([i.value.length], i.value)];
  return ctx.unsupported('only tensor, float and int Constants are supported');
};

export const LAYOUT_OPS: Readonly<Record<string, OpImplementation>> = {
  Flatten: flatten,
  Reshape: reshapeOp,
  Transpose: transposeOp,
  Concat: concatOp,
  Pad: padOp,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Shape: shapeOp,
  Gather: gather,
  Constant: constant,
};
