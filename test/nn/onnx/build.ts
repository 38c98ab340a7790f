/** Writes small ONNX models with the same schema the importer reads (onnx-proto), for tests. */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.AttributeProto.AttributeType;

export type AttributeValue = number | readonly number[] | string | { readonly float: number } | { readonly floats: readonly number[] } | TensorSpec;

export interface TensorSpec {
  readonly dims: readonly number[];
  readonly floats?: readonly number[];
  readonly ints?: readonly number[];
}

export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  readonly name?: string;
  readonly domain?: string;
}

export interface ModelSpec {
  readonly nodes: readonly NodeSpec[];
  readonly inputs: readonly { readonly name: string; readonly dims: readonly (number | string)[] }[];
  readonly outputs: readonly string[];
  readonly initializers?: Readonly<Record<string, TensorSpec>>;
  readonly opset?: number;
}

function tensorProto(name: string, t: TensorSpec) {
  return t.ints
    ? { name, dims: [...t.dims], dataType: onnx.TensorProto.DataType.INT64, int64Data: [...t.ints] }
    : { name, dims: [...t.dims], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [...(t.floats ?? [])] };
}

function attribute(name: string, v: AttributeValue) {
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: [...v] };
  if ('dims' in v) return { name, type: T.TENSOR, t: tensorProto('', v) };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: [...(v as { readonly floats: readonly number[] }).floats] };
}

const valueInfo = (name: string, dims?: readonly (number | string)[]) => ({
  name,
  type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}) } },
});

export function onnxBytes(spec: ModelSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'fgflow tests',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({ name: n.name ?? `n${i}`, opType: n.op, domain: n.domain ?? '', input: [...n.inputs], output: [...n.outputs], attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)) })),
      initializer: Object.entries(spec.initializers ?? {}).map(([k, t]) => tensorProto(k, t)),
      input: spec.inputs.map((i) => valueInfo(i.name, i.dims)),
      output: spec.outputs.map((o) => valueInfo(o)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A one-node model: input 'x' (and initializers), output 'y'. */
export function singleNode(op: string, dims: readonly (number | string)[], extra: Partial<NodeSpec> & { initializers?: Readonly<Record<string, TensorSpec>>; opset?: number } = {}): Uint8Array {
  const inputs = ['x', ...Object.keys(extra.initializers ?? {})];
  return onnxBytes({
    nodes: [{ op, inputs: extra.inputs ?? inputs, outputs: ['y'], ...(extra.attributes ? { attributes: extra.attributes } : {}) }],
    inputs: [{ name: 'x', dims }],
    outputs: ['y'],
    ...(extra.initializers ? { initializers: extra.initializers } : {}),
    ...(extra.opset !== undefined ? { opset: extra.opset } : {}),
  });
}
