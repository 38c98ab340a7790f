/**
 * `fromOnnx(bytes)`: an ONNX model as an fgflow model, an `apply(params, x)` that interprets the
 * graph node by node with the DSL's differentiable operations, and its float initializers as a
 * params record (a pytree), so the model can be differentiated to any order, interpreted, and
 * fine-tuned like a model built in fgflow. Integer initializers and Constants (shapes, pads,
 * axes) are fixed, not parameters.
 *
 * Every node is checked when the model is imported: an op outside SUPPORTED_OPS is an OnnxError
 * naming the op, the node and the supported list; so is an input that no earlier node produces.
 */
import { FgflowError } from '../../tensor/errors.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { Key } from '../../tensor/random.ts';
import type { Model } from '../layers.ts';
import { decodeOnnx, type OnnxGraph, type OnnxNode, type OnnxValueInfo } from './decode.ts';
import { OnnxError } from './errors.ts';
import { constantValue, IntTensor, NodeContext, OPS, SUPPORTED_OPS, type Value } from './ops/index.ts';

export type OnnxParams = Record<string, Tensor>;

export interface OnnxImportOptions {
  /** dtype of the params and of every value (default 'f32'; 'f64' for derivative checks). */
  readonly dtype?: 'f32' | 'f64';
  /** Names the model in errors (a file name). */
  readonly source?: string;
}

export interface OnnxModel extends Model<OnnxParams> {
  /** The graph's float initializers, in the model's dtype. */
  readonly params: OnnxParams;
  readonly dtype: 'f32' | 'f64';
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** The distinct op types of the graph, sorted. */
  readonly ops: readonly string[];
  readonly opset: number;
  readonly producer: string;
  /** The value `apply` returns (the graph's first output unless `withOutput` chose another). */
  readonly output: string;
  /** The node that produces `output`: its op (e.g. 'Gemm', 'Sigmoid', 'Softmax') and inputs. */
  readonly outputNode?: { readonly op: string; readonly inputs: readonly string[] };
  /** The same model with `apply` returning another value of the graph (e.g. the logits before a final Softmax). */
  withOutput(name: string): OnnxModel;
  /** Every output of the graph, given every input by name. */
  run(params: OnnxParams, inputs: Readonly<Record<string, Tensor>>): Record<string, Tensor>;
}

function checkNodes(graph: OnnxGraph): void {
  const defined = new Set<string>([...graph.inputs.map((v) => v.name), ...graph.initializers.keys()]);
  for (const node of graph.nodes) {
    if (node.domain !== '' && node.domain !== 'ai.onnx')
      throw new OnnxError('onnx:unsupported-op', `${node.label}: op ${node.domain}.${node.op} from a custom domain is not supported; fgflow imports ${SUPPORTED_OPS.join(', ')} from the default domain`);
    if (!OPS[node.op]) throw new OnnxError('onnx:unsupported-op', `${node.label}: op ${node.op} is not supported; fgflow imports ${SUPPORTED_OPS.join(', ')}`);
    const missing = node.inputs.find((i) => i !== '' && !defined.has(i));
    if (missing !== undefined) throw new OnnxError('onnx:bad-graph', `${node.label}: input '${missing}' is produced by no earlier node, initializer or graph input`);
    for (const o of node.outputs) if (o !== '') defined.add(o);
  }
  const absent = graph.outputs.find((o) => !defined.has(o.name));
  if (absent) throw new OnnxError('onnx:bad-graph', `${graph.source}: graph output '${absent.name}' is produced by no node`);
  if (graph.inputs.length === 0) throw new OnnxError('onnx:bad-graph', `${graph.source}: the graph has no input`);
  if (graph.outputs.length === 0) throw new OnnxError('onnx:bad-graph', `${graph.source}: the graph has no output`);
}

function checkInput(graph: OnnxGraph, info: OnnxValueInfo, x: unknown, dtype: string): Tensor {
  if (!(x instanceof Tensor)) throw new OnnxError('onnx:bad-input', `${graph.source}: input '${info.name}' must be a tensor`);
  if (x.dtype !== dtype) throw new OnnxError('onnx:bad-input', `${graph.source}: input '${info.name}' is ${x.dtype} but the model was imported as ${dtype}`);
  const dims = info.dims;
  if (dims && (dims.length !== x.shape.length || dims.some((d, i) => typeof d === 'number' && d !== x.shape[i])))
    throw new OnnxError('onnx:bad-input', `${graph.source}: input '${info.name}' must have shape [${dims.map((d) => d ?? '?').join(', ')}], got [${x.shape.join(', ')}]`);
  return x;
}

function runNode(node: OnnxNode, env: Map<string, Value>, opset: number, dtype: 'f32' | 'f64'): void {
  const ctx = new NodeContext(node, node.inputs.map((i) => (i === '' ? undefined : env.get(i))), opset, dtype);
  let outs: Value[];
  try {
    outs = OPS[node.op]!(ctx);
  } catch (e) {
    if (e instanceof OnnxError || !(e instanceof FgflowError)) throw e;
    throw new OnnxError('onnx:bad-input', `${node.label}: ${e.message}`, { cause: e });
  }
  node.outputs.forEach((name, k) => {
    if (name !== '' && outs[k] !== undefined) env.set(name, outs[k]!);
  });
}

function paramsOf(graph: OnnxGraph, dtype: 'f32' | 'f64'): OnnxParams {
  const params: OnnxParams = {};
  for (const [name, t] of graph.initializers) if (t.kind === 'float') params[name] = constantValue(t, dtype) as Tensor;
  return params;
}

/** Imports an ONNX model (the bytes of a .onnx file). */
export function fromOnnx(bytes: Uint8Array, options: OnnxImportOptions = {}): OnnxModel {
  const dtype = options.dtype ?? 'f32';
  const graph = decodeOnnx(bytes, options.source);
  checkNodes(graph);
  const params = paramsOf(graph, dtype);
  const fixed = new Map<string, Value>([...graph.initializers].filter(([, t]) => t.kind === 'int').map(([name, t]) => [name, constantValue(t, dtype)]));
  return build(graph, params, fixed, dtype, graph.outputs[0]!.name);
}

function build(graph: OnnxGraph, params: OnnxParams, fixed: ReadonlyMap<string, Value>, dtype: 'f32' | 'f64', output: string): OnnxModel {
  const evaluate = (p: OnnxParams, inputs: Readonly<Record<string, Tensor>>, names: readonly string[]): Record<string, Tensor> => {
    const env = new Map<string, Value>(fixed);
    for (const name of Object.keys(params)) {
      const v = p[name];
      if (!(v instanceof Tensor)) throw new OnnxError('onnx:bad-input', `${graph.source}: params lack the tensor '${name}'`);
      env.set(name, v);
    }
    for (const info of graph.inputs) env.set(info.name, checkInput(graph, info, inputs[info.name], dtype));
    for (const node of graph.nodes) runNode(node, env, graph.opset, dtype);
    return Object.fromEntries(names.map((name) => {
      const v = env.get(name);
      if (!(v instanceof Tensor)) throw new OnnxError('onnx:unsupported', `${graph.source}: output '${name}' is an integer tensor, not a float one`);
      return [name, v];
    }));
  };
  const first = graph.inputs[0]!.name;
  const producer = graph.nodes.find((n) => n.outputs.includes(output));
  const known = new Set([...graph.nodes.flatMap((n) => n.outputs), ...graph.inputs.map((i) => i.name)]);
  return {
    params,
    dtype,
    inputs: graph.inputs,
    outputs: graph.outputs,
    ops: [...new Set(graph.nodes.map((n) => n.op))].sort(),
    opset: graph.opset,
    producer: graph.producer,
    output,
    ...(producer ? { outputNode: { op: producer.op, inputs: producer.inputs } } : {}),
    withOutput: (name) => {
      if (!known.has(name)) throw new OnnxError('onnx:bad-graph', `${graph.source}: the graph has no value '${name}'`);
      return build(graph, params, fixed, dtype, name);
    },
    run: (p, inputs) => evaluate(p, inputs, graph.outputs.map((o) => o.name)),
    init: (_key: Key) => params,
    apply: (p, x) => evaluate(p, { [first]: x as Tensor }, [output])[output]!,
  };
}
