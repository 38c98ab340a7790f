/**
 * From ONNX bytes to a plain graph: the published ONNX schema, compiled to JavaScript by
 * protobufjs (the `onnx-proto` package), decodes the ModelProto; this file keeps only what the
 * interpreter needs, with int64 values as numbers and tensors as typed arrays. Anything it
 * cannot represent faithfully (external data, float16, a sparse initializer, a missing graph)
 * is an OnnxError naming the model and the tensor or field.
 */
import onnxProto from 'onnx-proto';
import { describeThrown } from '../../data/errors.ts';
import { OnnxError } from './errors.ts';

const { onnx } = onnxProto;
type Long = { toNumber(): number };
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type GraphProto = InstanceType<typeof onnx.GraphProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type AttributeProto = InstanceType<typeof onnx.AttributeProto>;
type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;

/** An initializer or Constant: floats (FLOAT, DOUBLE) as Float64Array, integers (INT64, INT32, …) as numbers. */
export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly kind: 'float' | 'int';
  readonly data: Float64Array | readonly number[];
}

export type OnnxAttribute =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'tensor'; readonly value: OnnxTensor }
  | { readonly kind: 'other'; readonly type: number };

export interface OnnxNode {
  /** Where the node is: its index in the graph and its name, for messages. */
  readonly label: string;
  readonly op: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  readonly name: string;
  /** Dimensions: a number where fixed, the symbol (e.g. 'batch') or null where not. */
  readonly dims: readonly (number | string | null)[] | null;
}

export interface OnnxGraph {
  readonly source: string;
  readonly opset: number;
  readonly producer: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, OnnxTensor>;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

const toNumber = (v: number | Long | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());

const DT = onnx.TensorProto.DataType;
const INTEGER_READERS: Readonly<Record<number, { bytes: number; read: (d: DataView, o: number) => number }>> = {
  [DT.INT64]: { bytes: 8, read: (d, o) => Number(d.getBigInt64(o, true)) },
  [DT.UINT64]: { bytes: 8, read: (d, o) => Number(d.getBigUint64(o, true)) },
  [DT.INT32]: { bytes: 4, read: (d, o) => d.getInt32(o, true) },
  [DT.UINT32]: { bytes: 4, read: (d, o) => d.getUint32(o, true) },
  [DT.INT16]: { bytes: 2, read: (d, o) => d.getInt16(o, true) },
  [DT.UINT16]: { bytes: 2, read: (d, o) => d.getUint16(o, true) },
  [DT.INT8]: { bytes: 1, read: (d, o) => d.getInt8(o) },
  [DT.UINT8]: { bytes: 1, read: (d, o) => d.getUint8(o) },
  [DT.BOOL]: { bytes: 1, read: (d, o) => d.getUint8(o) },
};
const FLOAT_READERS: Readonly<Record<number, { bytes: number; read: (d: DataView, o: number) => number }>> = {
  [DT.FLOAT]: { bytes: 4, read: (d, o) => d.getFloat32(o, true) },
  [DT.DOUBLE]: { bytes: 8, read: (d, o) => d.getFloat64(o, true) },
};

function dataTypeName(t: number): string {
  return (DT as unknown as Record<number, string>)[t] ?? `data type ${t}`;
}

function readRaw(raw: Uint8Array, reader: { bytes: number; read: (d: DataView, o: number) => number }, count: number, where: string): number[] {
  if (raw.length !== count * reader.bytes) throw new OnnxError('onnx:bad-graph', `${where}: raw_data holds ${raw.length} bytes but its dims need ${count * reader.bytes}`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: count }, (_, i) => reader.read(view, i * reader.bytes));
}

function typedValues(t: TensorProto, count: number, where: string): { kind: 'float' | 'int'; values: number[] } {
  const float = FLOAT_READERS[t.dataType];
  const integer = INTEGER_READERS[t.dataType];
  if (!float && !integer) throw new OnnxError('onnx:unsupported', `${where}: tensors of ${dataTypeName(t.dataType)} are not supported (float, double and integer tensors are)`);
  const kind = float ? 'float' : 'int';
  if (t.rawData && t.rawData.length > 0) return { kind, values: readRaw(t.rawData, (float ?? integer)!, count, where) };
  const typed: readonly (number | Long)[] =
    t.dataType === DT.FLOAT ? t.floatData : t.dataType === DT.DOUBLE ? t.doubleData : t.dataType === DT.INT64 ? t.int64Data : t.dataType === DT.UINT64 || t.dataType === DT.UINT32 ? t.uint64Data : t.int32Data;
  if (typed.length !== count) throw new OnnxError('onnx:bad-graph', `${where}: holds ${typed.length} values but its dims need ${count}`);
  return { kind, values: typed.map(toNumber) };
}

function tensorOf(t: TensorProto, where: string): OnnxTensor {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) throw new OnnxError('onnx:unsupported', `${where}: its data is stored outside the model file (external data); save the model with its weights inside`);
  const dims = t.dims.map(toNumber);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new OnnxError('onnx:bad-graph', `${where}: invalid dims [${dims.join(', ')}]`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > 1 << 28) throw new OnnxError('onnx:unsupported', `${where}: ${count} elements is too large`);
  const { kind, values } = typedValues(t, count, where);
  return { name: t.name, dims, kind, data: kind === 'float' ? Float64Array.from(values) : values };
}

function attributeOf(a: AttributeProto, where: string): OnnxAttribute {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.FLOAT: return { kind: 'float', value: a.f };
    case T.INT: return { kind: 'int', value: toNumber(a.i) };
    case T.STRING: return { kind: 'string', value: new TextDecoder().decode(a.s) };
    case T.FLOATS: return { kind: 'floats', value: [...a.floats] };
    case T.INTS: return { kind: 'ints', value: a.ints.map(toNumber) };
    case T.TENSOR: return { kind: 'tensor', value: tensorOf(a.t as TensorProto, `${where} attribute ${a.name}`) };
    default: return { kind: 'other', type: a.type };
  }
}

function valueInfo(v: ValueInfoProto): OnnxValueInfo {
  const shape = v.type?.tensorType?.shape;
  const dims = shape ? (shape.dim ?? []).map((d) => (d.dimValue !== null && d.dimValue !== undefined && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : (d.dimParam || null))) : null;
  return { name: v.name, dims };
}

function decodeModel(bytes: Uint8Array, source: string): InstanceType<typeof onnx.ModelProto> {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxError('onnx:unreadable', `${source}: not an ONNX model (${describeThrown(e)})`, { cause: e });
  }
}

/** Decodes an ONNX model; `source` (a file name) names it in errors. */
export function decodeOnnx(bytes: Uint8Array, source = '<ONNX bytes>'): OnnxGraph {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new OnnxError('onnx:unreadable', `${source}: not an ONNX model (no bytes)`);
  const model = decodeModel(bytes, source);
  const graph = model.graph as GraphProto | null | undefined;
  if (!graph || graph.node.length === 0) throw new OnnxError('onnx:bad-graph', `${source}: the model has no graph or its graph has no nodes`);
  const defaultDomain = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!defaultDomain) throw new OnnxError('onnx:bad-graph', `${source}: the model imports no version of the default ONNX operator set`);
  if ((graph.sparseInitializer ?? []).length > 0) throw new OnnxError('onnx:unsupported', `${source}: sparse initializers are not supported`);
  const initializers = new Map((graph.initializer as TensorProto[]).map((t, i) => [t.name, tensorOf(t, `${source}: initializer ${i} '${t.name}'`)] as const));
  const nodes = (graph.node as NodeProto[]).map((n, i): OnnxNode => {
    const label = `${source}: node ${i}${n.name ? ` '${n.name}'` : ''} (${n.opType})`;
    return { label, op: n.opType, domain: n.domain ?? '', inputs: [...n.input], outputs: [...n.output], attributes: new Map((n.attribute as AttributeProto[]).map((a) => [a.name, attributeOf(a, label)])) };
  });
  return {
    source,
    opset: toNumber(defaultDomain.version),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    nodes,
    initializers,
    inputs: (graph.input as ValueInfoProto[]).filter((v) => !initializers.has(v.name)).map(valueInfo),
    outputs: (graph.output as ValueInfoProto[]).map(valueInfo),
  };
}
