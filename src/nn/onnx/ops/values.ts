/**
 * What flows along a graph's edges, and what each op implementation gets: float tensors of the
 * DSL (so every op differentiates through the AD), and small integer tensors (shapes, axes, pads,
 * indices) known while the graph runs, kept as plain numbers because no derivative flows through them.
 */
import { Tensor } from '../../../tensor/tensor.ts';
import type { DType } from '../../../tensor/shape.ts';
import type { OnnxAttribute, OnnxNode } from '../decode.ts';
import { OnnxError } from '../errors.ts';

/** An integer tensor known while the graph runs (INT64 initializers and Constants, Shape's output, …). */
export class IntTensor {
  constructor(
    readonly dims: readonly number[],
    readonly values: readonly number[],
  ) {}
}

export type Value = Tensor | IntTensor;

/** One node as an op implementation sees it: its inputs (undefined where an optional one is absent), attributes and setting. */
export class NodeContext {
  constructor(
    readonly node: OnnxNode,
    readonly inputs: readonly (Value | undefined)[],
    readonly opset: number,
    readonly dtype: DType,
  ) {}

  fail(message: string): never {
    throw new OnnxError('onnx:bad-graph', `${this.node.label}: ${message}`);
  }

  unsupported(message: string): never {
    throw new OnnxError('onnx:unsupported', `${this.node.label}: ${message}`);
  }

  private attribute(name: string, kinds: readonly OnnxAttribute['kind'][]): OnnxAttribute | undefined {
    const a = this.node.attributes.get(name);
    if (a !== undefined && !kinds.includes(a.kind)) this.fail(`attribute ${name} should be ${kinds.join(' or ')}, got ${a.kind}`);
    return a;
  }

  int(name: string, fallback: number): number {
    const a = this.attribute(name, ['int']);
    return a?.kind === 'int' ? a.value : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.attribute(name, ['float']);
    return a?.kind === 'float' ? a.value : fallback;
  }

  ints(name: string): readonly number[] | undefined {
    const a = this.attribute(name, ['ints']);
    return a?.kind === 'ints' ? a.value : undefined;
  }

  string(name: string, fallback: string): string {
    const a = this.attribute(name, ['string']);
    return a?.kind === 'string' ? a.value : fallback;
  }

  has(name: string): boolean {
    return this.node.attributes.has(name);
  }

  /** Input `i` as a float tensor (an integer one is converted to the model's dtype). */
  tensor(i: number): Tensor {
    const v = this.inputs[i];
    if (v === undefined) this.fail(`input ${i} is missing`);
    return v instanceof IntTensor ? Tensor.fromBuffer(v.dims, this.dtype, this.dtype === 'f64' ? Float64Array.from(v.values) : Float32Array.from(v.values)) : v;
  }

  optionalTensor(i: number): Tensor | undefined {
    return this.inputs[i] === undefined ? undefined : this.tensor(i);
  }

  /** Input `i` as integers known now (a shape, axes, pads): a float tensor here would need the data to flow into a shape. */
  intInput(i: number): IntTensor {
    const v = this.inputs[i];
    if (v === undefined) this.fail(`input ${i} is missing`);
    if (!(v instanceof IntTensor)) this.unsupported(`input ${i} must be an int64 tensor known before the data (an initializer, a Constant or computed from shapes)`);
    return v;
  }

  optionalIntInput(i: number): IntTensor | undefined {
    return this.inputs[i] === undefined ? undefined : this.intInput(i);
  }

  /** A normalised axis in [0, rank). */
  axis(axis: number, rank: number): number {
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) this.fail(`axis ${axis} is out of range for rank ${rank}`);
    return axis < 0 ? axis + rank : axis;
  }
}

export type OpImplementation = (ctx: NodeContext) => Value[];
